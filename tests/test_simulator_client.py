"""python-amazon-sp-api (the library the app uses) works against the simulator, operation by operation."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fixtures_simulator import sp_api_client

US = "ATVPDKIKX0DER"
REPO = Path(__file__).resolve().parent.parent


def test_sellers_and_orders_with_pagination(simulator, sim_world):
	from sp_api.api import OrdersV20260101, Sellers

	participations = sp_api_client(simulator, Sellers).get_marketplace_participation().payload
	assert len(participations) == len(sim_world["account"]["marketplaces"])
	orders = sp_api_client(simulator, OrdersV20260101)
	params = {"createdAfter": "2000-01-01T00:00:00Z", "marketplaceIds": [US], "includedData": ["PROCEEDS", "FULFILLMENT"],
		"maxResultsPerPage": 10}  # fmt: skip
	seen = []
	response = orders.search_orders(**params)
	while True:
		seen += [o["orderId"] for o in response.payload["orders"]]
		if not response.next_token:
			break
		response = orders.search_orders(**params, paginationToken=response.next_token)
	expected = [o["orderId"] for o in sim_world["orders"] if o["salesChannel"]["marketplaceId"] == US]
	assert sorted(seen) == sorted(expected)
	assert response.rate_limit is not None
	one = orders.get_order(expected[0], includedData=["PROCEEDS"]).payload["order"]
	assert one["orderId"] == expected[0]


def test_finances_pages(make_simulator, sim_world):
	from sp_api.api import Finances

	simulator = make_simulator(time_scale=1.0)  # a slow clock: the visibility cut-off must not move
	finances = sp_api_client(simulator, Finances)
	first = min(e["PostedDate"] for events in sim_world["financialEvents"].values() for e in events)
	response = finances.list_financial_events(PostedAfter=first, MaxResultsPerPage=25)
	shipments = []
	while True:
		shipments += response.payload["FinancialEvents"]["ShipmentEventList"]
		if not response.next_token:
			break
		response = finances.list_financial_events(NextToken=response.next_token)
	cutoff = (simulator.now() - timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
	visible = [e for e in sim_world["financialEvents"]["ShipmentEventList"] if e["PostedDate"] < cutoff]
	assert len(shipments) == len(visible) > 25
	order_id = visible[0]["AmazonOrderId"]
	by_order = finances.get_financial_events_for_order(order_id).payload["FinancialEvents"]
	assert [e["AmazonOrderId"] for e in by_order["ShipmentEventList"]] == [order_id]


def test_catalog_and_listings(simulator, sim_world):
	from sp_api.api import CatalogItems, ListingsItems

	catalog = sp_api_client(simulator, CatalogItems, version="2022-04-01")
	asins = [row["asin1"] for row in sim_world["listings"][US]][:20]
	response = catalog.search_catalog_items(identifiers=asins, identifiersType="ASIN", marketplaceIds=[US],
		includedData=["summaries", "identifiers"], pageSize=20)  # fmt: skip
	assert {item["asin"] for item in response.payload["items"]} == set(asins)
	item = catalog.get_catalog_item(asins[0], marketplaceIds=[US], includedData=["summaries"]).payload
	assert item["asin"] == asins[0]
	listings = sp_api_client(simulator, ListingsItems)
	row = sim_world["listings"][US][0]
	got = listings.get_listings_item(simulator.account["seller_id"], row["seller-sku"], marketplaceIds=[US],
		includedData=["summaries", "offers"]).payload  # fmt: skip
	assert got["sku"] == row["seller-sku"] and got["summaries"][0]["asin"] == row["asin1"]


def test_restricted_data_token_unlocks_addresses(simulator, sim_world):
	from sp_api.api import OrdersV20260101, Tokens

	order = next(
		o for o in sim_world["orders"] if "recipient" in o and o["salesChannel"]["marketplaceId"] == US
	)
	rdt = (
		sp_api_client(simulator, Tokens)
		.create_restricted_data_token(
			restrictedResources=[
				{
					"method": "GET",
					"path": f"/orders/2026-01-01/orders/{order['orderId']}",
					"dataElements": ["buyerInfo", "shippingAddress"],
				}
			]  # fmt: skip
		)
		.payload["restrictedDataToken"]
	)
	orders = sp_api_client(simulator, OrdersV20260101, restricted_data_token=rdt)
	served = orders.get_order(order["orderId"], includedData=["RECIPIENT"]).payload["order"]
	assert served["recipient"] == order["recipient"]


def test_throttling_raises_the_librarys_exception(make_simulator):
	from sp_api.api import Sellers
	from sp_api.base.exceptions import SellingApiRequestThrottledException

	sim = make_simulator(limits=True, time_scale=1.0)
	sellers = sp_api_client(sim, Sellers)
	with pytest.raises(SellingApiRequestThrottledException):
		for _ in range(50):
			sellers.get_marketplace_participation()


def test_command_line_prints_its_url_and_serves(tmp_path):
	world_file = tmp_path / "world.json"
	process = subprocess.Popen(
		[
			sys.executable,
			"-m",
			"amazon_connector.simulator",
			"--generate",
			"--orders",
			"15",
			"--seed",
			"4",
			"--start",
			"2025-01-01",
			"--end",
			"2025-02-01",
			"--marketplaces",
			"US,JP",
			"--write-world",
			str(world_file),
			"--port",
			"0",
			"--no-limits",
		],  # fmt: skip
		cwd=REPO,
		stdout=subprocess.PIPE,
		text=True,
	)
	try:
		url = process.stdout.readline().strip()
		assert url.startswith("http://127.0.0.1:")
		answer = httpx.post(f"{url}/auth/o2/token", data={"grant_type": "refresh_token", "client_id": "sim-client-4",
			"client_secret": "sim-client-secret-4", "refresh_token": "sim-refresh-token-4"})  # fmt: skip
		assert answer.status_code == 200
		assert world_file.exists() and '"orderId"' in world_file.read_text(encoding="utf-8")
	finally:
		process.terminate()
		process.wait(timeout=10)


def test_command_line_rejects_a_bad_world(tmp_path):
	bad = tmp_path / "bad.json"
	bad.write_text('{"orders": [{"orderId": "111-1"}]}', encoding="utf-8")
	result = subprocess.run([sys.executable, "-m", "amazon_connector.simulator", "--world", str(bad), "--port", "0"],
		cwd=REPO, capture_output=True, text=True, timeout=30)  # fmt: skip
	assert result.returncode == 2
	assert "111-1" in result.stderr and "account" in result.stderr
