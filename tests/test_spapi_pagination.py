"""Page tokens in every style the models use, and the operations that page: orders, finances, catalog."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from spapi_servers import FakeAmazon, FakeClock, Reply, session_for

from amazon_connector.spapi import catalog, finances, orders
from amazon_connector.spapi.errors import SpApiError
from amazon_connector.spapi.pagination import (
	PAGINATION_PAGE_TOKEN,
	PAGINATION_PAGINATION_TOKEN,
	PAYLOAD_NEXT_TOKEN,
	PAYLOAD_NEXT_TOKEN_LOWER,
	TOP_LEVEL_NEXT_TOKEN,
	TOP_LEVEL_NEXT_TOKEN_ONLY,
	iterate_pages,
)

SEARCH = "/orders/2026-01-01/orders"
EVENTS = "/finances/v0/financialEvents"
CATALOG = "/catalog/2022-04-01/items"
AFTER = datetime(2025, 3, 1, tzinfo=timezone.utc)


@pytest.fixture
def fake():
	with FakeAmazon() as server:
		yield server


def paged_fetch(style, pages):
	"""A fetch over `pages` (lists of items) that puts the token where `style` says; records params."""
	seen = []

	def body_for(index):
		items = {"items": pages[index]}
		token = f"page-{index + 1}" if index + 1 < len(pages) else None
		if token:
			node = items
			for name in style.token_out[:-1]:
				node = node.setdefault(name, {})
			node[style.token_out[-1]] = token
		return items

	def fetch(params):
		seen.append(dict(params))
		token = params.get(style.token_in)
		return body_for(int(token.split("-")[1]) if token else 0)

	return fetch, seen


@pytest.mark.parametrize(
	"style",
	[
		PAYLOAD_NEXT_TOKEN,
		PAYLOAD_NEXT_TOKEN_LOWER,
		TOP_LEVEL_NEXT_TOKEN,
		TOP_LEVEL_NEXT_TOKEN_ONLY,
		PAGINATION_PAGE_TOKEN,
		PAGINATION_PAGINATION_TOKEN,
	],
)
def test_every_style_walks_all_pages(style):
	fetch, seen = paged_fetch(style, [[1, 2], [3], [4, 5]])
	bodies = list(iterate_pages(fetch, {"filter": "x"}, style))
	assert [i for body in bodies for i in body["items"]] == [1, 2, 3, 4, 5]
	assert seen[0] == {"filter": "x"}
	if style.token_only:
		assert seen[1:] == [{style.token_in: "page-1"}, {style.token_in: "page-2"}]
	else:
		assert seen[1:] == [
			{"filter": "x", style.token_in: "page-1"},
			{"filter": "x", style.token_in: "page-2"},
		]


def test_pages_are_fetched_lazily():
	fetch, seen = paged_fetch(PAYLOAD_NEXT_TOKEN, [[1], [2], [3]])
	pages = iterate_pages(fetch, {}, PAYLOAD_NEXT_TOKEN)
	next(pages)
	assert len(seen) == 1


def test_a_token_that_repeats_stops_with_an_error():
	with pytest.raises(SpApiError, match="same page token"):
		list(
			iterate_pages(
				lambda params: {"nextToken": "again"}, {}, TOP_LEVEL_NEXT_TOKEN, operation="getReports"
			)
		)


def make_order(n):
	return {"orderId": f"902-0000000-{n:07d}", "createdTime": "2025-03-02T10:00:00Z"}


def test_search_orders_follows_pagination_tokens_and_repeats_the_filter(fake):
	all_orders = [make_order(n) for n in range(7)]

	def search(request):
		start = int(request.param("paginationToken") or 0)
		size = int(request.param("maxResultsPerPage"))
		body = {"orders": all_orders[start : start + size], "createdBefore": "2025-03-31T00:00:00Z"}
		if start + size < len(all_orders):
			body["pagination"] = {"nextToken": str(start + size)}
		return Reply(200, body)

	fake.route("GET", SEARCH, search)
	session = session_for(fake, clock=FakeClock())
	found = list(
		orders.search_orders(
			session,
			marketplace_ids=["ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"],
			created_after=AFTER,
			created_before=AFTER + timedelta(days=30),
			fulfillment_statuses=["SHIPPED", "CANCELLED"],
			max_results_per_page=3,
		)
	)
	assert [o["orderId"] for o in found] == [o["orderId"] for o in all_orders]
	requests = fake.requests_to(SEARCH)
	assert len(requests) == 3
	for request in requests:
		assert request.param("marketplaceIds") == "ATVPDKIKX0DER,A2EUQ1WTGCTBG2"
		assert request.param("createdAfter") == "2025-03-01T00:00:00Z"
		assert request.param("createdBefore") == "2025-03-31T00:00:00Z"
		assert request.param("fulfillmentStatuses") == "SHIPPED,CANCELLED"
		assert request.param("includedData") == ",".join(orders.DEFAULT_INCLUDED_DATA)
		assert "MarketplaceId" not in request.query  # nothing added by the library
	assert [r.param("paginationToken") for r in requests] == [None, "3", "6"]
	assert session.stats()["calls"]["searchOrders"] == 3


def test_default_included_data_is_in_the_models_enum(load_model):
	model = load_model("orders-2026-01-01.json")
	parameters = model["paths"]["/orders/2026-01-01/orders"]["get"]["parameters"]
	enum = next(p for p in parameters if p["name"] == "includedData")["items"]["enum"]
	assert set(orders.DEFAULT_INCLUDED_DATA) <= set(enum)


@pytest.mark.parametrize(
	"kwargs",
	[
		{},
		{"created_after": AFTER, "last_updated_after": AFTER},
		{"created_after": datetime(2025, 3, 1)},  # naive: which timezone would Amazon assume?
		{"last_updated_after": AFTER, "created_before": AFTER},
		{"created_after": AFTER, "max_results_per_page": 101},
	],
)
def test_search_orders_refuses_filters_amazon_would_reject(fake, kwargs):
	session = session_for(fake)
	with pytest.raises((ValueError, TypeError)):
		list(orders.search_orders(session, marketplace_ids=["ATVPDKIKX0DER"], **kwargs))
	assert fake.requests == []


def test_get_order_returns_the_order(fake):
	fake.route(
		"GET",
		f"{SEARCH}/902-1234567-1234567",
		lambda r: Reply(200, {"order": {"orderId": "902-1234567-1234567", "asked": r.param("includedData")}}),
	)
	order = orders.get_order(session_for(fake), "902-1234567-1234567", included_data=("PROCEEDS",))
	assert order == {"orderId": "902-1234567-1234567", "asked": "PROCEEDS"}


def test_financial_events_follow_payload_next_token(fake):
	def events(request):
		token = request.param("NextToken")
		if token is None:
			return Reply(
				200,
				{
					"payload": {
						"NextToken": "t2",
						"FinancialEvents": {"ShipmentEventList": [{"AmazonOrderId": "A"}]},
					}
				},
			)
		assert token == "t2"
		return Reply(200, {"payload": {"FinancialEvents": {"ShipmentEventList": [{"AmazonOrderId": "B"}]}}})

	fake.route("GET", EVENTS, events)
	pages = list(
		finances.list_financial_events(
			session_for(fake), posted_after=AFTER, posted_before=AFTER + timedelta(days=1)
		)
	)
	assert [p["ShipmentEventList"][0]["AmazonOrderId"] for p in pages] == ["A", "B"]
	first, second = fake.requests_to(EVENTS)
	assert first.param("PostedAfter") == "2025-03-01T00:00:00Z"
	assert first.param("PostedBefore") == "2025-03-02T00:00:00Z"
	assert first.param("MaxResultsPerPage") == "100"
	assert second.param("NextToken") == "t2"
	assert "MarketplaceId" not in first.query and "MarketplaceIds" not in first.query


def test_financial_events_by_order(fake):
	fake.route(
		"GET",
		"/finances/v0/orders/902-1/financialEvents",
		{"payload": {"FinancialEvents": {"RefundEventList": []}}},
	)
	assert list(finances.list_financial_events_by_order_id(session_for(fake), "902-1")) == [
		{"RefundEventList": []}
	]


def test_catalog_search_batches_twenty_asins_and_follows_page_tokens(fake):
	def search(request):
		asins = request.param("identifiers").split(",")
		assert len(asins) <= 20
		page = request.param("pageToken")
		half = len(asins) // 2 or 1
		chosen = asins[:half] if page is None else asins[half:]
		body = {"numberOfResults": len(asins), "items": [{"asin": a} for a in chosen]}
		if page is None and asins[half:]:
			body["pagination"] = {"nextToken": "second-half"}
		return Reply(200, body)

	fake.route("GET", CATALOG, search)
	asins = [f"B{n:09d}" for n in range(45)]
	items = list(
		catalog.search_catalog_items(session_for(fake, clock=FakeClock()), "ATVPDKIKX0DER", asins + asins[:5])
	)
	assert [i["asin"] for i in items] == asins  # each ASIN once, in order
	requests = fake.requests_to(CATALOG)
	first_pages = [r for r in requests if r.param("pageToken") is None]
	assert [len(r.param("identifiers").split(",")) for r in first_pages] == [20, 20, 5]
	assert all(
		r.param("identifiersType") == "ASIN" and r.param("marketplaceIds") == "ATVPDKIKX0DER"
		for r in requests
	)
	assert len(requests) == 6
	assert requests[0].param("includedData") == ",".join(catalog.DEFAULT_INCLUDED_DATA)
