"""Every response body the simulator serves validates against Amazon's official models.

Bodies are checked with jsonschema (draft 4, which Swagger 2.0 schemas are) against the operation's
declared response schema for the status code, resolving the model's $refs; date-time formats are checked.
"""

from __future__ import annotations

import gzip

import jsonschema
import pytest
from fixtures_simulator import SimHttp

from amazon_connector.simulator.views import INCLUDED_DATA

ORDERS = "orders-2026-01-01.json"
FINANCES = "finances-v0.json"
REPORTS = "reports-2021-06-30.json"
CATALOG = "catalog-items-2022-04-01.json"
LISTINGS = "listings-items-2021-08-01.json"
SELLERS = "sellers-v1.json"
TOKENS = "tokens-2021-03-01.json"


@pytest.fixture(scope="module")
def check(load_model):
	"""check(model_file, operation_id, response) asserts the body matches the declared schema."""

	def run(model_file: str, operation_id: str, response) -> dict:
		model = load_model(model_file)
		operation = next(
			op
			for methods in model["paths"].values()
			for method, op in methods.items()
			if method != "parameters" and op.get("operationId") == operation_id
		)
		declared = operation["responses"].get(str(response.status_code))
		assert declared is not None, f"{operation_id}: status {response.status_code} is not in the model"
		schema = dict(declared["schema"], definitions=model["definitions"])
		body = response.json()
		validator = jsonschema.Draft4Validator(
			schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
		)
		errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
		assert not errors, f"{operation_id} {response.status_code}: " + "; ".join(
			f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]
		)
		return body

	return run


def test_the_validator_rejects_a_wrong_body(check, sim_http):
	"""A guard for the guard: a body that breaks the model is caught."""

	class Fake:
		status_code = 200

		@staticmethod
		def json():
			return {"orders": [{"orderId": 5}]}

	with pytest.raises(AssertionError, match="searchOrders"):
		check(ORDERS, "searchOrders", Fake)


def test_sellers(check, sim_http):
	check(SELLERS, "getMarketplaceParticipations", sim_http.get("/sellers/v1/marketplaceParticipations"))


def test_search_orders_every_order_with_all_data(check, sim_http, simulator, sim_world):
	marketplaces = ",".join(m["marketplaceId"] for m in sim_world["account"]["marketplaces"])
	token = None
	seen = 0
	while True:
		params = {"createdAfter": "2000-01-01T00:00:00Z", "marketplaceIds": marketplaces,
			"includedData": ",".join(INCLUDED_DATA), "maxResultsPerPage": 50}  # fmt: skip
		if token:
			params["paginationToken"] = token
		body = check(ORDERS, "searchOrders", sim_http.get("/orders/2026-01-01/orders", **params))
		seen += len(body["orders"])
		token = body.get("pagination", {}).get("nextToken")
		if not token:
			break
	assert seen == len(sim_world["orders"])


def test_search_orders_with_restricted_data(check, sim_http, sim_world):
	rdt = sim_http.post(
		"/tokens/2021-03-01/restrictedDataToken",
		{
			"restrictedResources": [
				{
					"method": "GET",
					"path": "/orders/2026-01-01/orders",
					"dataElements": ["buyerInfo", "shippingAddress"],
				}
			]
		},  # fmt: skip
	).json()["restrictedDataToken"]
	response = sim_http.get(
		"/orders/2026-01-01/orders",
		token=rdt,
		createdAfter="2000-01-01T00:00:00Z",
		includedData="BUYER,RECIPIENT",
	)
	body = check(ORDERS, "searchOrders", response)
	assert any(
		"addressLine1" in (o.get("recipient") or {}).get("deliveryAddress", {}) for o in body["orders"]
	)


def test_get_order_and_its_errors(check, sim_http, sim_world):
	order_id = sim_world["orders"][0]["orderId"]
	check(
		ORDERS,
		"getOrder",
		sim_http.get(f"/orders/2026-01-01/orders/{order_id}", includedData=",".join(INCLUDED_DATA)),
	)
	check(ORDERS, "getOrder", sim_http.get("/orders/2026-01-01/orders/999-0000000-0000000"))
	check(
		ORDERS, "getOrder", sim_http.get(f"/orders/2026-01-01/orders/{order_id}", token="sim-access-unknown")
	)
	check(ORDERS, "searchOrders", sim_http.get("/orders/2026-01-01/orders"))  # 400: no createdAfter


def test_finances(check, sim_http, sim_world):
	posted = sorted(e["PostedDate"] for events in sim_world["financialEvents"].values() for e in events)
	body = check(
		FINANCES,
		"listFinancialEvents",
		sim_http.get("/finances/v0/financialEvents", PostedAfter=posted[0], MaxResultsPerPage=20),
	)
	next_token = body["payload"]["NextToken"]
	check(FINANCES, "listFinancialEvents", sim_http.get("/finances/v0/financialEvents", NextToken=next_token))
	order_id = sim_world["financialEvents"]["ShipmentEventList"][0]["AmazonOrderId"]
	check(
		FINANCES,
		"listFinancialEventsByOrderId",
		sim_http.get(f"/finances/v0/orders/{order_id}/financialEvents"),
	)
	check(FINANCES, "listFinancialEvents", sim_http.get("/finances/v0/financialEvents"))  # 400


def test_refund_and_adjustment_events_validate(check, simulator, sim_world):
	"""Refund and adjustment events of a bigger world, all pages."""
	from amazon_connector.simulator import generate_world

	world = generate_world(seed=5, orders=400, start="2025-06-01", end="2025-09-01")
	assert world["financialEvents"]["RefundEventList"] and world["financialEvents"]["AdjustmentEventList"]
	from amazon_connector.simulator import Simulator

	with Simulator(world, limits=False) as sim:
		client = SimHttp(sim)
		params = {"PostedAfter": "2025-06-01T00:00:00Z", "PostedBefore": "2025-11-01T00:00:00Z"}
		kinds = set()
		while True:
			body = check(
				FINANCES, "listFinancialEvents", client.get("/finances/v0/financialEvents", **params)
			)
			kinds |= {name for name, events in body["payload"]["FinancialEvents"].items() if events}
			if "NextToken" not in body["payload"]:
				break
			params = {"NextToken": body["payload"]["NextToken"]}
		client.close()
	assert {"ShipmentEventList", "RefundEventList", "AdjustmentEventList"} <= kinds


def test_reports(check, sim_http, simulator, sim_world):
	marketplace_id = sim_world["account"]["marketplaces"][0]["marketplaceId"]
	created = sim_http.post(
		"/reports/2021-06-30/reports",
		{"reportType": "GET_MERCHANT_LISTINGS_ALL_DATA", "marketplaceIds": [marketplace_id]},
	)
	report_id = check(REPORTS, "createReport", created)["reportId"]
	check(REPORTS, "getReport", sim_http.get(f"/reports/2021-06-30/reports/{report_id}"))
	simulator.advance_clock(3600)
	report = check(REPORTS, "getReport", sim_http.get(f"/reports/2021-06-30/reports/{report_id}"))
	assert report["processingStatus"] == "DONE"
	document = check(
		REPORTS,
		"getReportDocument",
		sim_http.get(f"/reports/2021-06-30/documents/{report['reportDocumentId']}"),
	)
	content = sim_http.client.get(document["url"]).content
	assert gzip.decompress(content).startswith(b"item-name\t")
	check(REPORTS, "getReport", sim_http.get("/reports/2021-06-30/reports/404404"))
	check(REPORTS, "createReport", sim_http.post("/reports/2021-06-30/reports", {"reportType": "GET_NOPE"}))


def test_catalog(check, sim_http, sim_world):
	marketplace_id = sim_world["account"]["marketplaces"][0]["marketplaceId"]
	asins = [item["asin"] for item in sim_world["catalogItems"]][:20]
	every = "attributes,classifications,dimensions,identifiers,images,productTypes,relationships,salesRanks,summaries"
	body = check(
		CATALOG,
		"searchCatalogItems",
		sim_http.get(
			"/catalog/2022-04-01/items",
			identifiers=",".join(asins),
			identifiersType="ASIN",
			marketplaceIds=marketplace_id,
			includedData=every,
			pageSize=20,
		),  # fmt: skip
	)
	assert body["items"]
	check(CATALOG, "getCatalogItem", sim_http.get(f"/catalog/2022-04-01/items/{asins[0]}", marketplaceIds=marketplace_id,
		includedData=every))  # fmt: skip
	check(
		CATALOG,
		"getCatalogItem",
		sim_http.get("/catalog/2022-04-01/items/B000000000", marketplaceIds=marketplace_id),
	)
	check(
		CATALOG,
		"searchCatalogItems",
		sim_http.get("/catalog/2022-04-01/items", marketplaceIds=marketplace_id),
	)


def test_listings(check, sim_http, simulator, sim_world):
	marketplace_id, rows = next(iter(sim_world["listings"].items()))
	seller = simulator.account["seller_id"]
	every = (
		"summaries,attributes,issues,offers,fulfillmentAvailability,procurement,relationships,productTypes"
	)
	for row in rows[:5]:
		check(LISTINGS, "getListingsItem", sim_http.get(f"/listings/2021-08-01/items/{seller}/{row['seller-sku']}",
			marketplaceIds=marketplace_id, includedData=every))  # fmt: skip
	check(LISTINGS, "getListingsItem", sim_http.get(f"/listings/2021-08-01/items/{seller}/NO-SUCH-SKU",
		marketplaceIds=marketplace_id))  # fmt: skip


def test_tokens(check, sim_http):
	check(TOKENS, "createRestrictedDataToken", sim_http.post("/tokens/2021-03-01/restrictedDataToken",
		{"restrictedResources": [{"method": "GET", "path": "/orders/2026-01-01/orders/{orderId}",
			"dataElements": ["buyerInfo"]}]}))  # fmt: skip
	check(TOKENS, "createRestrictedDataToken", sim_http.post("/tokens/2021-03-01/restrictedDataToken", {}))


def test_throttled_and_faulted_replies_validate(check, make_simulator, sim_world):
	# The clock runs a thousand times slower than the wall clock, so that the catalog bucket
	# (2 requests/s, burst 2) cannot refill between the three calls however slow the machine is.
	sim = make_simulator(limits=True, time_scale=0.001, faults={"script": [{"fault": "unavailable", "count": 1},
		{"fault": "server_error", "count": 1}, {"fault": "expired_token", "count": 1}]})  # fmt: skip
	client = SimHttp(sim)
	check(SELLERS, "getMarketplaceParticipations", client.get("/sellers/v1/marketplaceParticipations"))  # 503
	check(SELLERS, "getMarketplaceParticipations", client.get("/sellers/v1/marketplaceParticipations"))  # 500
	check(SELLERS, "getMarketplaceParticipations", client.get("/sellers/v1/marketplaceParticipations"))  # 403
	statuses = [
		client.get("/catalog/2022-04-01/items/B000000000", marketplaceIds="ATVPDKIKX0DER") for _ in range(3)
	]
	assert [r.status_code for r in statuses][-1] == 429
	check(CATALOG, "getCatalogItem", statuses[-1])
	client.close()
