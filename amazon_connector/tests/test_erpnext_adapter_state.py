"""ErpNextPort state: checkpoints, and record scopes that undo one failing record's writes only."""

from __future__ import annotations

from decimal import Decimal

import frappe

from amazon_connector.core.engine.report import SyncReport, run_isolated
from amazon_connector.core.ports import Outcome
from amazon_connector.tests import factories as f
from amazon_connector.tests.base import AdapterTestCase


class TestErpNextAdapterState(AdapterTestCase):
	def test_checkpoints_round_trip_and_update(self):
		port = self.port()
		self.assertIsNone(port.get_checkpoint("orders"))
		port.set_checkpoint("orders", {"last_updated_after": "2026-11-01T00:00:00Z", "windows": [1, 2]})
		port.set_checkpoint("orders", {"last_updated_after": "2026-11-02T00:00:00Z"})
		self.assertEqual(self.port().get_checkpoint("orders"), {"last_updated_after": "2026-11-02T00:00:00Z"})
		self.assertEqual(
			frappe.db.count(
				"Amazon Sync Checkpoint", {"amazon_account": self.settings.name, "kind": "orders"}
			),
			1,
		)
		self.assertIsNone(port.get_checkpoint("fees"))

	def test_a_failing_record_is_rolled_back_and_the_others_kept(self):
		port = self.port()
		good = f.item_draft("SCOPE-GOOD-1", price=Decimal("5.00"))
		bad = f.item_draft("SCOPE-BAD-1", price=Decimal("5.00"))

		def fail_after_writing():
			port.upsert_item(bad)  # creates the Item, its price and its mapping ...
			raise RuntimeError("simulated failure after the writes")  # ... then the record fails

		report = SyncReport(kind="products", account=self.settings.name)
		self.assertIsNone(run_isolated(report, port, "item", bad.sku, fail_after_writing))
		self.assertEqual(
			run_isolated(report, port, "item", good.sku, lambda: port.upsert_item(good)), Outcome.CREATED
		)

		self.assertFalse(frappe.db.exists("Item", "SCOPE-BAD-1"))
		self.assertFalse(frappe.db.exists("Item Price", {"item_code": "SCOPE-BAD-1"}))
		self.assertFalse(frappe.db.exists("Amazon Item", {"sku": "SCOPE-BAD-1"}))
		self.assertTrue(frappe.db.exists("Item", "SCOPE-GOOD-1"))
		self.assertTrue(frappe.db.exists("Amazon Item", {"sku": "SCOPE-GOOD-1"}))
		self.assertEqual([failure.amazon_id for failure in report.failures], ["SCOPE-BAD-1"])

	def test_an_order_failing_midway_leaves_no_customer_or_address_behind(self):
		port = self.port()
		f.make_item("_TAC-WIDGET")
		draft = f.order_draft(
			"111-2000001-0000001",
			# The customer and address are written before the missing item is found.
			lines=[("WIDGET", "_TAC-NO-SUCH-ITEM", 1, "10.00")],
			customer_key="amazon-buyer-scope-1",
		)
		report = SyncReport(kind="orders", account=self.settings.name)
		self.assertIsNone(
			run_isolated(report, port, "order", draft.amazon_order_id, lambda: port.upsert_sales_order(draft))
		)
		self.assertIn("111-2000001-0000001", report.failures[0].reason)
		self.assertIn("_TAC-NO-SUCH-ITEM", report.failures[0].reason)
		self.assertFalse(frappe.db.exists("Customer", {"amazon_customer_key": "amazon-buyer-scope-1"}))
		self.assertFalse(frappe.db.exists("Address", {"amazon_address_key": "amazon-buyer-scope-1-address"}))
		self.assertFalse(frappe.db.exists("Sales Order", {"amazon_order_id": draft.amazon_order_id}))
