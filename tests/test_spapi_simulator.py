"""The access layer against the local SP-API simulator, end to end over loopback HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest

from amazon_connector import simulator as sim_package
from amazon_connector.simulator.connect import account_config, scaled_clock
from amazon_connector.spapi import catalog, orders, reports, sellers
from amazon_connector.spapi.account import AccountConfig
from amazon_connector.spapi.auth import TokenCache
from amazon_connector.spapi.client import SpApiSession
from amazon_connector.spapi.errors import AuthError, user_message
from amazon_connector.spapi.throttle import ThrottleRegistry

TIME_SCALE = 1000.0  # simulator seconds per real second
LISTINGS = "GET_MERCHANT_LISTINGS_ALL_DATA"


@pytest.fixture(scope="module")
def world():
	return sim_package.generate_world(seed=11, orders=48)


@pytest.fixture
def sim(world):
	with sim_package.Simulator(world, time_scale=TIME_SCALE, limits=True) as running:
		yield running


def account_of(sim, **overrides) -> AccountConfig:
	return account_config(sim.account, sim.base_url, "Sim Seller", **overrides)


def session_of(sim, **overrides) -> SpApiSession:
	"""Paces and polls in the simulator's seconds, which pass TIME_SCALE times faster than ours."""
	clock, sleep = scaled_clock(TIME_SCALE)
	return SpApiSession(
		account_of(sim, **overrides),
		clock=clock,
		sleep=sleep,
		throttle=ThrottleRegistry(),
		token_cache=TokenCache(),
	)


def marketplace_ids(sim) -> list[str]:
	return [m["marketplaceId"] for m in sim.account["marketplaces"]]


def test_test_connection_lists_the_marketplaces(sim):
	with session_of(sim) as session:
		participations = sellers.get_marketplace_participations(session)
	assert {p["marketplace"]["id"] for p in participations} == set(marketplace_ids(sim))


def test_search_orders_pages_through_every_order_of_the_world(sim, world):
	now = sim.now()
	after = now - timedelta(days=365)
	expected = {
		o["orderId"]
		for o in world["orders"]
		if after.isoformat()
		<= o["createdTime"].replace("Z", "+00:00")
		<= (now - timedelta(minutes=2)).isoformat()
	}
	assert len(expected) > 20
	with session_of(sim) as session:
		found = list(
			orders.search_orders(
				session, marketplace_ids=marketplace_ids(sim), created_after=after, max_results_per_page=2
			)
		)
		stats = session.stats()
	assert [o["orderId"] for o in found if o["orderId"] not in expected] == []
	assert {o["orderId"] for o in found} == expected
	assert len(found) == len(expected)  # no order twice across pages
	pages = -(-len(expected) // 2)
	assert stats["calls"]["searchOrders"] == pages == sim.stats()["calls"]["searchOrders"]
	# More pages than searchOrders' burst of 20, and Amazon's side never had to throttle.
	assert pages > 20
	assert sim.stats()["throttled"].get("searchOrders", 0) == 0
	assert stats["retries"] == {}
	# includedData went along on every page: amounts (PROCEEDS) and cancellations are in the orders.
	assert sum("proceeds" in o for o in found) > len(found) // 2


@pytest.mark.parametrize("index", [0, -1])
def test_listings_report_is_downloaded_decompressed_and_decoded(sim, world, index):
	marketplace = sim.account["marketplaces"][index]
	with session_of(sim) as session:
		document = reports.fetch_report_document(
			session, LISTINGS, [marketplace["marketplaceId"]], poll_interval=15
		)
	assert document.charset == marketplace["reportCharset"]
	lines = document.text().splitlines()
	assert lines[0].split("\t")[:4] == ["item-name", "item-description", "listing-id", "seller-sku"]
	skus = {line.split("\t")[3] for line in lines[1:]}
	assert skus == {row["seller-sku"] for row in world["listings"].get(marketplace["marketplaceId"], [])}


def test_catalog_is_searched_twenty_asins_at_a_time(sim, world):
	marketplace_id = marketplace_ids(sim)[0]
	known = sorted(
		{
			i["asin"]
			for i in world["catalogItems"]
			if any(s.get("marketplaceId") == marketplace_id for s in i.get("summaries", []))
		}
	)
	assert known
	# ASINs the catalog does not have are simply not returned, as on Amazon; they fill the batches.
	unknown = [f"B0ZZ{n:06d}" for n in range(45 - len(known))]
	with session_of(sim) as session:
		items = list(catalog.search_catalog_items(session, marketplace_id, known + unknown + known[:3]))
		calls = session.stats()["calls"]["searchCatalogItems"]
	assert sorted(i["asin"] for i in items) == known
	assert calls == sim.stats()["calls"]["searchCatalogItems"]
	assert calls >= 3  # 45 distinct identifiers: 20 + 20 + 5
	assert sim.stats()["throttled"].get("searchCatalogItems", 0) == 0


def test_expired_tokens_are_replaced_without_failing_the_call(sim):
	with session_of(sim) as session:
		sellers.get_marketplace_participations(session)
		sim.expire_tokens()
		sellers.get_marketplace_participations(session)
		assert session.stats()["token_requests"] == 2
		assert session.stats()["retries"]["getMarketplaceParticipations"] == 1


def test_wrong_secret_is_a_plain_sentence(sim):
	with session_of(sim, client_secret="test-not-the-secret") as session:
		with pytest.raises(AuthError) as raised:
			sellers.get_marketplace_participations(session)
	assert raised.value.code == "invalid_client"
	assert "client secret" in user_message(raised.value)
