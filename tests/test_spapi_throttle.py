"""Pacing: calls wait for a token of their (account, operation) bucket instead of earning a 429."""

from __future__ import annotations

import threading

import pytest
from spapi_servers import FakeAmazon, FakeClock, Reply, account_for, session_for

from amazon_connector.spapi import catalog
from amazon_connector.spapi.throttle import SAFETY_MARGIN, ThrottleRegistry, TokenBucket, parse_rate_limit
from amazon_connector.spapi.usage_plans import UsagePlan, plan_for

ITEM_PATH = "/catalog/2022-04-01/items/B000TEST01"


@pytest.fixture
def fake():
	with FakeAmazon() as server:
		yield server


def item(request):
	return Reply(200, {"asin": request.path.rsplit("/", 1)[-1], "summaries": []})


def test_bucket_hands_out_the_burst_then_paces_at_the_rate():
	clock = FakeClock()
	bucket = TokenBucket(rate=2.0, burst=3, clock=clock, margin=0)
	assert [bucket.reserve() for _ in range(3)] == [0.0, 0.0, 0.0]
	# Reservations queue up: the 4th waits one interval, the 5th two.
	assert bucket.reserve() == pytest.approx(0.5)
	assert bucket.reserve() == pytest.approx(1.0)
	clock.advance(10)
	assert bucket.tokens == pytest.approx(3.0)  # never more than the burst


def test_rate_from_amazon_replaces_the_published_one_and_drain_empties_the_bucket():
	clock = FakeClock()
	bucket = TokenBucket(rate=0.5, burst=2, clock=clock, margin=0)
	bucket.set_rate(10.0)
	bucket.drain()
	assert bucket.reserve() == pytest.approx(0.1)
	bucket.drain(pause=3.0)  # Amazon said Retry-After: 3
	assert bucket.reserve() == pytest.approx(3.0 + 0.2)


@pytest.mark.parametrize(
	"value, expected",
	[("0.0167", 0.0167), ("10", 10.0), ("", None), ("abc", None), ("-1", None), ("nan", None), (None, None)],
)
def test_rate_limit_header_parsing(value, expected):
	assert parse_rate_limit(value) == expected


def test_registry_shares_buckets_within_an_account_never_across_accounts():
	registry = ThrottleRegistry()
	a1 = registry.bucket("acct-a", "getOrder")
	assert registry.bucket("acct-a", "getOrder") is a1
	assert registry.bucket("acct-b", "getOrder") is not a1
	assert registry.bucket("acct-a", "searchOrders") is not a1
	assert (a1.rate, a1.burst) == (plan_for("getOrder").rate, plan_for("getOrder").burst)


def test_a_burst_beyond_the_bucket_waits_instead_of_failing(fake):
	clock = FakeClock()
	fake.route("GET", ITEM_PATH, item)
	plan = plan_for("getCatalogItem")  # 2 requests/s, burst 2
	fake.limit(ITEM_PATH, plan.rate, plan.burst, clock)  # Amazon's bucket, on the same clock
	session = session_for(fake, clock=clock)
	for _ in range(10):
		assert catalog.get_catalog_item(session, "ATVPDKIKX0DER", "B000TEST01")["asin"] == "B000TEST01"
	assert fake.count(ITEM_PATH, 429) == 0
	assert fake.count(ITEM_PATH, 200) == 10
	assert len(clock.sleeps) >= 10 - plan.burst  # every call past the burst waited for its token
	stats = session.stats()
	assert stats["calls"]["getCatalogItem"] == 10
	assert stats["retries"].get("getCatalogItem", 0) == 0
	assert stats["throttle_wait_seconds"] == pytest.approx(sum(clock.sleeps))


def test_two_sessions_of_one_account_share_the_bucket(fake):
	clock = FakeClock()
	registry = ThrottleRegistry(plans=lambda operation: UsagePlan(1.0, 2))
	fake.route("GET", ITEM_PATH, item)
	account = account_for(fake)
	first = session_for(fake, clock=clock, registry=registry, account=account)
	second = session_for(fake, clock=clock, registry=registry, account=account)
	for _ in range(2):
		catalog.get_catalog_item(first, "ATVPDKIKX0DER", "B000TEST01")
	assert first.stats()["throttle_wait_seconds"] == 0
	catalog.get_catalog_item(second, "ATVPDKIKX0DER", "B000TEST01")
	assert second.stats()["throttle_wait_seconds"] > 0  # the first session spent the account's burst


def test_concurrent_reservations_each_get_their_own_slot():
	clock = FakeClock()  # frozen: nobody sleeps on it here
	bucket = TokenBucket(rate=4.0, burst=3, clock=clock, margin=0)
	waits = []
	lock = threading.Lock()

	def work():
		for _ in range(25):
			wait = bucket.reserve()
			with lock:
				waits.append(wait)

	threads = [threading.Thread(target=work) for _ in range(8)]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join()
	# 200 reservations: 3 from the burst, then one slot every 1/4 s, none handed out twice.
	expected = [0.0] * 3 + [(n + 1) / 4.0 for n in range(197)]
	assert sorted(waits) == pytest.approx(expected)


def test_two_accounts_do_not_share_buckets(fake):
	clock = FakeClock()
	registry = ThrottleRegistry(plans=lambda operation: UsagePlan(1.0, 2))
	fake.route("GET", ITEM_PATH, item)
	first = session_for(fake, clock=clock, registry=registry, account=account_for(fake, key="first"))
	second = session_for(fake, clock=clock, registry=registry, account=account_for(fake, key="second"))
	for _ in range(2):
		catalog.get_catalog_item(first, "ATVPDKIKX0DER", "B000TEST01")
	catalog.get_catalog_item(second, "ATVPDKIKX0DER", "B000TEST01")
	assert first.stats()["throttle_wait_seconds"] == 0
	assert second.stats()["throttle_wait_seconds"] == 0  # the first account's spent burst is not the second's
	catalog.get_catalog_item(first, "ATVPDKIKX0DER", "B000TEST01")
	assert first.stats()["throttle_wait_seconds"] > 0


def test_rate_limit_header_adjusts_the_pace(fake):
	clock = FakeClock()
	fake.route(
		"GET", ITEM_PATH, lambda r: Reply(200, {"asin": "B000TEST01"}, {"x-amzn-RateLimit-Limit": "20"})
	)
	registry = ThrottleRegistry()
	session = session_for(fake, clock=clock, registry=registry)
	for _ in range(6):
		catalog.get_catalog_item(session, "ATVPDKIKX0DER", "B000TEST01")
	bucket = registry.bucket(session._throttle_key, "getCatalogItem")
	assert bucket.rate == 20.0
	assert bucket.burst == plan_for("getCatalogItem").burst
	# Paced at 20/s instead of the published 2/s: the waits after the burst are 1/20 s, not 1/2 s.
	assert clock.sleeps and max(clock.sleeps) <= 0.5 / 2


def test_expected_wait_does_not_reserve():
	clock = FakeClock()
	bucket = TokenBucket(rate=2.0, burst=1, clock=clock, margin=0)
	assert bucket.expected_wait() == 0.0
	bucket.reserve()
	assert bucket.expected_wait() == pytest.approx(0.5)
	assert bucket.expected_wait() == pytest.approx(0.5)
	clock.advance(0.5)
	assert bucket.expected_wait() == 0.0


def test_waits_carry_a_small_safety_margin():
	bucket = TokenBucket(rate=2.0, burst=1, clock=FakeClock())
	bucket.reserve()
	assert bucket.reserve() == pytest.approx(0.5 + SAFETY_MARGIN)


def test_settling_a_call_never_leaves_more_than_burst_minus_one():
	clock = FakeClock()
	bucket = TokenBucket(rate=1.0, burst=3, clock=clock, margin=0)
	bucket.reserve()  # from a full bucket
	clock.advance(5)  # a slow answer: our bucket refilled meanwhile, Amazon's stayed capped at 3
	bucket.settle()
	assert bucket.tokens == pytest.approx(2.0)
	bucket.reserve()
	bucket.reserve()
	bucket.settle()  # below the cap nothing changes
	assert bucket.tokens == pytest.approx(0.0)
