"""Which shipment parts of a Sales Order still want an invoice, and an invoice cut to one part.

The parts are kept on the Sales Order (`amazon_shipment_parts`, see `core.mapping.shipment_parts`).
An order shipped at once is one part of everything: its invoice is the whole Sales Order and its
key is the Amazon order id, as before parts existed (orders imported before have no parts kept:
their `amazon_shipped_on` makes that one part). An order shipped in parts gets one invoice per part,
keyed "<order id>/<part key>", holding exactly the part's units; its charge and tax rows are shared
as `core.mapping.invoice_parts` decides, and the last part takes what is left of every row, so the
order's invoices add up to the Sales Order to the cent and bill it in full.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import frappe
from frappe import _
from frappe.utils import flt

from ..core.mapping.invoice_parts import (
	ChargeRow,
	InvoicePartError,
	OrderRow,
	is_closing,
	part_charges,
	part_quantities,
)
from ..core.mapping.shipment_parts import ShipmentPart, covers_all, parts_from_json
from ..core.money import round_money
from .errors import AdapterError
from .sales_orders import from_system_time, to_system_time
from .tax_detail import read_detail, set_detail


def parts_of(order) -> list[ShipmentPart]:
	"""The order's shipment parts: kept ones, else (an order imported before parts were kept, or
	shipped at once) one part of everything at `amazon_shipped_on`."""
	parts = parts_from_json(order.get("amazon_shipment_parts"))
	if parts:
		return parts
	if order.get("amazon_shipped_on"):
		return [ShipmentPart("1", from_system_time(order.get("amazon_shipped_on")), {})]
	return []


def part_key(amazon_order_id: str, part: ShipmentPart, parts: list[ShipmentPart], ordered: dict) -> str:
	"""The invoice key of a part: the order id for an order shipped at once, else "<order>/<part>"."""
	if len(parts) == 1 and (not part.items or covers_all(parts, ordered)):
		return amazon_order_id
	return f"{amazon_order_id}/{part.key}"


def pending_parts(
	order, invoiced_keys: set[str], shipped_from: date | None
) -> list[tuple[str, ShipmentPart]]:
	"""(invoice key, part) of the order's parts not invoiced yet, oldest first; parts shipped before
	`shipped_from` ("Invoice Orders Shipped From") are not the connector's to invoice."""
	parts = parts_of(order)
	# Only a lone part can be the whole order: the ordered units are read for that case alone.
	ordered = ordered_units(order.name) if len(parts) == 1 and parts[0].items else {}
	pending = []
	for part in sorted(parts, key=lambda p: p.shipped_at):
		key = part_key(order.amazon_order_id, part, parts, ordered)
		if key in invoiced_keys:
			continue
		if shipped_from and to_system_time(part.shipped_at).date() < shipped_from:
			continue
		pending.append((key, part))
	return pending


def ordered_units(sales_order: str) -> dict[str, Decimal]:
	units: dict[str, Decimal] = {}
	for row in frappe.get_all(
		"Sales Order Item", filters={"parent": sales_order}, fields=["amazon_order_item_id", "qty"]
	):
		key = row.amazon_order_item_id or ""
		units[key] = units.get(key, Decimal(0)) + Decimal(str(flt(row.qty)))
	return units


def cut_to_part(invoice, order, part: ShipmentPart, amazon_order_id: str) -> bool:
	"""Cut `invoice` (ERPNext's Make Sales Invoice of `order`: every unbilled unit, every charge row
	in full) to the units of `part` and its share of each charge and tax row. True when it closes
	the order (nothing of it left unbilled)."""
	billed = _billed_units(order.name)
	rows = [
		OrderRow(
			row.name,
			row.amazon_order_item_id or "",
			row.item_code,
			Decimal(str(flt(row.qty))),
			Decimal(str(flt(row.net_amount))),
			billed.get(row.name, Decimal(0)),
		)
		for row in order.items
	]
	try:
		quantities = part_quantities(rows, part.items)
	except InvoicePartError as exc:
		raise AdapterError(_("Amazon order {0}: {1}").format(amazon_order_id, str(exc))) from exc
	closing = is_closing(rows, quantities)
	invoice.set("items", [row for row in invoice.items if quantities.get(row.so_detail)])
	for row in invoice.items:
		row.qty = float(quantities[row.so_detail])
	before = _invoiced_charges(amazon_order_id, len(order.taxes))
	charges = [
		ChargeRow(
			str(tax.idx),
			Decimal(str(flt(tax.tax_amount))),
			{k: amount for k, (_rate, amount) in read_detail(tax).items()} if tax.dont_recompute_tax else {},
			before[tax.idx][0],
			before[tax.idx][1],
		)
		for tax in order.taxes
	]
	shares = part_charges(rows, quantities, charges, order.currency)
	rates = {tax.idx: read_detail(tax) for tax in order.taxes}
	for tax in invoice.taxes:
		share = shares[str(tax.idx)]
		tax.tax_amount = float(share.amount)
		if tax.get("dont_recompute_tax") and share.detail:
			detail = {k: [_rate_of(rates[tax.idx], k), v] for k, v in share.detail.items()}
			set_detail(tax, detail)
	return closing


def check_order_billed(order, amazon_order_id: str) -> None:
	"""After the closing part: the order's invoices add up to the Sales Order, row by row."""
	names = frappe.get_all(
		"Sales Invoice",
		filters={"amazon_order_id": amazon_order_id, "is_return": 0, "docstatus": ("<", 2)},
		pluck="name",
	)
	currency = order.currency
	total = Decimal(0)
	taxes: dict[int, Decimal] = {}
	for name in names:
		doc = frappe.get_doc("Sales Invoice", name)
		total += round_money(Decimal(str(flt(doc.grand_total))), currency)
		for tax in doc.taxes:
			taxes[tax.idx] = taxes.get(tax.idx, Decimal(0)) + round_money(
				Decimal(str(flt(tax.tax_amount))), currency
			)
	problems = []
	want = round_money(Decimal(str(flt(order.grand_total))), currency)
	if total != want:
		problems.append(_("grand totals {0} against the order's {1}").format(total, want))
	for tax in order.taxes:
		amount = round_money(Decimal(str(flt(tax.tax_amount))), currency)
		if taxes.get(tax.idx, Decimal(0)) != amount:
			problems.append(_("row {0}: {1} against {2}").format(tax.idx, taxes.get(tax.idx), amount))
	if problems:
		raise AdapterError(
			_(
				"Amazon order {0}: the invoices of its shipments would differ from Sales Order {1}: {2}"
			).format(amazon_order_id, order.name, "; ".join(str(p) for p in problems))
		)


def _rate_of(detail: dict, key: str):
	rate, _amount = detail.get(key, (None, 0.0))
	return float(rate) if rate is not None else 0.0


def _billed_units(sales_order: str) -> dict[str, Decimal]:
	"""Sales Order row -> units on the order's invoices so far (returns are credit notes, not here)."""
	units: dict[str, Decimal] = {}
	for row in frappe.get_all(
		"Sales Invoice Item",
		filters={"sales_order": sales_order, "docstatus": 1, "qty": (">", 0)},
		fields=["so_detail", "qty"],
	):
		units[row.so_detail] = units.get(row.so_detail, Decimal(0)) + Decimal(str(flt(row.qty)))
	return units


def _invoiced_charges(amazon_order_id: str, rows: int) -> dict[int, tuple[Decimal, dict[str, float]]]:
	"""Tax row idx -> (amount, item-wise detail) on the order's part invoices so far."""
	invoiced: dict[int, tuple[Decimal, dict[str, float]]] = {i: (Decimal(0), {}) for i in range(1, rows + 1)}
	names = frappe.get_all(
		"Sales Invoice",
		filters={"amazon_order_id": amazon_order_id, "is_return": 0, "docstatus": 1},
		pluck="name",
	)
	for name in names:
		for tax in frappe.get_doc("Sales Invoice", name).taxes:
			amount, detail = invoiced.get(tax.idx, (Decimal(0), {}))
			for key, (_rate, part) in read_detail(tax).items():
				detail[key] = detail.get(key, 0.0) + part
			invoiced[tax.idx] = (amount + Decimal(str(flt(tax.tax_amount))), detail)
	return invoiced
