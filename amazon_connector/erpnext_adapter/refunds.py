"""Amazon refunds: stored as Amazon Refund records first, then booked as credit notes.

Every refund the core maps (`core.drafts.refunds.RefundDraft`) is stored as an Amazon Refund
record before anything else, keyed by its refund key (unique in the database), so that no
refund lives only in a sync log, and each is booked once:
- the order has a submitted Sales Invoice made by the connector -> credit note + refund payment
  (`SalesInvoices.credit_note`), status Booked; an order invoiced per shipment part is credited
  against the part's invoice that holds the refund's item;
- it has none yet -> status Held, with the reason (not imported, not shipped in full yet, or not
  invoiced by the connector: shipped before "Invoice Orders Shipped From", or invoices off); the
  invoices stage books it as soon as the invoice exists;
- ERPNext refuses the credit note -> its writes are undone, the record stays, status Failed with
  ERPNext's reason; the invoices stage tries again each run (after a person fixed the cause).
"""

from __future__ import annotations

import json
from decimal import Decimal

import frappe
from frappe import _
from frappe.utils import flt

from ..core.drafts.refunds import AMOUNT_FIELDS, RefundDraft, RefundLineDraft
from ..core.ports import Outcome
from .context import AdapterContext
from .inserts import insert_once
from .sales_invoices import SalesInvoices
from .sales_orders import from_system_time, to_system_time

DOCTYPE = "Amazon Refund"
HELD, BOOKED, FAILED = "Held", "Booked", "Failed"


class Refunds:
	def __init__(self, ctx: AdapterContext, invoices: SalesInvoices):
		self.ctx = ctx
		self.invoices = invoices

	def post(self, draft: RefundDraft) -> Outcome:
		if frappe.db.exists(DOCTYPE, {"refund_key": draft.refund_key}):
			return Outcome.UNCHANGED  # held and failed ones are retried by the invoices stage
		record = frappe.get_doc(self._record(draft))
		stored = lambda: bool(frappe.db.exists(DOCTYPE, {"refund_key": draft.refund_key}))  # noqa: E731
		if not insert_once(record, stored, "amz_refund_insert"):
			return Outcome.UNCHANGED  # stored by a concurrent job
		return self._book(record, draft, raise_errors=False)

	def ready(self) -> list[str]:
		"""Keys of held or failed refunds whose order has a submitted connector invoice."""
		rows = frappe.get_all(
			DOCTYPE,
			filters={"amazon_account": self.ctx.account, "status": ("in", (HELD, FAILED))},
			fields=["refund_key", "amazon_order_id"],
			order_by="posted_date asc",
		)
		order_ids = list({row.amazon_order_id for row in rows})
		invoiced: set[str] = set()
		for start in range(0, len(order_ids), 500):
			invoiced.update(
				frappe.get_all(
					"Sales Invoice",
					filters={
						"amazon_order_id": ("in", order_ids[start : start + 500]),
						"is_return": 0,
						"docstatus": 1,
					},
					pluck="amazon_order_id",
				)
			)
		return [row.refund_key for row in rows if row.amazon_order_id in invoiced]

	def apply(self, refund_key: str) -> Outcome:
		name = frappe.db.get_value(DOCTYPE, {"refund_key": refund_key}, "name")
		if not name:
			return Outcome.UNCHANGED
		record = frappe.get_doc(DOCTYPE, name)
		if record.status == BOOKED:
			return Outcome.UNCHANGED
		return self._book(record, draft_of(record), raise_errors=True)

	# -- internals -------------------------------------------------------------------------------
	def _book(self, record, draft: RefundDraft, *, raise_errors: bool) -> Outcome:
		invoice = self.invoices.invoice_for_refund(draft)
		if not invoice:
			record.db_set({"status": HELD, "reason": self._why_held(draft)}, update_modified=False)
			return Outcome.HELD
		savepoint = "amz_refund_book"
		frappe.db.savepoint(savepoint)
		try:
			credit_note, payment = self.invoices.credit_note(invoice.name, draft)
		except Exception as exc:
			frappe.db.rollback(save_point=savepoint)
			if raise_errors:
				raise
			reason = frappe.utils.strip_html(str(exc)) or type(exc).__name__
			record.db_set({"status": FAILED, "reason": reason[:1000]}, update_modified=False)
			return Outcome.FLAGGED
		frappe.db.release_savepoint(savepoint)
		record.db_set(
			{"status": BOOKED, "reason": "", "credit_note": credit_note, "payment_entry": payment or None},
			update_modified=False,
		)
		return Outcome.CREATED

	def _why_held(self, draft: RefundDraft) -> str:
		order = frappe.db.get_value(
			"Sales Order",
			{"amazon_order_id": draft.amazon_order_id},
			["name", "amazon_status", "amazon_shipped_on", "per_billed"],
			as_dict=True,
		)
		if not order:
			return _("The order is not imported (older than the after date, or not imported yet).")
		if not self.ctx.make_sales_invoices:
			return _(
				"Make Sales Invoices is off in Amazon Settings: credit the refund by hand, or switch it on."
			)
		if not order.amazon_shipped_on:
			return _("Waiting for the order's invoice: Amazon has not reported it shipped in full yet.")
		if self.ctx.invoice_from_date and order.amazon_shipped_on.date() < self.ctx.invoice_from_date:
			return _(
				"The order shipped before {0} (Invoice Orders Shipped From), so the connector does not invoice "
				"it: credit the refund by hand."
			).format(self.ctx.invoice_from_date)
		if flt(order.per_billed) >= 100:
			return _("Sales Order {0} was invoiced outside the connector: credit the refund by hand.").format(
				order.name
			)
		return _("Waiting for the order's Sales Invoice.")

	def _record(self, draft: RefundDraft) -> dict:
		return {
			"doctype": DOCTYPE,
			"refund_key": draft.refund_key,
			"amazon_account": self.ctx.account,
			"amazon_order_id": draft.amazon_order_id,
			"kind": draft.kind,
			"status": HELD,
			"posted_date": to_system_time(draft.posted_date),
			"currency": draft.currency,
			"total": float(draft.total),
			"marketplace_name": draft.marketplace_name,
			"source": draft.source,
			"lines": [
				{
					"sku": line.sku,
					"order_item_id": line.order_item_id,
					"adjustment_item_id": line.adjustment_item_id,
					"quantity": float(line.quantity),
					"currency": draft.currency,
					**{name: float(getattr(line, name)) for name in AMOUNT_FIELDS},
					"promotion_ids": ", ".join(line.promotion_ids),
					"other_charges": json.dumps({k: str(v) for k, v in line.other.items()})
					if line.other
					else "",
					"line_total": float(line.total),
				}
				for line in draft.lines
			],
		}


def draft_of(record) -> RefundDraft:
	"""The RefundDraft an Amazon Refund record was stored from (amounts as Decimal, exactly)."""

	def exact(value) -> Decimal:
		# Currency fields hold up to 9 decimals; Amazon's amounts have the currency's minor unit.
		return Decimal(str(flt(value, 9))).normalize() + 0

	lines = []
	for row in record.lines:
		other = json.loads(row.other_charges) if row.other_charges else {}
		lines.append(
			RefundLineDraft(
				sku=row.sku or "",
				order_item_id=row.order_item_id or "",
				adjustment_item_id=row.adjustment_item_id or "",
				quantity=exact(row.quantity),
				promotion_ids=tuple(p.strip() for p in (row.promotion_ids or "").split(",") if p.strip()),
				other={k: Decimal(v) for k, v in other.items()},
				**{name: exact(row.get(name)) for name in AMOUNT_FIELDS},
			)
		)
	return RefundDraft(
		refund_key=record.refund_key,
		amazon_order_id=record.amazon_order_id,
		posted_date=from_system_time(record.posted_date),
		currency=record.currency,
		lines=lines,
		kind=record.kind or "Refund",
		marketplace_name=record.marketplace_name or "",
		source=record.source or "",
	)
