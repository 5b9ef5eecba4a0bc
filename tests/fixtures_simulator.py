"""Pytest fixtures that start the local SP-API simulator on a free loopback port.

- `sim_world`: a small generated world (dict, session-scoped; treat it as read-only).
- `simulator`: a started Simulator on a fresh copy of that world, usage plans off, clock 60x faster
  (reports finish in about a second) and access tokens that last 30 simulated days, so that
  `advance_clock` does not expire them (test expiry with `make_simulator(token_ttl=...)`). Stopped
  after the test.
- `sim_account`: an AccountConfig (environment "Custom Endpoint") pointing at `simulator` with the
  world's credentials.
- `make_simulator(world=None, **opts)`: starts another Simulator (default: on `sim_world`) with any
  Simulator options; every one made is stopped at teardown.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest

from amazon_connector.simulator import Simulator, generate_world
from amazon_connector.simulator.connect import account_config
from amazon_connector.spapi.account import AccountConfig

SIM_SEED = 20260101
# boto3 options of the SQS-compatible server the tests start (moto's, on loopback).
AWS = {"region_name": "us-east-1", "aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
SIM_ORDERS = 120
SIM_TIME_SCALE = 60.0
SIM_TOKEN_TTL = 30 * 86400.0


def sim_world_dates() -> tuple[datetime, datetime]:
	"""The fixture world spans the 45 days before today (UTC midnight)."""
	end = datetime.combine(datetime.now(timezone.utc).date(), time(0), tzinfo=timezone.utc)
	return end - timedelta(days=45), end


@pytest.fixture(scope="session")
def sqs_endpoint():
	"""A real SQS-compatible server (moto's server mode) on 127.0.0.1, for the notification tests."""
	from moto import server as moto_server

	server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
	server.start()
	host, port = server.get_host_and_port()
	yield f"http://{host}:{port}"
	server.stop()


@pytest.fixture(scope="session")
def sim_world() -> dict:
	start, end = sim_world_dates()
	return generate_world(seed=SIM_SEED, orders=SIM_ORDERS, start=start, end=end)


def _fast_options(opts: dict) -> dict:
	defaults = {"time_scale": SIM_TIME_SCALE, "limits": False, "token_ttl": SIM_TOKEN_TTL}
	defaults.update(opts)
	return defaults


@pytest.fixture
def make_simulator(sim_world):
	started: list[Simulator] = []

	def make(world=None, **opts) -> Simulator:
		sim = Simulator(sim_world if world is None else world, **_fast_options(opts))
		sim.start()
		started.append(sim)
		return sim

	yield make
	for sim in started:
		sim.stop()


@pytest.fixture
def simulator(make_simulator) -> Simulator:
	return make_simulator()


def account_for(sim: Simulator, key: str = "simulator", **overrides) -> AccountConfig:
	return account_config(sim.account, sim.base_url, key, **overrides)


@pytest.fixture
def sim_account(simulator) -> AccountConfig:
	return account_for(simulator)


def paced_session(sim: Simulator, key: str = "simulator", **options):
	"""An SpApiSession on the simulator that paces itself by Amazon's plans on the simulator's scaled
	clock (so pacing shows without real waiting), with a throttle registry of its own."""
	from amazon_connector.simulator.connect import scaled_clock
	from amazon_connector.spapi.client import SpApiSession
	from amazon_connector.spapi.throttle import ThrottleRegistry

	clock, sleep = scaled_clock(sim.clock.time_scale)
	return SpApiSession(
		account_for(sim, key), clock=clock, sleep=sleep, throttle=ThrottleRegistry(), **options
	)


class SimHttp:
	"""Raw HTTP against a simulator, with a valid access token: `get(path, **params)`, `post(path, json)`."""

	def __init__(self, sim: Simulator, token: str | None = None):
		import httpx

		self.sim = sim
		self.token = token or sim.access_token()
		self.client = httpx.Client(base_url=sim.base_url, timeout=10.0)

	def get(self, path: str, token: str | None = None, **params):
		return self.client.get(path, params=params, headers={"x-amz-access-token": token or self.token})

	def post(self, path: str, body=None, token: str | None = None):
		return self.client.post(path, json=body, headers={"x-amz-access-token": token or self.token})

	def close(self) -> None:
		self.client.close()


@pytest.fixture
def sim_http(simulator):
	client = SimHttp(simulator)
	yield client
	client.close()


def sp_api_client(sim: Simulator, client_class, **kwargs):
	"""A python-amazon-sp-api client (e.g. `sp_api.api.OrdersV20260101`) talking to the simulator,
	LWA included. Clears the library's process-wide token cache first."""
	from sp_api.auth import AccessTokenClient
	from sp_api.auth import access_token_client as token_module

	token_module.cache.clear()
	token_host = sim.base_url.split("://", 1)[1]
	token_class = type(
		"SimulatorTokenClient", (AccessTokenClient,), {"scheme": "http://", "host": token_host}
	)
	account = sim.account
	credentials = {
		"lwa_app_id": account["client_id"],
		"lwa_client_secret": account["client_secret"],
		"refresh_token": account["refresh_token"],
	}
	client = client_class(credentials=credentials, auth_token_client_class=token_class, **kwargs)
	client.endpoint = sim.base_url
	return client
