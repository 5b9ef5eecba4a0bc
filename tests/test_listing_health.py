"""Listings health: Amazon's summaries and issues mapped to five statuses (both of Amazon's shapes:
with and without a summary, issues with and without enforcements, exempt or not), and the check
against the simulator: one getListingsItem per listing with summaries and issues only, oldest
checked first within a batch, a SKU Amazon no longer has is Ended, and the simulator's answers
are valid against the Listings Items model."""

from __future__ import annotations

from datetime import date

import httpx
import jsonschema
import pytest
from fixtures_simulator import paced_session

from amazon_connector.core.engine.listing_health import ListingHealthCheck
from amazon_connector.core.mapping.listing_health import listing_health
from amazon_connector.core.preview import PreviewErp
from amazon_connector.core.settings import MarketplaceConfig, SyncSettings
from amazon_connector.simulator import generate_world
from amazon_connector.simulator.listing_issues import issue
from amazon_connector.spapi.source import SpApiSource

US = "ATVPDKIKX0DER"
MODEL = "listings-items-2021-08-01.json"


def item(statuses, *issues, summary=True):
	found = {"sku": "SKU-1", "issues": list(issues)}
	found["summaries"] = (
		[{"marketplaceId": US, "asin": "B000000001", "status": list(statuses)}] if summary else []
	)
	return found


MISSING_BRAND = issue("90220", "'brand' is required but not supplied.", attributes=("brand",))
APPROVAL = issue(
	"8572", "You need approval to list in this category.", categories=("QUALIFICATION_REQUIRED",)
)
SUPPRESSED = issue(
	"18027", "The main image does not meet Amazon's requirements.", "WARNING",
	categories=("INVALID_IMAGE",), enforcement="LISTING_SUPPRESSED",
)  # fmt: skip
EXEMPTED = issue(
	"18027", "The main image does not meet Amazon's requirements.", "WARNING",
	categories=("INVALID_IMAGE",), enforcement="LISTING_SUPPRESSED", exemption="EXEMPT_UNTIL_EXPIRY_DATE",
)  # fmt: skip
REMOVED = issue(
	"5665", "The ASIN is no longer available.", "ERROR", categories=(), enforcement="CATALOG_ITEM_REMOVED"
)
PRICE_HINT = issue(
	"99300", "Your price is higher than the featured offer.", "WARNING", categories=("INVALID_PRICE",)
)


@pytest.mark.parametrize(
	"listing, status",
	[
		(None, "Ended"),  # Amazon answered 404
		(item(["BUYABLE", "DISCOVERABLE"]), "Active"),
		(item(["BUYABLE", "DISCOVERABLE"], PRICE_HINT), "Active"),  # a warning to look at, still sold
		(item(["DISCOVERABLE"]), "Inactive"),  # out of stock, closed: nothing for the seller to fix
		(item([], summary=False), "Inactive"),  # no summary yet, no error
		(item(["DISCOVERABLE"], MISSING_BRAND), "Incomplete"),
		(item([], MISSING_BRAND, summary=False), "Incomplete"),
		(item(["DISCOVERABLE"], SUPPRESSED), "Incomplete"),  # suppressed by Amazon
		(item(["DISCOVERABLE"], EXEMPTED), "Inactive"),  # the enforcement is not in force
		(item(["DISCOVERABLE"], APPROVAL, MISSING_BRAND), "Ineligible"),
		(item(["DISCOVERABLE"], REMOVED), "Ended"),
	],
)
def test_amazons_statuses_and_issues_name_the_listings_health(listing, status):
	assert listing_health(listing, US).status == status


def test_the_issues_are_listed_with_amazons_words():
	health = listing_health(item(["DISCOVERABLE"], MISSING_BRAND, SUPPRESSED), US)
	assert health.issues_text().splitlines() == [
		"ERROR 90220 (MISSING_ATTRIBUTE): 'brand' is required but not supplied. [brand]",
		"WARNING 18027 (INVALID_IMAGE, LISTING_SUPPRESSED): The main image does not meet Amazon's requirements.",
	]
	assert health.amazon_statuses == ("DISCOVERABLE",)


def test_a_summary_of_another_marketplace_is_not_this_ones():
	other = {"sku": "S", "summaries": [{"marketplaceId": "A1PA6795UKMFR9", "status": ["BUYABLE"]}]}
	assert listing_health(other, US).status == "Inactive"


# -- against the simulator -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def world():
	return generate_world(seed=29, orders=0, marketplaces="US")


@pytest.fixture
def sim(make_simulator, world):
	return make_simulator(world)


def erp_listing(sim) -> tuple[PreviewErp, list[str]]:
	erp = PreviewErp("Listing Seller")
	skus = sorted({row["seller-sku"] for row in sim.world.listings[US]})
	for sku in skus:
		erp.item_map[(US, sku)] = sku
	return erp, skus


def check(sim, erp, **extra):
	settings = SyncSettings(
		account_key="Listing Seller",
		after_date=date(2026, 1, 1),
		marketplaces=(MarketplaceConfig(US),),
		seller_id=sim.world.seller_id,
		extra=extra,
	)
	with paced_session(sim, "Listing Seller") as session:
		return ListingHealthCheck(SpApiSource(session), erp, settings).run()


def test_each_listing_gets_amazons_status_and_issues(sim):
	erp, skus = erp_listing(sim)
	active = [r["seller-sku"] for r in sim.world.listings[US] if r.get("status", "").lower() == "active"]
	incomplete, ineligible, unsummarised, ended = active[:4]
	sim.listing_issues.set(incomplete, [MISSING_BRAND])
	sim.listing_issues.set(ineligible, [APPROVAL])
	sim.listing_issues.set(unsummarised, [MISSING_BRAND], summary=False)
	sim.world.listings[US] = [
		r for r in sim.world.listings[US] if r["seller-sku"] != ended
	]  # gone from Amazon
	report = check(sim, erp)
	assert report.api_calls == {"getListingsItem": len(skus)}
	status = {sku: h.status for (_, sku), h in erp.listing_health.items()}
	assert status[incomplete] == "Incomplete" and status[unsummarised] == "Incomplete"
	assert status[ineligible] == "Ineligible"
	assert status[ended] == "Ended"
	expected_active = {s for s in active if s not in (incomplete, ineligible, unsummarised, ended)}
	assert {s for s, v in status.items() if v == "Active"} == expected_active
	assert {s for s, v in status.items() if v == "Inactive"} == set(skus) - set(active)
	assert "'brand' is required" in erp.listing_health[(US, incomplete)].issues_text()
	assert not report.failures
	assert any(e["sku"] == ineligible and e["status"] == "Ineligible" for e in report.events)


def test_a_batch_checks_the_listings_checked_longest_ago_first(sim):
	erp, skus = erp_listing(sim)
	first = check(sim, erp, listing_health_batch=3)
	assert first.api_calls == {"getListingsItem": 3}
	assert [sku for _, sku in erp.listing_health] == skus[:3]
	check(sim, erp, listing_health_batch=len(skus))  # the rest, then the first three again
	assert [sku for _, sku in erp.listing_health][-3:] == skus[:3]


def test_amazon_busy_ends_the_run_early_and_the_next_run_goes_on(make_simulator, world):
	sim = make_simulator(
		world, faults={"script": [{"operation": "getListingsItem", "fault": "throttle", "count": 40}]}
	)
	erp, skus = erp_listing(sim)
	report = check(sim, erp)
	assert report.counts["failed"] == 1 and "next run goes on" in " ".join(report.messages)
	assert not erp.listing_health
	sim.faults.script.clear()
	check(sim, erp)
	assert len(erp.listing_health) == len(skus)


def test_the_simulators_answers_match_the_model(sim, load_model):
	model = load_model(MODEL)
	operation = model["paths"]["/listings/2021-08-01/items/{sellerId}/{sku}"]["get"]
	rows = sim.world.listings[US]
	plain, suppressed, unsummarised = (r["seller-sku"] for r in rows[:3])
	sim.listing_issues.set(suppressed, [SUPPRESSED, MISSING_BRAND])
	sim.listing_issues.set(unsummarised, [APPROVAL], summary=False)
	headers = {"x-amz-access-token": sim.access_token()}
	ok = dict(operation["responses"]["200"]["schema"], definitions=model["definitions"])
	for sku in (plain, suppressed, unsummarised):
		answer = httpx.get(
			f"{sim.base_url}/listings/2021-08-01/items/{sim.world.seller_id}/{sku}",
			params={"marketplaceIds": US, "includedData": "summaries,issues"},
			headers=headers,
		)
		assert answer.status_code == 200
		jsonschema.Draft4Validator(ok).validate(answer.json())
	suppressed_view = httpx.get(
		f"{sim.base_url}/listings/2021-08-01/items/{sim.world.seller_id}/{suppressed}",
		params={"marketplaceIds": US, "includedData": "summaries,issues"},
		headers=headers,
	).json()
	assert "BUYABLE" not in suppressed_view["summaries"][0]["status"]
	assert suppressed_view["issues"][0]["enforcements"]["actions"] == [{"action": "LISTING_SUPPRESSED"}]
	missing = httpx.get(
		f"{sim.base_url}/listings/2021-08-01/items/{sim.world.seller_id}/NO-SUCH-SKU",
		params={"marketplaceIds": US, "includedData": "summaries,issues"},
		headers=headers,
	)
	assert missing.status_code == 404
	error = dict(operation["responses"]["404"]["schema"], definitions=model["definitions"])
	jsonschema.Draft4Validator(error).validate(missing.json())
