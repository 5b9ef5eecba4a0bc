"""The invoice of one shipment part of an order: its quantities and its share of every charge row.

Pure arithmetic on the Sales Order's rows, checked by the framework-free suite; the ERPNext adapter
(`erpnext_adapter.sales_invoices`) reads the rows from the Sales Order and its earlier invoices.

Decisions (and why):
- Quantities: a part's units of an order item go to that item's Sales Order rows (an item split over
  two rates has two) in row order, each up to what is not billed yet, so nothing is invoiced twice.
- Charge and tax rows ("Actual" rows of exact amounts) are shared by what the part ships:
  - a row with item-wise detail (every tax row): each item's part of the row (the detail) times the
    share of that item's units in this part, so a part that ships an item in full carries exactly
    that item's tax, at its rate;
  - a row without (shipping, gift wrap, discounts, whose per-item split the order does not keep):
    by the part's share of the order's net item amount;
  each rounded half-up to the currency's minor unit.
- The closing part (after it every row is billed in full) takes what is left of every row: the
  invoices of an order add up to the Sales Order exactly, row by row, whatever the rounding before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ..money import round_money

ZERO = Decimal(0)


@dataclass
class OrderRow:
	name: str
	order_item_id: str
	item_code: str
	qty: Decimal
	amount: Decimal  # the row's net amount
	billed: Decimal = ZERO  # units invoiced before


@dataclass
class ChargeRow:
	name: str
	amount: Decimal  # in the order's currency
	detail: dict[str, float] = field(default_factory=dict)  # item code -> part, company currency
	invoiced: Decimal = ZERO  # invoiced before, in the order's currency
	invoiced_detail: dict[str, float] = field(default_factory=dict)


@dataclass
class PartCharge:
	amount: Decimal
	detail: dict[str, float]


class InvoicePartError(ValueError):
	"""The part cannot be invoiced as Amazon shipped it; the message says why."""


def part_quantities(rows: list[OrderRow], items: dict[str, int]) -> dict[str, Decimal]:
	"""Row name -> units this part invoices (rows of other items: absent)."""
	left = {item_id: Decimal(units) for item_id, units in items.items()}
	quantities: dict[str, Decimal] = {}
	for row in rows:
		want = left.get(row.order_item_id, ZERO)
		take = min(want, row.qty - row.billed)
		if take > 0:
			quantities[row.name] = take
			left[row.order_item_id] = want - take
	short = {item_id: units for item_id, units in left.items() if units > 0}
	if short:
		listed = ", ".join(f"{item_id} ({units} units)" for item_id, units in sorted(short.items()))
		raise InvoicePartError(f"the shipment holds units the order has no unbilled row for: {listed}")
	return quantities


def is_closing(rows: list[OrderRow], quantities: dict[str, Decimal]) -> bool:
	return all(row.billed + quantities.get(row.name, ZERO) >= row.qty for row in rows)


def part_charges(
	rows: list[OrderRow], quantities: dict[str, Decimal], charges: list[ChargeRow], currency: str
) -> dict[str, PartCharge]:
	"""Charge row name -> this part's amount and item-wise detail (see the module notes)."""
	if is_closing(rows, quantities):
		return {
			c.name: PartCharge(
				c.amount - c.invoiced,
				{k: v - c.invoiced_detail.get(k, 0.0) for k, v in c.detail.items()},
			)
			for c in charges
		}
	ordered: dict[str, Decimal] = {}
	shipped: dict[str, Decimal] = {}
	for row in rows:
		ordered[row.item_code] = ordered.get(row.item_code, ZERO) + row.qty
		shipped[row.item_code] = shipped.get(row.item_code, ZERO) + quantities.get(row.name, ZERO)
	net = sum((row.amount for row in rows), ZERO)
	part_net = sum((row.amount * quantities.get(row.name, ZERO) / row.qty for row in rows), ZERO)
	result = {}
	for charge in charges:
		if charge.detail:
			whole = sum(charge.detail.values())
			share = {
				k: v * float(shipped.get(k, ZERO) / ordered[k]) if ordered.get(k) else 0.0
				for k, v in charge.detail.items()
			}
			fraction = Decimal(str(sum(share.values()) / whole)) if whole else _fraction(shipped, ordered)
			result[charge.name] = PartCharge(round_money(charge.amount * fraction, currency), share)
		else:
			fraction = part_net / net if net else _fraction(shipped, ordered)
			result[charge.name] = PartCharge(round_money(charge.amount * fraction, currency), {})
	return result


def _fraction(shipped: dict[str, Decimal], ordered: dict[str, Decimal]) -> Decimal:
	total = sum(ordered.values(), ZERO)
	return sum(shipped.values(), ZERO) / total if total else ZERO
