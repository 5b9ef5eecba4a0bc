"""Invoices and credit notes end to end against the simulator: every order shipped in full gets one
Sales Invoice equal to its Sales Order, paid into the clearing account of its currency; every refund
of the world (full, partial, several on one order) is an Amazon Refund record, booked as a credit
note of exactly Amazon's amounts once its order is invoiced; re-runs create nothing."""

from __future__ import annotations

from decimal import Decimal

import frappe
from erpnext.accounts.utils import get_balance_on
from frappe.utils import flt

from amazon_connector.core.drafts.orders import FULLY_SHIPPED
from amazon_connector.core.engine.invoices import InvoiceSync
from amazon_connector.core.mapping.refunds import REFUND_LISTS, map_refund_events
from amazon_connector.tests import e2e_support as e2e
from amazon_connector.tests.e2e_support import TestCase


class TestE2EInvoices(TestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		# The simulated seller's FBA stock is not in ERPNext; stock is tested in the adapter tests.
		frappe.db.set_single_value("Stock Settings", "allow_negative_stock", 1)
		cls.account = e2e.start_account(
			seed=45, orders=80, account_name="_Test E2E Invoices", marketplaces=("US", "UK")
		)
		cls.addClassCleanup(cls.account.stop)

	def invoices(self) -> InvoiceSync:
		account = self.account
		return InvoiceSync(None, account.port(), account.settings())

	def test_shipped_orders_are_invoiced_as_ordered_and_refunds_become_credit_notes(self):
		account = self.account
		_, orders, _ = account.engines()
		report = orders.run()
		self.assertFalse(report.failures, e2e.failure_lines(report)[:5])
		shipped = frappe.get_all(
			"Sales Order",
			filters={
				"amazon_account": account.name,
				"docstatus": 1,
				"amazon_status": ("in", FULLY_SHIPPED),
				"amazon_shipped_on": ("is", "set"),
			},
			fields=["name", "amazon_order_id", "grand_total", "currency", "customer"],
		)
		self.assertGreater(len(shipped), 10)
		# The simulated seller's stock has no valuation in ERPNext: give its Items one, as a Stock
		# Reconciliation or purchase would.
		items = frappe.get_all(
			"Sales Order Item", filters={"parent": ("in", [o.name for o in shipped])}, pluck="item_code"
		)
		for item_code in set(items):
			frappe.db.set_value("Item", item_code, "valuation_rate", 1)

		report = self.invoices().run()
		self.assertFalse(report.failures, e2e.failure_lines(report)[:5])
		self.assertEqual(report.counts["created"], len(shipped))
		currencies = set()
		for order in shipped:
			invoice = frappe.get_doc("Sales Invoice", {"amazon_invoice_key": order.amazon_order_id})
			so = frappe.get_doc("Sales Order", order.name)
			self.assertEqual(flt(invoice.grand_total, 2), flt(so.grand_total, 2), order.amazon_order_id)
			self.assertEqual(
				[(t.account_head, flt(t.tax_amount, 2)) for t in invoice.taxes],
				[(t.account_head, flt(t.tax_amount, 2)) for t in so.taxes],
				order.amazon_order_id,
			)
			self.assertEqual(str(invoice.posting_date), str(frappe.utils.getdate(so.amazon_shipped_on)))
			self.assertEqual(invoice.update_stock, int(so.amazon_fulfillment_channel == "AMAZON"))
			self.assertEqual(
				flt(frappe.db.get_value("Sales Invoice", invoice.name, "outstanding_amount"), 2), 0
			)
			currencies.add(invoice.currency)
		self.assertEqual(currencies, {"USD", "GBP"})

		# Every refund Amazon has posted (the clock moves on so that all of them are).
		account.sim.advance_clock(60 * 86400)
		_, _, fees = account.engines()
		report = fees.run()
		refund_failures = [f for f in report.failures if f.record_kind == "refund"]
		self.assertFalse(refund_failures, [f.reason for f in refund_failures][:5])
		# Refunds, and the A-to-z guarantee claims and chargebacks that give money back the same way.
		world_events = account.world["financialEvents"]
		events = {name: world_events.get(name) or [] for name in REFUND_LISTS}
		expected = {d.refund_key: d for d in map_refund_events(events).drafts}
		self.assertTrue(expected)
		records = {
			r.refund_key: r
			for r in frappe.get_all(
				"Amazon Refund",
				filters={"amazon_account": account.name},
				fields=["refund_key", "amazon_order_id", "status", "total", "credit_note", "reason"],
			)
		}
		self.assertEqual(set(records), set(expected))
		invoiced = {o.amazon_order_id for o in shipped}
		booked = 0
		for key, record in records.items():
			want = expected[key]
			self.assertEqual(Decimal(str(flt(record.total, 2))), want.total, key)
			if want.amazon_order_id in invoiced:
				self.assertEqual(record.status, "Booked", (key, record.reason))
				note = frappe.get_doc("Sales Invoice", record.credit_note)
				self.assertEqual(Decimal(str(flt(note.grand_total, 2))), -want.total, key)
				booked += 1
			else:
				self.assertEqual(record.status, "Held", key)
				self.assertTrue(record.reason, key)
		self.assertGreater(booked, 0)
		several = [
			o
			for o in {r.amazon_order_id for r in records.values()}
			if sum(1 for r in records.values() if r.amazon_order_id == o and r.status == "Booked") > 1
		]
		self.assertTrue(several, "an order refunded twice should have two credit notes")

		# The buyers owe nothing: invoices paid, credit notes refunded through the clearing account.
		for order in shipped:
			debit_to = frappe.db.get_value(
				"Sales Invoice", {"amazon_invoice_key": order.amazon_order_id}, "debit_to"
			)
			balance = get_balance_on(account=debit_to, party_type="Customer", party=order.customer)
			self.assertEqual(flt(balance, 2), 0, order.amazon_order_id)

		# Running again creates nothing.
		counts = {
			d: frappe.db.count(d, {"amazon_order_id": ("is", "set")})
			for d in ("Sales Invoice", "Payment Entry")
		}
		self.assertEqual(self.invoices().run().counts["created"], 0)
		_, _, again = account.engines()
		again.run()
		self.assertEqual(
			{
				d: frappe.db.count(d, {"amazon_order_id": ("is", "set")})
				for d in ("Sales Invoice", "Payment Entry")
			},
			counts,
		)
		self.assertEqual(frappe.db.count("Amazon Refund", {"amazon_account": account.name}), len(records))
