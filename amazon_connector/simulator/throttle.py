"""Amazon's usage plans as token buckets, one per (seller, operation), on the simulator clock."""

from __future__ import annotations

import threading

from amazon_connector.spapi.usage_plans import UsagePlan, plan_for


class TokenBucket:
	def __init__(self, plan: UsagePlan, now: float):
		self.rate = plan.rate
		self.burst = plan.burst
		self.tokens = float(plan.burst)
		self.updated = now

	def take(self, now: float) -> bool:
		self.tokens = min(float(self.burst), self.tokens + (now - self.updated) * self.rate)
		self.updated = now
		if self.tokens >= 1.0:
			self.tokens -= 1.0
			return True
		return False


class Throttle:
	"""`allow(seller, operation, now)`: False means answer 429. `now` is simulated seconds, so a faster
	clock refills buckets faster."""

	def __init__(self, enabled: bool = True, plans: dict[str, UsagePlan] | None = None):
		self.enabled = enabled
		self.plans = plans or {}
		self._buckets: dict[tuple[str, str], TokenBucket] = {}
		self._lock = threading.Lock()

	def plan(self, operation: str) -> UsagePlan:
		return self.plans.get(operation) or plan_for(operation)

	def allow(self, seller: str, operation: str, now: float) -> bool:
		if not self.enabled:
			return True
		with self._lock:
			bucket = self._buckets.get((seller, operation))
			if bucket is None:
				bucket = self._buckets[(seller, operation)] = TokenBucket(self.plan(operation), now)
			return bucket.take(now)
