"""FBA inventory mirror: the simulator's pools, the access layer's paging, the engine on the preview."""

from __future__ import annotations

from datetime import date

import jsonschema
import pytest

from amazon_connector.core.drafts.stock import FbaQuantities
from amazon_connector.core.engine.inventory import FbaInventorySync
from amazon_connector.core.mapping.fba_inventory import FbaInventoryError, pooled, quantities_of
from amazon_connector.core.preview import PreviewErp
from amazon_connector.core.settings import MarketplaceConfig, SyncSettings
from amazon_connector.simulator import generate_world
from amazon_connector.simulator.connect import account_config, scaled_clock
from amazon_connector.spapi import inventory
from amazon_connector.spapi.client import SpApiSession
from amazon_connector.spapi.errors import InvalidInputError
from amazon_connector.spapi.fulfilment_networks import network_of
from amazon_connector.spapi.source import SpApiSource
from amazon_connector.spapi.throttle import ThrottleRegistry

US, CA, DE, FR, UK = "ATVPDKIKX0DER", "A2EUQ1WTGCTBG2", "A1PA6795UKMFR9", "A13V1IB3VIYZZH", "A1F83G8C2ARO7P"
MODEL = "fba-inventory-v1.json"


@pytest.fixture(scope="module")
def world():
	return generate_world(seed=14, orders=60, marketplaces="US,CA,DE,FR,UK")


@pytest.fixture
def sim(make_simulator, world):
	sim = make_simulator(world)
	sim.handlers["inventory"].page_size = 4  # several pages per network
	return sim


def session_for(sim, **options):
	clock, sleep = scaled_clock(sim.clock.time_scale)
	account = account_config(sim.account, sim.base_url, "Stock Seller")
	return SpApiSession(account, clock=clock, sleep=sleep, throttle=ThrottleRegistry(), **options)


@pytest.fixture
def session(sim):
	with session_for(sim) as opened:
		yield opened


def validate(load_model, status: int, body: dict) -> None:
	model = load_model(MODEL)
	operation = model["paths"]["/fba/inventory/v1/summaries"]["get"]
	schema = dict(operation["responses"][str(status)]["schema"], definitions=model["definitions"])
	validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
	errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
	assert not errors, errors[:5]


def pool(sim, marketplace_id: str) -> dict[str, dict]:
	return {s["sellerSku"]: s for s in sim.fba_inventory.summaries(marketplace_id)}


def settings_for(*marketplace_ids: str) -> SyncSettings:
	return SyncSettings(
		account_key="Stock Seller",
		after_date=date(2026, 1, 1),
		marketplaces=tuple(MarketplaceConfig(m) for m in marketplace_ids),
	)


def preview_with_items(sim, marketplace_ids) -> PreviewErp:
	"""A preview ERP whose Items are the SKUs of every listing (as a product sync would leave it)."""
	erp = PreviewErp("Stock Seller")
	for marketplace_id in marketplace_ids:
		for row in sim.world.listings.get(marketplace_id, []):
			erp.item_map[(marketplace_id, row["seller-sku"])] = row["seller-sku"]
	return erp


# -- the simulator ---------------------------------------------------------------------------------


def test_every_page_with_and_without_details_matches_the_model(sim, load_model):
	import httpx

	token = sim.access_token()
	for details in ("true", "false"):
		params = {
			"granularityType": "Marketplace",
			"granularityId": DE,
			"marketplaceIds": DE,
			"details": details,
		}
		pages = 0
		while True:
			response = httpx.get(
				f"{sim.base_url}/fba/inventory/v1/summaries",
				params=params,
				headers={"x-amz-access-token": token},
			)
			assert response.status_code == 200
			body = response.json()
			validate(load_model, 200, body)
			for summary in body["payload"]["inventorySummaries"]:
				assert ("inventoryDetails" in summary) == (details == "true")
			pages += 1
			next_token = (body.get("pagination") or {}).get("nextToken")
			if not next_token:
				break
			params["nextToken"] = next_token
		assert pages > 1


def test_breakdowns_come_both_with_and_without_their_parts(world):
	details = [s["inventoryDetails"] for summaries in world["fbaInventory"].values() for s in summaries]
	reserved = [d["reservedQuantity"] for d in details]
	assert any("pendingCustomerOrderQuantity" in r for r in reserved)
	assert any("pendingCustomerOrderQuantity" not in r for r in reserved)
	assert any("researchingQuantity" in d for d in details)
	assert any("researchingQuantity" not in d for d in details)


def test_an_expired_page_token_is_refused_as_amazon_does(sim, load_model):
	import httpx

	token = sim.access_token()
	params = {"granularityType": "Marketplace", "granularityId": US, "marketplaceIds": US, "details": "true"}
	first = httpx.get(
		f"{sim.base_url}/fba/inventory/v1/summaries", params=params, headers={"x-amz-access-token": token}
	)
	params["nextToken"] = first.json()["pagination"]["nextToken"]
	sim.advance_clock(31)
	expired = httpx.get(
		f"{sim.base_url}/fba/inventory/v1/summaries", params=params, headers={"x-amz-access-token": token}
	)
	assert expired.status_code == 400
	validate(load_model, 400, expired.json())
	assert "expired" in expired.json()["errors"][0]["message"]


def test_marketplaces_of_one_network_share_one_pool(sim):
	assert network_of(US) == network_of(CA) == "NA"
	assert network_of(DE) == network_of(FR) == "EU"
	assert network_of(UK) == UK
	assert pool(sim, US) == pool(sim, CA)
	assert pool(sim, DE) == pool(sim, FR)
	assert set(pool(sim, UK)) != set(pool(sim, DE)) or not pool(sim, UK)


def test_an_fba_order_that_ships_leaves_the_pool_and_a_return_comes_back(sim):
	order = next(
		o
		for o in sim.world.orders.values()
		if o["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
		and o["fulfillment"]["fulfilledBy"] == "AMAZON"
		and o["salesChannel"]["marketplaceId"] in (US, CA)
	)
	order["fulfillment"]["fulfillmentStatus"] = "UNSHIPPED"  # not yet shipped, in this test's world
	sim.world.save_order(order)
	sim.world.save_order(order)  # the world hands out copies of its orders
	item = order["orderItems"][0]
	sku, quantity = item["product"]["sellerSku"], int(item["quantityOrdered"])
	marketplace_id = order["salesChannel"]["marketplaceId"]
	sim.set_fba_quantities(marketplace_id, sku, fulfillable=10)
	sim.transition_order(order["orderId"], "SHIPPED", post_fees="never")
	assert sim.fba_inventory.quantity(US, sku) == 10 - quantity  # the whole NA pool
	sim.receive_fba_return(CA, sku, 1, sellable=True)
	sim.receive_fba_return(CA, sku, 1, sellable=False)
	assert sim.fba_inventory.quantity(US, sku) == 11 - quantity
	assert sim.fba_inventory.quantity(US, sku, "customerDamaged") >= 1


# -- the access layer ------------------------------------------------------------------------------


def test_the_listing_is_read_page_by_page_once_per_sku(sim, session):
	summaries = inventory.get_inventory_summaries(session, DE)
	expected = pool(sim, DE)
	assert {s["sellerSku"] for s in summaries} == set(expected)
	assert {s["sellerSku"]: s["inventoryDetails"]["fulfillableQuantity"] for s in summaries} == {
		sku: s["inventoryDetails"]["fulfillableQuantity"] for sku, s in expected.items()
	}
	pages = -(-len(expected) // 4)
	assert session.stats()["calls"]["getInventorySummaries"] == pages


def test_an_expired_page_token_restarts_the_listing(sim, session):
	"""The clock jumps 31 s after the first page (a long wait): the second page's token has expired,
	and the listing is read again from the start, complete."""

	class Slow:
		def __init__(self):
			self.calls = 0

		def call(self, *args, **kwargs):
			response = session.call(*args, **kwargs)
			self.calls += 1
			if self.calls == 1:
				sim.advance_clock(31)
			return response

	summaries = inventory.get_inventory_summaries(Slow(), US)
	assert {s["sellerSku"] for s in summaries} == set(pool(sim, US))
	assert sim.stats()["responses"]["getInventorySummaries"].get("400") == 1


def test_a_token_that_keeps_expiring_gives_up_with_amazons_error(sim, session):
	class AlwaysSlow:
		def call(self, *args, **kwargs):
			response = session.call(*args, **kwargs)
			sim.advance_clock(31)
			return response

	with pytest.raises(InvalidInputError, match="expired"):
		inventory.get_inventory_summaries(AlwaysSlow(), US, max_restarts=2)


def test_pacing_keeps_to_the_usage_plan(make_simulator, world):
	"""Usage plans on (2 requests/s, burst 2): the client paces itself and is never throttled."""
	sim = make_simulator(world, limits=True, time_scale=20.0)
	sim.handlers["inventory"].page_size = 1
	with session_for(sim) as session:
		summaries = inventory.get_inventory_summaries(session, DE)
		assert len(summaries) == len(pool(sim, DE)) > 4
		assert sim.stats()["throttled"].get("getInventorySummaries", 0) == 0
		assert session.stats()["throttle_wait_seconds"] > 0


def test_throttling_is_retried(make_simulator, world):
	sim = make_simulator(
		world, faults={"script": [{"operation": "getInventorySummaries", "fault": "throttle", "count": 2}]}
	)
	with session_for(sim) as session:
		summaries = inventory.get_inventory_summaries(session, DE)
		assert {s["sellerSku"] for s in summaries} == set(pool(sim, DE))
		assert sim.stats()["throttled"]["getInventorySummaries"] == 2


# -- mapping ---------------------------------------------------------------------------------------


def test_quantities_with_and_without_breakdowns():
	summary = {
		"sellerSku": "A",
		"inventoryDetails": {
			"fulfillableQuantity": 7,
			"inboundWorkingQuantity": 1,
			"inboundShippedQuantity": 2,
			"inboundReceivingQuantity": 3,
			"reservedQuantity": {"totalReservedQuantity": 4, "pendingCustomerOrderQuantity": 4},
			"unfulfillableQuantity": {"totalUnfulfillableQuantity": 5},
		},
		"lastUpdatedTime": "2026-01-01T00:00:00Z",
	}
	assert quantities_of(summary) == FbaQuantities(7, 6, 4, 0, 5, "2026-01-01T00:00:00Z")
	with pytest.raises(FbaInventoryError, match="SKU B"):
		quantities_of({"sellerSku": "B", "totalQuantity": 9})
	with pytest.raises(FbaInventoryError, match="SKU C"):
		quantities_of({"sellerSku": "C", "inventoryDetails": {"fulfillableQuantity": -1}})


def test_a_sku_seen_from_two_marketplaces_of_a_pool_counts_once():
	older = {"sellerSku": "S", "lastUpdatedTime": "2026-01-01T00:00:00Z"}
	newer = {"sellerSku": "S", "lastUpdatedTime": "2026-01-02T00:00:00Z"}
	chosen = pooled([(DE, older), (FR, newer), (UK, older)])
	assert chosen == {("EU", "S"): (FR, newer), (UK, "S"): (UK, older)}


# -- the engine ------------------------------------------------------------------------------------


def fulfillable_by_item(sim, marketplace_ids) -> dict[str, int]:
	"""What the warehouse must hold: each network's pool once, networks added up (from the world)."""
	expected: dict[str, int] = {}
	for network in dict.fromkeys(network_of(m) for m in marketplace_ids):
		for sku, summary in sim.world.fba_inventory.pools.get(network, {}).items():
			quantity = summary["inventoryDetails"]["fulfillableQuantity"]
			expected[sku] = expected.get(sku, 0) + quantity
	return {sku: q for sku, q in expected.items() if q}


def test_the_fba_warehouse_mirrors_amazon_and_follows_shipments(sim, session):
	marketplaces = (US, CA, DE, FR, UK)
	erp = preview_with_items(sim, marketplaces)
	engine = FbaInventorySync(SpApiSource(session), erp, settings_for(*marketplaces))
	report = engine.run()
	assert report.failed == 0, report.failures
	assert {k: v for k, v in erp.fba_warehouse.items() if v} == fulfillable_by_item(sim, marketplaces)
	assert len(erp.stock_documents) == 1
	assert report.counts["updated"] == len(report.events) == len(erp.stock_documents[0])
	first_sku = next(iter(pool(sim, DE)))
	quantities = erp.fba_quantities[(DE, first_sku)]
	assert quantities == erp.fba_quantities[(FR, first_sku)] or (FR, first_sku) not in erp.item_map

	again = engine.run()
	assert again.counts["updated"] == 0
	assert again.counts["unchanged"] == report.counts["updated"] + report.counts["unchanged"]
	assert len(erp.stock_documents) == 1  # nothing changed, no document

	sku = first_sku
	sim.set_fba_quantities(DE, sku, fulfillable=3)
	sim.receive_fba_return(FR, sku, 2)
	third = engine.run()
	assert sim.fba_inventory.quantity(DE, sku) == 5
	assert {k: v for k, v in erp.fba_warehouse.items() if v} == fulfillable_by_item(sim, marketplaces)
	assert [e["item_code"] for e in third.events] == [sku]
	assert third.events[0]["after"] == erp.fba_warehouse[sku]


def test_a_sku_gone_from_amazon_goes_to_zero_but_not_when_a_marketplace_failed(
	make_simulator, world, session_factory=None
):
	sim = make_simulator(world)
	with session_for(sim) as session:
		erp = preview_with_items(sim, (DE,))
		sku = next(iter(pool(sim, DE)))
		gone = next(s for s in erp.item_map.values() if s not in pool(sim, DE))
		erp.fba_warehouse[gone] = 4.0
		sim.configure_faults(
			{"script": [{"operation": "getInventorySummaries", "fault": "unavailable", "count": 50}]}
		)
		failing = FbaInventorySync(SpApiSource(session), erp, settings_for(DE)).run()
		assert failing.failures[0].record_kind == "fba_marketplace" and failing.failures[0].amazon_id == DE
		assert erp.fba_warehouse[gone] == 4.0
		sim.configure_faults({})
		FbaInventorySync(SpApiSource(session), erp, settings_for(DE)).run()
		assert erp.fba_warehouse[gone] == 0
		assert erp.fba_warehouse.get(sku, 0) == pool(sim, DE)[sku]["inventoryDetails"]["fulfillableQuantity"]


class _Source:
	def __init__(self, summaries):
		self.summaries = summaries

	def get_inventory_summaries(self, marketplace_id):
		return self.summaries.get(marketplace_id, [])

	def stats(self):
		return {}


def test_bad_and_unmapped_skus_are_named_and_the_others_mirror():
	summaries = {
		DE: [
			{"sellerSku": "GOOD", "inventoryDetails": {"fulfillableQuantity": 5}},
			{"sellerSku": "NO-DETAILS", "totalQuantity": 3},
			{"sellerSku": "UNMAPPED", "inventoryDetails": {"fulfillableQuantity": 2}},
		]
	}
	erp = PreviewErp("x")
	erp.item_map[(DE, "GOOD")] = "ITEM-GOOD"
	erp.item_map[(DE, "NO-DETAILS")] = "ITEM-ND"
	erp.fba_warehouse["ITEM-ND"] = 8.0
	report = FbaInventorySync(_Source(summaries), erp, settings_for(DE)).run()
	assert erp.fba_warehouse == {"ITEM-GOOD": 5.0, "ITEM-ND": 8.0}  # an unreadable SKU keeps its stock
	failed = {f.amazon_id: f.reason for f in report.failures}
	assert set(failed) == {"NO-DETAILS", "UNMAPPED"}
	assert "no ERPNext Item" in failed["UNMAPPED"] and "inventoryDetails missing" in failed["NO-DETAILS"]


def test_an_item_the_erp_refuses_is_named_and_the_rest_applies():
	class Refusing(PreviewErp):
		def reconcile_fba_stock(self, changes):
			result = super().reconcile_fba_stock([c for c in changes if c.item_code != "B"])
			result.failed["B"] = "no valuation rate for B"
			return result

	erp = Refusing("x")
	erp.item_map.update({(DE, "A"): "A", (DE, "B"): "B"})
	summaries = {DE: [{"sellerSku": s, "inventoryDetails": {"fulfillableQuantity": 2}} for s in "AB"]}
	report = FbaInventorySync(_Source(summaries), erp, settings_for(DE)).run()
	assert erp.fba_warehouse == {"A": 2.0}
	assert [(f.amazon_id, f.reason) for f in report.failures] == [("B", "no valuation rate for B")]
	assert report.counts["updated"] == 1
