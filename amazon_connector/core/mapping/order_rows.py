"""A SalesOrderDraft's money as Sales Order rows: item rows and "Actual" tax/charge rows.

Pure arithmetic on Decimals (no frappe import), checked by the framework-free suite; the ERPNext
adapter (`erpnext_adapter.sales_orders`) turns the result into Sales Order rows.

Tax added on top of prices (US, CA) is simple: item rows carry the drafted rates exactly, and every
charge (shipping, gift wrap, other, promotion discount, seller-collected tax, marketplace-facilitator
tax) is an "Actual" row of its signed amount. grand_total = lines + charges = what the buyer paid.

Tax included in prices (VAT in the EU and UK, consumption tax in JP), decision:
ERPNext can only keep tax inside item rates with percentage rows ("On Net Total" + "Is this Tax
included in Basic Rate?"), which recompute the tax from the rate per item (net = gross / (1 + rate),
tax = net x rate, summed, then rounded) and so can differ from Amazon's figure, or from VAT taken
out per component, by a cent; "Actual" rows cannot be marked included (ERPNext refuses it). So the
order is booked NET of its VAT, with the VAT as "Actual" rows of exactly the amounts (Amazon's, or
taken out by `core.mapping.vat`):
- VAT that applies to shipping, gift wrap, other charges or a promotion discount is taken out of
  that charge row (when the row is large enough);
- the rest (VAT on the goods, or given without detail) is taken out of the item lines, shared in
  proportion to each line's own tax (else to the line amounts), never more than a line's amount;
- a line whose net amount the quantity does not divide becomes two rows of the same order item
  whose rates differ by one minor unit (as the core does for gross prices), so every rate keeps the
  currency's minor unit and every amount is exact;
- tax rows are merged into one row per (whose tax, rate, account), each with its rate and its parts
  per order item (the item-wise tax detail), so an invoice made from the order shows each rate once.
grand_total = net lines + net charges + taxes = Amazon's total to the minor unit, and the income
accounts receive net amounts. The rate shown on the order is therefore the net unit price, not
Amazon's VAT-inclusive shelf price.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from ..drafts import orders as kinds
from ..drafts.orders import ChargeDraft, SalesOrderDraft, SalesOrderLineDraft
from ..money import quantum, round_money

# Which charge row a tax detail ("applies_to") belongs to.
_CHARGE_OF_TAX_DETAIL = {
	"SHIPPING": kinds.SHIPPING,
	"GIFT_WRAP": kinds.GIFT_WRAP,
	"COD_FEE": kinds.OTHER,
	"OTHER": kinds.OTHER,
	"DISCOUNT": kinds.DISCOUNT,
}
_ROLE_LABEL = {
	kinds.OUTPUT_VAT: "VAT",
	kinds.SALES_TAX: "Sales tax",
	kinds.FACILITATOR_VAT: "VAT collected and remitted by Amazon (deemed supplier)",
	kinds.FACILITATOR_SALES_TAX: "Sales tax collected and remitted by Amazon (marketplace facilitator)",
}


class OrderRowsError(ValueError):
	"""The draft's money cannot be laid out as rows; the message says why."""


@dataclass
class ItemRow:
	line: SalesOrderLineDraft
	qty: Decimal
	rate: Decimal

	@property
	def amount(self) -> Decimal:
		return self.qty * self.rate


@dataclass
class ChargeRow:
	charge: ChargeDraft
	amount: Decimal
	vat_included: Decimal = Decimal(0)  # VAT taken out of this row (shown in its description)


@dataclass
class OrderRows:
	items: list[ItemRow] = field(default_factory=list)
	charges: list[ChargeRow] = field(default_factory=list)  # added charges, then VAT rows

	@property
	def total(self) -> Decimal:
		return sum((r.amount for r in self.items), Decimal(0)) + sum(
			(c.amount for c in self.charges), Decimal(0)
		)


def order_rows(draft: SalesOrderDraft) -> OrderRows:
	currency = draft.currency
	for line in draft.lines:
		if line.qty <= 0:
			raise OrderRowsError(f"order item {line.order_item_id}: quantity {line.qty} is not positive")
		if round_money(line.rate, currency) != line.rate or line.qty * line.rate != line.amount:
			raise OrderRowsError(
				f"order item {line.order_item_id}: {line.qty} x {line.rate} is not the line amount {line.amount}"
			)
	added = [ChargeRow(c, c.amount) for c in draft.charges if not c.included_in_rate]
	included = [c for c in draft.charges if c.included_in_rate]
	if not included:
		rows = OrderRows([ItemRow(line, line.qty, line.rate) for line in draft.lines], added)
	else:
		rows = _net_of_included_tax(draft, added, included)
	rows.charges = _one_row_per_tax(rows.charges)
	if rows.total != draft.grand_total:
		raise OrderRowsError(
			f"the rows add up to {rows.total} {currency}, Amazon's total is {draft.grand_total} {currency}"
		)
	return rows


def _net_of_included_tax(
	draft: SalesOrderDraft, added: list[ChargeRow], included: list[ChargeDraft]
) -> OrderRows:
	currency = draft.currency
	from_lines = Decimal(0)
	for tax in included:
		target_kind = _CHARGE_OF_TAX_DETAIL.get((tax.applies_to or "").upper())
		target = next(
			(
				row
				for row in added
				if row.charge.kind == target_kind
				and row.amount * tax.amount > 0  # same sign: VAT inside a discount is negative
				and abs(row.amount) >= abs(tax.amount)
			),
			None,
		)
		if target is not None:
			target.amount -= tax.amount
			target.vat_included += tax.amount
		else:
			from_lines += tax.amount
	shares = _shares(draft.lines, from_lines, currency)
	items = []
	for line, share in zip(draft.lines, shares, strict=True):
		for qty, rate in split_amount(line.amount - share, line.qty, currency):
			items.append(ItemRow(line, qty, rate))
	return OrderRows(items, added + [ChargeRow(tax, tax.amount) for tax in included])


def _one_row_per_tax(rows: list[ChargeRow]) -> list[ChargeRow]:
	"""Merge tax rows of the same role, rate and account (Amazon reports tax per component); other
	charges stay as they are, first."""
	charges = [row for row in rows if not row.charge.is_tax]
	merged: dict[tuple, ChargeDraft] = {}
	for row in rows:
		tax = row.charge
		if not tax.is_tax:
			continue
		key = (tax.tax_role, tax.rate, tax.account)
		known = merged.get(key)
		if known is None:
			merged[key] = replace(
				tax,
				description=tax_description(tax),
				amount=row.amount,
				per_item=dict(tax.per_item),
				applies_to="",
			)
			continue
		known.amount += row.amount
		for item_id, part in tax.per_item.items():
			known.per_item[item_id] = known.per_item.get(item_id, Decimal(0)) + part
	ordered = sorted(merged.values(), key=lambda t: (t.tax_role, t.rate is None, t.rate or 0, t.account))
	return charges + [ChargeRow(tax, tax.amount) for tax in ordered]


def tax_description(tax: ChargeDraft) -> str:
	"""'VAT 20% (included in the prices)', 'Sales tax 8.25%', ... for a tax row."""
	label = _ROLE_LABEL.get(tax.tax_role, "Tax")
	if tax.rate is not None:
		label += f" {tax.rate.normalize():f}%"
	if tax.included_in_rate:
		label += " (included in the prices)"
	return label


def _shares(lines: list[SalesOrderLineDraft], total: Decimal, currency: str) -> list[Decimal]:
	"""Split `total` over the lines by their reported tax (else amounts), to the minor unit,
	largest remainders first, no line giving more than its amount."""
	if not lines:
		if total:
			raise OrderRowsError(f"{total} {currency} of included tax but no lines to take it from")
		return []
	weights = [line.tax if line.tax_included and line.tax > 0 else Decimal(0) for line in lines]
	if sum(weights) <= 0:
		weights = [max(line.amount, Decimal(0)) for line in lines]
	if sum(weights) <= 0:
		weights = [Decimal(1)] * len(lines)
	step = quantum(currency)
	units = int(total / step)
	if Decimal(units) * step != total:
		raise OrderRowsError(f"the included tax {total} has more decimals than {currency} allows")
	whole = sum(weights)
	exact = [Decimal(units) * w / whole for w in weights]
	base = [int(e) if units >= 0 else -int(-e) for e in exact]  # toward zero
	left = units - sum(base)
	order = sorted(range(len(lines)), key=lambda i: abs(exact[i] - base[i]), reverse=True)
	sign = 1 if left > 0 else -1
	for i in order[: abs(left)]:
		base[i] += sign
	shares = [Decimal(b) * step for b in base]
	# Cap each share at the line's amount; move any excess to lines with room.
	excess = Decimal(0)
	for i, line in enumerate(lines):
		if shares[i] > line.amount:
			excess += shares[i] - line.amount
			shares[i] = line.amount
	for i, line in enumerate(lines):
		if excess <= 0:
			break
		room = line.amount - shares[i]
		take = min(room, excess)
		shares[i] += take
		excess -= take
	if excess > 0:
		raise OrderRowsError(
			f"the included tax ({total} {currency}) is more than the lines it is included in"
		)
	return shares


def split_amount(amount: Decimal, qty: Decimal, currency: str) -> list[tuple[Decimal, Decimal]]:
	"""[(qty, rate)] with rates at the currency's minor unit whose amounts add up to `amount`."""
	step = quantum(currency)
	if round_money(amount, currency) != amount:
		raise OrderRowsError(f"the amount {amount} has more decimals than {currency} allows")
	if qty != qty.to_integral_value():
		# Fractional quantities: one row, exact only if it divides; Amazon sells whole units.
		rate = round_money(amount / qty, currency)
		if rate * qty != amount:
			raise OrderRowsError(f"{amount} {currency} cannot be split over a quantity of {qty}")
		return [(qty, rate)]
	count = int(qty)
	units = int(amount / step)
	base, remainder = divmod(units, count)
	if remainder == 0:
		return [(qty, base * step)]
	return [(Decimal(count - remainder), base * step), (Decimal(remainder), (base + 1) * step)]
