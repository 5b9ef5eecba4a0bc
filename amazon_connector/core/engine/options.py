"""Engine options read from `SyncSettings.extra`: each is a number kept inside its sensible range, so
that a mistyped or extreme option slows a run down rather than breaking it."""

from __future__ import annotations

import math


def bounded(extra: dict | None, key: str, default: float, low: float = 0.0, high: float = math.inf) -> float:
	"""`extra[key]` as a float between `low` and `high`, `default` when it is not set."""
	return min(max(float((extra or {}).get(key, default)), low), high)
