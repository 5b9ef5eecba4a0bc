"""Which ERPNext vouchers make up one Amazon settlement, and its balance on the clearing account.

A settlement's money reaches the clearing account of its currency through three kinds of voucher:
- the Journal Entries of its transactions (fee entries, account-level entries, deferral and release
  moves, found by their keys; for an install switched over from v0, the v0 entry of the same event);
- the buyer's side of its orders' transactions: the Payment Entry (Receive) of the order's Sales
  Invoice for a sale, the Payment Entry (Pay) of the credit note for a refund (the invoices'
  work, so a settlement waits until they exist where the connector invoices the order);
- its deposit (Bank Entry: clearing -> bank).
Once the deposit is booked every one of them carries the settlement id in `amazon_settlement_id`,
so the clearing balance of a settlement is the sum of the General Ledger rows of its vouchers on
its clearing account: 0.00 when its opening balance is 0 (Amazon's own total = its transactions).
"""

from __future__ import annotations

from decimal import Decimal

import frappe
from frappe import _
from frappe.utils import flt

from ..core.drafts.transactions import SettlementDraft, SettlementMember
from ..core.ports import SALE_INVOICED, SALE_OUTSIDE, SALE_TO_INVOICE
from .context import AdapterContext

REFUND_DOCTYPE = "Amazon Refund"
_CHUNK = 500


class SettlementVouchers:
	def __init__(self, ctx: AdapterContext):
		self.ctx = ctx

	def sale_sides(self, members: list[SettlementMember]) -> tuple[set[str], list[str], list[str]]:
		"""(Payment Entries holding the members' sale sides, what is missing, what the connector does
		not book: one line each, naming the order or refund)."""
		payments: set[str] = set()
		missing: list[str] = []
		outside: list[str] = []
		for member in members:
			order_id = member.amazon_order_id
			if not member.sale or not order_id:
				continue
			invoice = frappe.db.get_value(
				"Sales Invoice", {"amazon_invoice_key": order_id, "docstatus": 1}, "name"
			)
			if member.sale < 0 or member.refund_key:
				payment = self._refund_payment(member.refund_key)
				if payment:
					payments.add(payment)
				elif invoice and member.refund_key:
					missing.append(_("credit note of refund {0}").format(member.refund_key))
				else:
					outside.append(order_id)
				continue
			payment = invoice and frappe.db.get_value(
				"Payment Entry", {"amazon_payment_key": f"inv:{invoice}", "docstatus": 1}, "name"
			)
			if payment:
				payments.add(payment)
			elif invoice or self._to_be_invoiced(order_id):
				missing.append(_("invoice and payment of order {0}").format(order_id))
			else:
				outside.append(order_id)
		return payments, missing, outside

	def mark(self, draft: SettlementDraft, payments: set[str]) -> None:
		"""Write the settlement id on every voucher of its members (submitted documents: the field is
		allowed on submit; it moves no money)."""
		keys = [key for member in draft.members for key in member.entry_keys]
		for chunk in _chunks(keys):
			frappe.db.set_value(
				"Journal Entry",
				{"amazon_fee_event_key": ("in", chunk), "docstatus": 1},
				"amazon_settlement_id",
				draft.settlement_id,
				update_modified=False,
			)
		for chunk in _chunks(sorted(payments)):
			frappe.db.set_value(
				"Payment Entry",
				{"name": ("in", chunk)},
				"amazon_settlement_id",
				draft.settlement_id,
				update_modified=False,
			)

	def clearing_balance(self, settlement_id: str, clearing: str) -> Decimal:
		"""The General Ledger balance, in the account's currency, of the settlement's vouchers on
		its clearing account."""
		vouchers = frappe.get_all(
			"Journal Entry", filters={"amazon_settlement_id": settlement_id, "docstatus": 1}, pluck="name"
		) + frappe.get_all(
			"Payment Entry", filters={"amazon_settlement_id": settlement_id, "docstatus": 1}, pluck="name"
		)
		balance = Decimal(0)
		for chunk in _chunks(vouchers):
			for row in frappe.get_all(
				"GL Entry",
				filters={"account": clearing, "voucher_no": ("in", chunk), "is_cancelled": 0},
				fields=["debit_in_account_currency", "credit_in_account_currency"],
			):
				balance += Decimal(str(flt(row.debit_in_account_currency, 9))) - Decimal(
					str(flt(row.credit_in_account_currency, 9))
				)
		return balance

	def _refund_payment(self, refund_key: str) -> str:
		if not refund_key:
			return ""
		return (
			frappe.db.get_value(
				REFUND_DOCTYPE, {"refund_key": refund_key, "status": "Booked"}, "payment_entry"
			)
			or ""
		)

	def order_sale_on_clearing(self, amazon_order_id: str) -> tuple[str, Decimal]:
		"""What the order's invoices' Payment Entries put on the clearing account (see
		ports.TransactionsPort.order_sale_on_clearing)."""
		if self._to_be_invoiced(amazon_order_id):
			return SALE_TO_INVOICE, Decimal(0)  # not (fully) invoiced yet
		invoices = frappe.get_all(
			"Sales Invoice",
			filters={"amazon_order_id": amazon_order_id, "docstatus": 1, "is_return": 0},
			fields=["name", "grand_total"],
		)
		if not invoices:
			return SALE_OUTSIDE, Decimal(0)
		total = Decimal(0)
		for invoice in invoices:
			received = frappe.db.get_value(
				"Payment Entry",
				{"amazon_payment_key": f"inv:{invoice.name}", "docstatus": 1},
				"received_amount",
			)
			if received is None and flt(invoice.grand_total):
				return SALE_TO_INVOICE, Decimal(0)  # invoiced, its payment not submitted yet
			total += Decimal(str(flt(received or 0, 9)))
		return SALE_INVOICED, total

	def _to_be_invoiced(self, amazon_order_id: str) -> bool:
		"""Whether the invoices stage will invoice this order (so its sale belongs on clearing)."""
		if not self.ctx.make_sales_invoices:
			return False
		order = frappe.db.get_value(
			"Sales Order",
			{"amazon_order_id": amazon_order_id, "docstatus": 1},
			["per_billed", "amazon_shipped_on"],
			as_dict=True,
		)
		if not order or flt(order.per_billed) >= 100:
			return False
		shipped = order.amazon_shipped_on
		return not (self.ctx.invoice_from_date and shipped and shipped.date() < self.ctx.invoice_from_date)


def _chunks(values: list[str]):
	for start in range(0, len(values), _CHUNK):
		yield values[start : start + _CHUNK]
