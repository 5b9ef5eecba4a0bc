"""When and how long to wait before trying a failed SP-API call again."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

# 429 is Amazon's throttle; 500/502/503/504 are Amazon (or its gateway) being briefly unwell.
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})

JITTER_FULL = "full"
JITTER_NONE = "none"


@dataclass(frozen=True)
class RetryPolicy:
	"""Capped exponential backoff with jitter, bounded by a number of attempts and a deadline.

	The n-th retry waits up to min(max_delay, base_delay * 2**(n-1)) seconds; with full jitter the
	wait is drawn uniformly below that bound, which spreads clients that failed together. A
	`Retry-After` from Amazon is a floor. The deadline bounds the time a call spends waiting to be
	retried (backing off, and for a token of its bucket after a failure); a retry that would wait past
	it is not made. The requests' own time is bounded by their timeout and `max_attempts`.

	After a 429 the operation's bucket is empty, so a retry waits at least one token interval
	(1 / rate): 180 s for searchOrders at 0.0056 requests/s. A fixed deadline would let a slow
	operation retry once or twice at most, so the deadline of an operation is at least
	`token_intervals` of its intervals (`deadline_for`); `deadline` is the floor for fast operations.
	"""

	max_attempts: int = 8
	base_delay: float = 1.0
	max_delay: float = 60.0
	deadline: float = 300.0
	token_intervals: float = 6.0
	jitter: str = JITTER_FULL
	rng: random.Random = field(default_factory=random.Random, repr=False, compare=False)

	def __post_init__(self):
		if self.max_attempts < 1:
			raise ValueError("max_attempts must be at least 1")
		if self.jitter not in (JITTER_FULL, JITTER_NONE):
			raise ValueError(f"Unknown jitter {self.jitter!r}; expected 'full' or 'none'")

	def deadline_for(self, rate: float | None) -> float:
		"""Seconds an operation allowed `rate` requests per second may spend retrying one call."""
		if not rate or rate <= 0 or self.token_intervals <= 0:
			return self.deadline
		return max(self.deadline, self.token_intervals / rate)

	def delay(self, retry_number: int, retry_after: float | None = None) -> float:
		"""Seconds to wait before retry number `retry_number` (1 for the first retry)."""
		cap = min(self.max_delay, self.base_delay * (2 ** max(0, retry_number - 1)))
		wait = self.rng.uniform(0.0, cap) if self.jitter == JITTER_FULL else cap
		if retry_after is not None:
			wait = max(wait, retry_after)
		return wait


def parse_retry_after(value, now_epoch: float | None = None) -> float | None:
	"""`Retry-After` as seconds: either delta-seconds or an HTTP date; None if absent or unreadable."""
	if value is None:
		return None
	text = str(value).strip()
	try:
		seconds = float(text)
	except ValueError:
		try:
			when = parsedate_to_datetime(text)
		except (TypeError, ValueError, IndexError):
			return None
		if when is None:
			return None
		seconds = when.timestamp() - (time.time() if now_epoch is None else now_epoch)
	if seconds != seconds:  # NaN
		return None
	return max(0.0, min(seconds, 3600.0))
