"""searchOrders / getOrder semantics, includedData, buyer PII, and order transitions over time."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from fixtures_simulator import SimHttp

from amazon_connector.simulator.clock import iso, parse_iso
from amazon_connector.simulator.views import INCLUDED_DATA

SEARCH = "/orders/2026-01-01/orders"
ALL = ",".join(INCLUDED_DATA)
US = "ATVPDKIKX0DER"


def search_all(client: SimHttp, **params) -> list[dict]:
	orders, token = [], None
	while True:
		page_params = dict(params, paginationToken=token) if token else params
		response = client.get(SEARCH, **page_params)
		assert response.status_code == 200, response.text
		body = response.json()
		orders += body["orders"]
		token = body.get("pagination", {}).get("nextToken")
		if not token:
			return orders


def test_created_window_and_filters_match_the_world(sim_http, sim_world):
	orders = sim_world["orders"]
	middle = sorted(o["createdTime"] for o in orders)[len(orders) // 2]
	found = search_all(sim_http, createdAfter=middle, marketplaceIds=US, maxResultsPerPage=7)
	expected = {
		o["orderId"]
		for o in orders
		if o["createdTime"] >= middle and o["salesChannel"]["marketplaceId"] == US
	}
	assert {o["orderId"] for o in found} == expected
	assert len(found) == len(expected)  # no order twice across pages
	fba = search_all(
		sim_http, createdAfter="2000-01-01T00:00:00Z", fulfilledBy="AMAZON", includedData="FULFILLMENT"
	)
	assert fba and all(o["fulfillment"]["fulfilledBy"] == "AMAZON" for o in fba)
	assert len(fba) == sum(1 for o in orders if o["fulfillment"]["fulfilledBy"] == "AMAZON")
	cancelled = search_all(
		sim_http, createdAfter="2000-01-01T00:00:00Z", fulfillmentStatuses="CANCELLED,PENDING"
	)
	assert {o["orderId"] for o in cancelled} == {
		o["orderId"] for o in orders if o["fulfillment"]["fulfillmentStatus"] in ("CANCELLED", "PENDING")
	}


def test_results_come_oldest_first_and_echo_the_upper_bound(sim_http, simulator):
	response = sim_http.get(SEARCH, createdAfter="2000-01-01T00:00:00Z", maxResultsPerPage=100).json()
	created = [o["createdTime"] for o in response["orders"]]
	assert created == sorted(created)
	echoed = parse_iso(response["createdBefore"])
	assert timedelta(minutes=1) < simulator.now() - echoed < timedelta(minutes=10)


def test_pagination_requires_the_same_filters(sim_http):
	first = sim_http.get(
		SEARCH, createdAfter="2000-01-01T00:00:00Z", marketplaceIds=US, maxResultsPerPage=2
	).json()
	token = first["pagination"]["nextToken"]
	changed = sim_http.get(
		SEARCH, createdAfter="2001-01-01T00:00:00Z", marketplaceIds=US, paginationToken=token
	)
	assert changed.status_code == 400
	assert changed.json()["errors"][0]["code"] == "InvalidInput"
	missing = sim_http.get(SEARCH, paginationToken=token)
	assert missing.status_code == 400
	# maxResultsPerPage and includedData may change between pages
	same = sim_http.get(SEARCH, createdAfter="2000-01-01T00:00:00Z", marketplaceIds=US, paginationToken=token,
		maxResultsPerPage=3, includedData="PROCEEDS")  # fmt: skip
	assert same.status_code == 200 and len(same.json()["orders"]) == 3
	assert {o["orderId"] for o in same.json()["orders"]}.isdisjoint({o["orderId"] for o in first["orders"]})
	forged = sim_http.get(
		SEARCH, createdAfter="2000-01-01T00:00:00Z", marketplaceIds=US, paginationToken=token[:-2] + "xx"
	)
	assert forged.status_code == 400


@pytest.mark.parametrize(
	"params",
	[
		{},
		{"createdAfter": "2020-01-01T00:00:00Z", "lastUpdatedAfter": "2020-01-01T00:00:00Z"},
		{"createdAfter": "2020-01-01T00:00:00Z", "lastUpdatedBefore": "2021-01-01T00:00:00Z"},
		{"lastUpdatedAfter": "2020-01-01T00:00:00Z", "createdBefore": "2021-01-01T00:00:00Z"},
		{"createdAfter": "2021-01-01T00:00:00Z", "createdBefore": "2020-01-01T00:00:00Z"},
		{"createdAfter": "not-a-date"},
		{"createdAfter": "2020-01-01T00:00:00Z", "maxResultsPerPage": "0"},
		{"createdAfter": "2020-01-01T00:00:00Z", "maxResultsPerPage": "101"},
		{"createdAfter": "2020-01-01T00:00:00Z", "includedData": "EVERYTHING"},
		{"createdAfter": "2020-01-01T00:00:00Z", "fulfillmentStatuses": "LOST"},
		{"createdAfter": "2020-01-01T00:00:00Z", "marketplaceIds": "A1NOTMINE00000"},
	],
)
def test_invalid_searches_get_400(sim_http, params):
	response = sim_http.get(SEARCH, **params)
	assert response.status_code == 400
	assert response.json()["errors"][0]["code"] == "InvalidInput"


def test_upper_bound_must_be_two_minutes_old(sim_http, simulator):
	recent = iso(simulator.now() - timedelta(seconds=30))
	assert sim_http.get(SEARCH, createdAfter="2020-01-01T00:00:00Z", createdBefore=recent).status_code == 400


def test_included_data_controls_the_blocks(sim_http, sim_world):
	shipped = next(o for o in sim_world["orders"] if o["fulfillment"]["fulfillmentStatus"] == "SHIPPED")
	bare = sim_http.get(f"{SEARCH}/{shipped['orderId']}").json()["order"]
	assert set(bare) <= {"orderId", "orderAliases", "createdTime", "lastUpdatedTime", "programs", "associatedOrders",
		"salesChannel", "orderItems"}  # fmt: skip
	assert all("price" not in i["product"] and "proceeds" not in i for i in bare["orderItems"])
	full = sim_http.get(f"{SEARCH}/{shipped['orderId']}", includedData=ALL).json()["order"]
	assert full["proceeds"] == shipped["proceeds"]
	assert full["orderItems"][0]["product"]["price"] == shipped["orderItems"][0]["product"]["price"]
	assert full["fulfillment"] == shipped["fulfillment"]
	only_buyer = sim_http.get(f"{SEARCH}/{shipped['orderId']}", includedData="BUYER").json()["order"]
	assert "buyer" in only_buyer and "recipient" not in only_buyer and "proceeds" not in only_buyer


def test_personal_data_follows_the_apps_roles_not_restricted_data_tokens(simulator, sim_http, sim_world):
	"""Orders 2026-01-01: "Accessing PII ... does not require a Restricted Data Token"; what comes back
	depends on the roles the seller granted the app."""
	order = next(o for o in sim_world["orders"] if "recipient" in o and "buyerName" in o.get("buyer", {}))
	path = f"{SEARCH}/{order['orderId']}"
	address = order["recipient"]["deliveryAddress"]
	coarse = {k: address[k] for k in ("city", "stateOrRegion", "postalCode", "countryCode") if k in address}

	def read():
		return sim_http.get(path, includedData="BUYER,RECIPIENT").json()["order"]

	# Both roles (the default): everything, with a plain access token.
	assert read()["recipient"] == order["recipient"]
	assert read()["buyer"]["buyerName"] == order["buyer"]["buyerName"]
	simulator.world.account["roles"] = ["Tax Invoicing"]
	buyer_only = read()
	assert buyer_only["buyer"]["buyerName"] == order["buyer"]["buyerName"]
	assert buyer_only["recipient"]["deliveryAddress"] == coarse
	simulator.world.account["roles"] = []
	plain = read()
	assert plain["recipient"]["deliveryAddress"] == coarse
	assert "buyerName" not in plain["buyer"] and "buyerEmail" not in plain["buyer"]
	# A search says the same as a read by id.
	searched = sim_http.get(
		SEARCH, createdAfter="2020-01-01T00:00:00Z", includedData="BUYER,RECIPIENT", maxResultsPerPage=100
	).json()["orders"]
	assert not any("addressLine1" in (o.get("recipient") or {}).get("deliveryAddress", {}) for o in searched)


def test_an_rdt_is_good_only_for_the_operations_it_names(sim_http):
	body = {
		"restrictedResources": [
			{"method": "GET", "path": SEARCH + "/{orderId}", "dataElements": ["buyerInfo"]}
		]
	}
	token = sim_http.post("/tokens/2021-03-01/restrictedDataToken", body).json()["restrictedDataToken"]
	assert sim_http.get("/sellers/v1/marketplaceParticipations", token=token).status_code == 403
	assert sim_http.get(SEARCH, token=token, createdAfter="2020-01-01T00:00:00Z").status_code == 403


def test_get_order_unknown_is_404(sim_http):
	response = sim_http.get(f"{SEARCH}/123-0000000-0000000")
	assert response.status_code == 404
	assert response.json()["errors"][0]["code"] == "NotFound"


def _shifted(order: dict, created: datetime, order_id: str) -> dict:
	copy_ = copy.deepcopy(order)
	copy_["orderId"] = order_id
	copy_["createdTime"] = copy_["lastUpdatedTime"] = iso(created)
	return copy_


def test_two_year_horizon_and_future_orders(make_simulator, sim_world):
	world = copy.deepcopy(sim_world)
	now = datetime.now(timezone.utc)
	us = next(o for o in world["orders"] if o["salesChannel"]["marketplaceId"] == US)
	jp = next(o for o in world["orders"] if o["salesChannel"]["marketplaceId"] == "A1VC38T7YXB528")
	world["orders"] += [
		_shifted(us, now - timedelta(days=800), "111-0000000-0000001"),
		_shifted(jp, now - timedelta(days=800), "249-0000000-0000001"),
		_shifted(us, now + timedelta(days=3), "111-0000000-0000002"),
	]
	sim = make_simulator(world, time_scale=1.0)
	client = SimHttp(sim)
	found = {o["orderId"] for o in search_all(client, createdAfter="2000-01-01T00:00:00Z")}
	assert "249-0000000-0000001" in found  # JP keeps old orders
	assert "111-0000000-0000001" not in found
	assert "111-0000000-0000002" not in found  # not placed yet
	assert client.get(f"{SEARCH}/111-0000000-0000002").status_code == 404
	sim.advance_clock(4 * 86400)
	assert client.get(f"{SEARCH}/111-0000000-0000002").status_code == 200
	client.close()


def pending_order(row: dict, marketplace: dict, created: datetime, order_id: str, quantity: int = 2) -> dict:
	"""A pending order as someone would write it by hand from Amazon's documentation."""
	return {
		"orderId": order_id,
		"createdTime": iso(created),
		"lastUpdatedTime": iso(created),
		"salesChannel": {"channelName": "AMAZON", "marketplaceId": marketplace["marketplaceId"]},
		"fulfillment": {"fulfillmentStatus": "PENDING", "fulfilledBy": "MERCHANT"},
		"orderItems": [
			{
				"orderItemId": "90000000000001",
				"quantityOrdered": quantity,
				"product": {"asin": row["asin1"], "sellerSku": row["seller-sku"], "title": row["item-name"]},
			}
		],
	}


@pytest.fixture
def pending_sim(make_simulator, sim_world):
	world = copy.deepcopy(sim_world)
	marketplace = next(m for m in world["account"]["marketplaces"] if m["marketplaceId"] == US)
	row = world["listings"][US][0]
	created = datetime.now(timezone.utc) - timedelta(hours=1)
	world["orders"].append(pending_order(row, marketplace, created, "114-9999999-0000001"))
	sim = make_simulator(world, time_scale=1.0, fee_delay_days=2.0)
	return sim, row


def test_pending_to_unshipped_prices_from_the_listing(pending_sim):
	sim, row = pending_sim
	client = SimHttp(sim)
	before = client.get(f"{SEARCH}/114-9999999-0000001", includedData=ALL).json()["order"]
	assert "proceeds" not in before and "price" not in before["orderItems"][0]["product"]
	moved_at = sim.now().replace(microsecond=0)
	order = sim.transition_order("114-9999999-0000001", "UNSHIPPED")
	item = order["orderItems"][0]
	assert item["product"]["price"]["unitPrice"]["amount"] == row["price"]
	item_total = next(b for b in item["proceeds"]["breakdowns"] if b["type"] == "ITEM")["subtotal"]["amount"]
	assert Decimal(item_total) == Decimal(row["price"]) * 2
	assert moved_at <= parse_iso(order["lastUpdatedTime"]) <= sim.now()
	assert "buyer" in order and "recipient" in order
	# It shows in an update search once Amazon's two-minute lag has passed.
	since = iso(sim.now() - timedelta(minutes=1))
	assert "114-9999999-0000001" not in {o["orderId"] for o in search_all(client, lastUpdatedAfter=since)}
	sim.advance_clock(180)
	assert "114-9999999-0000001" in {o["orderId"] for o in search_all(client, lastUpdatedAfter=since)}
	client.close()


def test_shipping_schedules_fees_days_later(pending_sim):
	sim, _ = pending_sim
	client = SimHttp(sim)
	sim.transition_order("114-9999999-0000001", "SHIPPED")
	path = "/finances/v0/orders/114-9999999-0000001/financialEvents"
	assert client.get(path).json()["payload"]["FinancialEvents"]["ShipmentEventList"] == []
	sim.advance_clock(2 * 86400 + 1)
	events = client.get(path).json()["payload"]["FinancialEvents"]["ShipmentEventList"]
	assert len(events) == 1 and events[0]["AmazonOrderId"] == "114-9999999-0000001"
	order = client.get(f"{SEARCH}/114-9999999-0000001", includedData="FULFILLMENT,PACKAGES").json()["order"]
	assert order["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
	assert order["orderItems"][0]["fulfillment"]["quantityFulfilled"] == 2
	assert order["packages"][0]["packageItems"][0]["quantity"] == 2
	client.close()


def test_fees_can_post_at_once_over_http(pending_sim):
	sim, _ = pending_sim
	client = SimHttp(sim)
	answer = client.client.post(
		"/_sim/orders/114-9999999-0000001/transition", json={"status": "SHIPPED", "postFees": "now"}
	)
	assert (
		answer.status_code == 200 and answer.json()["order"]["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
	)
	events = client.get("/finances/v0/orders/114-9999999-0000001/financialEvents").json()["payload"][
		"FinancialEvents"
	]
	assert len(events["ShipmentEventList"]) == 1
	client.close()


def test_cancelling_keeps_price_and_quantity_but_drops_proceeds(pending_sim):
	sim, row = pending_sim
	sim.transition_order("114-9999999-0000001", "UNSHIPPED")
	order = sim.transition_order("114-9999999-0000001", "CANCELLED")
	item = order["orderItems"][0]
	assert item["quantityOrdered"] == 2 and item["product"]["price"]["unitPrice"]["amount"] == row["price"]
	assert "proceeds" not in item and "proceeds" not in order
	assert item["cancellation"]["cancellationExecution"]["cancelledBy"]


def test_impossible_transitions_are_refused(pending_sim):
	sim, _ = pending_sim
	sim.transition_order("114-9999999-0000001", "SHIPPED", post_fees="never")
	client = SimHttp(sim)
	answer = client.client.post("/_sim/orders/114-9999999-0000001/transition", json={"status": "CANCELLED"})
	assert answer.status_code == 400 and "SHIPPED" in answer.text
	missing = client.client.post("/_sim/orders/000-0000000-0000000/transition", json={"status": "SHIPPED"})
	assert missing.status_code == 400 and "000-0000000-0000000" in missing.text
	client.close()


def test_add_financial_event_late_adjustment(simulator, sim_http):
	posted = simulator.now() - timedelta(hours=1)
	event = {
		"AdjustmentType": "PostageBilling",
		"AdjustmentAmount": {"CurrencyCode": "USD", "CurrencyAmount": -4.5},
	}
	simulator.add_financial_event(event, posted_date=posted)
	listed = sim_http.get(
		"/finances/v0/financialEvents", PostedAfter=iso(posted - timedelta(minutes=1))
	).json()
	adjustments = listed["payload"]["FinancialEvents"]["AdjustmentEventList"]
	assert [e for e in adjustments if e["AdjustmentType"] == "PostageBilling"] == [
		dict(event, PostedDate=iso(posted))
	]
	refused = sim_http.client.post("/_sim/financial-events", json={"event": {"AdjustmentType": "X"}})
	assert refused.status_code == 400 and "PostedDate" in refused.text
	over_http = sim_http.client.post(
		"/_sim/financial-events",
		json={
			"list": "ServiceFeeEventList",
			"event": {"FeeReason": "Subscription"},
			"postedDate": iso(posted),
		},  # fmt: skip
	)
	assert over_http.status_code == 200
