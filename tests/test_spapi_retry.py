"""Retries: 429, 5xx and timeouts are ridden out with capped, jittered backoff inside a deadline;
everything else fails at once with a typed error."""

from __future__ import annotations

import random
from datetime import datetime, timezone

import pytest
from spapi_servers import (
	FakeAmazon,
	FakeClock,
	Reply,
	account_for,
	amazon_error,
	closed_port_url,
	session_for,
)

from amazon_connector.spapi import orders, sellers
from amazon_connector.spapi.errors import (
	InvalidInputError,
	NetworkError,
	NotFoundError,
	ServerError,
	SpApiError,
	ThrottledError,
)
from amazon_connector.spapi.retry import JITTER_NONE, RetryPolicy, parse_retry_after

PATH = "/sellers/v1/marketplaceParticipations"
PARTICIPATIONS = {
	"payload": [
		{
			"marketplace": {"id": "ATVPDKIKX0DER", "countryCode": "US"},
			"participation": {"isParticipating": True},
		}
	]
}


@pytest.fixture
def fake():
	with FakeAmazon() as server:
		server.route("GET", PATH, PARTICIPATIONS)
		yield server


def throttled(**headers):
	return amazon_error(
		429, "QuotaExceeded", "You exceeded your quota for the requested resource.", headers=headers
	)


def test_backoff_doubles_up_to_the_cap_and_full_jitter_stays_below_it():
	fixed = RetryPolicy(base_delay=1.0, max_delay=10.0, jitter=JITTER_NONE)
	assert [fixed.delay(n) for n in range(1, 7)] == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
	assert fixed.delay(1, retry_after=7.0) == 7.0
	jittered = RetryPolicy(base_delay=1.0, max_delay=10.0, rng=random.Random(3))
	draws = [jittered.delay(5) for _ in range(200)]
	assert all(0.0 <= d <= 10.0 for d in draws)
	assert len(set(draws)) > 100  # really random, not a constant


@pytest.mark.parametrize(
	"value, expected", [("3", 3.0), ("0.5", 0.5), ("-2", 0.0), ("soon", None), (None, None)]
)
def test_retry_after_parsing(value, expected):
	assert parse_retry_after(value) == expected


def test_retry_after_as_http_date():
	assert parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now_epoch=1445412480.0) == pytest.approx(10.0)


def test_a_429_storm_is_ridden_out(fake):
	clock = FakeClock()
	order_path = "/orders/2026-01-01/orders/902-0000000-0000001"
	fake.route("GET", order_path, {"order": {"orderId": "902-0000000-0000001"}})
	# A bare 429 (no body: the library alone would read it as an empty success) and 429s with errors.
	fake.script("GET", order_path, Reply(429), throttled(), throttled(), Reply(429), throttled())
	session = session_for(fake, clock=clock)
	assert orders.get_order(session, "902-0000000-0000001") == {"orderId": "902-0000000-0000001"}
	assert fake.count(order_path, 429) == 5
	assert fake.count(order_path, 200) == 1
	stats = session.stats()
	assert stats["calls"]["getOrder"] == 6
	assert stats["retries"]["getOrder"] == 5
	assert stats["throttled"]["getOrder"] == 5
	# After a 429 the bucket was drained, so retries waited for a token as well as backing off.
	assert stats["throttle_wait_seconds"] > 0


def test_a_bare_429_is_not_mistaken_for_an_empty_answer(fake):
	fake.script("GET", PATH, Reply(429))
	session = session_for(fake, retry=RetryPolicy(max_attempts=1))
	with pytest.raises(ThrottledError) as raised:
		sellers.get_marketplace_participations(session)
	assert raised.value.status == 429
	assert raised.value.operation == "getMarketplaceParticipations"


def test_a_500_is_retried_and_then_succeeds(fake):
	fake.script("GET", PATH, amazon_error(500, "InternalFailure", "We encountered an internal error."))
	session = session_for(fake)
	assert sellers.get_marketplace_participations(session) == PARTICIPATIONS["payload"]
	assert fake.count(PATH, 500) == 1
	assert session.stats()["retries"]["getMarketplaceParticipations"] == 1
	assert session.stats()["calls"]["getMarketplaceParticipations"] == 2


def test_retry_after_is_honoured(fake):
	clock = FakeClock()
	fake.script(
		"GET",
		PATH,
		Reply(
			503, {"errors": [{"code": "ServiceUnavailable", "message": "Try later"}]}, {"Retry-After": "42"}
		),
	)
	session = session_for(fake, clock=clock)
	sellers.get_marketplace_participations(session)
	assert any(s >= 42 for s in clock.sleeps)


def test_persistent_5xx_gives_a_server_error_after_max_attempts(fake):
	fake.script("GET", PATH, *[amazon_error(503, "ServiceUnavailable", "Service unavailable")] * 10)
	session = session_for(fake, retry=RetryPolicy(max_attempts=4, deadline=10_000, rng=random.Random(1)))
	with pytest.raises(ServerError) as raised:
		sellers.get_marketplace_participations(session)
	assert raised.value.status == 503
	assert raised.value.code == "ServiceUnavailable"
	assert "4 attempts" in str(raised.value)
	assert fake.count(PATH, 503) == 4
	assert session.stats()["retries"]["getMarketplaceParticipations"] == 3


def test_the_deadline_stops_retrying_early(fake):
	clock = FakeClock()
	fake.script("GET", PATH, *[throttled()] * 10)
	# getMarketplaceParticipations refills one token a minute: a drained bucket alone outlasts the deadline
	# (here a fixed one: no stretching by token intervals).
	session = session_for(
		fake,
		clock=clock,
		retry=RetryPolicy(max_attempts=10, deadline=90.0, token_intervals=0, rng=random.Random(1)),
	)
	with pytest.raises(ThrottledError) as raised:
		sellers.get_marketplace_participations(session)
	assert "deadline" in str(raised.value)
	assert fake.count(PATH, 429) < 10
	assert clock() - 1000.0 <= 90.0 + 1e-6  # never slept past the deadline


def test_timeouts_are_retried(fake):
	fake.script("GET", PATH, Reply(200, PARTICIPATIONS, delay=1.0))  # slower than the timeout below
	session = session_for(fake, timeout=0.2)
	assert sellers.get_marketplace_participations(session) == PARTICIPATIONS["payload"]
	assert session.stats()["retries"]["getMarketplaceParticipations"] == 1
	assert session.stats()["calls"]["getMarketplaceParticipations"] == 2


def test_network_down_gives_a_network_error_after_retries():
	offline = _Unreachable()
	session = session_for(
		offline,
		account=account_for(offline, key="offline"),
		retry=RetryPolicy(max_attempts=3, rng=random.Random(1)),
	)
	with pytest.raises(NetworkError) as raised:
		sellers.get_marketplace_participations(session)
	assert raised.value.host == "127.0.0.1"
	assert raised.value.status is None
	assert session.stats()["token_requests"] == 3  # the token service was unreachable too, three times


class _Unreachable:
	"""Enough of FakeAmazon for account_for, pointing at a port nobody listens on."""

	client_id = "test-client-id"
	client_secret = "test-client-secret"
	refresh_tokens = {"test-refresh-token"}

	def __init__(self):
		self.base_url = closed_port_url()


@pytest.mark.parametrize(
	"reply, error_type, code",
	[
		(amazon_error(400, "InvalidInput", "Invalid Input"), InvalidInputError, "InvalidInput"),
		(amazon_error(404, "NotFound", "Resource not found"), NotFoundError, "NotFound"),
		(amazon_error(409, "Conflict", "State conflict"), SpApiError, "Conflict"),
		(Reply(413, b"too big"), SpApiError, ""),
	],
)
def test_non_retryable_errors_fail_at_once_with_amazons_code(fake, reply, error_type, code):
	fake.script("GET", PATH, reply)
	session = session_for(fake)
	with pytest.raises(error_type) as raised:
		sellers.get_marketplace_participations(session)
	assert raised.value.code == code
	assert raised.value.status == reply.status
	assert raised.value.operation == "getMarketplaceParticipations"
	assert fake.count(PATH) == 1
	assert session.stats()["retries"] == {}


def test_the_deadline_of_a_slow_operation_spans_several_of_its_token_intervals():
	policy = RetryPolicy(deadline=300.0, token_intervals=6.0)
	assert policy.deadline_for(0.5) == 300.0  # getOrder: the floor is plenty
	assert policy.deadline_for(0.0056) == pytest.approx(6 / 0.0056)  # searchOrders: over 17 minutes
	assert policy.deadline_for(None) == 300.0


def test_a_search_rides_out_throttling_that_outlasts_two_token_intervals(fake):
	"""searchOrders refills one token every 180 s; after a 429 each retry must wait for one. Four 429s
	in a row need over 700 s of waiting, more than a fixed 300 s deadline allows."""
	clock = FakeClock()
	path = "/orders/2026-01-01/orders"
	fake.route("GET", path, {"orders": [], "createdTime": "2026-01-01T00:00:00Z"})
	fake.script("GET", path, *[throttled()] * 4)
	session = session_for(fake, clock=clock, retry=RetryPolicy(rng=random.Random(1)))
	found = list(
		orders.search_orders(
			session,
			marketplace_ids=["ATVPDKIKX0DER"],
			created_after=datetime(2026, 1, 1, tzinfo=timezone.utc),
		)
	)
	assert found == []
	assert fake.count(path, 429) == 4
	assert fake.count(path, 200) == 1
	assert clock() - 1000.0 > 4 * 170  # it really waited out four token intervals


def test_a_slow_operation_still_gives_up_at_its_own_deadline(fake):
	clock = FakeClock()
	path = "/orders/2026-01-01/orders"
	fake.script("GET", path, *[throttled()] * 20)
	policy = RetryPolicy(max_attempts=20, token_intervals=3.0, rng=random.Random(1))
	session = session_for(fake, clock=clock, retry=policy)
	with pytest.raises(ThrottledError) as raised:
		list(
			orders.search_orders(
				session,
				marketplace_ids=["ATVPDKIKX0DER"],
				created_after=datetime(2026, 1, 1, tzinfo=timezone.utc),
			)
		)
	assert "retry deadline of 536 s" in str(raised.value)
	assert clock() - 1000.0 <= 3 / 0.0056 + 1e-6


def test_the_time_a_request_itself_takes_does_not_use_up_the_deadline(fake):
	"""The deadline bounds waiting to retry. A slow answer (on a simulator's scaled clock, a busy
	machine's milliseconds are minutes) must not leave a throttled call without its retries."""
	clock = FakeClock()
	answers = iter([throttled(), Reply(200, PARTICIPATIONS)])

	def slow(request):
		clock.advance(400.0)  # the request took longer than the whole deadline
		return next(answers)

	fake.route("GET", PATH, slow)
	session = session_for(fake, clock=clock, retry=RetryPolicy(deadline=300.0, rng=random.Random(1)))
	assert sellers.get_marketplace_participations(session) == PARTICIPATIONS["payload"]
	assert fake.count(PATH, 429) == 1 and fake.count(PATH, 200) == 1
