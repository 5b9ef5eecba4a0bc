"""Token buckets in Redis: every worker of one seller draws from one bucket, and a new job finds it
as Amazon does. Against a real redis-server started here on loopback."""

from __future__ import annotations

import copy
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
import redis

from amazon_connector.simulator import Simulator, generate_world
from amazon_connector.simulator.connect import account_config, scaled_clock
from amazon_connector.spapi.client import SpApiSession
from amazon_connector.spapi.source import SpApiSource
from amazon_connector.spapi.throttle import ThrottleRegistry
from amazon_connector.spapi.throttle_redis import RedisThrottleRegistry


@pytest.fixture(scope="module")
def redis_client():
	binary = shutil.which("redis-server")
	if binary is None:
		pytest.skip("redis-server is not installed (apt-get install -y redis-server); .ci/run installs it")
	with socket.socket() as s:
		s.bind(("127.0.0.1", 0))
		port = s.getsockname()[1]
	process = subprocess.Popen(
		[binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
		stdout=subprocess.DEVNULL,
		stderr=subprocess.DEVNULL,
	)
	client = redis.Redis(host="127.0.0.1", port=port)
	for _ in range(100):
		try:
			client.ping()
			break
		except redis.ConnectionError:
			time.sleep(0.05)
	yield client
	process.terminate()
	process.wait(timeout=10)


class Clock:
	def __init__(self):
		self.now = 1_000_000.0

	def __call__(self) -> float:
		return self.now


def test_two_workers_share_one_burst_and_a_new_job_finds_the_bucket_drained(redis_client, request):
	clock = Clock()
	prefix = f"test:{request.node.name}"
	first = RedisThrottleRegistry(redis_client, prefix=prefix, clock=clock).bucket("SELLER@eu", "getOrder")
	second = RedisThrottleRegistry(redis_client, prefix=prefix, clock=clock).bucket("SELLER@eu", "getOrder")
	waits = [(first if i % 2 else second).reserve() for i in range(30)]  # getOrder: burst 30
	assert waits == [0.0] * 30
	assert second.reserve() == pytest.approx(2.0, abs=0.06)  # 0.5 per second, for both of them
	later = RedisThrottleRegistry(redis_client, prefix=prefix, clock=clock).bucket("SELLER@eu", "getOrder")
	assert later.tokens == pytest.approx(-1.0)  # a new job starts with the bucket as Amazon sees it
	clock.now += 10  # five tokens back, shared
	assert later.tokens == pytest.approx(4.0)
	other = RedisThrottleRegistry(redis_client, prefix=prefix, clock=clock).bucket("OTHER@eu", "getOrder")
	assert other.reserve() == 0.0 and other.tokens == pytest.approx(29.0)  # another seller: its own


def test_settle_refund_and_drain_act_on_the_shared_bucket(redis_client, request):
	clock = Clock()
	bucket = RedisThrottleRegistry(redis_client, prefix=f"test:{request.node.name}", clock=clock).bucket(
		"S@na", "searchOrders"
	)
	assert bucket.tokens == 20.0
	bucket.settle()
	assert bucket.tokens == 19.0
	bucket.reserve()
	bucket.refund()
	assert bucket.tokens == 19.0
	bucket.drain(30)  # Amazon said: pause 30 s
	assert bucket.tokens == pytest.approx(-30 * bucket.rate)
	assert bucket.expected_wait() == pytest.approx(30 + 1 / bucket.rate)  # the pause, then a token


def _calls_in_parallel(sim, registries, order_ids, calls_each, scale):
	clock, sleep = scaled_clock(scale)
	errors = []

	def worker(index):
		# Two workers syncing two accounts of the same seller.
		config = replace(account_config(sim.account, sim.base_url, key=f"account-{index}"))
		session = SpApiSession(config, clock=clock, sleep=sleep, throttle=registries[index])
		source = SpApiSource(session)
		try:
			for n in range(calls_each):
				source.get_order(order_ids[(index * calls_each + n) % len(order_ids)])
		except Exception as exc:  # noqa: BLE001 - reported below
			errors.append(exc)
		finally:
			session.close()

	threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(registries))]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join(timeout=120)
	return errors


@pytest.mark.parametrize("shared", [True, False])
def test_two_workers_of_one_seller_stay_inside_the_plan_only_with_shared_buckets(
	redis_client, request, shared
):
	scale = 10.0  # slow enough that the calls of both workers outrun the refill
	end = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
	world = generate_world(seed=51, orders=40, start=end - timedelta(days=10), end=end)
	sim = Simulator(copy.deepcopy(world), time_scale=scale, limits=True, token_ttl=30 * 86400.0)
	sim.start()
	try:
		clock, _ = scaled_clock(scale)
		if shared:
			one = RedisThrottleRegistry(redis_client, prefix=f"test:{request.node.name}", clock=clock)
			registries = [
				one,
				RedisThrottleRegistry(redis_client, prefix=f"test:{request.node.name}", clock=clock),
			]
		else:
			registries = [ThrottleRegistry(), ThrottleRegistry()]  # each worker its own, as before
		order_ids = [o["orderId"] for o in world["orders"]]
		errors = _calls_in_parallel(sim, registries, order_ids, 25, scale)  # 50 calls, burst 30
		stats = sim.stats()
	finally:
		sim.stop()
	assert not errors, errors
	throttled = stats["throttled"].get("getOrder", 0)
	assert stats["responses"]["getOrder"].get("200") == 50
	if shared:
		assert throttled == 0  # the sum of both never went past Amazon's bucket
	else:
		assert throttled > 0  # each thought it had the whole burst
