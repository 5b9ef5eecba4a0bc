"""Returns of a Multi-Channel Fulfillment order in ERPNext: what of a Sales Order Amazon shipped can
still be returned, the Sales Return Delivery Note that holds a return while the units travel back, and
what Amazon's report of the units does to it.

- A return starts from the Sales Order: per shipped row (each shipment's Delivery Note row) the units
  Amazon shipped, less those returned or already asked back.
- Asking Amazon makes a draft Sales Return (ERPNext's own `make_sales_return` of the shipment's
  Delivery Note, into the account's FBA warehouse, since the units go back to Amazon's fulfilment
  centre). Its name is the prefix of the return item ids Amazon gets, one per unit, kept in
  Amazon Return Items; the units Amazon refused are taken off it (none accepted: it is deleted),
  and Amazon's return authorization (where the buyer sends them, the label page) is written on it.
- When Amazon has processed every unit of it, the units that arrived Sellable stay on the note and
  it is submitted: the FBA warehouse holds them again and the Sales Order's returned quantity
  follows. Units in another condition are in Amazon's unfulfillable stock, not in the FBA warehouse
  (the FBA mirror counts fulfillable units only), so they are named on the note, not received; a
  note with no sellable unit is deleted and the Sales Order says so.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import flt, nowdate

from ..core.drafts.fulfilment import FulfilmentState, ReturnLine, ReturnResult
from ..core.mapping.fulfilment import returns_text
from ..core.mapping.fulfilment_returns import authorization_text, invalid_text
from ..core.sentences import sentence
from .errors import AdapterError

DELIVERY_NOTE = "Delivery Note"
REQUESTED, RECEIVED = "Requested", "Received"


def refuse_submit_before_amazon(doc, method=None) -> None:
	"""Delivery Note before_submit: a return Amazon has not received yet is not submitted by hand (its
	units are not back in the FBA warehouse); the mcf stage submits it with the sellable units."""
	if doc.get("amazon_mcf_return_order") and doc.get("amazon_mcf_return_status") == REQUESTED:
		frappe.throw(
			_(
				"{0} waits for Amazon to receive the units of fulfilment order {1}; it is submitted with the "
				"units that arrive sellable once Amazon reports them. Delete it to give the return up."
			).format(doc.name, doc.amazon_mcf_return_order)
		)


def returnable_rows(order) -> list[dict]:
	"""Each shipped row of the Sales Order with the units that can still be asked back."""
	rows = frappe.get_all(
		"Delivery Note Item",
		filters={"against_sales_order": order.name, "docstatus": 1},
		fields=["name", "parent", "so_detail", "item_code", "item_name", "stock_qty", "returned_qty"],
		order_by="parent asc, idx asc",
	)
	shipments = dict(
		frappe.get_all(
			DELIVERY_NOTE,
			filters={"name": ("in", list({r.parent for r in rows}) or [""]), "is_return": 0},
			fields=["name", "amazon_mcf_shipment_id"],
			as_list=True,
		)
	)
	asked = _asked_back([r.name for r in rows])
	found = []
	for row in rows:
		shipment = shipments.get(row.parent)
		if not shipment:
			continue  # not a shipment Amazon made
		units = int(flt(row.stock_qty) - flt(row.returned_qty) - asked.get(row.name, 0))
		if units > 0:
			found.append({"dn_detail": row.name, "delivery_note": row.parent, "so_detail": row.so_detail,
				"item_code": row.item_code, "item_name": row.item_name, "amazon_shipment_id": shipment,
				"returnable": units})  # fmt: skip
	return found


def _asked_back(dn_details: list[str]) -> dict[str, float]:
	"""Units of each Delivery Note row on Sales Returns still waiting for Amazon (drafts)."""
	if not dn_details:
		return {}
	rows = frappe.get_all(
		"Delivery Note Item",
		filters={"dn_detail": ("in", dn_details), "docstatus": 0},
		fields=["dn_detail", "stock_qty", "parent"],
	)
	asked: dict[str, float] = {}
	for row in rows:
		asked[row.dn_detail] = asked.get(row.dn_detail, 0) + abs(flt(row.stock_qty))
	return asked


def draft_returns(
	order, lines: list[dict], fulfillment_order_id: str, warehouse: str
) -> list[tuple[str, list[ReturnLine]]]:
	"""One draft Sales Return per shipment Delivery Note, holding the units asked back, and the lines
	to ask Amazon for. `lines`: {dn_detail, units, reason_code, comment}."""
	from erpnext.stock.doctype.delivery_note.delivery_note import make_sales_return

	open_rows = {r["dn_detail"]: r for r in returnable_rows(order)}
	by_note: dict[str, list[dict]] = {}
	for line in lines:
		row = open_rows.get(line.get("dn_detail"))
		units = line.get("units")
		if row is None:
			raise AdapterError(_("Sales Order {0}: row {1} has nothing Amazon shipped left to return.").format(
				order.name, line.get("dn_detail")))  # fmt: skip
		if not isinstance(units, int) or units <= 0 or units > row["returnable"]:
			raise AdapterError(
				_("Sales Order {0}: {1} can be returned in 1 to {2} units, not {3}.").format(
					order.name, row["item_code"], row["returnable"], units
				)
			)
		by_note.setdefault(row["delivery_note"], []).append(dict(line, row=row))
	made = []
	for note_name, wanted in by_note.items():
		units = {w["dn_detail"]: w["units"] for w in wanted}
		note = make_sales_return(note_name)
		note.set("items", [row for row in note.items if row.dn_detail in units])
		for idx, row in enumerate(note.items, start=1):
			row.idx = idx
			row.qty = -units[row.dn_detail] / (row.conversion_factor or 1)
			row.warehouse = warehouse  # the units go back to Amazon's fulfilment centre
		note.set_warehouse = warehouse
		note.posting_date = nowdate()
		note.amazon_mcf_return_order = fulfillment_order_id
		note.amazon_mcf_return_status = REQUESTED
		note.flags.ignore_permissions = True
		note.insert()
		made.append(
			(
				note.name,
				[
					ReturnLine(
						line_id=w["row"]["so_detail"],
						amazon_shipment_id=w["row"]["amazon_shipment_id"],
						units=w["units"],
						reason_code=w.get("reason_code") or "",
						comment=w.get("comment") or "",
					)
					for w in wanted
				],  # fmt: skip
			)
		)
	return made


def record_answer(note_name: str, result: ReturnResult, item_names: dict[str, str]) -> str:
	"""Keep the units Amazon accepted on the draft (none: delete it); a sentence of what Amazon said."""
	note = frappe.get_doc(DELIVERY_NOTE, note_name)
	accepted: dict[str, int] = {}
	for unit in result.accepted:
		accepted[unit.line_id] = accepted.get(unit.line_id, 0) + 1
	refused = invalid_text(result.invalid, item_names)
	if not accepted:
		frappe.delete_doc(DELIVERY_NOTE, note.name, ignore_permissions=True, force=True)
		return sentence(_("Amazon refused the return: {0}").format(refused or _("it gave no reason")))
	kept = [row for row in note.items if accepted.get(row.so_detail)]
	for idx, row in enumerate(kept, start=1):
		row.idx = idx
		row.qty = -accepted[row.so_detail] / (row.conversion_factor or 1)
	note.set("items", kept)
	note.amazon_mcf_return_items = "\n".join(u.seller_return_item_id for u in result.accepted)
	note.amazon_mcf_return_authorization = authorization_text(result.authorizations)
	note.amazon_mcf_return_message = sentence(_("Amazon refused: {0}").format(refused)) if refused else ""
	note.flags.ignore_permissions = True
	note.save()
	units = sum(accepted.values())
	text = _("{0}: Amazon accepted {1} unit(s) for return.").format(note.name, units)
	if result.authorizations:
		text += " " + note.amazon_mcf_return_authorization
	else:
		text += " " + _("Amazon gives the return authorization later; it will be shown on {0}.").format(
			note.name
		)
	return text + (" " + note.amazon_mcf_return_message if refused else "")


def discard(note_name: str) -> None:
	frappe.delete_doc(DELIVERY_NOTE, note_name, ignore_permissions=True, force=True)


def open_return_orders(account: str) -> list[str]:
	"""Fulfilment order ids of the account with units asked back that Amazon has not processed."""
	ids = set(
		frappe.get_all(
			DELIVERY_NOTE,
			filters={"docstatus": 0, "is_return": 1, "amazon_mcf_return_order": ("is", "set")},
			pluck="amazon_mcf_return_order",
		)
	)
	if not ids:
		return []
	return frappe.get_all(
		"Sales Order",
		filters={"amazon_mcf_account": account, "amazon_fulfillment_order_id": ("in", sorted(ids))},
		pluck="amazon_fulfillment_order_id",
	)


def apply_returns(state: FulfilmentState) -> tuple[bool, str]:
	"""Amazon's report of the units asked back of one order: each draft Sales Return whose units are
	all processed is received (its sellable units) or deleted. Whether anything changed, and what the
	Sales Order should say of units that came back unsellable."""
	names = frappe.get_all(
		DELIVERY_NOTE,
		filters={
			"docstatus": 0,
			"is_return": 1,
			"amazon_mcf_return_order": state.seller_fulfillment_order_id,
		},
		pluck="name",
		order_by="name asc",
	)
	units = {r.seller_return_item_id: r for r in state.returns}
	authorizations = {a.authorization_id: a for a in state.authorizations}
	changed, notes = False, []
	for name in names:
		note = frappe.get_doc(DELIVERY_NOTE, name)
		ids = [i for i in (note.amazon_mcf_return_items or "").split() if i]
		mine = [units[i] for i in ids if i in units]
		if not note.amazon_mcf_return_authorization:
			given = [authorizations[u.authorization_id] for u in mine if u.authorization_id in authorizations]
			if given:
				note.db_set("amazon_mcf_return_authorization", authorization_text(list(dict.fromkeys(given))))
				changed = True
		if not ids or len(mine) < len(ids) or not all(u.processed for u in mine):
			continue
		changed = True
		sellable: dict[str, int] = {}
		other = []
		for unit in mine:
			if unit.sellable:
				sellable[unit.line_id] = sellable.get(unit.line_id, 0) + 1
			else:
				other.append(unit)
		names_of = {row.so_detail: row.item_code for row in note.items}
		unsellable = "; ".join(
			f"{names_of.get(u.line_id, u.line_id)}: {u.condition or _('condition not given')}" for u in other
		)
		if unsellable:
			unsellable = _(
				"Amazon received unit(s) it cannot sell again ({0}); they are in Amazon's unfulfillable stock, "
				"not in the FBA warehouse."
			).format(unsellable)
		kept = [row for row in note.items if sellable.get(row.so_detail)]
		if not kept:
			frappe.delete_doc(DELIVERY_NOTE, note.name, ignore_permissions=True, force=True)
			notes.append(_("Return {0} deleted: no unit came back sellable. {1}").format(name, unsellable))
			continue
		for idx, row in enumerate(kept, start=1):
			row.idx = idx
			row.qty = -sellable[row.so_detail] / (row.conversion_factor or 1)
		note.set("items", kept)
		note.amazon_mcf_return_message = " ".join(p for p in (returns_text(state), unsellable) if p)
		note.posting_date = nowdate()
		note.amazon_mcf_return_status = RECEIVED
		note.flags.ignore_permissions = True
		note.save()
		note.submit()
		if unsellable:
			notes.append(f"{name}: {unsellable}")
	return changed, " ".join(notes)
