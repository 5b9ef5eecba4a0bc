"""ERPNext's item-wise tax detail of a tax row: written as the connector computed it, and read back.

The connector's tax rows are "Actual" rows of exact amounts (ERPNext clears the Rate of such rows
and cannot mark them included in the price; see `core.mapping.order_rows`), so without an item-wise
detail ERPNext would spread a row over all items by their net amounts, with no rate. The row is
marked `dont_recompute_tax` and its detail is written as the order computed it. ERPNext keeps the
detail in one of two shapes, and this module speaks both (found from the DocType, not a version):
- ERPNext 15: on every tax row, `item_wise_tax_detail` = {item key: [rate, amount in the company
  currency]} (taxes_and_totals.set_item_wise_tax; the key is the item code, else the item name).
- ERPNext 16: the document's child table `item_wise_tax_details` (Item Wise Tax Detail: item_row,
  tax_row, rate, amount and taxable_amount in the company currency). ERPNext builds it on save from
  the document's in-memory `_item_wise_tax_details` (item row, tax row, rate, amount, taxable
  amount) and keeps the entries of a `dont_recompute_tax` row only while the same objects are in
  memory: a document read back from the database (a reload before submit) has none, and its save
  would drop the row's detail. `bind_item_wise_details` (a before_validate hook on the connector's
  documents) therefore puts the detail back in memory before ERPNext recomputes the taxes: the one
  the connector just wrote on the row, else the one the database holds.
The Item-wise Sales Register and the invoice's tax breakup take each item's rate and amount from
this detail.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal

import frappe
from frappe.utils import flt

from ..core.money import minor_units

# ERPNext 16: the detail the connector wrote on a tax row, {item key: [rate, amount]}, until
# `bind_item_wise_details` hands it to ERPNext (a row attribute only, never a database column).
PENDING = "_amazon_item_wise_detail"
TABLE = "item_wise_tax_details"


def item_wise_detail(
	parts: Iterable[tuple[str, Decimal | None, Decimal]], conversion_rate: float, currency: str
) -> dict:
	"""The row fields for parts (item key, rate in percent, amount in the document's currency),
	summed per item key."""
	detail: dict[str, list] = {}
	for key, rate, amount in parts:
		known = detail.setdefault(key, [float(rate) if rate is not None else 0.0, 0.0])
		known[1] = flt(known[1] + float(amount) * conversion_rate, minor_units(currency) + 4)
	return {"dont_recompute_tax": 1, **_detail_fields(detail)}


def set_detail(tax_row, detail: dict[str, list]) -> None:
	"""Write {item key: [rate, amount in the company currency]} as the detail of a tax row."""
	for field, value in _detail_fields(detail, row_has_json(tax_row)).items():
		setattr(tax_row, field, value)


def copy_details(source, target) -> None:
	"""A mapped document's fixed tax rows keep the detail of the source's rows of the same place
	(ERPNext 15's mapper copies it with the row; 16's maps no Item Wise Tax Detail)."""
	rows = {tax.idx: tax for tax in source.get("taxes") or []}
	for tax in target.get("taxes") or []:
		if tax.get("dont_recompute_tax") and not detail_of(tax) and tax.idx in rows:
			if detail := detail_of(rows[tax.idx]):
				set_detail(tax, detail)


def read_detail(tax_row) -> dict[str, tuple[Decimal | None, float]]:
	"""{item key: (rate or None, amount)} of a tax row; {} when it holds none or not ERPNext's shape."""
	parsed = {}
	for key, value in detail_of(tax_row).items():
		rate, amount = (value + [0, 0])[:2] if isinstance(value, list) else (value, 0)
		parsed[key] = (Decimal(str(rate)).normalize() if rate not in (None, "") else None, flt(amount))
	return parsed


def detail_of(tax_row) -> dict:
	"""The detail of a tax row in ERPNext 15's shape, {item key: [rate, amount]}; {} when none."""
	if row_has_json(tax_row):
		try:
			detail = json.loads(tax_row.item_wise_tax_detail or "{}")
		except (TypeError, ValueError):
			return {}
		return detail if isinstance(detail, dict) else {}
	pending = getattr(tax_row, PENDING, None)
	if pending is not None:
		return {key: list(value) for key, value in pending.items()}
	doc = tax_row.parent_doc
	# A row whose document is gone (the parent is held weakly, e.g. `get_doc(...).taxes`) reads it
	# from the database.
	entries = _entries(doc, tax_row) if doc is not None else _stored_entries(tax_row)
	detail: dict[str, list] = {}
	for item, rate, amount, _taxable in entries:
		known = detail.setdefault(_item_key(item), [flt(rate), 0.0])
		known[1] += flt(amount)
	return detail


def row_has_json(tax_row) -> bool:
	"""Whether ERPNext keeps the detail on the tax row itself (15) rather than in a table (16)."""
	return bool(frappe.get_meta(tax_row.doctype).has_field("item_wise_tax_detail"))


def bind_item_wise_details(doc, method=None) -> None:
	"""Before ERPNext 16 recomputes a connector document's taxes: each `dont_recompute_tax` row's
	detail in the document's memory, bound to the document's own item and tax rows, as ERPNext keeps
	it only there (see the module's doc). Nothing on ERPNext 15 or on other documents."""
	if not doc.get("amazon_order_id") or not doc.meta.has_field(TABLE):
		return
	kept = [t for t in doc.get("taxes") or [] if t.get("dont_recompute_tax")]
	if not kept:
		return
	entries = [e for e in doc.get("_item_wise_tax_details") or [] if not _is_kept(e, kept)]
	for tax in kept:
		pending = getattr(tax, PENDING, None)
		if pending is not None:
			entries += _pending_entries(doc, tax, pending)
		else:
			entries += [
				frappe._dict(item=item, tax=tax, rate=rate, amount=amount, taxable_amount=taxable)
				for item, rate, amount, taxable in _entries(doc, tax)
			]
	doc._item_wise_tax_details = entries


def _detail_fields(detail: dict[str, list], as_json: bool | None = None) -> dict:
	if as_json is None:
		as_json = bool(frappe.get_meta("Sales Taxes and Charges").has_field("item_wise_tax_detail"))
	if as_json:
		return {"item_wise_tax_detail": json.dumps(detail, separators=(",", ":"))}
	return {PENDING: detail}


def _entries(doc, tax_row) -> list[tuple]:
	"""(item row, rate, amount, taxable amount) of a tax row's ERPNext 16 detail: from memory while
	ERPNext holds it there, else from the document's table."""
	memory = [e for e in doc.get("_item_wise_tax_details") or [] if e.get("tax") is tax_row]
	if memory:
		return [(e.item, e.rate, e.amount, e.taxable_amount) for e in memory if e.get("item")]
	items = {row.name: row for row in doc.get("items") or []}
	return [
		(items[row.item_row], row.rate, row.amount, row.taxable_amount)
		for row in doc.get(TABLE) or []
		if row.tax_row == tax_row.name and row.item_row in items
	]


def _stored_entries(tax_row) -> list[tuple]:
	"""As `_entries`, from the database: the saved document's table and its item rows."""
	if not tax_row.get("parent") or not tax_row.get("name"):
		return []
	rows = frappe.get_all(
		"Item Wise Tax Detail",
		filters={"parenttype": tax_row.parenttype, "parent": tax_row.parent, "tax_row": tax_row.name},
		fields=["item_row", "rate", "amount", "taxable_amount"],
		order_by="idx asc",
	)
	if not rows:
		return []
	item_doctype = frappe.get_meta(tax_row.parenttype).get_field("items").options
	items = {
		row.name: row
		for row in frappe.get_all(
			item_doctype,
			filters={"name": ("in", sorted({r.item_row for r in rows}))},
			fields=["name", "item_code", "item_name"],
		)
	}
	return [(items[r.item_row], r.rate, r.amount, r.taxable_amount) for r in rows if r.item_row in items]


def _pending_entries(doc, tax, detail: dict[str, list]) -> list:
	"""The written detail bound to item rows: each key's amount on the first item row of that key
	(one amount per key is what ERPNext 15 keeps too); a key no row has goes on the first row, so
	that the row's amount stays whole (the refund of a tax without goods)."""
	items = list(doc.get("items") or [])
	if not items:
		return []
	conversion_rate = flt(doc.get("conversion_rate")) or 1.0
	entries = []
	for key, value in detail.items():
		rate, amount = (list(value) + [0, 0])[:2]
		rows = [row for row in items if _item_key(row) == key] or items[:1]
		taxable = sum(flt(row.rate) * flt(row.qty) * conversion_rate for row in rows)
		entries.append(
			frappe._dict(item=rows[0], tax=tax, rate=flt(rate), amount=flt(amount), taxable_amount=taxable)
		)
	return entries


def _is_kept(entry, kept: list) -> bool:
	return any(entry.get("tax") is tax for tax in kept)


def _item_key(item) -> str:
	return item.get("item_code") or item.get("item_name") or ""
