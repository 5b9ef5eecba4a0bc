"""Finances v0 events derived from an order, so that fees always agree with the order they belong to.

A ShipmentEvent charges what the order's proceeds say (Principal = ITEM, ShippingCharge, GiftWrap,
and the taxes), lists promotions as negative PromotionList entries, takes Amazon's fees as negative
ItemFeeList entries, and, where Amazon collects the tax (marketplace facilitator), withholds it again
as negative ItemTaxWithheldList entries. VAT-inclusive amounts are split: Principal + Tax = ITEM.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

from amazon_connector.core.money import round_money

from .marketplaces import BY_ID, Marketplace
from .pricing import (
	MARKETPLACE_FACILITATOR,
	ZERO,
	TaxRule,
	inclusive_vat,
	line_amounts_from_item,
	vat_rate_of,
)

# Per-unit FBA fulfilment fees by size tier, in each currency.
FBA_FEES = {
	"USD": ("3.22", "4.75", "6.10"),
	"CAD": ("5.50", "7.25", "9.40"),
	"MXN": ("58.00", "74.00", "96.00"),
	"GBP": ("2.70", "3.25", "4.10"),
	"EUR": ("3.10", "3.70", "4.60"),
	"JPY": ("318", "434", "589"),
}
COMMISSION_RATES = (Decimal("0.08"), Decimal("0.12"), Decimal("0.15"))


def _pick(asin: str, choices: tuple):
	digest = hashlib.sha256(asin.encode()).digest()
	return choices[digest[0] % len(choices)]


def stable_pick(key: str, choices):
	"""One of `choices`, always the same for the same key (independent of any random stream)."""
	return _pick(key, tuple(choices))


def commission_rate(asin: str) -> Decimal:
	"""The referral fee rate of a product (a stable function of the ASIN: its "category")."""
	return _pick(asin, COMMISSION_RATES)


def fba_unit_fee(asin: str, currency: str) -> Decimal:
	return Decimal(_pick(asin, FBA_FEES.get(currency, FBA_FEES["USD"])))


def currency_amount(amount: Decimal, currency: str) -> dict:
	value = round_money(amount, currency)
	if value == 0:
		value = abs(value)
	# Finances v0 amounts are JSON numbers; keep them exact in the JSON text.
	return {
		"CurrencyCode": currency,
		"CurrencyAmount": float(value) if currency != "JPY" else float(int(value)),
	}


def _charge(kind: str, amount: Decimal, currency: str) -> dict:
	return {"ChargeType": kind, "ChargeAmount": currency_amount(amount, currency)}


def _fee(kind: str, amount: Decimal, currency: str) -> dict:
	return {"FeeType": kind, "FeeAmount": currency_amount(amount, currency)}


def _is_facilitator(item: dict) -> bool:
	collections = (item.get("tax") or {}).get("taxCollections") or []
	return any(c.get("model") == MARKETPLACE_FACILITATOR for c in collections)


def _tax_details(item: dict) -> dict[str, Decimal]:
	details: dict[str, Decimal] = {}
	for breakdown in (item.get("proceeds") or {}).get("breakdowns", []):
		if breakdown["type"] != "TAX":
			continue
		for detail in breakdown.get("detailedBreakdowns") or [
			{"subtype": "ITEM", "value": breakdown["subtotal"]}
		]:
			details[detail["subtype"]] = details.get(detail["subtype"], ZERO) + Decimal(
				detail["value"]["amount"]
			)
	return details


def marketplace_of(order: dict) -> Marketplace:
	marketplace_id = order["salesChannel"].get("marketplaceId", "")
	try:
		return BY_ID[marketplace_id]
	except KeyError:
		raise ValueError(f"order {order['orderId']}: unknown marketplace {marketplace_id!r}") from None


def _item_parts(item: dict, marketplace: Marketplace) -> dict[str, Decimal] | None:
	"""Principal, shipping, gift wrap and their taxes of one item, split as Finances v0 reports them."""
	line = line_amounts_from_item(item)
	if line is None or not item.get("proceeds"):
		return None
	currency = item["product"]["price"]["unitPrice"]["currencyCode"]
	parts = {
		"Principal": line.item_subtotal,
		"ShippingCharge": line.shipping,
		"GiftWrap": line.gift_wrap,
		"Tax": ZERO,
		"ShippingTax": ZERO,
		"GiftWrapTax": ZERO,
	}
	if marketplace.vat_inclusive:
		# VAT sits inside the amounts. Amazon reports it apart only where it collects it itself, per
		# component at the item's rate (as the order's TAX breakdown has it when there is one).
		if _is_facilitator(item):
			asin = item["product"].get("asin", "")
			rule = TaxRule(rate=vat_rate_of(marketplace, asin), inclusive=True, facilitator=True)
			reported = _tax_details(item)
			vat = reported if reported else inclusive_vat(line, rule, currency)
			for base, tax, subtype in (
				("Principal", "Tax", "ITEM"),
				("ShippingCharge", "ShippingTax", "SHIPPING"),
				("GiftWrap", "GiftWrapTax", "GIFT_WRAP"),
			):
				parts[base] -= vat.get(subtype, ZERO)
				parts[tax] = vat.get(subtype, ZERO)
	else:
		details = _tax_details(item)
		parts["Tax"] = details.get("ITEM", ZERO)
		parts["ShippingTax"] = details.get("SHIPPING", ZERO)
		parts["GiftWrapTax"] = details.get("GIFT_WRAP", ZERO)
	parts["_item_discount"] = line.item_discount
	parts["_shipping_discount"] = line.shipping_discount
	return parts


def shipment_event(order: dict, posted_date: str) -> dict | None:
	"""The ShipmentEvent Amazon posts for a shipped order, or None when nothing is charged (replacements)."""
	marketplace = marketplace_of(order)
	fulfilled_by = (order.get("fulfillment") or {}).get("fulfilledBy", "MERCHANT")
	items = []
	for item in order.get("orderItems", []):
		parts = _item_parts(item, marketplace)
		if parts is None:
			continue
		currency = item["product"]["price"]["unitPrice"]["currencyCode"]
		if parts["Principal"] + parts["Tax"] == 0 and not parts["ShippingCharge"]:
			continue  # a zero-priced replacement line is not charged
		charges = [_charge("Principal", parts["Principal"], currency), _charge("Tax", parts["Tax"], currency)]
		if parts["ShippingCharge"] or parts["ShippingTax"]:
			charges += [
				_charge("ShippingCharge", parts["ShippingCharge"], currency),
				_charge("ShippingTax", parts["ShippingTax"], currency),
			]
		if parts["GiftWrap"] or parts["GiftWrapTax"]:
			charges += [
				_charge("GiftWrap", parts["GiftWrap"], currency),
				_charge("GiftWrapTax", parts["GiftWrapTax"], currency),
			]
		asin = item["product"].get("asin", "")
		sold = (
			parts["Principal"]
			+ parts["ShippingCharge"]
			+ parts["GiftWrap"]
			- parts["_item_discount"]
			- parts["_shipping_discount"]
		)
		if marketplace.vat_inclusive:
			sold += (
				parts["Tax"] + parts["ShippingTax"] + parts["GiftWrapTax"]
			)  # referral fees include VAT there
		fees = [_fee("Commission", -round_money(sold * commission_rate(asin), currency), currency)]
		quantity = int(item["quantityOrdered"])
		if fulfilled_by == "AMAZON":
			fees.append(_fee("FBAPerUnitFulfillmentFee", -fba_unit_fee(asin, currency) * quantity, currency))
			if parts["ShippingCharge"]:
				fees.append(_fee("ShippingChargeback", -parts["ShippingCharge"], currency))
			if parts["GiftWrap"]:
				fees.append(_fee("GiftwrapChargeback", -parts["GiftWrap"], currency))
		entry = {
			"SellerSKU": item["product"].get("sellerSku", ""),
			"OrderItemId": item["orderItemId"],
			"QuantityShipped": quantity,
			"ItemChargeList": charges,
			"ItemFeeList": fees,
		}
		if _is_facilitator(item):
			label = "MarketplaceFacilitatorVAT" if marketplace.vat_inclusive else "MarketplaceFacilitatorTax"
			withheld = [_charge(f"{label}-Principal", -parts["Tax"], currency)]
			if parts["ShippingTax"]:
				withheld.append(_charge(f"{label}-Shipping", -parts["ShippingTax"], currency))
			if parts["GiftWrapTax"]:
				withheld.append(_charge(f"{label}-Giftwrap", -parts["GiftWrapTax"], currency))
			entry["ItemTaxWithheldList"] = [
				{"TaxCollectionModel": "MarketplaceFacilitator", "TaxesWithheld": withheld}
			]
		promotions = []
		ids = [p["promotionId"] for p in (item.get("promotion") or {}).get("breakdowns", [])] or ["PROMO"]
		if parts["_item_discount"]:
			promotions.append(
				{
					"PromotionType": "PromotionMetaDataDefinitionValue",
					"PromotionId": ids[0],
					"PromotionAmount": currency_amount(-parts["_item_discount"], currency),
				}
			)
		if parts["_shipping_discount"]:
			promotions.append(
				{
					"PromotionType": "PromotionMetaDataDefinitionValue",
					"PromotionId": ids[-1],
					"PromotionAmount": currency_amount(-parts["_shipping_discount"], currency),
				}
			)
		if promotions:
			entry["PromotionList"] = promotions
		items.append(entry)
	if not items:
		return None
	return {
		"AmazonOrderId": order["orderId"],
		"MarketplaceName": marketplace.name,
		"PostedDate": posted_date,
		"ShipmentItemList": items,
	}


# Refunded only with the whole item: what the buyer paid once per line, not per unit.
_PER_LINE_CHARGES = ("ShippingCharge", "ShippingTax", "GiftWrap", "GiftWrapTax")


def refund_event(
	order: dict,
	posted_date: str,
	order_item_ids: list[str] | None = None,
	units: dict[str, int] | None = None,
	sequence: int = 0,
) -> dict | None:
	"""A RefundEventList entry giving back the chosen items (default: all), in full or in part.

	`units` refunds that many units of an item (default: all of them): its price, tax, promotion
	and commission in proportion (rounded to the currency), its shipping and gift wrap only with
	the last unit. Some refunds name the OrderItemId besides the SKU, some do not (the model allows
	both). `sequence` numbers several refunds of one order (their adjustment ids differ)."""
	shipment = shipment_event(order, posted_date)
	if shipment is None:
		return None
	adjustments = []
	with_item_id = _pick(order["orderId"], (True, False))
	for index, entry in enumerate(shipment["ShipmentItemList"]):
		if order_item_ids and entry["OrderItemId"] not in order_item_ids:
			continue
		currency = entry["ItemChargeList"][0]["ChargeAmount"]["CurrencyCode"]
		quantity = int(entry["QuantityShipped"])
		refunded = min(int((units or {}).get(entry["OrderItemId"], quantity)), quantity)
		if refunded <= 0:
			continue
		whole = refunded == quantity

		def flip(amount: dict, currency=currency, whole=whole, refunded=refunded, quantity=quantity) -> dict:
			value = -Decimal(str(amount["CurrencyAmount"]))
			if not whole:
				value = round_money(value * refunded / quantity, currency)
			return currency_amount(value, currency)

		charges = [
			{"ChargeType": c["ChargeType"], "ChargeAmount": flip(c["ChargeAmount"])}
			for c in entry["ItemChargeList"]
			if whole or c["ChargeType"] not in _PER_LINE_CHARGES
		]
		commission = next(f for f in entry["ItemFeeList"] if f["FeeType"] == "Commission")
		given_back = Decimal(str(flip(commission["FeeAmount"])["CurrencyAmount"]))
		kept = min(
			round_money(given_back * Decimal("0.20"), currency),
			Decimal("5") if currency != "JPY" else Decimal("500"),
		)
		fees = [_fee("Commission", given_back, currency), _fee("RefundCommission", -kept, currency)]
		adjustment = {
			"SellerSKU": entry["SellerSKU"],
			"OrderAdjustmentItemId": f"{entry['OrderItemId'][:9]}{sequence}{index:04d}",
			"QuantityShipped": refunded,
			"ItemChargeAdjustmentList": charges,
			"ItemFeeAdjustmentList": fees,
		}
		if with_item_id:
			adjustment["OrderItemId"] = entry["OrderItemId"]
		if "ItemTaxWithheldList" in entry:
			adjustment["ItemTaxWithheldList"] = [
				{
					"TaxCollectionModel": "MarketplaceFacilitator",
					"TaxesWithheld": [
						{"ChargeType": c["ChargeType"], "ChargeAmount": flip(c["ChargeAmount"])}
						for c in entry["ItemTaxWithheldList"][0]["TaxesWithheld"]
						if whole or not c["ChargeType"].endswith(("-Shipping", "-Giftwrap"))
					],
				}
			]
		if "PromotionList" in entry:
			adjustment["PromotionAdjustmentList"] = [
				dict(p, PromotionAmount=flip(p["PromotionAmount"])) for p in entry["PromotionList"]
			]
		adjustments.append(adjustment)
	if not adjustments:
		return None
	return {
		"AmazonOrderId": order["orderId"],
		"MarketplaceName": shipment["MarketplaceName"],
		"PostedDate": posted_date,
		"ShipmentItemAdjustmentList": adjustments,
	}
