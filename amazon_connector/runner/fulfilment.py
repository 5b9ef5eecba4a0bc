"""The Sales Order's Multi-Channel Fulfillment buttons: preview, send to Amazon (to ship, or on hold),
send a change, release an order on hold, cancel at Amazon (returns: runner.fulfilment_returns).

Each is one or two calls to Amazon (2 requests/s, burst 30), made in the request so the person who
pressed the button sees Amazon's answer at once: fees and promised dates before anything is
ordered, Amazon's status after sending, or Amazon's refusal with its reason. A refusal is written on
the Sales Order (Amazon's Message) and returned, never raised, so the request keeps that write.
The status afterwards is followed by the `mcf` stage of the account's scheduled runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import frappe
from frappe import _

from ..core.drafts.fulfilment import (
	CANCELLABLE_STATUSES,
	REFUSED_STATUSES,
	UPDATABLE_STATUSES,
	FulfilmentOrderDraft,
	FulfilmentPreview,
)
from ..core.engine import fulfilment
from ..core.engine.fulfilment import NotHeld, NotUpdatable, refusal_message
from ..core.mapping.fulfilment import (
	FulfilmentDraftError,
	check_draft,
	preview_summary,
	read_fulfilment_order,
	unfulfillable_text,
)
from ..core.sentences import sentence
from ..erpnext_adapter.context import context_of
from ..erpnext_adapter.errors import AdapterError
from ..erpnext_adapter.fulfilment import Fulfilment, account_of
from ..erpnext_adapter.settings import account_config, read_settings
from ..spapi.errors import InvalidInputError, SpApiError
from ..spapi.source import SpApiSource
from .options import OPTIONS


def _order(name: str):
	order = frappe.get_doc("Sales Order", name)
	order.check_permission("write")
	if order.get("amazon_order_id"):
		frappe.throw(_("Sales Order {0} is an Amazon order: Amazon fulfils it already.").format(order.name))
	return order


def _adapter(order) -> tuple[str, Fulfilment]:
	"""The Amazon account that fulfils the order, and the adapter bound to it."""
	try:
		account = account_of(order)
	except AdapterError as exc:
		frappe.throw(str(exc))
	if not read_settings(account).enabled:
		frappe.throw(
			_("Amazon Settings {0} is disabled; enable it to use Amazon's fulfilment.").format(account)
		)
	return account, Fulfilment(context_of(account))


@contextmanager
def _source(account: str) -> Iterator[SpApiSource]:
	session = OPTIONS.runtime.session_factory(account_config(account))
	try:
		yield SpApiSource(session)
	finally:
		session.close()


def _sent(order) -> tuple[str, Fulfilment, FulfilmentOrderDraft]:
	"""For an order already at Amazon (an update, a release): its account, the adapter, and the draft
	of what the Sales Order holds now, compared with Amazon's order before anything is sent."""
	account, adapter = _adapter(order)
	try:
		return account, adapter, adapter.sent_draft(order)
	except AdapterError as exc:
		frappe.throw(str(exc))


def _draft(adapter: Fulfilment, order, hold: bool = False):
	try:
		draft = adapter.draft_for(order, hold)
		check_draft(draft)  # everything that is missing, named, before Amazon is asked
	except (AdapterError, FulfilmentDraftError) as exc:
		frappe.throw(str(exc))
	return draft


def preview(name: str) -> dict:
	order = _order(name)
	account, adapter = _adapter(order)
	draft = _draft(adapter, order)
	with _source(account) as source:
		try:
			previews = fulfilment.preview(source, draft)
		except SpApiError as exc:
			frappe.throw(refusal_message(exc))
	return {
		"account": account,
		"shipping_speed": draft.shipping_speed,
		# The account's default for the dialog's "Send on hold" choice.
		"hold": read_settings(account).send_mcf_orders_on_hold,
		"can_send": order.docstatus == 1 and _may_send(order),
		"previews": [_preview_view(p) for p in previews],
	}


def _preview_view(preview: FulfilmentPreview) -> dict:
	return {
		"shipping_speed": preview.shipping_speed,
		"fulfillable": preview.fulfillable,
		"fees": [{"name": f.name, "amount": str(f.amount), "currency": f.currency} for f in preview.fees],
		"total_fees": ", ".join(f"{amount} {currency}" for currency, amount in preview.total_fees().items()),
		"ship_by": _day(preview.latest_ship),
		"arrives": " – ".join(d for d in (_day(preview.earliest_arrival), _day(preview.latest_arrival)) if d),
		"reasons": ""
		if preview.fulfillable
		else unfulfillable_text(preview.unfulfillable, preview.order_reasons),
		"summary": preview_summary(preview),
	}


def _day(moment) -> str:
	return moment.date().isoformat() if moment else ""


# Amazon ended the attempt without shipping anything of it: the order may go again, as a new one.
RESENDABLE_STATUSES = ("Cancelled", *REFUSED_STATUSES)


def _may_send(order) -> bool:
	"""Never sent, or Amazon ended the last attempt having shipped nothing (cancelled or refused); an
	order Amazon shipped (in full or in part) is not sent again."""
	return (
		not order.get("amazon_fulfillment_order_id") or order.get("amazon_mcf_status") in RESENDABLE_STATUSES
	)


def send(name: str, hold: bool | None = None) -> dict:
	"""Send the submitted order to Amazon: on hold or to ship as the sender chose, else as the account's
	Send MCF Orders on Hold says."""
	order = _order(name)
	if order.docstatus != 1:
		frappe.throw(_("Submit Sales Order {0} before sending it to Amazon.").format(order.name))
	if not _may_send(order):
		frappe.throw(
			_("Sales Order {0} is already at Amazon as {1} ({2}).").format(
				order.name, order.amazon_fulfillment_order_id, order.amazon_mcf_status
			)
		)
	account, adapter = _adapter(order)
	if hold is None:
		hold = read_settings(account).send_mcf_orders_on_hold
	draft = _draft(adapter, order, hold)
	with _source(account) as source:
		try:
			state = fulfilment.send(source, draft)
		except InvalidInputError as exc:
			if "already exists" not in (exc.message or ""):
				return _refused(adapter, order.name, exc)
			# Sent before, but its answer never arrived (a timeout): the order Amazon has is this one.
			state = read_fulfilment_order(source.get_fulfillment_order(draft.seller_fulfillment_order_id))
		except SpApiError as exc:
			return _refused(adapter, order.name, exc)
	adapter.record_sent(order.name, state, account)
	return {
		"ok": not state.refused,
		"status": state.status,
		"held": state.held,
		"message": state.message or _("Amazon took the order."),
	}


def update(name: str) -> dict:
	"""Send what of the submitted Sales Order now differs from Amazon's order (speed, address,
	quantities, rows taken off). A refusal, or Amazon being past the point of changes, is written on
	the order and returned."""
	order = _order(name)
	if (
		order.docstatus != 1
		or not order.get("amazon_fulfillment_order_id")
		or order.get("amazon_mcf_status") not in UPDATABLE_STATUSES
	):
		frappe.throw(
			_("Sales Order {0} has no fulfilment order Amazon can still change (status {1}).").format(
				order.name, order.get("amazon_mcf_status") or _("not sent")
			)
		)
	account, adapter, draft = _sent(order)
	with _source(account) as source:
		try:
			state, change = fulfilment.update(source, draft)
		except FulfilmentDraftError as exc:
			frappe.throw(str(exc))
		except NotUpdatable as exc:
			adapter.record_sent(order.name, exc.state, account)
			adapter.record_message(order.name, str(exc))
			return {"ok": False, "status": exc.state.status, "message": str(exc)}
		except SpApiError as exc:
			return _refused(adapter, order.name, exc)
	adapter.record_sent(order.name, state, account)
	if change.empty:
		message = _("Amazon's order already matches the Sales Order; nothing was sent.")
	else:
		message = sentence(_("Amazon took the change: {0}").format(change.describe()))
	return {"ok": True, "status": state.status, "message": message}


def release(name: str) -> dict:
	"""Release the order Amazon holds, so that it ships: Amazon's order is read first, and only while
	Amazon holds it is the release sent, with whatever of the Sales Order differs from Amazon's order
	(speed, address, quantities, rows taken off). An order Amazon no longer holds is shown as it is."""
	order = _order(name)
	if (
		order.docstatus != 1
		or not order.get("amazon_fulfillment_order_id")
		or not order.get("amazon_mcf_on_hold")
	):
		frappe.throw(_("Sales Order {0} has no fulfilment order on hold at Amazon.").format(order.name))
	account, adapter, draft = _sent(order)
	with _source(account) as source:
		try:
			state, change = fulfilment.release(source, draft)
		except FulfilmentDraftError as exc:
			frappe.throw(str(exc))
		except NotHeld as exc:
			adapter.record_sent(order.name, exc.state, account)
			message = " ".join(p for p in (str(exc), exc.state.message) if p)
			adapter.record_message(order.name, message)
			return {"ok": False, "status": exc.state.status, "message": message}
		except SpApiError as exc:
			return _refused(adapter, order.name, exc)
	adapter.record_sent(order.name, state, account)
	return {
		"ok": True,
		"status": state.status,
		"message": _("Amazon released the order to ship: {0}.").format(change.describe()),
	}


def cancel(name: str) -> dict:
	order = _order(name)
	if (
		not order.get("amazon_fulfillment_order_id")
		or order.get("amazon_mcf_status") not in CANCELLABLE_STATUSES
	):
		frappe.throw(
			_("Sales Order {0} has no fulfilment order Amazon can still cancel (status {1}).").format(
				order.name, order.get("amazon_mcf_status") or _("not sent")
			)
		)
	account, adapter = _adapter(order)
	with _source(account) as source:
		try:
			state = fulfilment.cancel(source, order.amazon_fulfillment_order_id)
		except SpApiError as exc:
			return _refused(adapter, order.name, exc)
	adapter.record_sent(order.name, state, account)
	return {"ok": True, "status": state.status, "message": state.message}


def _refused(adapter: Fulfilment, order_name: str, exc: SpApiError) -> dict:
	message = refusal_message(exc)
	adapter.record_message(order_name, message)
	return {"ok": False, "status": "", "message": message}
