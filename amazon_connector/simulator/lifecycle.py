"""Moving an order through its life: pending -> unshipped -> shipped, or cancelled.

Each move stamps `lastUpdatedTime` with the simulator clock. Pricing a pending order uses the
listing price of each SKU in the order's marketplace (or prices the caller gives); shipping it
schedules the ShipmentEvent that Amazon will post some days later.
"""

from __future__ import annotations

import hashlib
import random
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from . import ledger
from .clock import iso
from .marketplaces import Marketplace
from .people import NAMES, PLACES, STREETS
from .pricing import LineAmounts, order_proceeds, order_tax_rule, price_item, rule_for_item

ALLOWED = {
	"PENDING": {"UNSHIPPED", "SHIPPED", "CANCELLED"},
	"PENDING_AVAILABILITY": {"PENDING", "UNSHIPPED", "SHIPPED", "CANCELLED"},
	"UNSHIPPED": {"SHIPPED", "CANCELLED"},
	"PARTIALLY_SHIPPED": {"SHIPPED"},
}


class TransitionError(ValueError):
	pass


def _rng_for(order_id: str) -> random.Random:
	return random.Random(int.from_bytes(hashlib.sha256(order_id.encode()).digest()[:8], "big"))


def _listing_price(world, marketplace_id: str, sku: str) -> Decimal | None:
	row = next((r for r in world.listings.get(marketplace_id, []) if r.get("seller-sku") == sku), None)
	if not row or not row.get("price"):
		return None
	try:
		return Decimal(str(row["price"]).replace(",", ""))
	except InvalidOperation:
		return None


def price_pending(order: dict, world, prices: dict[str, str] | None = None) -> None:
	"""Give a pending order what Amazon adds once payment clears: prices, proceeds, buyer, address."""
	marketplace: Marketplace = ledger.marketplace_of(order)
	rng = _rng_for(order["orderId"])
	currency = marketplace.currency
	country = marketplace.country_code
	place = rng.choice(PLACES.get(country, PLACES["US"]))
	facilitator = marketplace.code == "US"
	reported = bool((world.marketplace(marketplace.marketplace_id) or {}).get("vatBreakdown"))
	rule = order_tax_rule(marketplace, place, facilitator=facilitator, reported=reported)
	for item in order["orderItems"]:
		sku = item["product"].get("sellerSku", "")
		given = (prices or {}).get(item["orderItemId"]) or (prices or {}).get(sku)
		unit = (
			Decimal(str(given))
			if given is not None
			else _listing_price(world, marketplace.marketplace_id, sku)
		)
		if unit is None:
			raise TransitionError(
				f"order {order['orderId']}: SKU {sku} has no listing price in {marketplace.code}; pass prices="
			)
		line = LineAmounts(unit_price=unit, quantity=int(item["quantityOrdered"]))
		item_rule = rule_for_item(rule, marketplace, item["product"].get("asin", ""))
		price_item(item, line, item_rule, currency, proceeds=not item.get("cancellation"))
		item.setdefault("fulfillment", {})
		item["fulfillment"].update({"quantityFulfilled": 0, "quantityUnfulfilled": line.quantity})
	name = rng.choice(NAMES.get(country, NAMES["US"]))
	order.setdefault("buyer", {"buyerName": name})
	order.setdefault(
		"recipient",
		{
			"deliveryAddress": {
				"name": name,
				"addressLine1": rng.choice(STREETS.get(country, STREETS["US"])),
				"city": place[0],
				"stateOrRegion": place[1],
				"postalCode": place[2],
				"countryCode": country,
				"addressType": "RESIDENTIAL",
			}
		},
	)
	proceeds = order_proceeds(order["orderItems"], currency)
	if proceeds:
		order["proceeds"] = proceeds


def cancel(order: dict, by: str = "BUYER") -> None:
	for item in order["orderItems"]:
		if item.get("cancellation"):
			continue
		item.pop("proceeds", None)
		item["cancellation"] = {
			"cancellationExecution": {"cancelledBy": by, "cancelReason": "Canceled by simulator request"}
		}
		item["fulfillment"] = dict(item.get("fulfillment") or {}, quantityFulfilled=0, quantityUnfulfilled=0)
	order.pop("proceeds", None)


def ship(order: dict, now: datetime) -> None:
	for item in order["orderItems"]:
		if item.get("cancellation"):
			continue
		quantity = int(item["quantityOrdered"])
		item["fulfillment"] = dict(
			item.get("fulfillment") or {}, quantityFulfilled=quantity, quantityUnfulfilled=0
		)
	if (order.get("fulfillment") or {}).get("fulfilledBy") == "MERCHANT" and not order.get("packages"):
		order["packages"] = [
			{
				"packageReferenceId": "1",
				"createdTime": iso(now),
				"packageStatus": {"status": "SHIPPED"},
				"carrier": "UPS",
				"shipTime": iso(now),
				"trackingNumber": "TRK" + hashlib.sha256(order["orderId"].encode()).hexdigest()[:12].upper(),
				"packageItems": [
					{"orderItemId": i["orderItemId"], "quantity": int(i["quantityOrdered"])}
					for i in order["orderItems"]
					if not i.get("cancellation")
				],
			}
		]


def transition(world, order_id: str, status: str, now: datetime, *, post_fees: str = "later",
	fee_delay: timedelta = timedelta(days=2), prices: dict | None = None) -> dict:  # fmt: skip
	"""Move one order to `status`; returns the updated order. On shipment, schedules its fees:
	post_fees "later" (now + fee_delay), "now" (at the current simulator time) or "never"."""
	if post_fees not in ("later", "now", "never"):
		raise TransitionError("post_fees must be 'later', 'now' or 'never'")
	with world.lock:
		order = world.order(order_id)
		if order is None:
			raise TransitionError(f"order {order_id} is not in the world")
		current = order["fulfillment"]["fulfillmentStatus"]
		if status not in ALLOWED.get(current, set()):
			raise TransitionError(f"order {order_id}: cannot move from {current} to {status}")
		if current in ("PENDING", "PENDING_AVAILABILITY") and status != "CANCELLED":
			price_pending(order, world, prices)
		if status == "CANCELLED":
			cancel(order)
		elif status == "SHIPPED":
			ship(order, now)
			if (order.get("fulfillment") or {}).get("fulfilledBy") == "AMAZON":
				_take_from_fba_stock(world, order, now)
		order["fulfillment"]["fulfillmentStatus"] = status
		order["lastUpdatedTime"] = iso(now)
		world.save_order(order)
		if status == "SHIPPED" and post_fees != "never":
			posted = now if post_fees == "now" else now + fee_delay
			event = ledger.shipment_event(order, iso(posted))
			if event is not None:
				world.add_event("ShipmentEventList", event)
		return order


def ship_part(world, order_id: str, units: dict[str, int], now: datetime, *, post_fees: str = "later",
	fee_delay: timedelta = timedelta(days=2)) -> dict:  # fmt: skip
	"""Amazon ships part of an Amazon-fulfilled order (order item id -> units): the items' fulfilled
	quantities grow, the order is PARTIALLY_SHIPPED, or SHIPPED with its last units (then its fees are
	scheduled as `transition` does). Merchant orders ship in parts through confirmShipment."""
	with world.lock:
		order = world.order(order_id)
		if order is None:
			raise TransitionError(f"order {order_id} is not in the world")
		fulfillment = order["fulfillment"]
		if fulfillment.get("fulfilledBy") != "AMAZON":
			raise TransitionError(f"order {order_id} is merchant-fulfilled: confirm its packages instead")
		if fulfillment["fulfillmentStatus"] not in ("UNSHIPPED", "PARTIALLY_SHIPPED"):
			raise TransitionError(
				f"order {order_id} is {fulfillment['fulfillmentStatus']}, not waiting to ship"
			)
		items = {i["orderItemId"]: i for i in order["orderItems"] if not i.get("cancellation")}
		for item_id, count in units.items():
			item = items.get(item_id)
			done = int(((item or {}).get("fulfillment") or {}).get("quantityFulfilled") or 0)
			if item is None or not 0 < int(count) <= int(item["quantityOrdered"]) - done:
				raise TransitionError(f"order {order_id}: cannot ship {count} units of item {item_id}")
		marketplace_id = (order.get("salesChannel") or {}).get("marketplaceId") or ""
		for item_id, count in units.items():
			item = items[item_id]
			done = int((item.get("fulfillment") or {}).get("quantityFulfilled") or 0) + int(count)
			item["fulfillment"] = dict(item.get("fulfillment") or {}, quantityFulfilled=done,
				quantityUnfulfilled=int(item["quantityOrdered"]) - done)  # fmt: skip
			sku = (item.get("product") or {}).get("sellerSku")
			if sku:
				world.fba_inventory.ship(marketplace_id, sku, int(count), now)
		shipped = all(int(i["fulfillment"].get("quantityUnfulfilled") or 0) == 0 for i in items.values())
		fulfillment["fulfillmentStatus"] = "SHIPPED" if shipped else "PARTIALLY_SHIPPED"
		order["lastUpdatedTime"] = iso(now)
		world.save_order(order)
		if shipped and post_fees != "never":
			posted = now if post_fees == "now" else now + fee_delay
			event = ledger.shipment_event(order, iso(posted))
			if event is not None:
				world.add_event("ShipmentEventList", event)
		return order


def _take_from_fba_stock(world, order: dict, now: datetime) -> None:
	"""Amazon shipped the order from its warehouse: the units leave the network's fulfillable stock."""
	marketplace_id = (order.get("salesChannel") or {}).get("marketplaceId") or ""
	for item in order["orderItems"]:
		if item.get("cancellation"):
			continue
		sku = (item.get("product") or {}).get("sellerSku")
		if sku:
			world.fba_inventory.ship(marketplace_id, sku, int(item["quantityOrdered"]), now)
