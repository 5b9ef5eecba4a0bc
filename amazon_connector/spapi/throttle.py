"""Client-side pacing: one token bucket per (account, operation), shaped like Amazon's own.

Amazon limits each operation per seller and application with a token bucket (a sustained rate and
a burst). Mirroring it on our side means a call waits for a token instead of earning a 429. The
published plans seed the buckets; the `x-amzn-RateLimit-Limit` header, when Amazon sends it, tells
us the rate this seller really has.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from amazon_connector.spapi.usage_plans import UsagePlan, plan_for

# Seconds added to every wait: a call released at the exact instant its token is due can reach a
# server whose clock rounds differently a hair too early, and earn the 429 pacing is meant to avoid.
SAFETY_MARGIN = 0.05


def check_plan(rate: float, burst: int) -> None:
	if rate <= 0 or burst < 1:
		raise ValueError(
			f"A token bucket needs a positive rate and a burst of at least 1, not {rate}/{burst}"
		)


class TokenBucket:
	"""A token bucket that hands out reservations: `reserve()` takes a token now, possibly on credit,
	and says how long the caller must wait before using it. Waiting happens outside the lock, so
	concurrent callers queue up in order instead of all waking at once.
	"""

	def __init__(
		self,
		rate: float,
		burst: int,
		*,
		clock: Callable[[], float] = time.monotonic,
		margin: float = SAFETY_MARGIN,
	):
		check_plan(rate, burst)
		self._clock = clock
		self._margin = max(0.0, margin)
		self._lock = threading.Lock()
		self.rate = float(rate)
		self.burst = int(burst)
		self._tokens = float(burst)
		self._updated = clock()

	def _refill(self, now: float) -> None:
		elapsed = max(0.0, now - self._updated)
		self._tokens = min(float(self.burst), self._tokens + elapsed * self.rate)
		self._updated = now

	def reserve(self) -> float:
		"""Take one token; return the seconds to wait before the call may go out (0 if none)."""
		with self._lock:
			now = self._clock()
			self._refill(now)
			self._tokens -= 1.0
			return 0.0 if self._tokens >= 0 else -self._tokens / self.rate + self._margin

	def settle(self) -> None:
		"""A call just got its answer, so Amazon took its token at the latest now. While it was in flight
		our bucket kept refilling from the moment of reservation, but Amazon's, still full, could not
		hold more than its burst: after the call it has at most burst - 1 tokens, and so do we. Without
		this, slow first calls (connection set-up, a simulator's fast clock) make us one token optimistic."""
		with self._lock:
			self._refill(self._clock())
			self._tokens = min(self._tokens, float(self.burst) - 1.0)

	def expected_wait(self) -> float:
		"""Seconds until a reservation made now could go out (without making one)."""
		with self._lock:
			self._refill(self._clock())
			return 0.0 if self._tokens >= 1.0 else (1.0 - self._tokens) / self.rate

	def refund(self) -> None:
		"""Give back a reservation that will not be used."""
		with self._lock:
			self._tokens = min(float(self.burst), self._tokens + 1.0)

	@property
	def tokens(self) -> float:
		with self._lock:
			self._refill(self._clock())
			return self._tokens

	def set_rate(self, rate: float) -> None:
		"""Amazon told us this seller's rate for the operation; the burst stays the published one."""
		if rate <= 0:
			return
		with self._lock:
			self._refill(self._clock())
			self.rate = float(rate)

	def drain(self, pause: float = 0.0) -> None:
		"""Amazon throttled us although our bucket had tokens (another process or app shares the
		seller's quota, or the plan is smaller than published): forget the tokens we thought we had,
		and if Amazon said how long to pause, owe that much too."""
		with self._lock:
			self._refill(self._clock())
			self._tokens = min(self._tokens, 0.0) - max(0.0, pause) * self.rate


def parse_rate_limit(value) -> float | None:
	"""The `x-amzn-RateLimit-Limit` header as a positive float, or None if absent or malformed."""
	if value is None:
		return None
	try:
		rate = float(str(value).strip())
	except ValueError:
		return None
	return rate if rate > 0 and rate == rate and rate != float("inf") else None


class ThrottleRegistry:
	"""The buckets of a process, keyed by (account, operation).

	Two sessions of the same account share buckets, so two jobs of one seller pace together;
	different accounts never share one, since Amazon limits each seller separately.
	"""

	def __init__(self, *, plans: Callable[[str], UsagePlan] = plan_for):
		self._plans = plans
		self._lock = threading.Lock()
		self._buckets: dict[tuple, TokenBucket] = {}

	def key_for(self, account) -> str:
		"""The buckets' key of a session's account: per account and endpoint in one process."""
		return f"{account.key}@{account.api_endpoint}"

	def bucket(
		self, account_key: str, operation: str, *, clock: Callable[[], float] = time.monotonic
	) -> TokenBucket:
		key = (account_key, operation)
		with self._lock:
			bucket = self._buckets.get(key)
			if bucket is None:
				plan = self._plans(operation)
				bucket = self._buckets[key] = TokenBucket(plan.rate, plan.burst, clock=clock)
			return bucket

	def clear(self) -> None:
		with self._lock:
			self._buckets.clear()

	def __len__(self) -> int:
		with self._lock:
			return len(self._buckets)


# The process-wide registry sessions use unless given their own (tests give their own).
DEFAULT_REGISTRY = ThrottleRegistry()
