"""Token buckets whose state lives in Redis, shared by every worker pacing the same seller.

Amazon limits each operation per seller and application, whatever process calls it. With the
buckets of `throttle.py` each RQ worker (or machine) keeps its own, so two workers syncing the same
seller together spend twice the plan and earn 429s, and a new job starts with a full bucket although
Amazon's is still drained by the last one. Here a bucket is one Redis hash (tokens, last update),
read and changed atomically by one Lua script per call, so all workers draw from one bucket, and a
new job finds it as the last call left it (a bucket untouched for a day expires: it is full again
by then anyway).

A call's answer settles the bucket as `throttle.TokenBucket.settle` does, generalised to several
workers: while calls of others are in flight (counted in the hash), Amazon's bucket, which cannot
hold more than its burst, will be lower still by theirs, so ours is capped at burst - 1 - (calls in
flight) rather than burst - 1 (the safe side: a cap too low costs a short wait, one too high a 429).
A worker that dies mid-call leaves its count until the bucket expires; the count never exceeds the
burst.

The clock must be one all workers share: the wall clock (`time.time`) by default, not each
process's monotonic clock. The rate Amazon reports in `x-amzn-RateLimit-Limit` is kept per process
(every worker learns it from its own answers).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from amazon_connector.spapi.throttle import SAFETY_MARGIN, ThrottleRegistry, check_plan
from amazon_connector.spapi.usage_plans import UsagePlan, plan_for

# KEYS[1]: the bucket. ARGV: rate, burst, now, ttl, operation, argument. Returns the tokens left.
_SCRIPT = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local op = ARGV[5]
local arg = tonumber(ARGV[6])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated', 'inflight')
local tokens = tonumber(state[1])
local updated = tonumber(state[2])
local inflight = tonumber(state[3]) or 0
if tokens == nil or updated == nil then
	tokens = burst
	updated = now
end
if now > updated then
	tokens = math.min(burst, tokens + (now - updated) * rate)
	updated = now
end
if op == 'reserve' then
	tokens = tokens - 1
	inflight = math.min(burst, inflight + 1)
elseif op == 'settle' then
	inflight = math.max(0, inflight - 1)
	tokens = math.min(tokens, burst - 1 - inflight)
elseif op == 'refund' then
	inflight = math.max(0, inflight - 1)
	tokens = math.min(burst, tokens + 1)
elseif op == 'drain' then
	tokens = math.min(tokens, 0) - arg * rate
end
if op ~= 'peek' then
	redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(updated), 'inflight', inflight)
	redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
end
return tostring(tokens)
"""
IDLE_TTL = 24 * 3600  # seconds a bucket nobody uses is kept


class RedisTokenBucket:
	"""`throttle.TokenBucket`'s interface over a bucket kept in Redis (see the module docstring)."""

	def __init__(
		self,
		client,
		key: str,
		rate: float,
		burst: int,
		*,
		clock: Callable[[], float] = time.time,
		margin: float = SAFETY_MARGIN,
	):
		check_plan(rate, burst)
		self._script = client.register_script(_SCRIPT)
		self.key = key
		self.rate = float(rate)
		self.burst = int(burst)
		self._clock = clock
		self._margin = max(0.0, margin)

	def _run(self, op: str, argument: float = 0.0) -> float:
		now = self._clock()
		answer = self._script(
			keys=[self.key], args=[repr(self.rate), self.burst, repr(now), IDLE_TTL, op, repr(argument)]
		)
		return float(answer.decode() if isinstance(answer, bytes) else answer)

	def reserve(self) -> float:
		tokens = self._run("reserve")
		return 0.0 if tokens >= 0 else -tokens / self.rate + self._margin

	def settle(self) -> None:
		self._run("settle")

	def expected_wait(self) -> float:
		tokens = self._run("peek")
		return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate

	def refund(self) -> None:
		self._run("refund")

	@property
	def tokens(self) -> float:
		return self._run("peek")

	def set_rate(self, rate: float) -> None:
		if rate > 0:
			self.rate = float(rate)

	def drain(self, pause: float = 0.0) -> None:
		self._run("drain", max(0.0, pause))


class RedisThrottleRegistry(ThrottleRegistry):
	"""Buckets in Redis, keyed by `prefix`, the session's throttle key (seller and endpoint) and the
	operation. The sessions' own clocks are not used: `clock` must be shared by all workers."""

	def __init__(
		self,
		client,
		*,
		prefix: str = "amazon_connector:bucket",
		clock: Callable[[], float] = time.time,
		plans: Callable[[str], UsagePlan] = plan_for,
	):
		super().__init__(plans=plans)
		self.client = client
		self.prefix = prefix
		self._shared_clock = clock
		self._objects: dict[tuple[str, str], RedisTokenBucket] = {}
		self._objects_lock = threading.Lock()

	def key_for(self, account) -> str:
		"""Amazon limits per seller and application: every account of one seller, in any worker,
		shares the buckets (per endpoint: a sandbox never spends production quota)."""
		return f"{account.seller_id or account.key}@{account.api_endpoint}"

	def bucket(self, account_key: str, operation: str, *, clock=None) -> RedisTokenBucket:  # type: ignore[override]
		key = (account_key, operation)
		with self._objects_lock:
			bucket = self._objects.get(key)
			if bucket is None:
				plan = self._plans(operation)
				bucket = self._objects[key] = RedisTokenBucket(
					self.client,
					f"{self.prefix}:{account_key}:{operation}",
					plan.rate,
					plan.burst,
					clock=self._shared_clock,
				)
			return bucket

	def __len__(self) -> int:
		with self._objects_lock:
			return len(self._objects)
