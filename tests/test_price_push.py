"""Prices to Amazon: changed price-list prices go as purchasable_offer patches for a few SKUs and
as a JSON_LISTINGS_FEED for many (read back on the next run), only when they changed, reach the simulator's listings, and a
price Amazon refuses (or one in the wrong currency) is named with the reason, the others going."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import jsonschema
import pytest
from fixtures_simulator import paced_session

from amazon_connector.core.engine.price_push import PricePush
from amazon_connector.core.preview import PreviewErp
from amazon_connector.core.settings import MarketplaceConfig, SyncSettings
from amazon_connector.simulator import generate_world
from amazon_connector.spapi.listings_push import price_patch
from amazon_connector.spapi.source import SpApiSource

US = "ATVPDKIKX0DER"


@pytest.fixture(scope="module")
def world():
	return generate_world(seed=33, orders=0, marketplaces="US")


@pytest.fixture
def sim(make_simulator, world):
	return make_simulator(world, time_scale=600.0, report_delays=(30.0, 60.0))


def erp_with_prices(sim, count: int) -> PreviewErp:
	erp = PreviewErp("Price Seller")
	for index, row in enumerate(sorted(sim.world.listings[US], key=lambda r: r["seller-sku"])[:count]):
		erp.offer_price_list[(US, row["seller-sku"])] = {
			"item_code": row["seller-sku"],
			"price": Decimal("10.00") + index,
			"currency": "USD",
			"last_pushed": None,
		}
	return erp


def push(sim, erp, **extra):
	settings = SyncSettings(
		account_key="Price Seller",
		after_date=date(2026, 1, 1),
		marketplaces=(MarketplaceConfig(US, currency="USD"),),
		seller_id=sim.world.seller_id,
		extra={"report_poll_interval": 5, **extra},
	)
	with paced_session(sim, "Price Seller") as session:
		return PricePush(SpApiSource(session), erp, settings).run()


def sent_prices(sim) -> dict[str, Decimal]:
	return {a["sku"]: Decimal(a["price"]) for a in sim.listings_push.applied if "price" in a}


def test_changed_prices_go_as_patches_once(sim):
	erp = erp_with_prices(sim, 4)
	report = push(sim, erp)
	assert report.api_calls == {"patchListingsItem": 4}
	assert sent_prices(sim) == {sku: e["price"] for (_, sku), e in erp.offer_price_list.items()}
	again = push(sim, erp)
	assert again.api_calls == {} and again.counts["unchanged"] == 4
	# One price changes: only that SKU goes.
	key = sorted(erp.offer_price_list)[0]
	erp.offer_price_list[key]["price"] = Decimal("12.34")
	third = push(sim, erp)
	assert third.api_calls == {"patchListingsItem": 1}
	assert sent_prices(sim)[key[1]] == Decimal("12.34")


def test_many_changed_prices_go_as_one_feed(sim):
	count = len(sim.world.listings[US])
	erp = erp_with_prices(sim, count)
	report = push(sim, erp, stock_patch_limit=5)
	assert report.api_calls["createFeed"] == 1 and "patchListingsItem" not in report.api_calls
	assert report.counts["submitted"] == count and report.counts["updated"] == 0, report.failures
	assert "getFeed" not in report.api_calls  # not waited for: the next run reads its report
	sim.advance_clock(100)
	read_back = push(sim, erp, stock_patch_limit=5)
	assert read_back.api_calls == {"getFeed": 1, "getFeedDocument": 1, "downloadFeedDocument": 1}
	assert read_back.counts["updated"] == count, read_back.failures
	assert sent_prices(sim) == {sku: e["price"] for (_, sku), e in erp.offer_price_list.items()}
	assert all(e["last_pushed"] == e["price"] for e in erp.offer_price_list.values())


def test_refused_and_wrong_currency_prices_are_named_and_the_others_go(sim):
	erp = erp_with_prices(sim, 3)
	(_, refused), (_, foreign), (_, fine) = sorted(erp.offer_price_list)
	sim.listings_push.rejections[refused] = ("8026", "The price is outside the allowed range.")
	erp.offer_price_list[(US, foreign)]["currency"] = "EUR"
	report = push(sim, erp)
	reasons = {f.amazon_id: f.reason for f in report.failures}
	assert reasons[f"{refused} ({US})"] == "8026: The price is outside the allowed range."
	assert "in EUR" in reasons[f"{foreign} ({US})"]
	assert erp.offer_price_list[(US, refused)]["last_pushed"] is None  # tried again next run
	assert "outside the allowed range" in erp.offer_price_list[(US, refused)]["rejected"]
	assert set(sent_prices(sim)) == {fine}
	assert report.api_calls == {"patchListingsItem": 2}


def test_the_price_patch_is_a_listings_patch(load_model):
	model = load_model("listings-items-2021-08-01.json")
	schema = dict(model["definitions"]["ListingsItemPatchRequest"], definitions=model["definitions"])
	jsonschema.Draft4Validator(schema).validate(
		{"productType": "PRODUCT", "patches": [price_patch(US, "USD", Decimal("19.99"))]}
	)
	with pytest.raises(ValueError):
		price_patch(US, "USD", Decimal("0"))
