"""VAT taken out of VAT-inclusive prices when Amazon reports none (UK, EU, JP, AU ... orders whose
proceeds carry no TAX breakdown, as in Amazon's own UK and JP examples).

`take_out_vat(draft, rate_of)` is pure: `rate_of(line)` says the item's rate in percent (the ERP
adapter asks the Item's Item Tax Template first, then the marketplace's standard rate; see
`erpnext_adapter.tax_setup`), None when none is set up.

Decisions (and why):
- Each gross component of an item is taxed on its own at the item's rate: the price (ITEM), its
  shipping, gift wrap, other charges and each of its promotion discounts, as
  VAT = gross x rate / (100 + rate), rounded half-up (half away from zero, so a discount's VAT is
  the mirror of a charge's) to the currency's minor unit. Net = gross - VAT, so net + VAT = gross
  exactly and the order's grand total stays what the buyer paid. This is also how Amazon splits
  a VAT-inclusive amount in its finance events (Principal + Tax = the amount charged).
- The VAT of an item's price is shared over the parts of a split line by their amounts, the last
  part taking the remainder, so the parts' VAT adds up to the item's.
- The shipping/gift wrap/other charges and discounts take the rate of the item they belong to, so
  an order with items at several rates (UK books at 0 % and a gadget at 20 %) gets one VAT charge
  per rate and component, each knowing its parts per order item.
- Tax collected by Amazon (deemed supplier) is taken out the same way and becomes facilitator tax,
  booked on the account the fee entries debit when Amazon reports the VAT it withheld.
- A 0 % rate still yields a (zero) VAT charge: the zero-rated supply is visible on the order.
- No rate for an item: its amounts stay gross, and the draft gets a remark naming the items and the
  set-up that is missing, which the adapter shows as "needs attention" on the Sales Order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

from ..drafts.orders import (
	COMPONENT_DISCOUNT,
	FACILITATOR_TAX,
	MARKETPLACE,
	TAX,
	ChargeDraft,
	SalesOrderDraft,
	SalesOrderLineDraft,
)
from ..money import round_money
from .order_money import tax_at

ZERO = Decimal(0)

# What the VAT inside an item component applies to (ChargeDraft.applies_to): the charge row it is
# taken out of in `order_rows`.
_APPLIES_TO = {"SHIPPING": "SHIPPING", "GIFT_WRAP": "GIFT_WRAP", "COD_FEE": "COD_FEE", "OTHER": "OTHER"}
_LABEL = {"ITEM": "items", "SHIPPING": "shipping", "GIFT_WRAP": "gift wrap", "COD_FEE": "cash on delivery fee", "OTHER": "other charges", "DISCOUNT": "discounts"}  # fmt: skip


def vat_inside(gross: Decimal, rate: Decimal, currency: str) -> Decimal:
	"""The VAT inside a VAT-inclusive amount: gross x rate / (100 + rate), half-up to the minor unit."""
	return tax_at(gross, rate, currency, included=True)


def needs_vat_taken_out(draft: SalesOrderDraft) -> bool:
	return any(not line.tax_reported for line in draft.lines)


def take_out_vat(
	draft: SalesOrderDraft,
	rate_of: Callable[[SalesOrderLineDraft], Decimal | None],
	*,
	account: str = "",
	missing_setup: str = "",
) -> SalesOrderDraft:
	"""The draft with the VAT inside its unreported VAT-inclusive items as included tax charges.

	`account` is the ERP account the settings name for the seller's VAT (empty: the adapter's own);
	`missing_setup` says, for the remark, what to set up when an item has no rate.
	"""
	if not needs_vat_taken_out(draft):
		return draft
	currency = draft.currency
	lines = [replace(line) for line in draft.lines]
	by_item: dict[str, list[SalesOrderLineDraft]] = {}
	for line in lines:
		if not line.tax_reported:
			by_item.setdefault(line.order_item_id, []).append(line)

	totals: dict[tuple[str, str, str, Decimal], Decimal] = {}
	parts: dict[tuple[str, str, str, Decimal], dict[str, Decimal]] = {}
	missing: list[str] = []
	for item_id, item_lines in by_item.items():
		rate = rate_of(item_lines[0])
		if rate is None:
			missing.append(item_id)
			continue
		first = item_lines[0]
		collected_by = first.tax_collected_by
		kind = FACILITATOR_TAX if collected_by == MARKETPLACE else TAX
		gross = sum((line.amount for line in item_lines), ZERO)
		item_vat = vat_inside(gross, rate, currency)
		_share_over_parts(item_lines, item_vat, gross, currency)
		components = [("ITEM", item_vat)] + [
			(_applies_to(key), vat_inside(amount, rate, currency)) for key, amount in first.charges.items()
		]
		for applies_to, vat in components:
			key = (kind, collected_by, applies_to, rate)
			totals[key] = totals.get(key, ZERO) + vat
			per_item = parts.setdefault(key, {})
			per_item[item_id] = per_item.get(item_id, ZERO) + vat
		for line in item_lines:
			line.tax_rate = rate
			line.tax_included = True

	charges = list(draft.charges)
	for (kind, collected_by, applies_to, rate), amount in sorted(
		totals.items(), key=lambda kv: (kv[0][0], kv[0][2], kv[0][3])
	):
		if amount == 0 and applies_to != "ITEM":
			continue  # a zero-rated item keeps one zero VAT charge, not one per component
		charges.append(
			ChargeDraft(
				kind=kind,
				description=_describe(applies_to, rate, collected_by),
				amount=amount,
				included_in_rate=True,
				collected_by=collected_by,
				applies_to=applies_to,
				rate=rate,
				account="" if collected_by == MARKETPLACE else account,
				per_item=parts[(kind, collected_by, applies_to, rate)],
			)
		)
	remarks = list(draft.remarks)
	if missing:
		marketplace = draft.marketplace_name or draft.marketplace_id
		setup = f" ({missing_setup})" if missing_setup else ""
		remarks.append(
			f"Needs attention: the prices of marketplace {marketplace} include VAT, but Amazon reported no "
			f"VAT for order item(s) {', '.join(missing)} and no VAT rate is set up for them{setup}. They are "
			"booked gross, with no VAT row."
		)
	return replace(draft, lines=lines, charges=charges, remarks=remarks)


def _share_over_parts(
	item_lines: list[SalesOrderLineDraft], vat: Decimal, gross: Decimal, currency: str
) -> None:
	left = vat
	for index, line in enumerate(item_lines):
		if index == len(item_lines) - 1:
			line.tax = left
		else:
			line.tax = round_money(vat * line.amount / gross, currency) if gross else ZERO
			left -= line.tax


def _applies_to(component: str) -> str:
	if component.startswith(COMPONENT_DISCOUNT):
		return "DISCOUNT"
	return _APPLIES_TO.get(component, "OTHER")


def _describe(applies_to: str, rate: Decimal, collected_by: str) -> str:
	text = f"VAT {rate.normalize():f}% on {_LABEL.get(applies_to, 'other charges')}, included in the prices"
	if collected_by == MARKETPLACE:
		text += ", collected and remitted by Amazon"
	return text
