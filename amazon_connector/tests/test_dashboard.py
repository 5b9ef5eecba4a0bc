"""The workspace at a glance, on a real site: orders and sales per marketplace and day, the last run
and open failed records per account, and the workspace and its HTML block as installed."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import frappe
from frappe.utils import add_days, flt, getdate, now_datetime, today

from amazon_connector.amazon_connector.dashboard_chart_source.amazon_marketplaces import (
	amazon_marketplaces,
)
from amazon_connector.core.ports import Outcome
from amazon_connector.dashboard import accounts_at_a_glance
from amazon_connector.erpnext_adapter.port import ErpNextPort
from amazon_connector.runner.sync_log import update_open_failures
from amazon_connector.tests import factories as f
from amazon_connector.tests.base import TestCase
from amazon_connector.workspace_blocks import BLOCKS, block_parts

COMPANY, ABBR = "_Test Amazon Glance Co", "_TAG"


class TestMarketplacesPerDay(TestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		f.make_company(COMPANY, ABBR)
		cls.settings = f.make_amazon_settings(
			COMPANY, account_name="_Test Amazon Glance", marketplaces=[f.MARKETPLACE_US, f.MARKETPLACE_DE]
		)
		f.make_item("_TAG-GLANCE")
		port = ErpNextPort(frappe.get_doc("Amazon Settings", cls.settings.name))
		noon = datetime.now(timezone.utc).replace(hour=12, minute=0, second=0, microsecond=0)
		cls.orders = {
			"111-7000001-0000001": (f.MARKETPLACE_US, noon - timedelta(days=1), "10.10"),
			"111-7000001-0000002": (f.MARKETPLACE_US, noon - timedelta(days=1), "5.25"),
			"111-7000001-0000003": (f.MARKETPLACE_US, noon - timedelta(days=3), "7.00"),
			"302-7000001-0000004": (f.MARKETPLACE_DE, noon - timedelta(days=3), "20.00"),
			# Older than the chart's span: left out.
			"111-7000001-0000005": (f.MARKETPLACE_US, noon - timedelta(days=20), "99.00"),
		}
		for order_id, (marketplace, placed, rate) in cls.orders.items():
			draft = f.order_draft(
				order_id,
				[("GLANCE-SKU", "_TAG-GLANCE", 1, rate)],
				marketplace=marketplace,
				purchase_date=placed,
			)
			assert port.upsert_sales_order(draft) in (Outcome.CREATED, Outcome.UNCHANGED)

	def chart(self, **filters):
		return amazon_marketplaces.get(filters=json.dumps({"company": COMPANY, "days": 5, **filters}))

	def booked(self):
		"""(day, marketplace name, base grand total) of the orders as ERPNext holds them."""
		names = {m[0]: m[1] for m in (f.MARKETPLACE_US, f.MARKETPLACE_DE)}
		rows = frappe.get_all(
			"Sales Order",
			filters={"amazon_order_id": ("in", list(self.orders)), "docstatus": 1},
			fields=["transaction_date", "amazon_marketplace_id", "base_grand_total"],
		)
		first = getdate(add_days(today(), -4))
		return [
			(r.transaction_date, names[r.amazon_marketplace_id], flt(r.base_grand_total))
			for r in rows
			if r.transaction_date >= first
		]

	def test_orders_per_marketplace_and_day_count_each_day_of_the_span(self):
		chart = self.chart(measure="Orders")
		days = [getdate(add_days(today(), -n)) for n in range(4, -1, -1)]
		self.assertEqual(len(chart["labels"]), 5)
		expected = {}
		for day, name, _ in self.booked():
			expected.setdefault(name, [0.0] * 5)[days.index(day)] += 1
		self.assertEqual({d["name"]: d["values"] for d in chart["datasets"]}, expected)
		self.assertEqual(sum(expected["Amazon.com"]), 3)  # the 20-day-old order is outside the span
		self.assertEqual(sum(expected["Amazon.de"]), 1)

	def test_sales_are_company_currency_totals_and_total_per_marketplace_adds_them_up(self):
		per_day = {d["name"]: d["values"] for d in self.chart(measure="Sales")["datasets"]}
		totals = {}
		for _, name, amount in self.booked():
			totals[name] = round(totals.get(name, 0) + amount, 2)
		self.assertEqual({name: round(sum(values), 2) for name, values in per_day.items()}, totals)
		total = self.chart(measure="Sales", per="Total")
		self.assertEqual(dict(zip(total["labels"], total["datasets"][0]["values"], strict=True)), totals)

	def test_a_measure_it_does_not_know_is_refused(self):
		with self.assertRaises(frappe.ValidationError):
			self.chart(measure="Profit")


class TestAccountsAtAGlance(TestCase):
	def log(self, account, started, status="Success", kind="orders", failures=(), dry_run=0):
		"""A sync log with its open failures counted as the runner counts them."""
		log = frappe.get_doc(
			{
				"doctype": "Amazon Sync Log",
				"amazon_account": account,
				"kind": kind,
				"status": status,
				"dry_run": dry_run,
				"started": started,
				"failures": [
					dict(record_kind="order", amazon_id=i, reason="boom", retried=r) for i, r in failures
				],
			}
		).insert(ignore_permissions=True)
		update_open_failures(log.name)
		return log

	def test_each_account_shows_its_last_run_and_the_failed_records_still_open(self):
		company = f.make_company(COMPANY, ABBR)
		busy = f.make_amazon_settings(company, account_name="_Test Amazon Glance Busy")
		idle = f.make_amazon_settings(company, account_name="_Test Amazon Glance Idle")
		now = now_datetime()
		self.log(
			busy.name, now - timedelta(hours=5), "Partial Success", failures=[("a", 0), ("b", 0), ("c", 1)]
		)
		self.log(busy.name, now - timedelta(hours=2), "Partial Success", "fees", failures=[("d", 0)])
		last = self.log(busy.name, now - timedelta(hours=1), "Success", "products")
		self.log(busy.name, now, "Failed", failures=[("e", 0)], dry_run=1)  # a dry run books nothing

		rows = {row["account"]: row for row in accounts_at_a_glance()}
		self.assertEqual(rows[busy.name]["open_failures"], 3)
		self.assertEqual(
			(rows[busy.name]["last_run"]["log"], rows[busy.name]["last_run"]["kind"]), (last.name, "products")
		)
		self.assertEqual(rows[busy.name]["last_run"]["status"], "Success")
		self.assertEqual(rows[busy.name]["last_run"]["label"], "Products")
		self.assertIsNone(rows[idle.name]["last_run"])
		self.assertEqual(rows[idle.name]["open_failures"], 0)

	def test_only_people_who_may_read_sync_logs_get_the_rows(self):
		frappe.set_user(f.make_user("amazon-glance-nobody@example.com", []))
		try:
			with self.assertRaises(frappe.PermissionError):
				accounts_at_a_glance()
		finally:
			frappe.set_user("Administrator")


class TestWorkspaceAsInstalled(TestCase):
	def test_the_site_has_the_workspace_and_html_block_the_app_ships(self):
		shipped = Path(
			frappe.get_app_path("amazon_connector", "amazon_connector", "workspace", "amazon_connector")
		)
		workspace = json.loads((shipped / "amazon_connector.json").read_text())
		# Migrate re-imports a workspace only when its file is newer: a change shipped without a new
		# "modified" would never reach an existing site.
		self.assertEqual(
			frappe.db.get_value("Workspace", "Amazon Connector", "content"), workspace["content"]
		)
		for name, folder in BLOCKS.items():
			doc = frappe.get_doc("Custom HTML Block", name)
			self.assertEqual({k: doc.get(k) for k in ("html", "script", "style")}, block_parts(folder))
