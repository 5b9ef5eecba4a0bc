"""Orders shipped in parts, on a real ERPNext: one Sales Invoice per shipment part with exactly the
part's units, the parts' invoices adding up to the Sales Order row by row, the last one billing it
in full, nothing invoiced twice, FBA stock leaving per part, and a refund credited against the part
that shipped its item."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import frappe
from frappe.utils import flt

from amazon_connector.core.drafts import PackageDraft
from amazon_connector.core.drafts import orders as kinds
from amazon_connector.core.drafts.refunds import RefundDraft, RefundLineDraft
from amazon_connector.core.ports import Outcome
from amazon_connector.tests import factories as f
from amazon_connector.tests import test_erpnext_adapter_invoices as invoice_tests

SHIPPED_AT = invoice_tests.SHIPPED_AT
_charge = invoice_tests._charge

D = Decimal
# The set-up commits (the invoice tests' stock and settings), and so do the orders made on it: ids of
# their own per run keep a second run of the module on the same site creating, not finding, them.
RUN = frappe.generate_hash(length=6).upper()


def part_invoices(order_id: str) -> list:
	"""The order's submitted invoices (not credit notes), oldest first."""
	names = frappe.get_all(
		"Sales Invoice",
		filters={"amazon_order_id": order_id, "is_return": 0, "docstatus": 1},
		pluck="name",
		order_by="posting_date asc, creation asc",
	)
	return [frappe.get_doc("Sales Invoice", n) for n in names]


class TestShipmentInvoices(invoice_tests.TestSalesInvoices):
	# The set-up (stock, settings) is the invoice tests'; their tests run once, in their own module.
	for _name in [n for n in dir(invoice_tests.TestSalesInvoices) if n.startswith("test_")]:
		locals()[_name] = None
	del _name

	def part_order(self, order_id: str, fulfilled_by: str):
		"""3 x 10.00 of A and 1 x 5.01 of B, seller tax 2.40 + 0.40 (per item), shipping 4.99, discount -1.00."""
		a, b = f.make_item(f"{order_id}-A"), f.make_item(f"{order_id}-B")
		ids = (f"{order_id}-item-1", f"{order_id}-item-2")
		draft = f.order_draft(
			order_id,
			[(a, a, 3, "10.00", "2.40"), (b, b, 1, "5.01", "0.40")],
			charges=[
				_charge(kinds.SHIPPING, "4.99"),
				_charge(kinds.DISCOUNT, "-1.00"),
				_charge(
					kinds.TAX, "2.80", applies_to="ITEM", per_item={ids[0]: D("2.40"), ids[1]: D("0.40")}
				),
			],
			status="PARTIALLY_SHIPPED",
			fulfilled_by=fulfilled_by,
			purchase_date=SHIPPED_AT - timedelta(days=3),
			last_updated=SHIPPED_AT - timedelta(days=1),
		)
		return draft, ids, (a, b)

	def invoices_of(self, order_id: str):
		return part_invoices(order_id)

	def assert_billed_in_full(self, order_id: str, invoices) -> None:
		order = frappe.get_doc("Sales Order", {"amazon_order_id": order_id})
		self.assertEqual(
			sum(D(str(flt(i.grand_total, 2))) for i in invoices), D(str(flt(order.grand_total, 2)))
		)
		for tax in order.taxes:
			parts = sum(D(str(flt(i.taxes[tax.idx - 1].tax_amount, 2))) for i in invoices)
			self.assertEqual(parts, D(str(flt(tax.tax_amount, 2))), tax.description)
		self.assertEqual(flt(order.per_billed), 100)
		for invoice in invoices:
			self.assertEqual(
				flt(frappe.db.get_value("Sales Invoice", invoice.name, "outstanding_amount"), 2), 0
			)

	def test_a_merchant_order_in_two_packages_is_two_invoices_that_bill_it_in_full(self):
		order_id = f"AMZ-PART-{RUN}-0001"
		draft, ids, (a, b) = self.part_order(order_id, "MERCHANT")
		first = PackageDraft(
			"P1", status="SHIPPED", ship_time=SHIPPED_AT - timedelta(hours=20), items={ids[0]: 1}
		)
		draft = replace(draft, packages=[first])
		port = self.port()
		self.assertEqual(port.upsert_sales_order(draft), Outcome.CREATED)
		self.assertIn(order_id, port.orders_awaiting_invoice())
		self.assertEqual(port.invoice_order(order_id), Outcome.CREATED)
		[one] = self.invoices_of(order_id)
		self.assertEqual(one.amazon_invoice_key, f"{order_id}/P1")
		self.assertEqual([(i.item_code, i.qty) for i in one.items], [(a, 1.0)])
		self.assertEqual(str(one.posting_date), str(frappe.utils.getdate(first.ship_time.date())))
		order = frappe.get_doc("Sales Order", {"amazon_order_id": order_id})
		[tax_row] = [t.idx for t in order.taxes if t.dont_recompute_tax]
		shares = {t.idx: flt(t.tax_amount, 2) for t in one.taxes}
		self.assertEqual(shares[tax_row], 0.80)  # a third of item A's 2.40, none of B's
		self.assertNotIn(order_id, port.orders_awaiting_invoice())  # the rest has not shipped
		self.assertEqual(port.invoice_order(order_id), Outcome.UNCHANGED)

		second = PackageDraft("P2", status="SHIPPED", ship_time=SHIPPED_AT, items={ids[0]: 2, ids[1]: 1})
		shipped = replace(draft, amazon_status="SHIPPED", packages=[first, second], last_updated=SHIPPED_AT)
		port.upsert_sales_order(shipped)
		self.assertIn(order_id, port.orders_awaiting_invoice())
		self.assertEqual(port.invoice_order(order_id), Outcome.CREATED)
		invoices = self.invoices_of(order_id)
		self.assertEqual([i.amazon_invoice_key for i in invoices], [f"{order_id}/P1", f"{order_id}/P2"])
		self.assertEqual(
			sorted((i.item_code, i.qty) for i in invoices[1].items), sorted([(a, 2.0), (b, 1.0)])
		)
		self.assert_billed_in_full(order_id, invoices)
		# Nothing twice.
		self.assertNotIn(order_id, port.orders_awaiting_invoice())
		self.assertEqual(port.invoice_order(order_id), Outcome.UNCHANGED)
		self.assertEqual(len(self.invoices_of(order_id)), 2)

		# A refund of item B goes back against the part that shipped it.
		refund = RefundDraft(
			refund_key=f"{order_id}:Refund:1",
			amazon_order_id=order_id,
			posted_date=SHIPPED_AT + timedelta(hours=3),
			currency="USD",
			lines=[
				RefundLineDraft(
					sku=b, order_item_id=ids[1], quantity=D(1), principal=D("5.01"), tax=D("0.40")
				)
			],
		)
		self.assertEqual(port.post_refund(refund), Outcome.CREATED)
		note = frappe.get_doc(
			"Sales Invoice",
			frappe.db.get_value("Amazon Refund", {"refund_key": refund.refund_key}, "credit_note"),
		)
		self.assertEqual((note.return_against, flt(note.grand_total, 2)), (invoices[1].name, -5.41))

	def test_an_fba_order_shipped_a_unit_at_a_time_is_invoiced_per_part_with_its_stock(self):
		order_id = f"AMZ-PART-{RUN}-0002"
		draft, ids, (a, b) = self.part_order(order_id, "AMAZON")
		self.stock_up(a, 3)
		self.stock_up(b, 1)
		lines = [replace(draft.lines[0], qty_shipped=D(1)), draft.lines[1]]
		port = self.port()
		port.upsert_sales_order(replace(draft, lines=lines))
		self.assertEqual(port.invoice_order(order_id), Outcome.CREATED)
		[one] = self.invoices_of(order_id)
		self.assertEqual((one.amazon_invoice_key, one.update_stock), (f"{order_id}/1", 1))
		moved = frappe.get_all(
			"Stock Ledger Entry",
			filters={"voucher_no": one.name, "is_cancelled": 0},
			fields=["item_code", "actual_qty"],
		)
		self.assertEqual([(m.item_code, m.actual_qty) for m in moved], [(a, -1.0)])

		done = [replace(draft.lines[0], qty_shipped=D(3)), replace(draft.lines[1], qty_shipped=D(1))]
		port.upsert_sales_order(replace(draft, lines=done, amazon_status="SHIPPED", last_updated=SHIPPED_AT))
		self.assertEqual(port.invoice_order(order_id), Outcome.CREATED)
		invoices = self.invoices_of(order_id)
		self.assertEqual([i.amazon_invoice_key for i in invoices], [f"{order_id}/1", f"{order_id}/2"])
		self.assert_billed_in_full(order_id, invoices)
		moved = frappe.get_all(
			"Stock Ledger Entry",
			filters={"voucher_no": ("in", [i.name for i in invoices]), "is_cancelled": 0},
			fields=["item_code", "actual_qty"],
		)
		totals = {}
		for m in moved:
			totals[m.item_code] = totals.get(m.item_code, 0) + m.actual_qty
		self.assertEqual(totals, {a: -3.0, b: -1.0})
		self.assertEqual(port.invoice_order(order_id), Outcome.UNCHANGED)

	def test_an_order_shipped_at_once_keeps_one_invoice_keyed_by_its_order(self):
		order_id = f"AMZ-PART-{RUN}-0003"
		draft, ids, _ = self.part_order(order_id, "MERCHANT")
		package = PackageDraft("1", status="SHIPPED", ship_time=SHIPPED_AT, items={ids[0]: 3, ids[1]: 1})
		port = self.port()
		port.upsert_sales_order(replace(draft, amazon_status="SHIPPED", packages=[package]))
		self.assertEqual(port.invoice_order(order_id), Outcome.CREATED)
		[invoice] = self.invoices_of(order_id)
		self.assertEqual(invoice.amazon_invoice_key, order_id)
		self.assert_billed_in_full(order_id, [invoice])
