"""ErpNextPort orders: Sales Orders exact to the cent (USD, EUR VAT-inclusive, JPY), idempotent,
cancelled or flagged as Amazon says, amended when Amazon changes the money."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import frappe
from frappe.utils import flt

from amazon_connector.core.drafts import orders as kinds
from amazon_connector.core.drafts.orders import ChargeDraft, PackageDraft
from amazon_connector.core.mapping.order_rows import order_rows
from amazon_connector.core.ports import Outcome
from amazon_connector.erpnext_adapter.errors import AdapterError
from amazon_connector.tests import factories as f
from amazon_connector.tests.base import AdapterTestCase


def _shipping(amount, **kw):
	return ChargeDraft(kind=kinds.SHIPPING, description="Shipping", amount=Decimal(amount), **kw)


def _tax(amount, kind=kinds.TAX, included=False, applies_to="", collected_by=kinds.SELLER):
	return ChargeDraft(
		kind=kind,
		description="Tax",
		amount=Decimal(amount),
		included_in_rate=included,
		applies_to=applies_to,
		collected_by=collected_by,
	)


class TestErpNextAdapterOrders(AdapterTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.us = cls.settings
		cls.de = cls.make_eu_settings()
		cls.jp = f.make_amazon_settings(
			cls.company, account_name="_Test Amazon JP", region="FE", marketplaces=[f.MARKETPLACE_JP]
		)
		f.make_item("_TAC-WIDGET")
		f.make_item("_TAC-GADGET")
		f.make_item("_TAC-SERVICE", is_stock_item=0)

	def order_of(self, amazon_order_id):
		name = frappe.db.get_value("Sales Order", {"amazon_order_id": amazon_order_id}, "name")
		return frappe.get_doc("Sales Order", name) if name else None

	def account_parent(self, account):
		return frappe.db.get_value("Account", account, "parent_account")

	# -- money ---------------------------------------------------------------------------------
	def test_usd_order_with_facilitator_tax_is_exact(self):
		draft = f.order_draft(
			"111-0000001-0000001",
			lines=[("WIDGET", "_TAC-WIDGET", 2, "12.50"), ("GADGET", "_TAC-GADGET", 1, "9.99")],
			charges=[
				_shipping("4.99"),
				ChargeDraft(kind=kinds.DISCOUNT, description="Promotion", amount=Decimal("-1.00")),
				_tax("2.76", kind=kinds.FACILITATOR_TAX, collected_by=kinds.MARKETPLACE),
			],
		)
		self.assertEqual(draft.grand_total, Decimal("41.74"))
		self.assertEqual(self.port().upsert_sales_order(draft), Outcome.CREATED)

		so = self.order_of(draft.amazon_order_id)
		self.assertEqual(so.docstatus, 1)
		self.assertEqual(flt(so.grand_total), 41.74)
		self.assertEqual(flt(so.rounding_adjustment), 0)
		self.assertEqual(so.currency, "USD")
		self.assertEqual(so.po_no, draft.amazon_order_id)
		self.assertEqual(so.set_warehouse, self.us.warehouse)
		self.assertEqual(
			[(i.item_code, i.qty, i.rate) for i in so.items],
			[("_TAC-WIDGET", 2, 12.5), ("_TAC-GADGET", 1, 9.99)],
		)
		self.assertEqual(
			[i.amazon_order_item_id for i in so.items], [line.order_item_id for line in draft.lines]
		)
		taxes = {
			frappe.db.get_value("Account", t.account_head, "account_name"): t.tax_amount for t in so.taxes
		}
		self.assertEqual(
			taxes,
			{
				"Amazon Shipping Income": 4.99,
				"Amazon Promotion Discounts": -1.0,
				"Amazon Marketplace Facilitator Tax Withheld": 2.76,
			},
		)
		self.assertTrue(all(t.charge_type == "Actual" for t in so.taxes))
		# The tax Amazon collects sits under the configured group, where the fee entries clear it.
		facilitator = next(t.account_head for t in so.taxes if "Facilitator" in t.account_head)
		self.assertEqual(self.account_parent(facilitator), self.us.account_group)
		self.assertEqual(frappe.db.get_value("Account", facilitator, "account_type"), "Tax")
		self.assertEqual(so.amazon_account, self.us.name)
		self.assertEqual(so.amazon_status, "UNSHIPPED")
		# The customer and the address Amazon shares without a Restricted Data Token.
		self.assertEqual(
			frappe.db.get_value("Customer", so.customer, "amazon_customer_key"), "amazon-buyer-test-1"
		)
		address = frappe.get_doc("Address", so.shipping_address_name)
		self.assertEqual(
			(address.city, address.pincode, address.country), ("Springfield", "62701", "United States")
		)
		self.assertIn("62701 Springfield", address.address_line1)

	def test_eur_vat_inclusive_order_is_booked_net_with_the_vat_visible(self):
		draft = f.order_draft(
			"302-0000001-0000001",
			marketplace=f.MARKETPLACE_DE,
			customer_key="amazon-buyer-de-1",
			lines=[("WIDGET", "_TAC-WIDGET", 3, "19.99", "9.58", True)],
			charges=[
				_shipping("4.90"),
				_tax("9.58", included=True, applies_to="ITEM"),
				_tax("0.78", included=True, applies_to="SHIPPING"),
			],
		)
		self.assertEqual(draft.grand_total, Decimal("64.87"))
		self.assertEqual(self.port(self.de).upsert_sales_order(draft), Outcome.CREATED)

		so = self.order_of(draft.amazon_order_id)
		self.assertEqual(so.currency, "EUR")
		self.assertEqual(flt(so.conversion_rate), 1.1)
		self.assertEqual(flt(so.grand_total), 64.87)
		self.assertEqual(flt(so.base_grand_total), flt(64.87 * 1.1, 2))
		# 59.97 - 9.58 = 50.39 net for 3 units: 1 x 16.79 + 2 x 16.80, same order item.
		self.assertEqual(sorted((i.qty, i.rate) for i in so.items), [(1, 16.79), (2, 16.8)])
		self.assertEqual({i.amazon_order_item_id for i in so.items}, {draft.lines[0].order_item_id})
		self.assertEqual(flt(so.net_total), 50.39)
		rows = [
			(frappe.db.get_value("Account", t.account_head, "account_name"), t.tax_amount) for t in so.taxes
		]
		self.assertIn(("Amazon Shipping Income", 4.12), rows)
		self.assertEqual(sum(a for n, a in rows if n == "Amazon Output VAT"), 10.36)

	def test_jpy_order_is_exact(self):
		draft = f.order_draft(
			"503-0000001-0000001",
			marketplace=f.MARKETPLACE_JP,
			customer_key="amazon-buyer-jp-1",
			lines=[("GADGET", "_TAC-GADGET", 2, "1980", "360", True)],
			charges=[_tax("360", included=True, applies_to="ITEM")],
		)
		self.assertEqual(self.port(self.jp).upsert_sales_order(draft), Outcome.CREATED)
		so = self.order_of(draft.amazon_order_id)
		self.assertEqual((so.currency, flt(so.grand_total)), ("JPY", 3960))
		self.assertEqual([(i.qty, i.rate) for i in so.items], [(2, 1800)])
		self.assertEqual(flt(so.base_grand_total), flt(3960 * 0.0067, 2))

	def test_price_lists_and_pricing_rules_do_not_change_amazons_rates(self):
		frappe.get_doc(
			{
				"doctype": "Item Price",
				"item_code": "_TAC-GADGET",
				"price_list": "_Test Amazon US",
				"price_list_rate": 99.0,
			}
		).insert(ignore_permissions=True)
		frappe.get_doc(
			{
				"doctype": "Pricing Rule",
				"title": "_Test Amazon 10 percent off",
				"apply_on": "Item Code",
				"items": [{"item_code": "_TAC-GADGET"}],
				"selling": 1,
				"company": self.company,
				"rate_or_discount": "Discount Percentage",
				"discount_percentage": 10,
			}
		).insert(ignore_permissions=True)
		draft = f.order_draft("111-0000010-0000010", lines=[("GADGET", "_TAC-GADGET", 3, "7.77")])
		self.port().upsert_sales_order(draft)
		so = self.order_of(draft.amazon_order_id)
		[item] = so.items
		self.assertEqual((item.rate, item.price_list_rate, item.discount_percentage), (7.77, 7.77, 0))
		self.assertEqual(flt(so.grand_total), 23.31)

	def test_rows_keep_drafted_rates_when_tax_is_added(self):
		draft = f.order_draft(
			"111-0000009-0000009", lines=[("WIDGET", "_TAC-WIDGET", 3, "3.33")], charges=[_tax("0.70")]
		)
		rows = order_rows(draft)
		self.assertEqual([(r.qty, r.rate) for r in rows.items], [(Decimal(3), Decimal("3.33"))])
		self.assertEqual(rows.total, Decimal("10.69"))

	def test_missing_exchange_rate_fails_the_order_clearly(self):
		settings = f.make_amazon_settings(
			self.company,
			account_name="_Test Amazon SE",
			region="EU",
			marketplaces=[("A2NODRKZP88ZB9", "Amazon.se", "SE", "SEK")],
		)
		draft = f.order_draft(
			"404-0000001-0000001",
			marketplace=("A2NODRKZP88ZB9", "Amazon.se", "SE", "SEK"),
			lines=[("WIDGET", "_TAC-WIDGET", 1, "100.00")],
		)
		with self.assertRaises(AdapterError) as caught:
			self.port(settings).upsert_sales_order(draft)
		self.assertIn("404-0000001-0000001", str(caught.exception))
		self.assertIn("SEK", str(caught.exception))

	# -- identity and updates ---------------------------------------------------------------------
	def test_second_upsert_does_not_create_a_second_order(self):
		draft = f.order_draft("111-0000002-0000002", lines=[("WIDGET", "_TAC-WIDGET", 1, "10.00")])
		port = self.port()
		self.assertEqual(port.upsert_sales_order(draft), Outcome.CREATED)
		self.assertEqual(port.upsert_sales_order(draft), Outcome.UNCHANGED)
		self.assertEqual(frappe.db.count("Sales Order", {"amazon_order_id": draft.amazon_order_id}), 1)

		shipped = replace(
			draft, amazon_status="SHIPPED", last_updated=draft.last_updated + timedelta(hours=3)
		)
		self.assertEqual(port.upsert_sales_order(shipped), Outcome.UPDATED)
		so = self.order_of(draft.amazon_order_id)
		self.assertEqual(so.amazon_status, "SHIPPED")
		state = port.sales_order_state(draft.amazon_order_id)
		self.assertEqual((state.name, state.docstatus, state.amazon_status), (so.name, 1, "SHIPPED"))
		self.assertEqual(state.last_updated, shipped.last_updated)

	def test_shipments_are_recorded_on_the_submitted_order(self):
		draft = f.order_draft("111-0000002-0000003", lines=[("WIDGET", "_TAC-WIDGET", 1, "10.00")])
		port = self.port()
		self.assertEqual(port.upsert_sales_order(draft), Outcome.CREATED)
		self.assertFalse(self.order_of(draft.amazon_order_id).amazon_shipments)

		package = PackageDraft(
			reference="1", status="SHIPPED", carrier="UPS", tracking_number="1Z999AA10123456784"
		)
		shipped = replace(
			draft,
			amazon_status="SHIPPED",
			last_updated=draft.last_updated + timedelta(hours=5),
			packages=[package],
		)
		self.assertEqual(port.upsert_sales_order(shipped), Outcome.UPDATED)
		so = self.order_of(draft.amazon_order_id)
		self.assertEqual(so.docstatus, 1)
		self.assertEqual(so.amazon_shipments, "UPS · 1Z999AA10123456784 · SHIPPED")

	def test_a_lost_insert_race_updates_the_existing_order(self):
		draft = f.order_draft("111-0000003-0000003", lines=[("WIDGET", "_TAC-WIDGET", 1, "10.00")])
		port = self.port()
		port.upsert_sales_order(draft)
		plan = port.sales_orders._plan(draft)
		# In a real race neither job sees the other's uncommitted order, so ERPNext's own check for a
		# second order per PO number passes; switch it off here to reach the database's unique key.
		frappe.db.set_single_value("Selling Settings", "allow_against_multiple_purchase_orders", 1)
		# The unique Amazon order id makes the database refuse the second insert.
		self.assertFalse(port.sales_orders._insert_unless_raced(plan, draft))
		self.assertEqual(frappe.db.count("Sales Order", {"amazon_order_id": draft.amazon_order_id}), 1)

	def test_an_order_found_absent_then_imported_by_another_job_is_updated_not_doubled(self):
		draft = f.order_draft("111-0000013-0000013", lines=[("WIDGET", "_TAC-WIDGET", 1, "10.00")])
		port = self.port()
		# This job finds no Sales Order for the order, which it remembers for its upsert ...
		self.assertIsNone(port.sales_order_state(draft.amazon_order_id))
		# ... while another job imports it (as the scheduled sync and a notification drain may).
		self.port().upsert_sales_order(draft)
		frappe.db.set_single_value("Selling Settings", "allow_against_multiple_purchase_orders", 1)
		later = replace(draft, last_updated=draft.last_updated + timedelta(hours=1), amazon_status="SHIPPED")
		self.assertEqual(port.upsert_sales_order(later), Outcome.UPDATED)
		self.assertEqual(frappe.db.count("Sales Order", {"amazon_order_id": draft.amazon_order_id}), 1)
		self.assertEqual(self.order_of(draft.amazon_order_id).amazon_status, "SHIPPED")
		state = port.sales_order_state(draft.amazon_order_id)
		self.assertEqual(
			(state.name, state.amazon_status), (self.order_of(draft.amazon_order_id).name, "SHIPPED")
		)

	def test_pending_submission_stays_draft_until_amazon_accepts(self):
		draft = f.order_draft(
			"111-0000004-0000004", lines=[("WIDGET", "_TAC-WIDGET", 1, "10.00")], submit=False
		)
		port = self.port()
		port.upsert_sales_order(draft)
		self.assertEqual(self.order_of(draft.amazon_order_id).docstatus, 0)
		accepted = replace(draft, submit=True, last_updated=draft.last_updated + timedelta(hours=1))
		self.assertEqual(port.upsert_sales_order(accepted), Outcome.UPDATED)
		self.assertEqual(self.order_of(draft.amazon_order_id).docstatus, 1)

	def test_changed_money_on_a_submitted_order_cancels_and_amends(self):
		draft = f.order_draft(
			"111-0000005-0000005",
			lines=[("WIDGET", "_TAC-WIDGET", 2, "10.00"), ("GADGET", "_TAC-GADGET", 1, "5.00")],
		)
		port = self.port()
		port.upsert_sales_order(draft)
		original = self.order_of(draft.amazon_order_id).name
		partly_cancelled = f.order_draft(
			"111-0000005-0000005",
			lines=[("WIDGET", "_TAC-WIDGET", 2, "10.00")],
			last_updated=draft.last_updated + timedelta(hours=2),
			purchase_date=draft.purchase_date,
		)
		self.assertEqual(port.upsert_sales_order(partly_cancelled), Outcome.UPDATED)
		amended = self.order_of(draft.amazon_order_id)
		self.assertEqual(amended.amended_from, original)
		self.assertEqual((amended.docstatus, flt(amended.grand_total)), (1, 20.0))
		self.assertEqual(frappe.db.get_value("Sales Order", original, "docstatus"), 2)
		self.assertEqual(port.sales_order_state(draft.amazon_order_id).name, amended.name)

	def test_new_buyer_data_never_cancels_and_amends_a_submitted_order(self):
		"""Buyer data that comes later (Amazon's roles granted) makes another customer; a submitted
		order keeps its own, a draft takes the new one."""
		submitted = f.order_draft("111-0000005-0000006", lines=[("WIDGET", "_TAC-WIDGET", 1, "10.00")])
		port = self.port()
		port.upsert_sales_order(submitted)
		before = self.order_of(submitted.amazon_order_id)
		with_buyer = replace(
			submitted,
			customer=replace(
				submitted.customer, key="buyer:pat@marketplace.amazon.com", customer_name="Pat Doe"
			),
			last_updated=submitted.last_updated + timedelta(hours=1),
		)
		port.upsert_sales_order(with_buyer)
		after = self.order_of(submitted.amazon_order_id)
		self.assertEqual((after.name, after.docstatus, after.customer), (before.name, 1, before.customer))
		self.assertFalse(frappe.db.exists("Sales Order", {"amended_from": before.name}))

		draft = f.order_draft(
			"111-0000005-0000007", lines=[("WIDGET", "_TAC-WIDGET", 1, "10.00")], submit=False
		)
		port.upsert_sales_order(draft)
		first_customer = self.order_of(draft.amazon_order_id).customer
		port.upsert_sales_order(
			replace(
				draft,
				customer=replace(
					draft.customer, key="buyer:sam@marketplace.amazon.com", customer_name="Sam Roe"
				),
				last_updated=draft.last_updated + timedelta(hours=1),
			)
		)
		rewritten = self.order_of(draft.amazon_order_id)
		self.assertEqual(rewritten.docstatus, 0)
		self.assertNotEqual(rewritten.customer, first_customer)

	# -- cancellation ------------------------------------------------------------------------------
	def test_cancel_cancels_an_undelivered_order(self):
		draft = f.order_draft("111-0000006-0000006", lines=[("WIDGET", "_TAC-WIDGET", 1, "10.00")])
		port = self.port()
		port.upsert_sales_order(draft)
		self.assertEqual(
			port.cancel_sales_order(draft.amazon_order_id, "cancelled by buyer"), Outcome.CANCELLED
		)
		so = self.order_of(draft.amazon_order_id)
		self.assertEqual((so.docstatus, so.amazon_status), (2, "CANCELLED"))
		self.assertEqual(port.cancel_sales_order(draft.amazon_order_id, "again"), Outcome.UNCHANGED)

	def test_cancel_after_delivery_flags_instead(self):
		from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note

		draft = f.order_draft("111-0000007-0000007", lines=[("SERVICE", "_TAC-SERVICE", 1, "10.00")])
		port = self.port()
		port.upsert_sales_order(draft)
		so = self.order_of(draft.amazon_order_id)
		delivery = make_delivery_note(so.name)
		delivery.insert(ignore_permissions=True)
		delivery.submit()

		self.assertEqual(
			port.cancel_sales_order(draft.amazon_order_id, "cancelled by buyer"), Outcome.FLAGGED
		)
		so.reload()
		self.assertEqual(so.docstatus, 1)
		self.assertIn("cancelled by buyer", so.amazon_attention)
		self.assertIn("delivered", so.amazon_attention)

	def test_cancel_refused_for_linked_documents_leaves_the_order_submitted(self):
		from unittest.mock import patch

		from frappe.model.document import Document

		draft = f.order_draft("111-0000012-0000012", lines=[("WIDGET", "_TAC-WIDGET", 1, "10.00")])
		port = self.port()
		port.upsert_sales_order(draft)

		def linked(doc):
			# Frappe checks back links after on_cancel has written docstatus 2.
			raise frappe.LinkExistsError(f"Cannot cancel: {doc.name} is linked with Payment Entry PE-1")

		with patch.object(Document, "check_no_back_links_exist", linked):
			outcome = port.cancel_sales_order(draft.amazon_order_id, "cancelled by buyer")

		self.assertEqual(outcome, Outcome.FLAGGED)
		so = self.order_of(draft.amazon_order_id)
		self.assertEqual((so.docstatus, so.amazon_status), (1, "CANCELLED"))
		self.assertIn("Payment Entry PE-1", so.amazon_attention)

	def test_cancelled_draft_is_removed(self):
		draft = f.order_draft(
			"111-0000008-0000008", lines=[("WIDGET", "_TAC-WIDGET", 1, "10.00")], submit=False
		)
		port = self.port()
		port.upsert_sales_order(draft)
		self.assertEqual(
			port.cancel_sales_order(draft.amazon_order_id, "cancelled by buyer"), Outcome.CANCELLED
		)
		self.assertIsNone(port.sales_order_state(draft.amazon_order_id))
