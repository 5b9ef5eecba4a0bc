"""Price feeds across runs, as the stock feeds: a run submits its JSON_LISTINGS_FEED of offer prices
and returns; a later run reads the report. A price changed while its feed is processing, an older
feed Amazon finishes last, a price Amazon refuses in a feed, a FATAL feed and a run that dies after
createFeed, against the simulator (whose clock the tests move: a feed takes 90 s there unless a
test says otherwise)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from amazon_connector.core.engine.feeds_in_flight import FeedsInFlight
from amazon_connector.core.engine.price_push import KIND, PricePush
from amazon_connector.core.preview import PreviewErp
from amazon_connector.core.settings import MarketplaceConfig, SyncSettings
from amazon_connector.simulator import generate_world
from amazon_connector.simulator.connect import account_config, scaled_clock
from amazon_connector.spapi.client import SpApiSession
from amazon_connector.spapi.source import SpApiSource
from amazon_connector.spapi.throttle import ThrottleRegistry

US = "ATVPDKIKX0DER"
FEED_SECONDS = 90


class Killed(BaseException):
	"""The worker dies here: no `except Exception` runs, nothing after it is saved."""


class DiesAfterCreateFeed(SpApiSource):
	def create_feed(self, document_id, marketplace_ids):
		super().create_feed(document_id, marketplace_ids)  # Amazon has the feed ...
		raise Killed  # ... and the run never hears of it


@pytest.fixture(scope="module")
def world():
	return generate_world(seed=33, orders=0, marketplaces="US")


@pytest.fixture
def sim(make_simulator, world):
	return make_simulator(world, time_scale=1.0, report_delays=(30.0, 60.0))


@pytest.fixture
def session(sim):
	clock, sleep = scaled_clock(sim.clock.time_scale)
	account = account_config(sim.account, sim.base_url, "Price Seller")
	with SpApiSession(account, clock=clock, sleep=sleep, throttle=ThrottleRegistry()) as session:
		yield session


@pytest.fixture
def source(session):
	return SpApiSource(session)


def erp_for(sim) -> PreviewErp:
	erp = PreviewErp("Price Seller")
	for index, row in enumerate(sorted(sim.world.listings[US], key=lambda r: r["seller-sku"])):
		erp.offer_price_list[(US, row["seller-sku"])] = {
			"item_code": row["seller-sku"],
			"price": Decimal("10.00") + index,
			"currency": "USD",
			"last_pushed": None,
		}
	return erp


def push(sim, source, erp, **extra):
	settings = SyncSettings(
		account_key="Price Seller",
		after_date=date(2026, 1, 1),
		marketplaces=(MarketplaceConfig(US, currency="USD"),),
		seller_id=sim.world.seller_id,
		extra={"stock_patch_limit": 2, **extra},  # more than two changes go as a feed
	)
	return PricePush(source, erp, settings, now=sim.clock.now).run()


def amazon(sim, erp) -> dict:
	sim.listings_push.settle()
	prices = {}
	for key in erp.offer_price_list:
		row = sim.listings_push._row(*key)
		prices[key] = Decimal(row["price"]) if row and row.get("price") else None
	return prices


def wanted(erp) -> dict:
	return {key: entry["price"] for key, entry in erp.offer_price_list.items()}


def confirmed(erp) -> dict:
	return {key: entry["last_pushed"] for key, entry in erp.offer_price_list.items()}


def calls(source, operation) -> int:
	return source.stats()["calls"].get(operation, 0)


def test_a_price_changed_while_its_feed_processes_goes_in_a_newer_feed(sim, source):
	erp = erp_for(sim)
	first = push(sim, source, erp)
	assert first.counts["submitted"] == len(erp.offer_price_list) and calls(source, "getFeed") == 0
	assert FeedsInFlight.load(erp, KIND).unfinished_feeds()  # kept in the price push's checkpoint
	sim.advance_clock(20)  # still in Amazon's queue
	moved = sorted(erp.offer_price_list)[:3]
	for key in moved:
		erp.offer_price_list[key]["price"] += Decimal("0.5")
	second = push(sim, source, erp)
	assert second.counts["submitted"] == 3 and calls(source, "createFeed") == 2  # only what changed
	again = push(sim, source, erp)  # nothing new: the prices in flight are not sent twice
	assert calls(source, "createFeed") == 2 and again.counts["unchanged"] == len(erp.offer_price_list)

	sim.advance_clock(FEED_SECONDS - 10)  # the first feed is done, the second is not
	third = push(sim, source, erp)
	untouched = {k: v for k, v in wanted(erp).items() if k not in moved}
	assert {k: v for k, v in confirmed(erp).items() if k not in moved} == untouched
	# The first feed carried their older price: it never becomes their accepted one.
	assert all(erp.offer_price_list[k]["last_pushed"] is None for k in moved)
	assert third.counts["updated"] == len(untouched)
	assert {e["currency"] for e in third.events} == {"USD"}

	sim.advance_clock(30)
	push(sim, source, erp)
	assert confirmed(erp) == wanted(erp) == amazon(sim, erp)
	assert FeedsInFlight.load(erp, KIND).state()["submissions"] == []


def test_an_older_price_feed_finishing_last_does_not_win(sim, source):
	erp = erp_for(sim)
	keys = sorted(erp.offer_price_list)[:3]
	sim.listings_push.feed_seconds = [600, 60]  # the first feed is slow, the second quick
	push(sim, source, erp)
	sim.advance_clock(10)
	for key in keys:
		erp.offer_price_list[key]["price"] = Decimal("99.99")
	push(sim, source, erp)
	sim.advance_clock(70)  # the newer feed is done, the older one is not
	push(sim, source, erp)
	assert {k: erp.offer_price_list[k]["last_pushed"] for k in keys} == dict.fromkeys(keys, Decimal("99.99"))

	sim.advance_clock(600)  # Amazon finishes the older feed after the newer one: it holds the old prices
	assert {k: amazon(sim, erp)[k] for k in keys} != dict.fromkeys(keys, Decimal("99.99"))
	report = push(sim, source, erp)
	assert any("3 to send again" in m for m in report.messages), report.messages
	assert calls(source, "createFeed") == 3  # the newest prices go again
	assert {k: erp.offer_price_list[k]["last_pushed"] for k in keys} == dict.fromkeys(keys, Decimal("99.99"))
	sim.advance_clock(FEED_SECONDS + 1)
	push(sim, source, erp)
	assert confirmed(erp) == wanted(erp) == amazon(sim, erp)


def test_a_price_refused_in_a_feed_is_named_on_its_item_and_a_fatal_feed_goes_again(sim, source):
	erp = erp_for(sim)
	refused = sorted(erp.offer_price_list)[1]
	sim.listings_push.rejections[refused[1]] = ("8026", "The price is outside the allowed range.")
	sim.listings_push.fail_feeds = 1
	push(sim, source, erp)
	sim.advance_clock(FEED_SECONDS + 1)
	fatal = push(sim, source, erp)  # FATAL: every price named, and all sent again at once
	assert fatal.failed == len(erp.offer_price_list)
	assert all("ended FATAL" in f.reason for f in fatal.failures)
	assert calls(source, "createFeed") == 2 and all(v is None for v in confirmed(erp).values())

	sim.advance_clock(FEED_SECONDS + 1)
	report = push(sim, source, erp)
	assert {(f.amazon_id, f.reason) for f in report.failures} == {
		(f"{refused[1]} ({US})", "8026: The price is outside the allowed range.")
	}
	assert "outside the allowed range" in erp.offer_price_list[refused]["rejected"]
	assert erp.offer_price_list[refused]["last_pushed"] is None  # tried again on the next run
	assert {k: v for k, v in confirmed(erp).items() if k != refused} == {
		k: v for k, v in wanted(erp).items() if k != refused
	}


def test_a_run_killed_after_createfeed_finds_its_feed_on_the_next_run(sim, session):
	erp = erp_for(sim)
	with pytest.raises(Killed):
		push(sim, DiesAfterCreateFeed(session), erp)
	(orphan,) = FeedsInFlight.load(erp, KIND).unfinished_feeds()
	assert orphan.feed_id == "" and orphan.document_id  # the document was kept before createFeed

	source = SpApiSource(session)
	assert calls(source, "createFeed") == 1  # the killed run's (one session: the counts go on)
	sim.advance_clock(20)  # Amazon still has the feed in its queue
	waiting = push(sim, source, erp)
	assert calls(source, "getFeeds") == 1 and calls(source, "createFeed") == 1  # found, not sent twice
	assert waiting.counts["unchanged"] == len(erp.offer_price_list)
	(found,) = FeedsInFlight.load(erp, KIND).unfinished_feeds()
	assert len(found.candidates) == 1

	# Meanwhile one price changes: it goes in a newer feed, which Amazon finishes first.
	key = sorted(erp.offer_price_list)[0]
	erp.offer_price_list[key]["price"] = Decimal("55.55")
	push(sim, source, erp)  # a patch: one change
	assert erp.offer_price_list[key]["last_pushed"] == Decimal("55.55")

	sim.advance_clock(FEED_SECONDS)  # the lost feed ends, after the patch: Amazon went back for that SKU
	assert amazon(sim, erp)[key] != Decimal("55.55")
	report = push(sim, source, erp)
	assert any("may be feed" in m for m in report.messages), report.messages
	# Which value Amazon kept is not known from the feed: every price goes again, nothing is assumed.
	assert calls(source, "createFeed") == 2 and report.counts["submitted"] == len(erp.offer_price_list)
	sim.advance_clock(FEED_SECONDS + 1)
	push(sim, source, erp)
	assert confirmed(erp) == wanted(erp) == amazon(sim, erp)
	assert FeedsInFlight.load(erp, KIND).state()["submissions"] == []
