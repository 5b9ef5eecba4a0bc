"""LWA: tokens per account, refreshed before expiry, revoked credentials as typed errors, no leaks."""

from __future__ import annotations

import random

import pytest
import sp_api.auth.access_token_client as library_auth
from spapi_servers import (
	CLIENT_SECRET,
	REFRESH_TOKEN,
	FakeAmazon,
	FakeClock,
	Reply,
	account_for,
	amazon_error,
	session_for,
)

from amazon_connector.spapi import sellers
from amazon_connector.spapi.account import CUSTOM, PRODUCTION, SANDBOX, AccountConfig
from amazon_connector.spapi.auth import TokenCache
from amazon_connector.spapi.errors import (
	AccessDeniedError,
	AuthError,
	InvalidInputError,
	NetworkError,
	ServerError,
	user_message,
)
from amazon_connector.spapi.retry import RetryPolicy
from amazon_connector.spapi.throttle import ThrottleRegistry

PATH = "/sellers/v1/marketplaceParticipations"


@pytest.fixture
def fake():
	with FakeAmazon(refresh_tokens=(REFRESH_TOKEN, "test-refresh-token-2")) as server:
		server.route("GET", PATH, {"payload": []})
		yield server


def sent_tokens(fake):
	return [r.headers.get("x-amz-access-token") for r in fake.requests_to(PATH)]


def test_token_is_fetched_once_and_reused(fake):
	session = session_for(fake)
	for _ in range(3):
		sellers.get_marketplace_participations(session)
	assert len(fake.token_requests) == 1
	assert sent_tokens(fake) == ["test-access-token-1"] * 3
	form = fake.token_requests[0].form()
	assert form["grant_type"] == "refresh_token"
	assert form["client_id"] == fake.client_id


def test_token_is_refreshed_before_it_expires(fake):
	fake.expires_in = 600
	clock = FakeClock()
	session = session_for(fake, clock=clock)
	sellers.get_marketplace_participations(session)
	clock.advance(500)  # still well inside the token's life
	sellers.get_marketplace_participations(session)
	assert len(fake.token_requests) == 1
	clock.advance(60)  # within the refresh margin before expiry: replace it now, not after a 403
	sellers.get_marketplace_participations(session)
	assert len(fake.token_requests) == 2
	assert sent_tokens(fake) == ["test-access-token-1", "test-access-token-1", "test-access-token-2"]
	assert fake.count(PATH, 403) == 0


def test_tokens_never_leak_between_accounts(fake):
	cache = TokenCache()
	registry = ThrottleRegistry()
	first = session_for(fake, cache=cache, registry=registry, account=account_for(fake, key="first"))
	# Same app and even the same refresh token, but another account record: a separate token.
	second = session_for(fake, cache=cache, registry=registry, account=account_for(fake, key="second"))
	third = session_for(
		fake,
		cache=cache,
		registry=registry,
		account=account_for(fake, key="third", refresh_token="test-refresh-token-2"),
	)
	for session in (first, second, third, first, second, third):
		sellers.get_marketplace_participations(session)
	assert len(fake.token_requests) == 3
	assert sent_tokens(fake) == [f"test-access-token-{n}" for n in (1, 2, 3, 1, 2, 3)]
	assert fake.issued["test-access-token-3"] == "test-refresh-token-2"


def test_sessions_of_one_account_share_its_token(fake):
	cache = TokenCache()
	account = account_for(fake)
	for _ in range(3):
		sellers.get_marketplace_participations(session_for(fake, cache=cache, account=account))
	assert len(fake.token_requests) == 1


def test_the_librarys_process_wide_caches_are_not_used(fake):
	library_auth.cache.clear()
	library_auth.grantless_cache.clear()
	sellers.get_marketplace_participations(session_for(fake))
	assert len(library_auth.cache) == 0
	assert len(library_auth.grantless_cache) == 0


def test_a_revoked_refresh_token_gives_the_typed_auth_error(fake):
	fake.refresh_tokens = set()  # the seller revoked the app's authorization
	session = session_for(fake)
	with pytest.raises(AuthError) as raised:
		sellers.get_marketplace_participations(session)
	error = raised.value
	assert error.code == "invalid_grant"
	assert error.status == 400
	assert not isinstance(error, AccessDeniedError)
	assert "refresh token" in user_message(error)
	assert fake.requests_to(PATH) == []  # nothing was sent to SP-API
	assert len(fake.token_requests) == 1  # and a refusal is not retried


def test_a_wrong_client_secret_gives_the_typed_auth_error(fake):
	session = session_for(fake, account=account_for(fake, client_secret="test-wrong-secret"))
	with pytest.raises(AuthError) as raised:
		sellers.get_marketplace_participations(session)
	assert raised.value.code == "invalid_client"
	assert "client id or client secret" in user_message(raised.value)


def test_the_session_remembers_amazons_refusal_of_the_credentials(fake):
	# The runner backs off from an account whose run got nothing done while Amazon refused it.
	good = session_for(fake)
	sellers.get_marketplace_participations(good)
	assert good.refusal is None
	session = session_for(fake, account=account_for(fake, client_secret="test-wrong-secret"))
	with pytest.raises(AuthError) as raised:
		sellers.get_marketplace_participations(session)
	assert session.refusal is raised.value


def test_an_expired_access_token_is_refreshed_once_and_the_call_retried(fake):
	session = session_for(fake)
	sellers.get_marketplace_participations(session)
	fake.revoke_access_tokens()  # Amazon no longer accepts the cached token
	sellers.get_marketplace_participations(session)
	assert len(fake.token_requests) == 2
	assert fake.count(PATH, 403) == 1
	assert sent_tokens(fake) == ["test-access-token-1", "test-access-token-1", "test-access-token-2"]


def test_a_persistent_403_is_access_denied_and_points_at_the_region(fake):
	# What Amazon answers when the seller does not sell in the endpoint's region.
	fake.route("GET", PATH, amazon_error(403, "Unauthorized", "Access to requested resource is denied."))
	session = session_for(fake)
	with pytest.raises(AccessDeniedError) as raised:
		sellers.get_marketplace_participations(session)
	assert raised.value.status == 403
	assert raised.value.code == "Unauthorized"
	assert "region" in user_message(raised.value)
	assert fake.count(PATH, 403) == 2  # one retry with a fresh token, then the verdict
	assert len(fake.token_requests) == 2


def test_lwa_trouble_is_retried(fake):
	fake.lwa_script.extend([Reply(500, {"error": "server_error"}), Reply(503, b"unavailable")])
	session = session_for(fake)
	assert sellers.get_marketplace_participations(session) == []
	assert len(fake.token_requests) == 3
	assert session.stats()["token_requests"] == 3
	assert session.stats()["calls"] == {"getMarketplaceParticipations": 1}


def test_lwa_down_for_good_is_a_server_error(fake):
	fake.lwa_script.extend([Reply(503, b"unavailable")] * 5)
	session = session_for(fake, retry=RetryPolicy(max_attempts=3, rng=random.Random(2)))
	with pytest.raises(ServerError) as raised:
		sellers.get_marketplace_participations(session)
	assert raised.value.operation == "lwaToken"
	assert fake.requests_to(PATH) == []


def test_network_down_on_lwa_is_a_network_error():
	from spapi_servers import closed_port_url

	account = AccountConfig(
		key="offline",
		region="EU",
		client_id="test-client-id",
		client_secret=CLIENT_SECRET,
		refresh_token=REFRESH_TOKEN,
		environment=CUSTOM,
		endpoint_url=closed_port_url(),
	)
	from amazon_connector.spapi.client import SpApiSession

	clock = FakeClock()
	session = SpApiSession(
		account,
		timeout=2,
		retry=RetryPolicy(max_attempts=2),
		clock=clock,
		sleep=clock.sleep,
		throttle=ThrottleRegistry(),
		token_cache=TokenCache(),
	)
	with pytest.raises(NetworkError) as raised:
		sellers.get_marketplace_participations(session)
	assert "internet connection" in user_message(raised.value)


def test_secrets_never_reach_errors_even_if_amazon_echoes_them(fake):
	fake.lwa_script.append(
		Reply(
			400,
			{
				"error": "invalid_grant",
				"error_description": f"bad token {REFRESH_TOKEN} for secret {CLIENT_SECRET}",
			},
		)
	)
	session = session_for(fake)
	with pytest.raises(AuthError) as raised:
		sellers.get_marketplace_participations(session)
	shown = " ".join(
		[
			str(raised.value),
			repr(raised.value),
			raised.value.message,
			user_message(raised.value),
			repr(session),
		]
	)
	assert REFRESH_TOKEN not in shown
	assert CLIENT_SECRET not in shown
	assert "[redacted]" in raised.value.message


def test_access_token_echoed_in_an_api_error_is_redacted(fake):
	session = session_for(fake)
	sellers.get_marketplace_participations(session)
	fake.route("GET", PATH, amazon_error(400, "InvalidInput", "Token test-access-token-1 is not valid here"))
	with pytest.raises(Exception) as raised:
		sellers.get_marketplace_participations(session)
	assert "test-access-token-1" not in str(raised.value)


def test_requests_go_to_the_accounts_endpoint_whatever_the_environment_says(fake, monkeypatch):
	monkeypatch.setenv("SP_API_DEFAULT_MARKETPLACE", "DE")
	monkeypatch.setenv("SP_API_REFRESH_TOKEN", "test-env-refresh-token")
	monkeypatch.setenv("LWA_APP_ID", "test-env-client-id")
	session = session_for(fake)
	sellers.get_marketplace_participations(session)
	request = fake.requests_to(PATH)[0]
	assert request.headers["host"] == fake.base_url.removeprefix("http://")
	assert request.query == {}  # no marketplace guessed from the environment
	assert fake.token_requests[0].form()["client_id"] == fake.client_id


@pytest.mark.parametrize(
	"environment, region, api, lwa",
	[
		(PRODUCTION, "NA", "https://sellingpartnerapi-na.amazon.com", "https://api.amazon.com/auth/o2/token"),
		(PRODUCTION, "FE", "https://sellingpartnerapi-fe.amazon.com", "https://api.amazon.com/auth/o2/token"),
		(
			SANDBOX,
			"EU",
			"https://sandbox.sellingpartnerapi-eu.amazon.com",
			"https://api.amazon.com/auth/o2/token",
		),
		(CUSTOM, "NA", "http://127.0.0.1:9", "http://127.0.0.1:9/auth/o2/token"),
	],
)
def test_clients_are_built_for_the_accounts_endpoint(environment, region, api, lwa):
	from amazon_connector.spapi.apis import OrdersApi
	from amazon_connector.spapi.client import SpApiSession

	account = AccountConfig(
		key="k",
		region=region,
		client_id="test-client-id",
		client_secret=CLIENT_SECRET,
		refresh_token=REFRESH_TOKEN,
		environment=environment,
		endpoint_url="http://127.0.0.1:9" if environment == CUSTOM else "",
	)
	with SpApiSession(account, timeout=7) as session:
		client = session.client(OrdersApi)
		assert client.endpoint == api
		assert session._tokens.token_url == lwa
		assert client._transport._client.timeout.read == 7
		assert session._tokens._http.timeout.read == 7
		assert CLIENT_SECRET not in repr(session) and REFRESH_TOKEN not in repr(session._tokens)


def test_a_restricted_data_token_echoed_in_an_api_error_is_redacted(fake):
	from amazon_connector.spapi import orders

	rdt = "test-rdt-secret-1"
	fake.route(
		"GET",
		"/orders/2026-01-01/orders/111-0000000-0000001",
		amazon_error(400, "InvalidInput", f"Token {rdt} does not cover this order"),
	)
	session = session_for(fake)
	with pytest.raises(InvalidInputError) as raised:
		orders.get_order(session, "111-0000000-0000001", restricted_data_token=rdt)
	shown = " ".join(
		[str(raised.value), repr(raised.value), raised.value.message, user_message(raised.value)]
	)
	assert rdt not in shown
	assert "[redacted]" in raised.value.message


def test_a_throttled_login_leaves_the_operations_bucket_alone(fake):
	fake.lwa_script.append(Reply(429, {"error": "throttled", "error_description": "Too many requests"}))
	registry = ThrottleRegistry()
	session = session_for(fake, registry=registry)
	assert sellers.get_marketplace_participations(session) == []
	assert session.stats()["retries"] == {"getMarketplaceParticipations": 1}
	assert session.stats()["throttled"] == {}
	bucket = registry.bucket(session._throttle_key, "getMarketplaceParticipations")
	assert bucket.tokens > 0  # one call of a burst of 15 spent, nothing drained
