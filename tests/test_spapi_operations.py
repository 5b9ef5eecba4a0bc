"""Listings, tokens and sellers calls send what Amazon's models ask for and return its payloads."""

from __future__ import annotations

import pytest
from spapi_servers import FakeAmazon, Reply, session_for

from amazon_connector.spapi import listings, sellers, tokens


@pytest.fixture
def fake():
	with FakeAmazon() as server:
		yield server


def test_get_listings_item_quotes_the_sku_into_the_path(fake):
	fake.route(
		"GET",
		"/listings/2021-08-01/items/A1TESTSELLER/SKU%2F1%20blue",
		lambda r: Reply(200, {"sku": "SKU/1 blue", "m": r.param("marketplaceIds")}),
	)
	item = listings.get_listings_item(session_for(fake), "A1TESTSELLER", "SKU/1 blue", ["ATVPDKIKX0DER"])
	assert item == {"sku": "SKU/1 blue", "m": "ATVPDKIKX0DER"}
	request = fake.requests[-1]
	assert request.param("includedData") == ",".join(listings.DEFAULT_INCLUDED_DATA)


def test_default_listings_included_data_is_in_the_models_enum(load_model):
	model = load_model("listings-items-2021-08-01.json")
	parameters = model["paths"]["/listings/2021-08-01/items/{sellerId}/{sku}"]["get"]["parameters"]
	enum = next(p for p in parameters if p["name"] == "includedData")["items"]["enum"]
	assert set(listings.DEFAULT_INCLUDED_DATA) <= set(enum)


def test_restricted_data_token_request_and_use(fake):
	path = "/tokens/2021-03-01/restrictedDataToken"
	fake.route("POST", path, {"restrictedDataToken": "test-rdt-1", "expiresIn": 3600})
	fake.route(
		"GET",
		"/orders/2026-01-01/orders/902-1",
		lambda r: Reply(200, {"order": {"orderId": "902-1", "token": r.headers["x-amz-access-token"]}}),
	)
	session = session_for(fake)
	answer = tokens.create_restricted_data_token(
		session, "/orders/2026-01-01/orders/902-1", ["buyerInfo", "shippingAddress"]
	)
	assert answer["restrictedDataToken"] == "test-rdt-1"
	assert fake.requests_to(path)[0].json() == {
		"restrictedResources": [
			{
				"method": "GET",
				"path": "/orders/2026-01-01/orders/902-1",
				"dataElements": ["buyerInfo", "shippingAddress"],
			}
		]
	}
	from amazon_connector.spapi import orders

	order = orders.get_order(session, "902-1", restricted_data_token=answer["restrictedDataToken"])
	assert order["token"] == "test-rdt-1"
	# The account's own access token is still what ordinary calls use.
	fake.route(
		"GET",
		"/sellers/v1/marketplaceParticipations",
		lambda r: Reply(200, {"payload": [r.headers["x-amz-access-token"]]}),
	)
	assert sellers.get_marketplace_participations(session) == ["test-access-token-1"]


def test_marketplace_participations_is_the_payload_list(fake):
	payload = [
		{
			"marketplace": {
				"id": "A2EUQ1WTGCTBG2",
				"countryCode": "CA",
				"name": "Amazon.ca",
				"defaultCurrencyCode": "CAD",
				"defaultLanguageCode": "en_CA",
				"domainName": "www.amazon.ca",
			},
			"participation": {"isParticipating": True, "hasSuspendedListings": False},
			"storeName": "Test Store",
		}
	]
	fake.route("GET", "/sellers/v1/marketplaceParticipations", {"payload": payload})
	assert sellers.get_marketplace_participations(session_for(fake)) == payload


def test_check_connection_answers_quickly_when_amazon_keeps_throttling(fake):
	from spapi_servers import account_for, amazon_error

	from amazon_connector.spapi.errors import ThrottledError, user_message

	path = "/sellers/v1/marketplaceParticipations"
	fake.route(
		"GET", path, amazon_error(429, "QuotaExceeded", "You exceeded your quota for the requested resource.")
	)
	with pytest.raises(ThrottledError) as raised:
		sellers.check_connection(account_for(fake, key="check-connection-test"))
	assert fake.count(path, 429) <= sellers.CHECK_CONNECTION_RETRY.max_attempts
	assert "try again" in user_message(raised.value)
