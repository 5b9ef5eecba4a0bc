"""The money blocks of a 2026-01-01 order item, built from a line's prices and its marketplace's tax rules.

Conventions (documented in docs/simulator.md):
- Tax-exclusive marketplaces (US, CA): `unitPrice`, ITEM, SHIPPING, GIFT_WRAP and DISCOUNT exclude tax;
  the TAX breakdown carries it, detailed by what it was charged on, and `proceedsTotal` includes it.
- VAT-inclusive marketplaces (UK, DE, JP, ...): the amounts include VAT, as the buyer saw them. By
  default there is no TAX breakdown: the VAT is inside ITEM/SHIPPING/GIFT_WRAP (the model's own UK
  and JP examples). Where the world says Amazon reports it (`TaxRule.reported`, per marketplace),
  a TAX breakdown carries the VAT inside, detailed by ITEM/SHIPPING/GIFT_WRAP, and proceedsTotal
  does not add it again. Finance events split it out (Principal + Tax = ITEM).
- The VAT inside a VAT-inclusive amount is taken per component (price, shipping, gift wrap, and
  each discount on its own) at the item's rate: gross x rate / (1 + rate), half-up to the minor
  unit. Reduced-rate goods (a stable function of the ASIN, like the fee category) get the
  marketplace's reduced rate (UK 0 %, DE 7 %, JP 8 %), so one order can carry several rates.
- ITEM is the line subtotal (unit price x quantity); DISCOUNT is negative.
- Who collects tax shows in `tax.taxCollections[].model` (MARKETPLACE_FACILITATOR), per item.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from decimal import Decimal

from amazon_connector.core.money import round_money

from .marketplaces import REDUCED_VAT_RATES, Marketplace

ZERO = Decimal("0")
MARKETPLACE_FACILITATOR = "MARKETPLACE_FACILITATOR"
RESPONSIBLE_PARTY = {"NA": "Amazon Services, Inc.", "EU": "Amazon EU S.a r.l.", "FE": "Amazon Japan G.K."}


def amount_text(amount: Decimal, currency: str) -> str:
	"""Amazon's decimal string for an amount: two places (none for JPY)."""
	value = round_money(amount, currency)
	if value == 0:
		value = abs(value)  # never "-0.00"
	return f"{value:f}"


def money(amount: Decimal, currency: str) -> dict:
	return {"amount": amount_text(amount, currency), "currencyCode": currency}


@dataclass(frozen=True)
class TaxRule:
	"""How one line is taxed: the rate, whether prices include it, and who collects it."""

	rate: Decimal
	inclusive: bool
	facilitator: bool  # Amazon collects and remits (marketplace facilitator / deemed supplier)
	responsible_party: str = ""
	reported: bool = False  # VAT-inclusive prices: Amazon reports the VAT inside in a TAX breakdown


@dataclass
class LineAmounts:
	"""The buyer-facing amounts of one order line, in the order's currency."""

	unit_price: Decimal
	quantity: int
	shipping: Decimal = ZERO  # line total
	gift_wrap: Decimal = ZERO
	item_discount: Decimal = ZERO  # positive figure; shown negative
	shipping_discount: Decimal = ZERO
	promotion_ids: list[str] = field(default_factory=list)

	@property
	def item_subtotal(self) -> Decimal:
		return self.unit_price * self.quantity


def tax_of(amount: Decimal, rule: TaxRule, currency: str) -> Decimal:
	"""The tax on a taxable amount: added on top, or the part contained in it (VAT-inclusive)."""
	if rule.rate == 0 or amount == 0:
		return ZERO
	if rule.inclusive:
		return round_money(amount - amount / (1 + rule.rate), currency)
	return round_money(amount * rule.rate, currency)


def reduced_rate_goods(asin: str) -> bool:
	"""Whether a product is taxed at the reduced rate (one in five, a stable function of the ASIN)."""
	return hashlib.sha256(f"vat:{asin}".encode()).digest()[0] % 5 == 0


def vat_rate_of(marketplace: Marketplace, asin: str) -> Decimal:
	"""The VAT rate (a fraction) of a product where prices include VAT; 0 elsewhere."""
	if not marketplace.vat_inclusive:
		return ZERO
	if reduced_rate_goods(asin) and marketplace.code in REDUCED_VAT_RATES:
		return REDUCED_VAT_RATES[marketplace.code]
	return marketplace.vat_rate


def order_tax_rule(marketplace: Marketplace, place: tuple, *, facilitator: bool, reported: bool) -> TaxRule:
	"""How an order delivered to `place` (a people.PLACES row, its sales tax rate last) is taxed: at
	the marketplace's VAT rate where prices include VAT, else at the place's rate; Amazon collects
	it as facilitator (deemed supplier) where `facilitator`."""
	return TaxRule(
		rate=marketplace.vat_rate if marketplace.vat_inclusive else place[3],
		inclusive=marketplace.vat_inclusive,
		facilitator=facilitator,
		responsible_party=RESPONSIBLE_PARTY[marketplace.region] if facilitator else "",
		reported=reported,
	)


def rule_for_item(rule: TaxRule, marketplace: Marketplace, asin: str) -> TaxRule:
	"""The order's tax rule for one product: where prices include VAT, at the product's own rate."""
	return replace(rule, rate=vat_rate_of(marketplace, asin)) if rule.inclusive else rule


def inclusive_vat(line: LineAmounts, rule: TaxRule, currency: str) -> dict[str, Decimal]:
	"""The VAT inside a VAT-inclusive line, by what it is on: each component taxed on its own."""
	return {
		"ITEM": tax_of(line.item_subtotal, rule, currency) + tax_of(-line.item_discount, rule, currency),
		"SHIPPING": tax_of(line.shipping, rule, currency) + tax_of(-line.shipping_discount, rule, currency),
		"GIFT_WRAP": tax_of(line.gift_wrap, rule, currency),
	}


def item_proceeds(line: LineAmounts, rule: TaxRule, currency: str) -> dict:
	"""ItemProceeds: breakdowns ITEM, SHIPPING, GIFT_WRAP, [TAX], DISCOUNT and their total."""
	breakdowns = [{"type": "ITEM", "subtotal": money(line.item_subtotal, currency)}]
	total = line.item_subtotal
	if line.shipping:
		breakdowns.append({"type": "SHIPPING", "subtotal": money(line.shipping, currency)})
		total += line.shipping
	if line.gift_wrap:
		breakdowns.append({"type": "GIFT_WRAP", "subtotal": money(line.gift_wrap, currency)})
		total += line.gift_wrap
	if not rule.inclusive and rule.rate:
		parts = [
			("ITEM", tax_of(line.item_subtotal - line.item_discount, rule, currency)),
			("SHIPPING", tax_of(line.shipping - line.shipping_discount, rule, currency)),
			("GIFT_WRAP", tax_of(line.gift_wrap, rule, currency)),
		]
		tax_total = sum((value for _, value in parts), ZERO)
		if tax_total:
			breakdowns.append(
				{
					"type": "TAX",
					"subtotal": money(tax_total, currency),
					"detailedBreakdowns": [
						{"subtype": subtype, "value": money(value, currency)}
						for subtype, value in parts
						if value
					],
				}
			)
			total += tax_total
	if rule.inclusive and rule.reported:
		parts = inclusive_vat(line, rule, currency)
		inside = sum(parts.values(), ZERO)
		breakdowns.append(
			{
				"type": "TAX",
				"subtotal": money(inside, currency),
				"detailedBreakdowns": [
					{"subtype": subtype, "value": money(value, currency)}
					for subtype, value in parts.items()
					if value
				],
			}
		)  # inside the prices: the total does not add it again
	discount = line.item_discount + line.shipping_discount
	if discount:
		details = []
		if line.item_discount:
			details.append({"subtype": "ITEM", "value": money(-line.item_discount, currency)})
		if line.shipping_discount:
			details.append({"subtype": "SHIPPING", "value": money(-line.shipping_discount, currency)})
		breakdowns.append(
			{"type": "DISCOUNT", "subtotal": money(-discount, currency), "detailedBreakdowns": details}
		)
		total -= discount
	return {"proceedsTotal": money(total, currency), "breakdowns": breakdowns}


def item_tax(rule: TaxRule) -> dict | None:
	if not rule.facilitator:
		return None
	return {
		"taxCollections": [{"model": MARKETPLACE_FACILITATOR, "responsibleParty": rule.responsible_party}]
	}


def price_item(item: dict, line: LineAmounts, rule: TaxRule, currency: str, *, proceeds: bool) -> None:
	"""What Amazon shows of a priced item: its unit price, its proceeds (not on an item cancelled in
	full) and who collects its tax. `rule` is the item's own (`rule_for_item`)."""
	item["product"]["price"] = {"unitPrice": money(line.unit_price, currency)}
	if proceeds:
		item["proceeds"] = item_proceeds(line, rule, currency)
	tax = item_tax(rule)
	if tax:
		item["tax"] = tax


def order_proceeds(items: list[dict], currency: str) -> dict | None:
	"""OrderProceeds: the items' breakdowns added up by type, and the grand total. None if no item has proceeds."""
	totals: dict[str, Decimal] = {}
	grand = ZERO
	seen = False
	for item in items:
		proceeds = item.get("proceeds")
		if not proceeds:
			continue
		seen = True
		grand += Decimal(proceeds["proceedsTotal"]["amount"])
		for breakdown in proceeds.get("breakdowns", []):
			kind = breakdown["type"]
			totals[kind] = totals.get(kind, ZERO) + Decimal(breakdown["subtotal"]["amount"])
	if not seen:
		return None
	order = ("ITEM", "SHIPPING", "GIFT_WRAP", "COD_FEE", "OTHER", "TAX", "DISCOUNT")
	breakdowns = [
		{"type": kind, "subtotal": money(totals[kind], currency)}
		for kind in sorted(totals, key=lambda k: order.index(k) if k in order else len(order))
	]
	return {"grandTotal": money(grand, currency), "breakdowns": breakdowns}


def line_amounts_from_item(item: dict) -> LineAmounts | None:
	"""Read a priced order item back into its amounts (None when it carries no prices)."""
	price = ((item.get("product") or {}).get("price") or {}).get("unitPrice")
	if not price:
		return None
	line = LineAmounts(unit_price=Decimal(price["amount"]), quantity=int(item["quantityOrdered"]))
	for breakdown in (item.get("proceeds") or {}).get("breakdowns", []):
		value = Decimal(breakdown["subtotal"]["amount"])
		if breakdown["type"] == "SHIPPING":
			line.shipping = value
		elif breakdown["type"] == "GIFT_WRAP":
			line.gift_wrap = value
		elif breakdown["type"] == "DISCOUNT":
			for detail in breakdown.get("detailedBreakdowns", []):
				if detail["subtype"] == "SHIPPING":
					line.shipping_discount = -Decimal(detail["value"]["amount"])
				else:
					line.item_discount += -Decimal(detail["value"]["amount"])
	line.promotion_ids = [p["promotionId"] for p in (item.get("promotion") or {}).get("breakdowns", [])]
	return line


def default_tax_rule(
	marketplace: Marketplace, region_rate: Decimal | None = None, facilitator: bool = False
) -> TaxRule:
	rate = marketplace.vat_rate if marketplace.vat_inclusive else (region_rate or ZERO)
	party = RESPONSIBLE_PARTY.get(marketplace.region, "") if facilitator else ""
	return TaxRule(
		rate=rate, inclusive=marketplace.vat_inclusive, facilitator=facilitator, responsible_party=party
	)
