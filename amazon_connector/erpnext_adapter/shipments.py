"""Shipment confirmation on ERPNext's side: Delivery Notes of merchant-fulfilled Amazon orders.

On submit, a Delivery Note made from an Amazon order's Sales Order that the seller ships itself
(fulfilment channel MERCHANT) is marked "Pending", gets its package number within the order, and a
background sync of the account's `shipment_confirmation` stage is queued once the submit has been
committed. The submit itself never waits for Amazon and never fails because of it: if the job
cannot be queued now (a sync of the account is already running), the scheduler's next tick finds
the pending note. The stage (`core.engine.shipments`) confirms each pending note and marks it
"Confirmed", or "Failed" with Amazon's message; "Retry confirmation" on the form sets a failed note
pending again (after the carrier or tracking number has been corrected) and queues the stage.

Items: each row's Sales Order Item carries its Amazon order item id, and the note's quantity is
the quantity shipped, so a note for part of the order confirms only those items and units.
Carrier: the note's Amazon Carrier, else its Transporter Name, else its Shipping Rule, looked up in
the carrier mapping (`carriers`). Tracking number: the note's, else its Transport Receipt No.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import get_datetime, now_datetime

from ..core.drafts.shipments import DeliveryLine, DeliveryView, ShipmentDraft
from .context import AdapterContext
from .sales_orders import from_system_time

DELIVERY_NOTE = "Delivery Note"
PENDING, CONFIRMED, FAILED = "Pending", "Confirmed", "Failed"
MERCHANT = "MERCHANT"


def amazon_order_of(doc) -> frappe._dict | None:
	"""The Amazon Sales Order a Delivery Note ships (its first row's), or None."""
	sales_order = next((row.against_sales_order for row in doc.items if row.against_sales_order), None)
	if not sales_order:
		return None
	order = frappe.db.get_value(
		"Sales Order",
		sales_order,
		["name", "amazon_order_id", "amazon_account", "amazon_marketplace_id", "amazon_fulfillment_channel"],
		as_dict=True,
	)
	return order if order and order.amazon_order_id and order.amazon_account else None


def on_delivery_note_submit(doc, method=None) -> None:
	"""doc_events hook: queue the confirmation of a merchant-fulfilled Amazon order's shipment."""
	try:
		order = amazon_order_of(doc)
		if order is None or (order.amazon_fulfillment_channel or MERCHANT) != MERCHANT:
			return  # not an Amazon order, or Amazon ships it and confirms it itself
		doc.db_set(
			{
				"amazon_order_id": order.amazon_order_id,
				"amazon_account": order.amazon_account,
				"amazon_package_number": _next_package_number(order.amazon_order_id, doc.name),
				"amazon_confirmation_status": PENDING,
				"amazon_confirmation_message": _("Waiting to be sent to Amazon."),
			},
			update_modified=False,
		)
		queue_confirmation(order.amazon_account)
	except Exception:  # the shipment is real whatever Amazon hears; the scheduler picks it up later
		frappe.log_error(title=f"Amazon shipment confirmation of {doc.name} not queued")


def _next_package_number(amazon_order_id: str, delivery_note: str) -> str:
	"""Amazon's package reference: a positive number unique within the order (1, 2, ... per note)."""
	numbers = frappe.get_all(
		DELIVERY_NOTE,
		filters={"amazon_order_id": amazon_order_id, "name": ("!=", delivery_note), "docstatus": ("!=", 0)},
		pluck="amazon_package_number",
	)
	return str(max((int(n) for n in numbers if (n or "").isdigit()), default=0) + 1)


def queue_confirmation(account: str) -> bool:
	"""Queue the account's shipment confirmation after this transaction commits (False: a sync of
	the account is queued or running already; the scheduler's tick confirms the note later)."""
	from ..core.engine.pipeline import SHIPMENTS
	from ..runner.queue import enqueue_sync

	return enqueue_sync(account, [SHIPMENTS], triggered_by="Delivery Note", after_commit=True)


@frappe.whitelist(methods=["POST"])
def retry_confirmation(delivery_note: str) -> str:
	"""The form's "Retry confirmation": send a refused (or still pending) confirmation again."""
	doc = frappe.get_doc(DELIVERY_NOTE, delivery_note)
	doc.check_permission("write")
	if doc.docstatus != 1 or doc.get("amazon_confirmation_status") not in (FAILED, PENDING):
		frappe.throw(_("Delivery Note {0} has no Amazon confirmation to retry.").format(doc.name))
	doc.db_set(
		{
			"amazon_confirmation_status": PENDING,
			"amazon_confirmation_message": _("Waiting to be sent to Amazon again."),
		},
		update_modified=False,
	)
	if queue_confirmation(doc.amazon_account):
		return _("The confirmation is queued and is sent to Amazon in a moment.")
	return _("A sync of this Amazon account is running; the confirmation is sent within a few minutes.")


def has_pending(account: str) -> bool:
	return bool(
		frappe.db.exists(
			DELIVERY_NOTE, {"amazon_account": account, "docstatus": 1, "amazon_confirmation_status": PENDING}
		)
	)


class Shipments:
	"""The ShipmentsPort's Delivery Note side for one account."""

	def __init__(self, ctx: AdapterContext):
		self.ctx = ctx

	def pending(self) -> list[DeliveryView]:
		notes = frappe.get_all(
			DELIVERY_NOTE,
			filters={
				"amazon_account": self.ctx.account,
				"docstatus": 1,
				"amazon_confirmation_status": PENDING,
			},
			pluck="name",
			order_by="creation asc",
		)
		return [self._view(frappe.get_doc(DELIVERY_NOTE, name)) for name in notes]

	def _view(self, doc) -> DeliveryView:
		order = amazon_order_of(doc) or frappe._dict()
		# Only the Amazon order's own rows: a row of another Sales Order on the same note is not part
		# of this Amazon order's package (and is left out, like a free extra).
		order_items = {
			row.name: row.amazon_order_item_id
			for row in frappe.get_all(
				"Sales Order Item",
				filters={"parent": order.get("name") or ""},
				fields=["name", "amazon_order_item_id"],
			)
		}
		lines = tuple(
			DeliveryLine(row.item_code, order_items.get(row.so_detail) or "", float(row.qty))
			for row in doc.items
		)
		shipped = get_datetime(f"{doc.posting_date} {doc.posting_time or '00:00:00'}")
		return DeliveryView(
			name=doc.name,
			amazon_order_id=doc.get("amazon_order_id") or order.get("amazon_order_id") or "",
			marketplace_id=order.get("amazon_marketplace_id") or "",
			fulfillment_channel=(order.get("amazon_fulfillment_channel") or MERCHANT).upper(),
			shipped_at=from_system_time(shipped),
			carrier=doc.get("amazon_carrier")
			or doc.get("transporter_name")
			or doc.get("shipping_rule")
			or "",
			tracking_number=doc.get("amazon_tracking_number") or doc.get("lr_no") or "",
			package_reference_id=doc.get("amazon_package_number") or "",
			lines=lines,
		)

	def confirmed(self, draft: ShipmentDraft) -> None:
		carrier = draft.carrier_code + (f" ({draft.carrier_name})" if draft.carrier_name else "")
		frappe.db.set_value(
			DELIVERY_NOTE,
			draft.delivery_note,
			{
				"amazon_confirmation_status": CONFIRMED,
				"amazon_confirmation_message": _(
					"Confirmed to Amazon on {0}: package {1}, {2}, tracking number {3}."
				).format(
					f"{now_datetime():%Y-%m-%d %H:%M}",
					draft.package_reference_id,
					carrier,
					draft.tracking_number,
				),
			},
			update_modified=False,
		)

	def failed(self, delivery_note: str, message: str, *, final: bool) -> None:
		text = f"{now_datetime():%Y-%m-%d %H:%M}: {message}"
		frappe.db.set_value(
			DELIVERY_NOTE,
			delivery_note,
			{
				"amazon_confirmation_status": FAILED if final else PENDING,
				"amazon_confirmation_message": text[:1000],
			},
			update_modified=False,
		)
