"""Sales Invoices of shipped Amazon orders and credit notes of refunds, on a real ERPNext.

Each test checks ERPNext's own documents: the invoice against its Sales Order (grand total, tax
rows row by row, lines), the stock ledger of the FBA warehouse, the customer's receivable after
the payments, the clearing account's balance, and that re-running creates nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import frappe
from erpnext.accounts.utils import get_balance_on
from frappe.utils import flt

from amazon_connector.core.drafts import ChargeDraft, PackageDraft
from amazon_connector.core.drafts import orders as kinds
from amazon_connector.core.drafts.refunds import RefundDraft, RefundLineDraft
from amazon_connector.core.engine.invoices import InvoiceSync
from amazon_connector.core.ports import Outcome
from amazon_connector.core.settings import SyncSettings
from amazon_connector.erpnext_adapter.sales_orders import to_system_time
from amazon_connector.tests import factories as f
from amazon_connector.tests.base import AdapterTestCase

SHIPPED_AT = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=1)


def _charge(kind, amount, **kw):
	return ChargeDraft(kind=kind, description=kind.replace("_", " ").title(), amount=Decimal(amount), **kw)


class TestSalesInvoices(AdapterTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.db.set_value("Amazon Settings", cls.settings.name, "make_sales_invoices", 1)
		frappe.db.set_single_value("Stock Settings", "allow_negative_stock", 0)
		cls.fba = frappe.db.get_value("Amazon Settings", cls.settings.name, "fba_warehouse")

	def stock_up(self, item_code: str, qty: float) -> None:
		entry = frappe.get_doc(
			{
				"doctype": "Stock Entry",
				"stock_entry_type": "Material Receipt",
				"company": self.company,
				"posting_date": (SHIPPED_AT - timedelta(days=10)).date(),
				"set_posting_time": 1,
				"items": [
					{
						"item_code": item_code,
						"qty": qty,
						"t_warehouse": self.fba,
						"basic_rate": 5,
						"uom": "Nos",
					}
				],
			}
		)
		entry.insert(ignore_permissions=True)
		entry.submit()

	def shipped_order(self, order_id: str, sku: str, *, fulfilled_by="AMAZON", marketplace=f.MARKETPLACE_US):
		"""A shipped order of 2 x 12.50 plus shipping 4.99, a promotion and seller-collected tax 2.30."""
		item_code = f.make_item(sku)
		draft = f.order_draft(
			order_id,
			[(sku, item_code, 2, "12.50", "2.30")],
			charges=[
				_charge(kinds.SHIPPING, "4.99"),
				_charge(kinds.DISCOUNT, "-1.00"),
				_charge(kinds.TAX, "2.30", applies_to="ITEM"),
			],
			marketplace=marketplace,
			status="SHIPPED",
			fulfilled_by=fulfilled_by,
			purchase_date=SHIPPED_AT - timedelta(days=2),
			last_updated=SHIPPED_AT,
			packages=[PackageDraft("1", status="SHIPPED", ship_time=SHIPPED_AT)]
			if fulfilled_by == "MERCHANT"
			else [],
		)
		port = self.port()
		self.assertEqual(port.upsert_sales_order(draft), Outcome.CREATED)
		return port, frappe.get_doc("Sales Order", {"amazon_order_id": order_id}), item_code

	def invoice_of(self, order_id: str):
		return frappe.get_doc("Sales Invoice", {"amazon_invoice_key": order_id})

	def receivable(self, invoice) -> float:
		return flt(
			get_balance_on(
				account=invoice.debit_to, party_type="Customer", party=invoice.customer, company=self.company
			),
			2,
		)

	# -- invoices ----------------------------------------------------------------------------------
	def test_a_shipped_fba_order_is_invoiced_as_ordered_and_leaves_the_fba_warehouse(self):
		port, order, item_code = self.shipped_order("AMZ-INV-0001", "AMZ-INV-SKU-1")
		self.stock_up(item_code, 5)
		self.assertEqual(
			to_system_time(SHIPPED_AT).replace(tzinfo=None),
			frappe.utils.get_datetime(order.amazon_shipped_on),
		)
		self.assertIn("AMZ-INV-0001", port.orders_awaiting_invoice())
		self.assertEqual(port.invoice_order("AMZ-INV-0001"), Outcome.CREATED)

		invoice = self.invoice_of("AMZ-INV-0001")
		self.assertEqual(invoice.docstatus, 1)
		self.assertEqual(invoice.customer, order.customer)
		self.assertEqual(flt(invoice.grand_total, 2), flt(order.grand_total, 2))
		self.assertEqual(flt(invoice.grand_total, 2), 31.29)  # 2 x 12.50 + 4.99 - 1.00 + 2.30
		self.assertEqual(
			[(t.account_head, flt(t.tax_amount, 2)) for t in invoice.taxes],
			[(t.account_head, flt(t.tax_amount, 2)) for t in order.taxes],
		)
		self.assertEqual(
			[(i.item_code, i.qty, flt(i.rate, 2)) for i in invoice.items],
			[(i.item_code, i.qty, flt(i.rate, 2)) for i in order.items],
		)
		self.assertEqual(str(invoice.posting_date), str(to_system_time(SHIPPED_AT).date()))
		self.assertEqual(invoice.update_stock, 1)
		moved = frappe.get_all(
			"Stock Ledger Entry",
			filters={"voucher_no": invoice.name, "is_cancelled": 0},
			fields=["warehouse", "actual_qty"],
		)
		self.assertEqual([(m.warehouse, m.actual_qty) for m in moved], [(self.fba, -2.0)])
		self.assertEqual(flt(frappe.db.get_value("Sales Order", order.name, "per_billed")), 100)
		# Its timeline shows no change nobody made ("changed from 0 to null" from the submit).
		self.assertEqual(f.phantom_changes("Sales Invoice", invoice.name), [])

		# Paid at checkout: the payment from the buyer sits on the clearing account, the receivable is 0.
		payment = frappe.get_doc("Payment Entry", {"amazon_payment_key": f"inv:{invoice.name}"})
		self.assertEqual(
			(payment.payment_type, payment.party, payment.docstatus), ("Receive", order.customer, 1)
		)
		self.assertEqual(frappe.get_cached_value("Account", payment.paid_to, "account_type"), "Bank")
		self.assertEqual(flt(payment.received_amount, 2), flt(invoice.grand_total, 2))
		self.assertEqual(flt(frappe.db.get_value("Sales Invoice", invoice.name, "outstanding_amount"), 2), 0)
		self.assertEqual(self.receivable(invoice), 0)

		# Running again creates nothing.
		self.assertNotIn("AMZ-INV-0001", port.orders_awaiting_invoice())
		self.assertEqual(port.invoice_order("AMZ-INV-0001"), Outcome.UNCHANGED)
		self.assertEqual(frappe.db.count("Sales Invoice", {"amazon_order_id": "AMZ-INV-0001"}), 1)
		self.assertEqual(frappe.db.count("Payment Entry", {"amazon_order_id": "AMZ-INV-0001"}), 1)

	def test_a_merchant_order_is_dated_its_shipment_and_moves_no_stock(self):
		port, order, _ = self.shipped_order("AMZ-INV-0002", "AMZ-INV-SKU-2", fulfilled_by="MERCHANT")
		self.assertEqual(port.invoice_order("AMZ-INV-0002"), Outcome.CREATED)
		invoice = self.invoice_of("AMZ-INV-0002")
		self.assertEqual(
			(invoice.update_stock, str(invoice.posting_date)), (0, str(to_system_time(SHIPPED_AT).date()))
		)
		self.assertEqual(flt(invoice.grand_total, 2), flt(order.grand_total, 2))
		self.assertEqual(self.receivable(invoice), 0)

	def test_missing_fba_stock_fails_that_order_alone(self):
		self.shipped_order("AMZ-INV-0003", "AMZ-INV-SKU-3")  # nothing in the FBA warehouse
		_, _, stocked = self.shipped_order("AMZ-INV-0004", "AMZ-INV-SKU-4")
		self.stock_up(stocked, 2)
		report = InvoiceSync(None, self.port(), self.sync_settings()).run()
		failures = {x.amazon_id: x.reason for x in report.failures}
		self.assertIn("AMZ-INV-0003", failures)
		self.assertIn(self.fba, failures["AMZ-INV-0003"])
		# Said as written for the user (no exception class in front), with what to do.
		self.assertTrue(failures["AMZ-INV-0003"].startswith("Amazon order AMZ-INV-0003: the warehouse"))
		self.assertIn("Sync > FBA Inventory", failures["AMZ-INV-0003"])
		self.assertNotIn("AMZ-INV-0004", failures)
		self.assertFalse(frappe.db.exists("Sales Invoice", {"amazon_invoice_key": "AMZ-INV-0003"}))
		self.assertFalse(frappe.db.exists("Payment Entry", {"amazon_order_id": "AMZ-INV-0003"}))
		self.assertTrue(
			frappe.db.exists("Sales Invoice", {"amazon_invoice_key": "AMZ-INV-0004", "docstatus": 1})
		)
		# Still awaiting: the next run tries it again.
		self.assertIn("AMZ-INV-0003", self.port().orders_awaiting_invoice())

	def sync_settings(self) -> SyncSettings:
		from amazon_connector.erpnext_adapter.settings import sync_settings

		return sync_settings(frappe.get_doc("Amazon Settings", self.settings.name))

	# -- credit notes ------------------------------------------------------------------------------
	def refund(self, order_id: str, sku: str, key: str, **amounts) -> RefundDraft:
		line = RefundLineDraft(sku=sku, quantity=Decimal(amounts.pop("quantity", 1)))
		for name, value in amounts.items():
			setattr(line, name, Decimal(value))
		return RefundDraft(
			refund_key=key,
			amazon_order_id=order_id,
			posted_date=SHIPPED_AT + timedelta(hours=5),
			currency="USD",
			lines=[line],
		)

	def test_a_refund_is_one_credit_note_of_exactly_amazons_amounts(self):
		port, order, item_code = self.shipped_order("AMZ-INV-0005", "AMZ-INV-SKU-5")
		self.stock_up(item_code, 2)
		port.invoice_order("AMZ-INV-0005")
		invoice = self.invoice_of("AMZ-INV-0005")
		draft = self.refund(
			"AMZ-INV-0005",
			"AMZ-INV-SKU-5",
			"AMZ-INV-0005:Refund:1",
			principal="12.50",
			tax="1.15",
			shipping="4.99",
			promotion="-0.50",
		)
		self.assertEqual(port.post_refund(draft), Outcome.CREATED)
		record = frappe.get_doc("Amazon Refund", {"refund_key": draft.refund_key})
		self.assertEqual(record.status, "Booked")
		note = frappe.get_doc("Sales Invoice", record.credit_note)
		self.assertEqual(
			(note.is_return, note.return_against, note.customer), (1, invoice.name, order.customer)
		)
		self.assertEqual(flt(note.grand_total, 2), -18.14)  # 12.50 + 1.15 + 4.99 - 0.50
		self.assertEqual(
			[(i.item_code, i.qty, flt(i.rate, 2)) for i in note.items], [(item_code, -1.0, 12.50)]
		)
		by_account = {t.account_head: flt(t.tax_amount, 2) for t in note.taxes}
		tax_account = next(t.account_head for t in invoice.taxes if flt(t.tax_amount) == 2.30)
		self.assertEqual(by_account[tax_account], -1.15)
		self.assertEqual(sorted(by_account.values()), sorted([-1.15, -4.99, 0.50]))
		payment = frappe.get_doc("Payment Entry", record.payment_entry)
		self.assertEqual((payment.payment_type, flt(payment.paid_amount, 2)), ("Pay", 18.14))
		self.assertEqual(self.receivable(invoice), 0)
		# Seen again (an overlapping window): nothing new.
		self.assertEqual(port.post_refund(draft), Outcome.UNCHANGED)
		self.assertEqual(
			frappe.db.count("Sales Invoice", {"amazon_order_id": "AMZ-INV-0005", "is_return": 1}), 1
		)

	def test_a_refund_before_the_invoice_is_held_then_applied(self):
		port, order, item_code = self.shipped_order("AMZ-INV-0006", "AMZ-INV-SKU-6")
		self.stock_up(item_code, 2)
		draft = self.refund(
			"AMZ-INV-0006",
			"AMZ-INV-SKU-6",
			"AMZ-INV-0006:Refund:1",
			quantity=2,
			principal="25.00",
			tax="2.30",
		)
		self.assertEqual(port.post_refund(draft), Outcome.HELD)
		record = frappe.get_doc("Amazon Refund", {"refund_key": draft.refund_key})
		self.assertEqual((record.status, flt(record.total, 2)), ("Held", 27.30))
		self.assertEqual(port.held_refunds_ready(), [])

		report = InvoiceSync(None, self.port(), self.sync_settings()).run()
		self.assertEqual(report.counts["created"], 2, report.failures)  # the invoice, then the held refund
		record.reload()
		self.assertEqual(record.status, "Booked")
		note = frappe.get_doc("Sales Invoice", record.credit_note)
		self.assertEqual(flt(note.grand_total, 2), -27.30)
		self.assertEqual(self.receivable(self.invoice_of("AMZ-INV-0006")), 0)
		again = InvoiceSync(None, self.port(), self.sync_settings()).run()
		self.assertEqual(again.counts["created"], 0)

	# -- currency ----------------------------------------------------------------------------------
	def test_a_gbp_order_on_a_usd_company_clears_in_gbp_to_the_penny(self):
		uk = f.make_amazon_settings(
			self.company, account_name="_Test Amazon UK", region="EU", marketplaces=[f.MARKETPLACE_UK]
		)
		frappe.db.set_value("Amazon Settings", uk.name, "make_sales_invoices", 1)
		port = self.port(uk)
		item_code = f.make_item("AMZ-INV-SKU-7")
		draft = f.order_draft(
			"AMZ-INV-0007",
			[("AMZ-INV-SKU-7", item_code, 3, "3.33")],
			charges=[_charge(kinds.SHIPPING, "2.99")],
			marketplace=f.MARKETPLACE_UK,
			status="SHIPPED",
			fulfilled_by="MERCHANT",
			purchase_date=SHIPPED_AT - timedelta(days=2),
			last_updated=SHIPPED_AT,
			customer_key="amazon-uk-buyer-7",
		)
		self.assertEqual(port.upsert_sales_order(draft), Outcome.CREATED)
		self.assertEqual(port.invoice_order("AMZ-INV-0007"), Outcome.CREATED)
		invoice = self.invoice_of("AMZ-INV-0007")
		self.assertEqual((invoice.currency, flt(invoice.grand_total, 2)), ("GBP", 12.98))
		payment = frappe.get_doc("Payment Entry", {"amazon_payment_key": f"inv:{invoice.name}"})
		clearing = payment.paid_to
		self.assertEqual(
			tuple(frappe.db.get_value("Account", clearing, ["account_currency", "account_type"])),
			("GBP", "Bank"),
		)
		self.assertEqual(flt(payment.received_amount, 2), 12.98)
		self.assertEqual(frappe.db.get_value("Account", invoice.debit_to, "account_currency"), "GBP")
		self.assertEqual(self.receivable(invoice), 0)

		refund = RefundDraft(
			refund_key="AMZ-INV-0007:Refund:1",
			amazon_order_id="AMZ-INV-0007",
			posted_date=SHIPPED_AT + timedelta(hours=3),
			currency="GBP",
			lines=[RefundLineDraft(sku="AMZ-INV-SKU-7", quantity=Decimal(2), principal=Decimal("6.66"))],
		)
		self.assertEqual(port.post_refund(refund), Outcome.CREATED)
		note = frappe.get_doc("Sales Invoice", {"amazon_invoice_key": refund.refund_key})
		self.assertEqual(flt(note.grand_total, 2), -6.66)
		self.assertEqual(self.receivable(invoice), 0)
		# The clearing account holds, in GBP, exactly what Amazon owes: 12.98 received - 6.66 refunded.
		gbp = frappe.db.sql(
			"""select sum(debit_in_account_currency - credit_in_account_currency) from `tabGL Entry`
			where account = %s and is_cancelled = 0 and voucher_no in %s""",
			(
				clearing,
				(
					payment.name,
					frappe.db.get_value("Amazon Refund", {"refund_key": refund.refund_key}, "payment_entry"),
				),
			),
		)[0][0]
		self.assertEqual(flt(gbp, 2), 6.32)

	# -- existing installs -------------------------------------------------------------------------
	def test_the_patch_switches_invoices_off_for_existing_accounts_and_makes_the_clearing_account_a_bank(
		self,
	):
		from amazon_connector.patches.v1_0 import invoices_off_for_existing_accounts as patch

		clearing = self.port().accounts.clearing_account()
		frappe.db.set_value("Account", clearing, "account_type", "")  # as older versions made it
		frappe.db.set_value(
			"Amazon Settings", self.settings.name, {"make_sales_invoices": 1, "invoice_from_date": None}
		)
		patch.execute()
		values = frappe.db.get_value(
			"Amazon Settings", self.settings.name, ["make_sales_invoices", "invoice_from_date"], as_dict=True
		)
		self.assertEqual(
			(values.make_sales_invoices, str(values.invoice_from_date)), (0, frappe.utils.today())
		)
		self.assertEqual(frappe.db.get_value("Account", clearing, "account_type"), "Bank")
		# With invoices switched on again, orders shipped before the cut-over are not invoiced.
		frappe.db.set_value("Amazon Settings", self.settings.name, "make_sales_invoices", 1)
		self.shipped_order("AMZ-INV-0008", "AMZ-INV-SKU-8", fulfilled_by="MERCHANT")  # shipped yesterday
		self.assertNotIn("AMZ-INV-0008", self.port().orders_awaiting_invoice())
		frappe.db.set_value(
			"Amazon Settings", self.settings.name, "invoice_from_date", SHIPPED_AT.date() - timedelta(days=1)
		)
		self.assertIn("AMZ-INV-0008", self.port().orders_awaiting_invoice())
