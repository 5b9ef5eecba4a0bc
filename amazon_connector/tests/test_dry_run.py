"""The dry run compares with what ERPNext has (`erpnext_adapter.dry_run`), on a real bench against the
simulator: after a real run it finds every record unchanged, it reads only its recent window, and it
writes nothing."""

from __future__ import annotations

from datetime import timedelta
from unittest.mock import patch

import frappe
from frappe.utils import add_days, get_datetime, getdate, today

from amazon_connector.runner import options
from amazon_connector.runner import run as runner
from amazon_connector.tests.sim_support import TestCase, runtime_for, simulated_settings, start_simulator

STAGES = ["products", "orders"]


class TestDryRun(TestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.sim = start_simulator(orders=24, seed=83, sku_prefix="DRYRUN-")
		cls.addClassCleanup(cls.sim.stop)

	def setUp(self):
		patcher = patch.object(options.OPTIONS, "runtime", runtime_for(self.sim))
		patcher.start()
		self.addCleanup(patcher.stop)

	def counts(self, results):
		return {r.stage: dict(r.report.counts) for r in results}

	def test_a_dry_run_after_a_real_run_finds_everything_unchanged(self):
		doc = simulated_settings(self.sim, "_Test Amazon Dry Run", dry_run_days=0)
		before = self.counts(runner.run_sync(doc.name, STAGES, dry_run=True))
		# Nothing imported yet: the dry run would create the Items and the orders.
		self.assertGreater(before["products"].get("created", 0), 0, before)
		self.assertGreater(before["orders"].get("created", 0), 0, before)

		real = self.counts(runner.run_sync(doc.name, STAGES))
		self.assertEqual(real["orders"].get("created", 0), before["orders"]["created"])
		orders = frappe.db.count("Sales Order", {"amazon_account": doc.name})
		checkpoint = frappe.db.get_value("Amazon Sync Checkpoint", {"amazon_account": doc.name}, "modified")

		after = self.counts(runner.run_sync(doc.name, STAGES, dry_run=True))
		for stage in STAGES:
			self.assertEqual(after[stage].get("created", 0), 0, (stage, after))
			self.assertEqual(after[stage].get("updated", 0), 0, (stage, after))
			self.assertEqual(after[stage].get("failed", 0), 0, (stage, after))
		self.assertEqual(after["products"].get("unchanged", 0), real["products"].get("created", 0))
		self.assertEqual(after["orders"].get("unchanged", 0), orders)
		# And it wrote nothing: no order, no checkpoint moved.
		self.assertEqual(frappe.db.count("Sales Order", {"amazon_account": doc.name}), orders)
		self.assertEqual(
			frappe.db.get_value("Amazon Sync Checkpoint", {"amazon_account": doc.name}, "modified"),
			checkpoint,
		)

	def test_a_changed_order_is_an_update_and_the_window_is_recent(self):
		# A seller of its own: Sales Orders are found by Amazon order id, whichever account imported them.
		sim = start_simulator(orders=24, seed=84, sku_prefix="DRYRUN-WINDOW-")
		self.addCleanup(sim.stop)
		patcher = patch.object(options.OPTIONS, "runtime", runtime_for(sim))
		patcher.start()
		self.addCleanup(patcher.stop)
		doc = simulated_settings(sim, "_Test Amazon Dry Run Window", dry_run_days=0)
		runner.run_sync(doc.name, STAGES)
		# ERPNext's copy of the newest order is older than Amazon's: the dry run would update it.
		name, order_id = frappe.get_all(
			"Sales Order",
			{"amazon_account": doc.name, "docstatus": 1},
			["name", "amazon_order_id"],
			order_by="transaction_date desc",
			limit=1,
			as_list=True,
		)[0]
		stale = get_datetime(frappe.db.get_value("Sales Order", name, "amazon_last_updated")) - timedelta(
			days=1
		)
		frappe.db.set_value("Sales Order", name, "amazon_last_updated", stale, update_modified=False)
		frappe.db.set_value("Amazon Settings", doc.name, "dry_run_days", 3)
		[_products, orders] = runner.run_sync(doc.name, STAGES, dry_run=True)
		counts = orders.report.counts
		self.assertEqual(counts.get("created", 0), 0, counts)
		self.assertEqual(counts.get("updated", 0), 1, (order_id, counts))
		# Only the last three days were read: fewer orders than ERPNext has.
		self.assertTrue(orders.report.windows)
		for line in orders.report.windows:
			start = line.split(" ")[1]
			self.assertGreaterEqual(
				getdate(start[:10]), getdate(add_days(today(), -4)), orders.report.windows
			)
		self.assertLess(
			counts.get("unchanged", 0) + 1, frappe.db.count("Sales Order", {"amazon_account": doc.name})
		)
