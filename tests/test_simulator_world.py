"""Generated worlds: deterministic, varied like real sellers' data, internally consistent; and loading
of hand-written worlds (loose validation that names the offending record, fills nothing in)."""

from __future__ import annotations

import copy
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import barcodenumber
import pytest
from fixtures_simulator import SimHttp

from amazon_connector.core.mapping.refunds import map_refund_events
from amazon_connector.core.money import round_money
from amazon_connector.simulator import Simulator, World, WorldError, generate_world, load_world, write_world
from amazon_connector.simulator.marketplaces import BY_ID

EXAMPLE = (
	Path(__file__).resolve().parent.parent / "amazon_connector" / "simulator" / "worlds" / "example.json"
)


@pytest.fixture(scope="module")
def big_world() -> dict:
	return generate_world(seed=11, orders=600, start="2025-03-01", end="2025-06-01")


def amount(money: dict) -> Decimal:
	return Decimal(money["amount"])


def breakdown(proceeds: dict, kind: str) -> Decimal:
	return sum(
		(amount(b["subtotal"]) for b in proceeds.get("breakdowns", []) if b["type"] == kind), Decimal(0)
	)


def test_same_arguments_same_world():
	args = dict(seed=3, orders=80, start="2025-01-01", end="2025-02-01", marketplaces=("US", "JP"))
	assert json.dumps(generate_world(**args)) == json.dumps(generate_world(**args))
	assert json.dumps(generate_world(**dict(args, seed=4))) != json.dumps(generate_world(**args))


def test_arguments_are_respected():
	world = generate_world(seed=1, orders=50, start="2025-01-01", end="2025-01-15", marketplaces="US,DE")
	assert len(world["orders"]) == 50
	assert {o["salesChannel"]["marketplaceId"] for o in world["orders"]} <= {
		"ATVPDKIKX0DER",
		"A1PA6795UKMFR9",
	}
	assert all("2025-01-01" <= o["createdTime"] < "2025-01-15" for o in world["orders"])
	with pytest.raises(ValueError, match="XX"):
		generate_world(marketplaces="US,XX")
	with pytest.raises(ValueError, match="before"):
		generate_world(start="2025-02-01", end="2025-01-01")


def test_account_marketplaces_carry_currency_and_country(big_world):
	expected = {"ATVPDKIKX0DER": ("US", "USD"), "A2EUQ1WTGCTBG2": ("CA", "CAD"), "A1F83G8C2ARO7P": ("GB", "GBP"),
		"A1PA6795UKMFR9": ("DE", "EUR"), "A1VC38T7YXB528": ("JP", "JPY")}  # fmt: skip
	assert {
		m["marketplaceId"]: (m["countryCode"], m["currencyCode"])
		for m in big_world["account"]["marketplaces"]
	} == expected


def test_variety_real_sellers_see(big_world):
	seen = Counter()
	listed = {row["seller-sku"] for rows in big_world["listings"].values() for row in rows}
	for order in big_world["orders"]:
		items = order["orderItems"]
		status = order["fulfillment"]["fulfillmentStatus"]
		seen[status] += 1
		seen[order["fulfillment"]["fulfilledBy"]] += 1
		seen["multi-line"] += len(items) > 1
		seen["quantity>1"] += any(i["quantityOrdered"] > 1 for i in items)
		seen["partially cancelled"] += status == "SHIPPED" and any("cancellation" in i for i in items)
		seen["replacement"] += any(
			a["associationType"] == "REPLACEMENT_ORIGINAL_ID" for a in order.get("associatedOrders", [])
		)
		seen["business"] += "AMAZON_BUSINESS" in order["programs"]
		seen["unlisted sku"] += any(i["product"]["sellerSku"] not in listed for i in items)
		for item in items:
			kinds = {b["type"] for b in (item.get("proceeds") or {}).get("breakdowns", [])}
			for kind in ("SHIPPING", "GIFT_WRAP", "DISCOUNT", "TAX"):
				seen[kind] += kind in kinds
			collections = (item.get("tax") or {}).get("taxCollections", [])
			if any(c["model"] == "MARKETPLACE_FACILITATOR" for c in collections):
				seen["facilitator " + order["salesChannel"]["marketplaceId"]] += 1
		currencies = {
			i["product"]["price"]["unitPrice"]["currencyCode"] for i in items if "price" in i["product"]
		}
		seen.update(currencies)
	for key in ("PENDING", "UNSHIPPED", "SHIPPED", "CANCELLED", "AMAZON", "MERCHANT", "multi-line", "quantity>1",
		"partially cancelled", "replacement", "business", "unlisted sku", "SHIPPING", "GIFT_WRAP", "DISCOUNT", "TAX",
		"facilitator ATVPDKIKX0DER", "facilitator A1F83G8C2ARO7P", "USD", "CAD", "GBP", "EUR", "JPY"):  # fmt: skip
		assert seen[key] > 0, f"no {key} in the generated world: {seen}"
	events = big_world["financialEvents"]
	assert events["ShipmentEventList"] and events["RefundEventList"] and events["AdjustmentEventList"]


def world_marketplace(world: dict, marketplace) -> dict | None:
	return next(
		(m for m in world["account"]["marketplaces"] if m["marketplaceId"] == marketplace.marketplace_id),
		None,
	)


def test_order_money_adds_up(big_world):
	for order in big_world["orders"]:
		marketplace = BY_ID[order["salesChannel"]["marketplaceId"]]
		status = order["fulfillment"]["fulfillmentStatus"]
		totals = Decimal(0)
		for item in order["orderItems"]:
			where = f"{order['orderId']} {item['orderItemId']}"
			if status == "PENDING":
				assert "price" not in item["product"] and "proceeds" not in item, where
				continue
			unit = item["product"]["price"]["unitPrice"]
			assert unit["currencyCode"] == marketplace.currency, where
			if marketplace.currency == "JPY":
				assert "." not in unit["amount"], where
			if "cancellation" in item:
				assert "proceeds" not in item and item["quantityOrdered"] > 0, where
				continue
			proceeds = item["proceeds"]
			assert breakdown(proceeds, "ITEM") == amount(unit) * item["quantityOrdered"], where
			parts = sum((amount(b["subtotal"]) for b in proceeds["breakdowns"]), Decimal(0))
			reports_vat = bool((world_marketplace(big_world, marketplace) or {}).get("vatBreakdown"))
			if marketplace.vat_inclusive:
				# The VAT is inside the prices: a TAX breakdown (where the world reports one) is not
				# added again; without one, there is none.
				if not reports_vat:
					assert breakdown(proceeds, "TAX") == 0, where
				parts -= breakdown(proceeds, "TAX")
			assert amount(proceeds["proceedsTotal"]) == parts, where
			for b in proceeds["breakdowns"]:
				if b["type"] == "TAX":
					details = sum((amount(d["value"]) for d in b["detailedBreakdowns"]), Decimal(0))
					assert details == amount(b["subtotal"]), where
				assert (amount(b["subtotal"]) < 0) == (b["type"] == "DISCOUNT"), where
			totals += amount(proceeds["proceedsTotal"])
		if "proceeds" in order:
			assert amount(order["proceeds"]["grandTotal"]) == totals, order["orderId"]
		else:
			assert totals == 0, order["orderId"]


def _charges(entry: dict, kinds) -> Decimal:
	return sum(
		(
			Decimal(str(c["ChargeAmount"]["CurrencyAmount"]))
			for c in entry.get("ItemChargeList", [])
			if c["ChargeType"] in kinds
		),
		Decimal(0),
	)


def test_financial_events_agree_with_their_orders(big_world):
	orders = {o["orderId"]: o for o in big_world["orders"]}
	for event in big_world["financialEvents"]["ShipmentEventList"]:
		order = orders[event["AmazonOrderId"]]
		assert order["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
		assert event["PostedDate"] > order["createdTime"]
		items = {i["orderItemId"]: i for i in order["orderItems"]}
		for entry in event["ShipmentItemList"]:
			item = items[entry["OrderItemId"]]
			where = f"{order['orderId']} {entry['OrderItemId']}"
			assert "cancellation" not in item, where
			assert (
				entry["SellerSKU"] == item["product"]["sellerSku"]
				and entry["QuantityShipped"] == item["quantityOrdered"]
			)
			proceeds = item["proceeds"]
			promotions = sum(
				(
					Decimal(str(p["PromotionAmount"]["CurrencyAmount"]))
					for p in entry.get("PromotionList", [])
				),
				Decimal(0),
			)
			charged = _charges(
				entry, {"Principal", "Tax", "ShippingCharge", "ShippingTax", "GiftWrap", "GiftWrapTax"}
			)
			assert charged + promotions == amount(proceeds["proceedsTotal"]), where
			assert _charges(entry, {"Principal", "Tax"}) == breakdown(proceeds, "ITEM") + (
				0
				if BY_ID[order["salesChannel"]["marketplaceId"]].vat_inclusive
				else _tax_detail(proceeds, "ITEM")
			), where
			assert _charges(entry, {"ShippingCharge", "ShippingTax"}) == breakdown(proceeds, "SHIPPING") + (
				0
				if BY_ID[order["salesChannel"]["marketplaceId"]].vat_inclusive
				else _tax_detail(proceeds, "SHIPPING")
			), where
			fees = {
				f["FeeType"]: Decimal(str(f["FeeAmount"]["CurrencyAmount"])) for f in entry["ItemFeeList"]
			}
			assert fees["Commission"] < 0, where
			fba = order["fulfillment"]["fulfilledBy"] == "AMAZON"
			assert ("FBAPerUnitFulfillmentFee" in fees) == fba, where
			assert all(v <= 0 for v in fees.values()), where
			facilitator = any(
				c["model"] == "MARKETPLACE_FACILITATOR"
				for c in (item.get("tax") or {}).get("taxCollections", [])
			)
			if facilitator:
				withheld = entry["ItemTaxWithheldList"][0]
				assert withheld["TaxCollectionModel"] == "MarketplaceFacilitator"
				total = sum(
					(Decimal(str(c["ChargeAmount"]["CurrencyAmount"])) for c in withheld["TaxesWithheld"]),
					Decimal(0),
				)
				assert total == -_charges(entry, {"Tax", "ShippingTax", "GiftWrapTax"}), where
			else:
				assert "ItemTaxWithheldList" not in entry, where


def _tax_detail(proceeds: dict, subtype: str) -> Decimal:
	return sum(
		(
			amount(d["value"])
			for b in proceeds["breakdowns"]
			if b["type"] == "TAX"
			for d in b["detailedBreakdowns"]
			if d["subtype"] == subtype
		),  # fmt: skip
		Decimal(0),
	)


def test_the_world_refunds_in_full_in_part_and_several_times_with_every_component(big_world):
	refunds = big_world["financialEvents"]["RefundEventList"]
	per_order = Counter(r["AmazonOrderId"] for r in refunds)
	assert max(per_order.values()) >= 2, "some order should be refunded more than once"
	shipped = {
		(e["AmazonOrderId"], i["SellerSKU"]): i["QuantityShipped"]
		for e in big_world["financialEvents"]["ShipmentEventList"]
		for i in e["ShipmentItemList"]
	}
	adjustments = [(r["AmazonOrderId"], a) for r in refunds for a in r["ShipmentItemAdjustmentList"]]
	assert any(a["QuantityShipped"] < shipped[(o, a["SellerSKU"])] for o, a in adjustments), (
		"a partial refund"
	)
	assert any(a["QuantityShipped"] == shipped[(o, a["SellerSKU"])] for o, a in adjustments), "a full refund"
	assert any("OrderItemId" in a for _, a in adjustments) and any(
		"OrderItemId" not in a for _, a in adjustments
	)
	kinds = {c["ChargeType"] for _, a in adjustments for c in a["ItemChargeAdjustmentList"]}
	assert {"Principal", "Tax", "ShippingCharge", "ShippingTax"} <= kinds, kinds
	assert any("PromotionAdjustmentList" in a for _, a in adjustments)
	drafts = map_refund_events({"RefundEventList": refunds})
	assert not drafts.errors and len(drafts.drafts) == len(refunds)
	assert len({d.refund_key for d in drafts.drafts}) == len(refunds)


def test_fees_post_days_after_shipment_and_refunds_reverse(big_world):
	orders = {o["orderId"]: o for o in big_world["orders"]}
	shipments = {e["AmazonOrderId"]: e for e in big_world["financialEvents"]["ShipmentEventList"]}
	for event in big_world["financialEvents"]["ShipmentEventList"]:
		assert event["PostedDate"] >= orders[event["AmazonOrderId"]]["createdTime"]
	for refund in big_world["financialEvents"]["RefundEventList"]:
		shipment = shipments[refund["AmazonOrderId"]]
		assert refund["PostedDate"] > shipment["PostedDate"]
		for adjustment in refund["ShipmentItemAdjustmentList"]:
			original = next(
				i for i in shipment["ShipmentItemList"] if i["SellerSKU"] == adjustment["SellerSKU"]
			)
			# A partial refund gives back its share of the price (to the currency's unit), a full one all.
			share = Decimal(adjustment["QuantityShipped"]) / Decimal(original["QuantityShipped"])
			currency = original["ItemChargeList"][0]["ChargeAmount"]["CurrencyCode"]
			assert _charges(
				{"ItemChargeList": adjustment["ItemChargeAdjustmentList"]}, {"Principal"}
			) == -round_money(_charges(original, {"Principal"}) * share, currency)
			fees = {
				f["FeeType"]: f["FeeAmount"]["CurrencyAmount"] for f in adjustment["ItemFeeAdjustmentList"]
			}
			assert fees["Commission"] > 0 and fees["RefundCommission"] < 0


def test_skus_and_asins_are_consistent(big_world):
	catalog = {item["asin"] for item in big_world["catalogItems"]}
	listed = {row["seller-sku"]: row["asin1"] for rows in big_world["listings"].values() for row in rows}
	for rows in big_world["listings"].values():
		assert all(row["asin1"] in catalog for row in rows)
	for order in big_world["orders"]:
		for item in order["orderItems"]:
			assert item["product"]["asin"] in catalog
			sku = item["product"]["sellerSku"]
			if sku in listed:
				assert listed[sku] == item["product"]["asin"]


def test_identifiers_have_valid_check_digits(big_world):
	# Checked with barcodenumber, the library ERPNext validates barcodes with, not with the generator's
	# own arithmetic.
	# A UPC-A is an EAN-13 with a leading zero; barcodenumber's own UPC-A check ignores the digit.
	as_ean13 = {"UPC": lambda code: "0" + code, "EAN": lambda code: code}  # the types the generator writes
	checked = 0
	for item in big_world["catalogItems"]:
		for group in item.get("identifiers", []):
			for identifier in group["identifiers"]:
				code = as_ean13[identifier["identifierType"]](identifier["identifier"])
				assert len(code) == 13 and barcodenumber.check_code("ean13", code), identifier
				checked += 1
	assert checked > 0


def test_world_round_trips_through_a_file(tmp_path):
	world = generate_world(seed=2, orders=30, start="2025-01-01", end="2025-02-01")
	path = tmp_path / "world.json"
	write_world(world, path)
	loaded = load_world(path)
	assert loaded.to_dict()["orders"] == world["orders"]


def test_loading_names_every_bad_record(sim_world):
	world = copy.deepcopy(sim_world)
	world["orders"][0].pop("createdTime")
	world["orders"][1]["salesChannel"]["marketplaceId"] = "A1NOWHERE"
	world["orders"][2]["orderItems"][0].pop("quantityOrdered")
	world["financialEvents"]["ShipmentEventList"][0].pop("PostedDate")
	world["listings"][next(iter(world["listings"]))][0].pop("seller-sku")
	with pytest.raises(WorldError) as caught:
		World(world)
	message = str(caught.value)
	assert len(caught.value.problems) == 5
	for needle in (world["orders"][0]["orderId"], world["orders"][1]["orderId"], "A1NOWHERE",
		world["orders"][2]["orderId"], world["financialEvents"]["ShipmentEventList"][0]["AmazonOrderId"], "seller-sku"):  # fmt: skip
		assert needle in message


def test_missing_account_is_reported():
	with pytest.raises(WorldError, match="account"):
		World({"orders": []})


def test_loading_fills_nothing_in_and_does_not_touch_the_callers_data(sim_world):
	order = {
		"orderId": "111-1234567-7654321",
		"createdTime": "2025-05-01T10:00:00Z",
		"lastUpdatedTime": "2025-05-01T10:00:00Z",
		"salesChannel": {"channelName": "AMAZON", "marketplaceId": "ATVPDKIKX0DER"},
		"fulfillment": {"fulfillmentStatus": "UNSHIPPED"},
		"orderItems": [{"orderItemId": "1", "quantityOrdered": 1, "product": {"sellerSku": "HAND-1"}}],
	}
	world = {"account": copy.deepcopy(sim_world["account"]), "orders": [order]}
	before = json.dumps(world)
	loaded = World(world)
	assert loaded.order("111-1234567-7654321") == order
	assert json.dumps(world) == before
	with Simulator(world, limits=False) as sim:
		client = SimHttp(sim)
		served = client.get(
			"/orders/2026-01-01/orders/111-1234567-7654321", includedData="FULFILLMENT"
		).json()["order"]
		client.close()
	assert served == order


def test_the_example_world_loads_and_serves():
	world = load_world(EXAMPLE)
	per_marketplace = Counter(o["salesChannel"]["marketplaceId"] for o in world.orders.values())
	assert len(per_marketplace) == 5 and all(2 <= n <= 6 for n in per_marketplace.values())
	with Simulator(world, limits=False) as sim:
		client = SimHttp(sim)
		body = client.get(
			"/orders/2026-01-01/orders", createdAfter="2026-01-01T00:00:00Z", includedData="PROCEEDS"
		).json()
		assert len(body["orders"]) == len(world.orders)
		client.close()


def test_both_vat_shapes_several_rates_buyer_vat_numbers_and_replacements(big_world):
	"""DE reports the VAT inside its prices, UK and JP do not; reduced-rate goods sit beside standard
	ones; business buyers where prices include VAT give a VAT number; replacements point back."""
	from amazon_connector.simulator.pricing import reduced_rate_goods

	seen = {"DE breakdown": 0, "UK none": 0, "reduced": 0, "buyer vat": 0, "replacement": 0}
	for order in big_world["orders"]:
		marketplace = BY_ID[order["salesChannel"]["marketplaceId"]]
		for item in order["orderItems"]:
			proceeds = item.get("proceeds")
			if not proceeds or breakdown(proceeds, "ITEM") == 0:
				continue
			has_tax = any(b["type"] == "TAX" for b in proceeds["breakdowns"])
			if marketplace.code == "DE":
				assert has_tax, order["orderId"]
				seen["DE breakdown"] += 1
			if marketplace.code in ("UK", "JP"):
				assert not has_tax, order["orderId"]
				seen["UK none"] += 1
			seen["reduced"] += marketplace.vat_inclusive and reduced_rate_goods(item["product"]["asin"])
		registrations = (order.get("tax") or {}).get("taxRegistrations") or []
		if registrations:
			assert "AMAZON_BUSINESS" in order["programs"] and registrations[0]["entityType"] == "BUYER"
			seen["buyer vat"] += 1
		seen["replacement"] += bool(order.get("associatedOrders"))
	assert all(seen.values()), seen
