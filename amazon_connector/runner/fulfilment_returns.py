"""The Sales Order's return button for a Multi-Channel Fulfillment order Amazon shipped: the rows that
can be returned with Amazon's reason codes for each SKU (listReturnReasonCodes), and the return
itself (createFulfillmentReturn), answered at once with what Amazon accepted, where the buyer sends
the units (its return authorization) and what it refused with its reason. The draft Sales Returns it
leaves are received by the `mcf` stage once Amazon reports the units processed
(erpnext_adapter.fulfilment_returns).
"""

from __future__ import annotations

import json

import frappe
from frappe import _

from ..core.drafts.fulfilment import RETURNABLE_STATUSES
from ..core.engine import fulfilment
from ..core.engine.fulfilment import refusal_message
from ..core.mapping.fulfilment import FulfilmentDraftError
from ..erpnext_adapter import fulfilment_returns as returns
from ..erpnext_adapter.errors import AdapterError
from ..spapi.errors import SpApiError
from .fulfilment import _adapter, _order, _source


def _shipped_order(name: str):
	order = _order(name)
	if (
		not order.get("amazon_fulfillment_order_id")
		or order.get("amazon_mcf_status") not in RETURNABLE_STATUSES
	):
		frappe.throw(
			_(
				"Sales Order {0}: Amazon has shipped nothing of it that could be returned (status {1})."
			).format(order.name, order.get("amazon_mcf_status") or _("not sent"))
		)
	return order


def options(name: str) -> dict:
	order = _shipped_order(name)
	account, adapter = _adapter(order)
	rows = returns.returnable_rows(order)
	if not rows:
		frappe.throw(
			_("Sales Order {0}: every unit Amazon shipped is returned or asked back.").format(order.name)
		)
	for row in rows:
		row["sku"] = adapter.sku_for(row["item_code"])
	reasons: dict[str, list[dict]] = {}
	with _source(account) as source:
		for sku in sorted({row["sku"] for row in rows if row["sku"]}):
			try:
				found = fulfilment.return_reasons(source, sku, "", order.amazon_fulfillment_order_id)
			except SpApiError as exc:
				frappe.throw(refusal_message(exc))
			reasons[sku] = [{"code": r.code, "description": r.description} for r in found]
	return {"rows": rows, "reasons": reasons}


def request(name: str, lines) -> dict:
	order = _shipped_order(name)
	account, adapter = _adapter(order)
	if isinstance(lines, str):
		lines = json.loads(lines)
	wanted = [
		{**line, "units": int(line.get("units") or 0)} for line in lines or [] if int(line.get("units") or 0)
	]
	if not wanted:
		frappe.throw(_("Choose the units to return."))
	order_id = order.amazon_fulfillment_order_id
	try:
		made = returns.draft_returns(order, wanted, order_id, adapter.fba_warehouse())
	except AdapterError as exc:
		frappe.throw(str(exc))
	item_names = {row.name: row.item_code for row in order.items}
	said, ok = [], False
	with _source(account) as source:
		for note, return_lines in made:
			try:
				result = fulfilment.request_return(source, order_id, note, return_lines)
			except FulfilmentDraftError as exc:
				returns.discard(note)
				frappe.throw(str(exc))
			except SpApiError as exc:
				returns.discard(note)
				said.append(refusal_message(exc))
				continue
			ok = ok or bool(result.accepted)
			said.append(returns.record_answer(note, result, item_names))
	message = " ".join(said)
	adapter.record_message(order.name, message)
	status = _("return accepted") if ok else order.amazon_mcf_status
	return {"ok": ok, "status": status, "message": message}
