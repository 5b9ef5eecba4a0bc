"""Stock feeds across runs: a run submits its JSON_LISTINGS_FEED and returns; a later run reads the
feed's report. Slow feeds, changes made while a feed is processing, feeds Amazon finishes out of
order, refused SKUs, FATAL feeds, feeds given up (cancelled on Amazon, or still read when Amazon
is already processing them), runs that die around createFeed, and throttling, against the simulator (whose clock the
tests move: Amazon's processing takes 90 s there unless a test says otherwise)."""

from __future__ import annotations

from datetime import date

import pytest

from amazon_connector.core.engine.feeds_in_flight import FeedsInFlight
from amazon_connector.core.engine.stock_push import KIND, StockPush
from amazon_connector.core.preview import PreviewErp
from amazon_connector.core.settings import MarketplaceConfig, SyncSettings
from amazon_connector.simulator import generate_world
from amazon_connector.simulator.connect import account_config, scaled_clock
from amazon_connector.spapi.client import SpApiSession
from amazon_connector.spapi.source import SpApiSource
from amazon_connector.spapi.throttle import ThrottleRegistry

US, DE = "ATVPDKIKX0DER", "A1PA6795UKMFR9"
FEED_SECONDS = 90  # the report delays below: 30 s in Amazon's queue, 60 s processing


@pytest.fixture(scope="module")
def world():
	return generate_world(seed=15, orders=40, marketplaces="US,DE")


@pytest.fixture
def sim(make_simulator, world):
	# Real-time scale: a feed finishes only when the test moves Amazon's clock past it.
	return make_simulator(world, time_scale=1.0, report_delays=(30.0, 60.0))


@pytest.fixture
def source(sim):
	clock, sleep = scaled_clock(sim.clock.time_scale)
	account = account_config(sim.account, sim.base_url, "Stock Seller")
	with SpApiSession(account, clock=clock, sleep=sleep, throttle=ThrottleRegistry()) as session:
		yield SpApiSource(session)


def merchant_skus(sim, marketplace_id) -> list[str]:
	return sorted(
		r["seller-sku"] for r in sim.world.listings[marketplace_id] if r["fulfillment-channel"] == "DEFAULT"
	)


def erp_for(sim, marketplace_ids=(US,)) -> PreviewErp:
	erp = PreviewErp("Stock Seller")
	for marketplace_id in marketplace_ids:
		for index, sku in enumerate(merchant_skus(sim, marketplace_id)):
			erp.merchant_listings[(marketplace_id, sku)] = {
				"item_code": sku,
				"available": 20 + index,
				"last_pushed": None,
			}
	return erp


def push(sim, source, erp, **extra):
	settings = SyncSettings(
		account_key="Stock Seller",
		after_date=date(2026, 1, 1),
		marketplaces=(MarketplaceConfig(US), MarketplaceConfig(DE)),
		seller_id=sim.world.seller_id,
		extra={"stock_patch_limit": 2, **extra},  # more than two changes go as a feed
	)
	return StockPush(source, erp, settings, now=sim.clock.now).run()


def amazon(sim, erp) -> dict:
	return {key: sim.listings_push.quantity(*key) for key in erp.merchant_listings}


def available(erp) -> dict:
	return {key: entry["available"] for key, entry in erp.merchant_listings.items()}


def confirmed(erp) -> dict:
	return {key: entry["last_pushed"] for key, entry in erp.merchant_listings.items()}


def calls(source, operation) -> int:
	return source.stats()["calls"].get(operation, 0)


def in_flight(erp) -> FeedsInFlight:
	return FeedsInFlight.load(erp, KIND)


def test_a_run_submits_the_feed_and_a_later_run_reads_its_report(sim, source):
	erp = erp_for(sim, (US, DE))
	refused = sorted(erp.merchant_listings)[2][1]
	sim.listings_push.rejections[refused] = ("90220", "quantity is not allowed for this listing.")

	first = push(sim, source, erp)
	assert calls(source, "createFeed") == 2 and calls(source, "getFeed") == 0  # submitted, not waited for
	assert first.counts["submitted"] == len(erp.merchant_listings) and first.counts["updated"] == 0
	assert all(v is None for v in confirmed(erp).values())  # nothing is confirmed before Amazon's report
	assert len(in_flight(erp).unfinished_feeds()) == 2

	sim.advance_clock(FEED_SECONDS + 1)
	second = push(sim, source, erp)
	assert calls(source, "createFeed") == 2  # nothing new to send: the SKUs in flight are not sent again
	assert calls(source, "getFeed") == 2 and calls(source, "getFeedDocument") == 2
	accepted = {k: v for k, v in available(erp).items() if k[1] != refused}
	assert {k: v for k, v in confirmed(erp).items() if k[1] != refused} == accepted
	assert {k: amazon(sim, erp)[k] for k in accepted} == accepted
	failed = {f.amazon_id: f.reason for f in second.failures}
	assert set(failed) == {f"{refused} ({m})" for m, s in erp.merchant_listings if s == refused}
	assert all("90220: quantity is not allowed" in reason for reason in failed.values())
	for key in ((m, s) for m, s in erp.merchant_listings if s == refused):
		assert erp.merchant_listings[key]["last_pushed"] is None
		assert "quantity is not allowed" in erp.merchant_listings[key]["rejected"]
	assert in_flight(erp).unfinished_feeds() == []
	assert second.counts["updated"] == len(accepted)

	# The refused SKUs are tried again; once Amazon takes them, everything agrees.
	del sim.listings_push.rejections[refused]
	push(sim, source, erp)  # two SKUs (one per marketplace) go as patches
	assert confirmed(erp) == available(erp) == amazon(sim, erp)


def test_a_slow_feed_is_waited_for_across_runs_and_not_sent_again(sim, source):
	erp = erp_for(sim)
	sim.listings_push.feed_seconds = [600]  # ten minutes of Amazon's processing
	push(sim, source, erp)
	for _ in range(2):  # two 5-minute ticks while Amazon is still processing
		sim.advance_clock(290)
		report = push(sim, source, erp)
		assert report.counts["updated"] == 0 and report.failed == 0
		assert calls(source, "createFeed") == 1 and calls(source, "getFeedDocument") == 0
		assert all(v is None for v in confirmed(erp).values())
	sim.advance_clock(30)
	assert push(sim, source, erp).counts["updated"] == len(erp.merchant_listings)
	assert confirmed(erp) == available(erp) == amazon(sim, erp)


def test_a_change_made_while_a_feed_processes_goes_in_a_newer_feed(sim, source):
	erp = erp_for(sim)
	first_values = available(erp)
	push(sim, source, erp)
	sim.advance_clock(20)  # the first feed is still in Amazon's queue
	moved = sorted(erp.merchant_listings)[:4]
	for key in moved:
		erp.merchant_listings[key]["available"] -= 3
	second = push(sim, source, erp)
	assert calls(source, "createFeed") == 2 and second.counts["submitted"] == len(moved)
	newer = in_flight(erp).unfinished_feeds()[-1]
	assert sorted(i.key for i in newer.items) == moved  # only what changed since the first feed

	sim.advance_clock(FEED_SECONDS - 10)  # the first feed is done, the second is not
	third = push(sim, source, erp)
	assert calls(source, "createFeed") == 2  # the SKUs of the second feed are in flight: not sent again
	untouched = {k: v for k, v in first_values.items() if k not in moved}
	assert {k: v for k, v in confirmed(erp).items() if k not in moved} == untouched
	# The first feed carried an older quantity of the moved SKUs: it never becomes their confirmed one.
	assert all(erp.merchant_listings[k]["last_pushed"] is None for k in moved)
	assert third.counts["updated"] == len(untouched)

	sim.advance_clock(30)
	push(sim, source, erp)
	assert confirmed(erp) == available(erp) == amazon(sim, erp)
	assert in_flight(erp).state()["submissions"] == []


def test_an_older_feed_finishing_last_does_not_win(sim, source):
	erp = erp_for(sim)
	keys = sorted(erp.merchant_listings)
	sim.listings_push.feed_seconds = [600, 60]  # the first feed is slow, the second quick
	push(sim, source, erp)
	sim.advance_clock(10)
	for key in keys[:3]:
		erp.merchant_listings[key]["available"] = 1
	push(sim, source, erp)
	sim.advance_clock(70)  # the newer feed is done, the older one is not
	push(sim, source, erp)
	assert {k: erp.merchant_listings[k]["last_pushed"] for k in keys[:3]} == dict.fromkeys(keys[:3], 1)

	sim.advance_clock(600)  # now Amazon finishes the older feed, after the newer one
	assert {k: amazon(sim, erp)[k] for k in keys[:3]} != dict.fromkeys(keys[:3], 1)  # Amazon went back
	report = push(sim, source, erp)
	# The older feed's quantity is never taken as the confirmed one, and the newest is sent again.
	assert {k: erp.merchant_listings[k]["last_pushed"] for k in keys[:3]} == dict.fromkeys(keys[:3], 1)
	assert any("3 to send again" in m for m in report.messages), report.messages
	assert calls(source, "createFeed") == 3  # the three go again as one feed
	sim.advance_clock(FEED_SECONDS + 1)
	push(sim, source, erp)
	assert confirmed(erp) == available(erp) == amazon(sim, erp)
	assert in_flight(erp).state() == {"seq": 3, "submissions": [], "resend": []}


def test_a_patch_overtaking_a_feed_is_sent_again_after_the_feed(sim, source):
	erp = erp_for(sim)
	key = sorted(erp.merchant_listings)[0]
	push(sim, source, erp)
	erp.merchant_listings[key]["available"] = 2
	push(sim, source, erp)  # one change: a patch, applied by Amazon at once
	assert calls(source, "patchListingsItem") == 1 and erp.merchant_listings[key]["last_pushed"] == 2
	sim.advance_clock(FEED_SECONDS + 1)  # the feed, with the older quantity, is applied after the patch
	push(sim, source, erp)
	assert erp.merchant_listings[key]["last_pushed"] == 2  # not the feed's older quantity
	assert calls(source, "patchListingsItem") == 2  # and the newest went again
	assert confirmed(erp) == available(erp) == amazon(sim, erp)


def test_a_fatal_feed_is_named_and_sent_again(sim, source):
	erp = erp_for(sim)
	sim.listings_push.fail_feeds = 1
	push(sim, source, erp)
	sim.advance_clock(FEED_SECONDS + 1)
	report = push(sim, source, erp)
	assert report.failed == len(erp.merchant_listings)
	assert {f.amazon_id for f in report.failures} == {f"{s} ({m})" for m, s in erp.merchant_listings}
	assert all("ended FATAL" in f.reason and "Submit it again" in f.reason for f in report.failures)
	assert sim.listings_push.applied == [] and all(v is None for v in confirmed(erp).values())
	assert calls(source, "createFeed") == 2  # sent again in the same run
	sim.advance_clock(FEED_SECONDS + 1)
	assert push(sim, source, erp).failed == 0
	assert confirmed(erp) == available(erp) == amazon(sim, erp)


def test_a_feed_still_queued_at_the_deadline_is_cancelled_on_amazon_and_sent_again(sim, source):
	erp = erp_for(sim)
	sim.listings_push.feed_seconds = [10**6]  # a third of it in Amazon's queue
	push(sim, source, erp, feed_deadline=1800)
	(stuck,) = in_flight(erp).unfinished_feeds()
	sim.advance_clock(1500)
	assert push(sim, source, erp, feed_deadline=1800).failed == 0 and calls(source, "cancelFeed") == 0
	sim.advance_clock(400)
	report = push(sim, source, erp, feed_deadline=1800)
	assert calls(source, "cancelFeed") == 1
	assert report.failed == len(erp.merchant_listings)
	assert all(
		"had not finished feed" in f.reason and "cancelled on Amazon" in f.reason for f in report.failures
	)
	assert calls(source, "createFeed") == 2  # its SKUs go again in the same run
	assert source.get_feed_status(stuck.feed_id).status == "CANCELLED"
	sim.advance_clock(FEED_SECONDS + 1)
	push(sim, source, erp, feed_deadline=1800)
	assert confirmed(erp) == available(erp) == amazon(sim, erp)
	sim.advance_clock(10**6)  # the cancelled feed is never applied
	assert amazon(sim, erp) == available(erp) and len(sim.listings_push.applied) == len(erp.merchant_listings)


def test_a_feed_amazon_is_processing_at_the_deadline_is_sent_again_and_still_read(sim, source):
	erp = erp_for(sim)
	keys = sorted(erp.merchant_listings)
	sim.listings_push.feed_seconds = [3000, 60]  # 1000 s in the queue, then processing until 3000 s
	push(sim, source, erp, feed_deadline=1800)
	sim.advance_clock(1900)  # IN_PROGRESS: Amazon no longer cancels it
	for key in keys[:2]:
		erp.merchant_listings[key]["available"] = 0
	report = push(sim, source, erp, feed_deadline=1800)
	assert calls(source, "cancelFeed") == 0
	assert any("read until it ends" in m for m in report.messages), report.messages
	assert calls(source, "createFeed") == 2 and report.counts["submitted"] == len(keys)
	sim.advance_clock(70)
	push(sim, source, erp, feed_deadline=1800)  # the newer feed is confirmed
	assert confirmed(erp) == available(erp)
	assert len(in_flight(erp).unfinished_feeds()) == 1  # the old one is still read

	sim.advance_clock(1200)  # Amazon finishes the old feed last: it set its older quantities
	assert {k for k, v in amazon(sim, erp).items() if v != available(erp)[k]} == set(keys[:2])
	late = push(sim, source, erp, feed_deadline=1800)
	# The two whose quantity changed since go again; the others Amazon got twice with one value.
	assert any("2 to send again" in m for m in late.messages), late.messages
	sim.advance_clock(FEED_SECONDS + 1)
	push(sim, source, erp, feed_deadline=1800)
	assert confirmed(erp) == available(erp) == amazon(sim, erp)
	assert in_flight(erp).state()["submissions"] == []


class Killed(BaseException):
	"""The worker dies here: no `except Exception` runs, nothing after it is saved."""


class DiesAfterCreateFeed(SpApiSource):
	def create_feed(self, document_id, marketplace_ids):
		super().create_feed(document_id, marketplace_ids)  # Amazon has the feed ...
		raise Killed  # ... and the run never hears of it


class DiesBeforeCreateFeed(SpApiSource):
	def create_feed(self, document_id, marketplace_ids):
		raise Killed


def test_a_run_killed_after_createfeed_reads_the_feed_amazon_made(sim, source):
	erp = erp_for(sim)
	with pytest.raises(Killed):
		push(sim, DiesAfterCreateFeed(source.session), erp)
	(orphan,) = in_flight(erp).unfinished_feeds()
	assert not orphan.feed_id and orphan.document_id
	sim.advance_clock(20)
	push(sim, source, erp)
	assert calls(source, "getFeeds") == 1 and calls(source, "createFeed") == 1  # not sent twice
	(found,) = in_flight(erp).unfinished_feeds()
	assert len(found.candidates) == 1
	assert source.get_feed_status(found.candidates[0]).status == "IN_QUEUE"
	sim.advance_clock(FEED_SECONDS)
	report = push(sim, source, erp)
	assert any("may be feed" in m for m in report.messages), report.messages
	assert report.counts["submitted"] == len(erp.merchant_listings)  # confirmed only by a feed of its own
	sim.advance_clock(FEED_SECONDS + 1)
	push(sim, source, erp)
	assert confirmed(erp) == available(erp) == amazon(sim, erp)
	assert in_flight(erp).state()["submissions"] == []


def test_a_run_killed_before_createfeed_sends_its_skus_on_the_next_run(sim, source):
	erp = erp_for(sim)
	with pytest.raises(Killed):
		push(sim, DiesBeforeCreateFeed(source.session), erp)
	assert len(in_flight(erp).unfinished_feeds()) == 1
	report = push(sim, source, erp)
	assert any("Amazon made no feed" in m for m in report.messages), report.messages
	assert calls(source, "getFeeds") == 1 and calls(source, "createFeed") == 1
	sim.advance_clock(FEED_SECONDS + 1)
	push(sim, source, erp)
	assert confirmed(erp) == available(erp) == amazon(sim, erp)


def test_createfeed_without_an_answer_is_looked_for_and_with_a_refusal_is_not(make_simulator, world):
	sim = make_simulator(
		world,
		time_scale=1.0,
		report_delays=(30.0, 60.0),
		faults={"script": [{"operation": "createFeed", "fault": "server_error", "count": 20}]},
	)
	clock, sleep = scaled_clock(600.0)
	account = account_config(sim.account, sim.base_url, "Stock Seller")
	with SpApiSession(account, clock=clock, sleep=sleep, throttle=ThrottleRegistry()) as session:
		source = SpApiSource(session)
		erp = erp_for(sim)
		report = push(sim, source, erp)
		assert any("got no answer" in m for m in report.messages), report.messages
		assert len(in_flight(erp).unfinished_feeds()) == 1  # Amazon may have made it: kept
		sim.configure_faults({})
		again = push(sim, source, erp)
		assert any("Amazon made no feed" in m for m in again.messages), again.messages
		sim.advance_clock(FEED_SECONDS + 1)
		push(sim, source, erp)
		assert confirmed(erp) == available(erp) == amazon(sim, erp)


def test_throttled_feed_calls_are_retried(make_simulator, world):
	sim = make_simulator(
		world,
		time_scale=1.0,
		report_delays=(30.0, 60.0),
		faults={
			"script": [
				{"operation": "createFeed", "fault": "throttle", "count": 2},
				{"operation": "getFeed", "fault": "throttle", "count": 1},
				{"operation": "getFeedDocument", "fault": "throttle", "count": 1},
			]
		},
	)
	clock, sleep = scaled_clock(600.0)  # the client's backoff passes quickly; Amazon's clock is the test's
	account = account_config(sim.account, sim.base_url, "Stock Seller")
	with SpApiSession(account, clock=clock, sleep=sleep, throttle=ThrottleRegistry()) as session:
		source = SpApiSource(session)
		erp = erp_for(sim)
		assert push(sim, source, erp).failed == 0
		sim.advance_clock(FEED_SECONDS + 1)
		report = push(sim, source, erp)
		assert report.failed == 0, report.failures
		throttled = sim.stats()["throttled"]
		assert (throttled["createFeed"], throttled["getFeed"], throttled["getFeedDocument"]) == (2, 1, 1)
		assert calls(source, "createFeed") == 3  # one feed: its call and the two throttled tries
		assert len(sim.listings_push.applied) == len(erp.merchant_listings)  # each SKU once
		assert confirmed(erp) == available(erp) == amazon(sim, erp)


def test_feeds_keep_to_createfeeds_usage_plan(make_simulator, world):
	"""More feeds than createFeed's burst within minutes: the client waits out Amazon's rate (one
	every 120 s after 15) instead of being throttled."""
	sim = make_simulator(world, limits=True, time_scale=60.0, report_delays=(30.0, 60.0))
	clock, sleep = scaled_clock(60.0)
	account = account_config(sim.account, sim.base_url, "Stock Seller")
	with SpApiSession(account, clock=clock, sleep=sleep, throttle=ThrottleRegistry()) as session:
		source = SpApiSource(session)
		erp = erp_for(sim)
		for run in range(17):  # a feed a run, each with every SKU at a new quantity
			for entry in erp.merchant_listings.values():
				entry["available"] = 100 + run
			assert push(sim, source, erp).failed == 0
		assert calls(source, "createFeed") == 17
		assert sim.stats()["throttled"].get("createFeed", 0) == 0
		assert session.stats()["throttle_wait_seconds"] > 0
