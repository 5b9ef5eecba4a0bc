"""The simulator's clock: starts at a chosen instant and runs `time_scale` times faster than real time."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from functools import lru_cache


def iso(moment: datetime) -> str:
	"""Amazon's ISO 8601 form: UTC, seconds precision, trailing Z."""
	return moment.astimezone(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


@lru_cache(maxsize=1 << 16)  # the same timestamps are read again on every search
def parse_iso(value: str) -> datetime:
	"""Parse an ISO 8601 timestamp as Amazon accepts them (Z or an offset; a date alone means midnight UTC)."""
	text = value.strip()
	if text.endswith("Z") or text.endswith("z"):
		text = text[:-1] + "+00:00"
	moment = datetime.fromisoformat(text)
	if moment.tzinfo is None:
		moment = moment.replace(tzinfo=timezone.utc)
	return moment.astimezone(timezone.utc)


class SimClock:
	"""Simulated UTC time. `advance` jumps ahead; `time_scale` speeds the flow of real time."""

	def __init__(self, start: datetime | None = None, time_scale: float = 1.0, monotonic=time.monotonic):
		if time_scale <= 0:
			raise ValueError("time_scale must be positive")
		self.time_scale = float(time_scale)
		self._monotonic = monotonic
		self._origin_real = monotonic()
		self._origin_sim = (start or datetime.now(timezone.utc)).astimezone(timezone.utc)
		self._lock = threading.Lock()

	def now(self) -> datetime:
		with self._lock:
			elapsed = (self._monotonic() - self._origin_real) * self.time_scale
			return self._origin_sim + timedelta(seconds=elapsed)

	def seconds(self) -> float:
		"""Simulated seconds since the epoch (for buckets and expiries)."""
		return self.now().timestamp()

	def wall_seconds(self) -> float:
		"""Simulated seconds since the epoch with real time flowing unscaled: jumps (`advance`) count,
		the `time_scale` does not. For expiries Amazon measures on the wall clock (presigned URLs)."""
		with self._lock:
			return self._origin_sim.timestamp() + (self._monotonic() - self._origin_real)

	def advance(self, seconds: float) -> datetime:
		with self._lock:
			self._origin_sim += timedelta(seconds=seconds)
		return self.now()
