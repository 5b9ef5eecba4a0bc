"""The simulator's HTTP behaviour: LWA, access tokens, usage plans, faults, statistics, controls."""

from __future__ import annotations

import httpx
import pytest
from fixtures_simulator import SimHttp

from amazon_connector.spapi.usage_plans import plan_for

SELLERS = "/sellers/v1/marketplaceParticipations"


def lwa(sim, **overrides):
	account = sim.account
	form = {
		"grant_type": "refresh_token",
		"client_id": account["client_id"],
		"client_secret": account["client_secret"],
		"refresh_token": account["refresh_token"],
	}
	form.update(overrides)
	form = {k: v for k, v in form.items() if v is not None}
	return httpx.post(f"{sim.base_url}/auth/o2/token", data=form, headers={"Host": "api.amazon.com"})


def test_lwa_issues_a_token_that_the_api_accepts(simulator):
	answer = lwa(simulator)
	assert answer.status_code == 200
	body = answer.json()
	assert body["token_type"] == "bearer" and body["expires_in"] > 0
	response = httpx.get(simulator.base_url + SELLERS, headers={"x-amz-access-token": body["access_token"]})
	assert response.status_code == 200
	assert {p["marketplace"]["id"] for p in response.json()["payload"]} == {
		m["marketplaceId"] for m in simulator.account["marketplaces"]
	}


@pytest.mark.parametrize(
	("overrides", "status", "error"),
	[
		({"client_id": "someone-else"}, 401, "invalid_client"),
		({"client_secret": "wrong-secret"}, 401, "invalid_client"),
		({"refresh_token": "revoked-refresh-token"}, 400, "invalid_grant"),
		({"refresh_token": None}, 400, "invalid_request"),
		({"grant_type": "password"}, 400, "unsupported_grant_type"),
	],
)
def test_lwa_answers_bad_credentials_as_amazon_does(simulator, overrides, status, error):
	answer = lwa(simulator, **overrides)
	assert answer.status_code == status
	assert answer.json()["error"] == error
	assert answer.json()["error_description"]
	assert simulator.account["client_secret"] not in answer.text


def test_missing_unknown_and_expired_tokens_get_403(make_simulator):
	sim = make_simulator(token_ttl=600.0, time_scale=1.0)
	token = lwa(sim).json()["access_token"]
	assert httpx.get(sim.base_url + SELLERS).status_code == 403
	unknown = httpx.get(sim.base_url + SELLERS, headers={"x-amz-access-token": "sim-access-forged"})
	assert unknown.status_code == 403
	assert "invalid" in unknown.json()["errors"][0]["details"]
	assert httpx.get(sim.base_url + SELLERS, headers={"x-amz-access-token": token}).status_code == 200
	sim.advance_clock(601)
	expired = httpx.get(sim.base_url + SELLERS, headers={"x-amz-access-token": token})
	assert expired.status_code == 403
	assert expired.json()["errors"][0]["code"] == "Unauthorized"
	assert expired.json()["errors"][0]["details"] == "The access token you provided has expired."
	fresh = lwa(sim).json()["access_token"]
	assert httpx.get(sim.base_url + SELLERS, headers={"x-amz-access-token": fresh}).status_code == 200


def test_expires_in_is_real_seconds_under_a_time_scale(make_simulator):
	sim = make_simulator(time_scale=10.0, token_ttl=3600.0)
	assert lwa(sim).json()["expires_in"] == 360


def test_tokens_work_across_simulators_of_the_same_seller(make_simulator, sim_world):
	"""python-amazon-sp-api caches tokens process-wide; a new simulator must accept them."""
	first = make_simulator()
	token = lwa(first).json()["access_token"]
	second = make_simulator()
	assert httpx.get(second.base_url + SELLERS, headers={"x-amz-access-token": token}).status_code == 200


def test_host_header_and_unknown_parameters_are_ignored(sim_http):
	response = sim_http.client.get(
		SELLERS,
		params={"MarketplaceId": "ATVPDKIKX0DER", "marketplace_ids": "x", "whatever": "1"},
		headers={"x-amz-access-token": sim_http.token, "host": "sellingpartnerapi-na.amazon.com"},
	)
	assert response.status_code == 200


def test_usage_plan_burst_then_429_with_errors_and_rate_header(make_simulator):
	sim = make_simulator(limits=True, time_scale=1.0)
	client = SimHttp(sim)
	plan = plan_for("getMarketplaceParticipations")
	answers = [client.get(SELLERS) for _ in range(plan.burst + 1)]
	assert [a.status_code for a in answers[: plan.burst]] == [200] * plan.burst
	throttled = answers[-1]
	assert throttled.status_code == 429
	assert throttled.json()["errors"][0]["code"] == "QuotaExceeded"
	assert float(answers[0].headers["x-amzn-RateLimit-Limit"]) == pytest.approx(plan.rate)
	assert float(throttled.headers["x-amzn-RateLimit-Limit"]) == pytest.approx(plan.rate)
	# Other operations have their own buckets.
	assert client.get("/orders/2026-01-01/orders", createdAfter="2020-01-01T00:00:00Z").status_code == 200
	assert sim.stats()["throttled"] == {"getMarketplaceParticipations": 1}
	client.close()


def test_buckets_refill_on_the_simulator_clock(make_simulator):
	sim = make_simulator(limits=True, time_scale=1.0)
	client = SimHttp(sim)
	plan = plan_for("getCatalogItem")  # 2 per second, burst 2
	path = "/catalog/2022-04-01/items/B000000000"
	codes = [client.get(path, marketplaceIds="ATVPDKIKX0DER").status_code for _ in range(plan.burst + 1)]
	assert codes[-1] == 429
	sim.advance_clock(1.0 / plan.rate)  # one token's worth of simulated time
	assert (
		client.get(path, marketplaceIds="ATVPDKIKX0DER").status_code == 404
	)  # served (not found), not throttled
	client.close()


def test_limits_can_be_switched_off(make_simulator):
	sim = make_simulator(limits=False)
	client = SimHttp(sim)
	plan = plan_for("getMarketplaceParticipations")
	assert all(client.get(SELLERS).status_code == 200 for _ in range(plan.burst + 5))
	client.close()


def test_scripted_faults_fire_in_order_then_stop(make_simulator):
	sim = make_simulator(
		faults={
			"script": [
				{"operation": "getMarketplaceParticipations", "fault": "throttle", "count": 1},
				{"operation": "getMarketplaceParticipations", "fault": "unavailable", "count": 1},
				{"operation": "getMarketplaceParticipations", "fault": "server_error", "count": 1},
				{"operation": "getMarketplaceParticipations", "fault": "expired_token", "count": 1},
			]
		}  # fmt: skip
	)
	client = SimHttp(sim)
	codes = [client.get(SELLERS).status_code for _ in range(5)]
	assert codes == [429, 503, 500, 403, 200]
	assert sim.stats()["faults"] == {"getMarketplaceParticipations": 4}
	client.close()


def test_random_fault_shares_are_deterministic_for_a_seed(make_simulator):
	def run() -> list[int]:
		sim = make_simulator(faults={"seed": 42, "throttle": 0.3, "unavailable": 0.2})
		client = SimHttp(sim)
		codes = [client.get(SELLERS).status_code for _ in range(40)]
		client.close()
		return codes

	first, second = run(), run()
	assert first == second
	assert {200, 429, 503} <= set(first)


def test_fault_operations_filter(make_simulator):
	sim = make_simulator(faults={"seed": 1, "unavailable": 1.0, "operations": ["searchOrders"]})
	client = SimHttp(sim)
	assert client.get(SELLERS).status_code == 200
	assert client.get("/orders/2026-01-01/orders", createdAfter="2020-01-01T00:00:00Z").status_code == 503
	client.close()


def test_truncated_body_breaks_the_read(make_simulator):
	sim = make_simulator(faults={"script": [{"fault": "truncate", "count": 1}]})
	client = SimHttp(sim)
	with pytest.raises(httpx.HTTPError):
		client.get(SELLERS)
	client.close()
	again = SimHttp(sim)
	assert again.get(SELLERS).status_code == 200
	again.close()


def test_slow_reply_passes_the_client_timeout(make_simulator):
	sim = make_simulator(faults={"script": [{"fault": "slow", "count": 1}], "slow_seconds": 0.5})
	token = sim.access_token()
	with pytest.raises(httpx.TimeoutException):
		httpx.get(sim.base_url + SELLERS, headers={"x-amz-access-token": token}, timeout=0.1)


def test_fault_configuration_over_http_and_validation(simulator, sim_http):
	bad = sim_http.client.post("/_sim/faults", json={"throttel": 0.5})
	assert bad.status_code == 400 and "throttel" in bad.text
	assert sim_http.client.post("/_sim/faults", json={"unavailable": 1.0}).status_code == 200
	assert sim_http.get(SELLERS).status_code == 503
	assert sim_http.client.post("/_sim/faults", json={}).status_code == 200
	assert sim_http.get(SELLERS).status_code == 200


def test_stats_count_calls_per_operation_and_reset(simulator, sim_http, sim_world):
	sim_http.get(SELLERS)
	sim_http.get(SELLERS)
	order_id = sim_world["orders"][0]["orderId"]
	sim_http.get(f"/orders/2026-01-01/orders/{order_id}")
	stats = sim_http.client.get("/_sim/stats").json()
	assert stats["calls"] == {"getMarketplaceParticipations": 2, "getOrder": 1}
	assert stats["responses"]["getOrder"] == {"200": 1}
	assert stats["orders_returned"] == 1
	sim_http.client.post("/_sim/stats/reset")
	assert simulator.stats()["calls"] == {}


def test_unknown_paths_and_methods(sim_http):
	assert sim_http.get("/orders/v0/nothing").status_code == 404
	assert sim_http.post("/sellers/v1/marketplaceParticipations", {}).status_code == 405


def test_binds_to_loopback_only(simulator):
	assert simulator.base_url.startswith("http://127.0.0.1:")
	assert simulator._server.server_address[0] == "127.0.0.1"


def test_clock_control(simulator, sim_http):
	before = simulator.now()
	answer = sim_http.client.post("/_sim/clock", json={"advanceSeconds": 86400}).json()
	assert answer["timeScale"] == simulator.clock.time_scale
	assert (simulator.now() - before).total_seconds() >= 86400


def test_expire_tokens_control(simulator, sim_http):
	assert sim_http.get(SELLERS).status_code == 200
	sim_http.client.post("/_sim/tokens/expire")
	assert sim_http.get(SELLERS).status_code == 403


def test_the_clock_runs_time_scale_times_faster():
	from datetime import datetime, timezone

	from amazon_connector.simulator.clock import SimClock

	real = [100.0]
	start = datetime(2026, 1, 1, tzinfo=timezone.utc)
	clock = SimClock(start, time_scale=60.0, monotonic=lambda: real[0])
	real[0] += 2.0
	assert (clock.now() - start).total_seconds() == 120.0
	clock.advance(30)
	assert (clock.now() - start).total_seconds() == 150.0


def test_wall_seconds_count_jumps_but_not_the_time_scale():
	# Presigned document URLs expire on the wall clock: a scaled clock must not age them 3600 times faster.
	from datetime import datetime, timezone

	from amazon_connector.simulator.clock import SimClock

	real = [100.0]
	start = datetime(2026, 1, 1, tzinfo=timezone.utc)
	clock = SimClock(start, time_scale=3600.0, monotonic=lambda: real[0])
	real[0] += 2.0
	assert clock.wall_seconds() - start.timestamp() == 2.0
	assert (clock.now() - start).total_seconds() == 7200.0
	clock.advance(300)
	assert clock.wall_seconds() - start.timestamp() == 302.0
