"""Orders Amazon ships in parts, in the simulator and through the order mapping: an Amazon-fulfilled
order shipped a unit at a time (its items' quantityFulfilled, PARTIALLY_SHIPPED, then SHIPPED) and a
merchant order confirmed in two packages each become the parts that are invoiced one by one, and the
orders the simulator serves meanwhile follow Amazon's Orders 2026-01-01 model."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from test_order_shapes import assert_amazon_shaped

from amazon_connector.core.mapping.orders import map_order
from amazon_connector.core.mapping.shipment_parts import covers_all, shipment_parts
from amazon_connector.core.settings import SyncSettings
from amazon_connector.simulator import generate_world
from amazon_connector.simulator.lifecycle import TransitionError

SETTINGS = SyncSettings(account_key="parts", after_date=date(2024, 1, 1))


@pytest.fixture(scope="module")
def world():
	world = generate_world(seed=23, orders=60, marketplaces="US")
	for order in world["orders"]:
		if order["fulfillment"]["fulfillmentStatus"] == "SHIPPED":
			order["fulfillment"]["fulfillmentStatus"] = "UNSHIPPED"
			order.pop("packages", None)
			for item in order["orderItems"]:
				item["fulfillment"] = {"quantityFulfilled": 0, "quantityUnfulfilled": item["quantityOrdered"]}
	return world


def waiting(sim, fulfilled_by: str):
	"""An unshipped order of at least two units, none cancelled."""
	return next(
		o
		for o in (sim.world.order(i) for i in sim.world.orders)
		if o["fulfillment"]["fulfilledBy"] == fulfilled_by
		and o["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED"
		and o.get("proceeds")
		and sum(int(i["quantityOrdered"]) for i in o["orderItems"]) >= 2
		and not any(i.get("cancellation") for i in o["orderItems"])
	)


def units(order) -> dict:
	return {i["orderItemId"]: int(i["quantityOrdered"]) for i in order["orderItems"]}


def test_amazon_ships_an_fba_order_in_parts_and_each_part_is_what_shipped_since(
	make_simulator, world, load_model
):
	sim = make_simulator(world)
	model = load_model("orders-2026-01-01.json")
	order = waiting(sim, "AMAZON")
	first_item = order["orderItems"][0]["orderItemId"]
	served = sim.ship_part(order["orderId"], {first_item: 1}, post_fees="never")
	assert served["fulfillment"]["fulfillmentStatus"] == "PARTIALLY_SHIPPED"
	assert_amazon_shaped(served, model)
	first = shipment_parts(map_order(served, SETTINGS), [])
	assert [(p.key, p.items) for p in first] == [("1", {first_item: 1})]
	assert not covers_all(first, units(order))

	sim.advance_clock(3600)
	left = {i: q - (1 if i == first_item else 0) for i, q in units(order).items()}
	served = sim.ship_part(order["orderId"], {i: q for i, q in left.items() if q}, post_fees="never")
	assert served["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
	assert_amazon_shaped(served, model)
	parts = shipment_parts(map_order(served, SETTINGS), first)
	assert [p.key for p in parts] == ["1", "2"]
	assert parts[1].items == {i: q for i, q in left.items() if q}
	assert covers_all(parts, units(order))
	assert parts[1].shipped_at > parts[0].shipped_at

	with pytest.raises(TransitionError, match="SHIPPED"):
		sim.ship_part(order["orderId"], {first_item: 1})


def test_amazon_refuses_more_units_than_are_left_and_merchant_orders(make_simulator, world):
	sim = make_simulator(world)
	order = waiting(sim, "AMAZON")
	item = order["orderItems"][0]
	with pytest.raises(TransitionError, match="cannot ship"):
		sim.ship_part(order["orderId"], {item["orderItemId"]: int(item["quantityOrdered"]) + 1})
	assert sim.world.order(order["orderId"])["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED"
	with pytest.raises(TransitionError, match="merchant"):
		sim.ship_part(waiting(sim, "MERCHANT")["orderId"], {})


def test_a_merchant_order_in_two_packages_is_two_parts(make_simulator, world, load_model):
	sim = make_simulator(world)
	order = waiting(sim, "MERCHANT")
	model = load_model("orders-2026-01-01.json")
	first, *rest = order["orderItems"]
	split = {first["orderItemId"]: 1}
	stored = sim.world.order(order["orderId"])
	when = datetime.now(timezone.utc).replace(microsecond=0)
	# The packages as confirmShipment records them (see test_shipment_confirmation for the call itself).
	for reference, lines, moment in (
		("P1", split, when - timedelta(days=1)),
		("P2", {i: q - split.get(i, 0) for i, q in units(order).items() if q - split.get(i, 0)}, when),
	):
		stored.setdefault("packages", []).append(
			{
				"packageReferenceId": reference,
				"packageStatus": {"status": "SHIPPED"},
				"carrier": "UPS",
				"shipTime": moment.isoformat().replace("+00:00", "Z"),
				"trackingNumber": f"1Z{reference}",
				"packageItems": [{"orderItemId": i, "quantity": q} for i, q in lines.items()],
			}
		)
	stored["fulfillment"]["fulfillmentStatus"] = "SHIPPED"
	for item in stored["orderItems"]:
		item["fulfillment"] = {"quantityFulfilled": item["quantityOrdered"], "quantityUnfulfilled": 0}
	assert_amazon_shaped(stored, model)
	parts = shipment_parts(map_order(stored, SETTINGS), [])
	assert [(p.key, p.items) for p in parts] == [
		("P1", split),
		("P2", {i: q - split.get(i, 0) for i, q in units(order).items() if q - split.get(i, 0)}),
	]
	assert covers_all(parts, units(order))
