"""Builders of Amazon-shaped Orders 2026-01-01 orders for the order tests, and the check that every
shape they build validates against Amazon's own `Order` schema (so the tests exercise real shapes).

Other order test modules import the builders from here.
"""

from __future__ import annotations

from decimal import Decimal

import jsonschema
import pytest

US = "ATVPDKIKX0DER"
DE = "A1PA6795UKMFR9"
UK = "A1F83G8C2ARO7P"
JP = "A1VC38T7YXB528"
MARKETPLACE_NAMES = {US: "Amazon.com", DE: "Amazon.de", UK: "Amazon.co.uk", JP: "Amazon.co.jp"}


def money(amount, currency: str) -> dict:
	return {"amount": str(amount), "currencyCode": currency}


def order_item(
	item_id: str,
	sku: str,
	qty: int,
	currency: str,
	*,
	item_total=None,
	unit_price=None,
	shipping=None,
	gift_wrap=None,
	tax=None,
	tax_details: dict | None = None,
	tax_inclusive: bool = False,
	discount=None,
	discount_details: dict | None = None,
	facilitator: bool = False,
	promotions: tuple[str, ...] = (),
	cancelled_by: str | None = None,
	cancel_reason: str = "",
	priced: bool = True,
	proceeds_total="auto",
	asin: str = "B000000001",
	shipped: int = 0,
) -> dict:
	"""One OrderItem. Amounts are whole-line amounts (Amazon's ITEM subtotal is for the quantity)."""
	item_total = Decimal(str(item_total)) if item_total is not None else None
	unit = (
		Decimal(str(unit_price))
		if unit_price is not None
		else (item_total / qty if item_total is not None and qty else None)
	)
	product = {
		"asin": asin,
		"title": f"Product {sku}",
		"sellerSku": sku,
		"condition": {"conditionType": "NEW"},
	}
	if unit is not None:
		product["price"] = {
			"unitPrice": money(
				unit.quantize(Decimal("0.01")) if currency != "JPY" else unit.quantize(Decimal(1)), currency
			)
		}
	item: dict = {"orderItemId": item_id, "quantityOrdered": qty, "product": product}
	if priced and item_total is not None:
		breakdowns = [{"type": "ITEM", "subtotal": money(item_total, currency)}]
		total = item_total
		if shipping is not None:
			breakdowns.append({"type": "SHIPPING", "subtotal": money(shipping, currency)})
			total += Decimal(str(shipping))
		if gift_wrap is not None:
			breakdowns.append({"type": "GIFT_WRAP", "subtotal": money(gift_wrap, currency)})
			total += Decimal(str(gift_wrap))
		if discount is not None:
			entry = {"type": "DISCOUNT", "subtotal": money(discount, currency)}
			if discount_details:
				entry["detailedBreakdowns"] = [
					{"subtype": k, "value": money(v, currency)} for k, v in discount_details.items()
				]
			breakdowns.append(entry)
			total -= abs(Decimal(str(discount)))
		if tax is not None:
			entry = {"type": "TAX", "subtotal": money(tax, currency)}
			if tax_details:
				entry["detailedBreakdowns"] = [
					{"subtype": k, "value": money(v, currency)} for k, v in tax_details.items()
				]
			breakdowns.append(entry)
			if not tax_inclusive:
				total += Decimal(str(tax))
		proceeds = {"breakdowns": breakdowns}
		if proceeds_total == "auto":
			proceeds["proceedsTotal"] = money(total, currency)
		elif proceeds_total is not None:
			proceeds["proceedsTotal"] = money(proceeds_total, currency)
		item["proceeds"] = proceeds
	if facilitator:
		item["tax"] = {
			"taxCollections": [
				{"model": "MARKETPLACE_FACILITATOR", "responsibleParty": "Amazon Services LLC"}
			]
		}
	if promotions:
		item["promotion"] = {"breakdowns": [{"promotionId": p} for p in promotions]}
	if cancelled_by:
		item["cancellation"] = {
			"cancellationRequest": {
				"requester": "BUYER",
				"cancelReason": cancel_reason or "No longer needed",
			},
			"cancellationExecution": {
				"cancelledBy": cancelled_by,
				"cancelReason": cancel_reason or "No longer needed",
			},
		}
	item["fulfillment"] = {"quantityFulfilled": shipped, "quantityUnfulfilled": max(0, qty - shipped)}
	return item


def amazon_order(
	order_id: str,
	marketplace_id: str,
	items: list[dict],
	*,
	currency: str,
	status: str = "UNSHIPPED",
	fulfilled_by: str = "MERCHANT",
	created: str = "2025-03-10T14:00:00Z",
	updated: str | None = None,
	programs: list[str] | None = None,
	buyer: dict | None = None,
	address: dict | None = None,
	associated: list[dict] | None = None,
	grand_total="auto",
	deliver_by: str | None = "2025-03-14T23:59:59Z",
	channel: str = "AMAZON",
) -> dict:
	order: dict = {
		"orderId": order_id,
		"createdTime": created,
		"lastUpdatedTime": updated or created,
		"salesChannel": {
			"channelName": channel,
			"marketplaceId": marketplace_id,
			"marketplaceName": MARKETPLACE_NAMES.get(marketplace_id, "Amazon"),
		},
		"fulfillment": {
			"fulfillmentStatus": status,
			"fulfilledBy": fulfilled_by,
			"fulfillmentServiceLevel": "STANDARD",
		},
		"orderItems": items,
	}
	if deliver_by:
		order["fulfillment"]["deliverByWindow"] = {"earliestDateTime": created, "latestDateTime": deliver_by}
	if programs:
		order["programs"] = programs
	if buyer is not None:
		order["buyer"] = buyer
	order["recipient"] = {
		"deliveryAddress": address
		or {
			"city": "Seattle",
			"stateOrRegion": "WA",
			"postalCode": "98101",
			"countryCode": "US",
			"addressType": "RESIDENTIAL",
		}
	}
	if associated:
		order["associatedOrders"] = associated
	if grand_total == "auto":
		totals = [
			Decimal(i["proceeds"]["proceedsTotal"]["amount"])
			for i in items
			if "proceedsTotal" in i.get("proceeds", {})
		]
		if totals:
			order["proceeds"] = {"grandTotal": money(sum(totals, Decimal(0)), currency)}
	elif grand_total is not None:
		order["proceeds"] = {"grandTotal": money(grand_total, currency)}
	return order


def order_validator(model: dict) -> jsonschema.Validator:
	"""A validator for Amazon's Order schema, resolving the model's #/definitions references."""
	schema = {"$ref": "#/definitions/Order", "definitions": model["definitions"]}
	return jsonschema.Draft4Validator(schema)


def assert_amazon_shaped(order: dict, model: dict) -> None:
	errors = sorted(order_validator(model).iter_errors(order), key=lambda e: list(e.path))
	assert not errors, "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


# -- the builders themselves are checked against Amazon's model ---------------------------------------
def _every_shape() -> list[dict]:
	return [
		amazon_order(
			"111-0000001-0000001",
			US,
			[
				order_item(
					"1",
					"SKU-A",
					3,
					"USD",
					item_total="10.00",
					shipping="5.99",
					tax="1.73",
					facilitator=True,
					tax_details={"ITEM": "1.25", "SHIPPING": "0.48"},
					discount="-2.00",
					discount_details={"ITEM": "-2.00"},
					promotions=("PROMO-1",),
				),
				order_item("2", "SKU-B", 1, "USD", cancelled_by="BUYER", unit_price="4.00", priced=False),
			],
			currency="USD",
			programs=["AMAZON_BUSINESS"],
			buyer={
				"buyerEmail": "abc@marketplace.amazon.com",
				"buyerCompanyName": "ACME",
				"buyerPurchaseOrderNumber": "PO-1",
			},
			associated=[{"orderId": "111-0000000-0000000", "associationType": "REPLACEMENT_ORIGINAL_ID"}],
		),  # fmt: skip
		amazon_order(
			"302-0000001-0000001",
			DE,
			[
				order_item(
					"3",
					"SKU-C",
					2,
					"EUR",
					item_total="39.98",
					gift_wrap="3.00",
					tax="6.86",
					tax_inclusive=True,
				)
			],
			currency="EUR",
			status="SHIPPED",
			fulfilled_by="AMAZON",
		),
		amazon_order(
			"503-0000001-0000001",
			JP,
			[order_item("4", "SKU-D", 1, "JPY", unit_price="1000", priced=False)],
			currency="JPY",
			status="PENDING",
			grand_total=None,
		),  # fmt: skip
	]


@pytest.mark.parametrize("index", range(3))
def test_hand_written_orders_validate_against_amazons_order_schema(load_model, index):
	assert_amazon_shaped(_every_shape()[index], load_model("orders-2026-01-01.json"))


def test_the_validator_rejects_what_amazon_would_not_send(load_model):
	model = load_model("orders-2026-01-01.json")
	bad = _every_shape()[1]
	del bad["salesChannel"]
	bad["orderItems"][0]["quantityOrdered"] = "two"
	assert len(list(order_validator(model).iter_errors(bad))) == 2
