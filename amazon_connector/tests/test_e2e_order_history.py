"""Read Order History From Reports, end to end: the Amazon Settings field reaches the engines'
settings, and an order sync through the job runner with it on imports, against the simulator, the
same Sales Orders (ids, currencies, grand totals) as with it off, and as the world says.
"""

from __future__ import annotations

from decimal import Decimal

import frappe

from amazon_connector.erpnext_adapter.settings import read_settings, sync_settings
from amazon_connector.runner import run as jobs
from amazon_connector.runner.options import Runtime
from amazon_connector.spapi.client import SpApiSession
from amazon_connector.tests import e2e_support as e2e
from amazon_connector.tests.e2e_support import TestCase

FIELD = "order_history_from_reports"


class TestOrderHistoryField(TestCase):
	def test_new_records_have_it_on_and_the_reader_passes_it_to_the_engines(self):
		self.assertEqual(frappe.new_doc("Amazon Settings").get(FIELD), 1)
		account = e2e.start_account(seed=41, orders=5, account_name="_Test History Field")
		self.addCleanup(account.stop)
		doc = frappe.get_doc("Amazon Settings", account.name)
		for value in (1, 0):
			doc.set(FIELD, value)
			doc.save(ignore_permissions=True)
			stored = frappe.get_doc("Amazon Settings", account.name)
			self.assertEqual(read_settings(stored).order_history_from_reports, bool(value))
			self.assertIs(sync_settings(stored).extra[FIELD], bool(value))


class TestE2EOrderHistoryThroughTheRunner(TestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		# WORLD_DAYS of orders ending three days ago: most are older than the history's seven days.
		cls.account = e2e.start_account(
			seed=42, orders=60, account_name="_Test E2E Order History", marketplaces=("US", "UK", "DE")
		)
		cls.addClassCleanup(cls.account.stop)
		frappe.db.set_single_value("Stock Settings", "allow_negative_stock", 1)

	def runtime(self) -> Runtime:
		def session(config):
			session = SpApiSession(config)
			session.throttle_enabled = False  # the simulator's usage plans are off
			return session

		return Runtime(
			session_factory=session,
			now=self.account.sim.now,
			settings_extra={"report_poll_interval": 0.2, "report_deadline": 60},
		)

	def sync_orders(self, history: bool):
		frappe.db.set_value("Amazon Settings", self.account.name, FIELD, int(history))
		(result,) = jobs.run_sync(self.account.name, ["orders"], runtime=self.runtime())
		self.assertFalse(result.crashed, result.report.messages)
		self.assertFalse(result.report.failures, e2e.failure_lines(result.report)[:5])
		imported = {
			order_id: (row.currency, Decimal(str(row.grand_total)), row.docstatus)
			for order_id, row in e2e.sales_orders(self.account.name).items()
		}
		return result.report, imported

	def test_the_same_sales_orders_with_the_history_from_reports_as_without(self):
		account = self.account
		frappe.db.savepoint("history_off")
		searched_report, searched = self.sync_orders(history=False)
		frappe.db.rollback(save_point="history_off")
		self.assertEqual(e2e.sales_orders(account.name), {})

		history_report, from_reports = self.sync_orders(history=True)

		self.assertEqual(set(from_reports), set(searched))
		for order_id, (currency, total, docstatus) in searched.items():
			self.assertEqual(from_reports[order_id], (currency, total, docstatus), order_id)
		expected = e2e.expected_orders(account.world, account.start)
		self.assertEqual({o: (c, t) for o, (c, t, _) in from_reports.items()}, expected)
		self.assertEqual(e2e.duplicated_order_ids(account.name), [])
		# The history path really ran: reports were read, and fewer searches made.
		self.assertGreaterEqual(history_report.api_calls.get("createReport", 0), 3)
		self.assertNotIn("createReport", searched_report.api_calls)
		self.assertLess(
			history_report.api_calls.get("searchOrders", 0), searched_report.api_calls["searchOrders"]
		)
		self.assertTrue(any(w.startswith("order reports ") for w in history_report.windows))
