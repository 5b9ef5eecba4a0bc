"""confirmShipment against the simulator: a package moves a merchant order to SHIPPED (or partly),
the next searchOrders shows it with its tracking number, Amazon's refusals come back as errors
that say why, throttling is retried, and request and answers match the Orders v0 model."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import jsonschema
import pytest
from fixtures_simulator import paced_session

from amazon_connector.simulator import generate_world
from amazon_connector.simulator.shipments import awaiting_shipment
from amazon_connector.spapi import orders
from amazon_connector.spapi.errors import InvalidInputError, NotFoundError
from amazon_connector.spapi.shipments import PackageLine, confirm_shipment

MODEL = "orders-v0.json"
PATH = "/orders/v0/orders/{orderId}/shipmentConfirmation"


@pytest.fixture(scope="module")
def world():
	# Every merchant order of this world waits for its shipment (several with more than one unit).
	return awaiting_shipment(generate_world(seed=17, orders=60, marketplaces="US"))


@pytest.fixture
def sim(make_simulator, world):
	return make_simulator(world)


@pytest.fixture
def session(sim):
	with paced_session(sim, "Ship Seller") as opened:
		yield opened


def unshipped(sim, *, fulfilled_by="MERCHANT", units=1):
	return next(
		o
		for o in (sim.world.order(i) for i in sim.world.orders)
		if o["fulfillment"]["fulfilledBy"] == fulfilled_by
		and o["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED"
		and sum(int(i["quantityOrdered"]) for i in o["orderItems"] if not i.get("cancellation")) >= units
		and not any(i.get("cancellation") for i in o["orderItems"])
	)


def confirm(session, order, lines, reference="1", carrier="UPS"):
	confirm_shipment(
		session,
		order["orderId"],
		order["salesChannel"]["marketplaceId"],
		package_reference_id=reference,
		carrier_code=carrier,
		tracking_number=f"1Z{order['orderId'][-7:]}{reference}",
		ship_date=datetime.now(timezone.utc) - timedelta(hours=1),
		lines=lines,
	)


def all_lines(order):
	return [PackageLine(i["orderItemId"], int(i["quantityOrdered"])) for i in order["orderItems"]]


def test_a_confirmed_package_ships_the_order_and_the_next_search_shows_it(sim, session):
	order = unshipped(sim)
	confirm(session, order, all_lines(order))
	sim.advance_clock(300)  # searchOrders shows changes from two minutes before the request
	seen = next(
		o
		for o in orders.search_orders(
			session, marketplace_ids=["ATVPDKIKX0DER"], last_updated_after=sim.now() - timedelta(hours=1)
		)
		if o["orderId"] == order["orderId"]
	)
	assert seen["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
	assert [p["trackingNumber"] for p in seen["packages"]] == [f"1Z{order['orderId'][-7:]}1"]
	assert session.stats()["calls"]["confirmShipment"] == 1


def test_a_partial_shipment_then_the_rest(sim, session):
	order = unshipped(sim, units=2)
	first, *rest = order["orderItems"]
	if rest:
		confirm(session, order, [PackageLine(first["orderItemId"], int(first["quantityOrdered"]))])
		remaining = [PackageLine(i["orderItemId"], int(i["quantityOrdered"])) for i in rest]
	else:
		confirm(session, order, [PackageLine(first["orderItemId"], 1)])
		remaining = [PackageLine(first["orderItemId"], int(first["quantityOrdered"]) - 1)]
	assert sim.world.order(order["orderId"])["fulfillment"]["fulfillmentStatus"] == "PARTIALLY_SHIPPED"
	confirm(session, order, remaining, reference="2")
	shipped = sim.world.order(order["orderId"])
	assert shipped["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
	assert len(shipped["packages"]) == 2


@pytest.mark.parametrize(
	"case",
	["too_many", "unknown_item", "fba_order", "told_to_refuse", "twice"],
)
def test_amazon_refuses_and_says_why(sim, session, case):
	order = unshipped(sim, units=2)  # units left after a first package, for the "twice" case
	item = order["orderItems"][0]
	lines = [PackageLine(item["orderItemId"], int(item["quantityOrdered"]) + 5)]
	expected = "more than"
	if case == "unknown_item":
		lines, expected = [PackageLine("00000000000000", 1)], "not an open item"
	elif case == "fba_order":
		order = next(
			o
			for o in (sim.world.order(i) for i in sim.world.orders)
			if o["fulfillment"]["fulfilledBy"] == "AMAZON"
		)
		order["fulfillment"]["fulfillmentStatus"] = "UNSHIPPED"
		sim.world.save_order(order)
		lines, expected = all_lines(order), "fulfilled by Amazon"
	elif case == "told_to_refuse":
		sim.shipments.refusals[order["orderId"]] = "The carrier code is not valid for this marketplace."
		lines, expected = all_lines(order), "carrier code is not valid"
	elif case == "twice":
		confirm(session, order, [PackageLine(item["orderItemId"], 1)])
		lines, expected = [PackageLine(item["orderItemId"], 1)], "confirmed before"
	before = sim.world.order(order["orderId"])["fulfillment"]["fulfillmentStatus"]
	with pytest.raises(InvalidInputError, match=expected):
		confirm(session, order, lines)
	assert sim.world.order(order["orderId"])["fulfillment"]["fulfillmentStatus"] == before


def test_an_unknown_order_is_not_found(sim, session):
	with pytest.raises(NotFoundError):
		confirm_shipment(
			session, "111-0000000-0000000", "ATVPDKIKX0DER", package_reference_id="1", carrier_code="UPS",
			tracking_number="X", ship_date=datetime.now(timezone.utc), lines=[PackageLine("1", 1)],
		)  # fmt: skip


def test_bad_packages_are_refused_before_asking_amazon(session):
	with pytest.raises(ValueError, match="positive"):
		confirm_shipment(session, "1", "M", package_reference_id="1", carrier_code="UPS", tracking_number="T",
			ship_date=datetime.now(timezone.utc), lines=[PackageLine("1", 0)])  # fmt: skip
	with pytest.raises(ValueError, match="carrier's name"):
		confirm_shipment(session, "1", "M", package_reference_id="1", carrier_code="Other", tracking_number="T",
			ship_date=datetime.now(timezone.utc), lines=[PackageLine("1", 1)])  # fmt: skip
	assert session.stats()["calls"] == {}


def test_throttling_is_retried(make_simulator, world):
	sim = make_simulator(
		world, faults={"script": [{"operation": "confirmShipment", "fault": "throttle", "count": 2}]}
	)
	with paced_session(sim, "Ship") as session:
		order = unshipped(sim)
		confirm(session, order, all_lines(order))
		assert sim.stats()["throttled"]["confirmShipment"] == 2
		assert sim.world.order(order["orderId"])["fulfillment"]["fulfillmentStatus"] == "SHIPPED"


def test_request_and_answers_match_the_model(sim, load_model):
	model = load_model(MODEL)
	operation = model["paths"][PATH]["post"]
	body_schema = dict(
		next(p for p in operation["parameters"] if p["in"] == "body")["schema"],
		definitions=model["definitions"],
	)
	order = unshipped(sim)
	body = {
		"marketplaceId": order["salesChannel"]["marketplaceId"],
		"packageDetail": {
			"packageReferenceId": "1",
			"carrierCode": "UPS",
			"trackingNumber": "1Z999",
			"shipDate": "2026-01-01T10:00:00Z",
			"orderItems": [
				{"orderItemId": i["orderItemId"], "quantity": int(i["quantityOrdered"])}
				for i in order["orderItems"]
			],
		},
	}
	jsonschema.Draft4Validator(body_schema).validate(body)  # what the access layer sends
	headers = {"x-amz-access-token": sim.access_token()}
	url = f"{sim.base_url}/orders/v0/orders/{order['orderId']}/shipmentConfirmation"
	assert httpx.post(url, json=body, headers=headers).status_code == 204
	refused = httpx.post(url, json=body, headers=headers)
	assert refused.status_code == 400
	schema = dict(operation["responses"]["400"]["schema"], definitions=model["definitions"])
	jsonschema.Draft4Validator(schema).validate(refused.json())
