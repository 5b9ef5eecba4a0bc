"""Fault injection: shares of throttles, server errors, slow and truncated replies, expired tokens,
failed reports. Deterministic for a seed (one draw per request, in arrival order).

Configuration (constructor `faults=` or POST /_sim/faults), every key optional:

	{"seed": 7, "throttle": 0.1, "server_error": 0.05, "unavailable": 0.05, "slow": 0.02,
	 "slow_seconds": 5.0, "truncate": 0.02, "expired_token": 0.01, "report_fatal": 0.0,
	 "report_cancelled": 0.0, "operations": ["searchOrders"],
	 "script": [{"operation": "searchOrders", "fault": "unavailable", "count": 2}]}

Shares are probabilities per API call (the LWA endpoint and /_sim/ are never faulted). `operations`
limits the random shares to those operations. `script` entries fire first, on the next `count`
calls of their operation (or of any operation when "operation" is omitted), in order.
"""

from __future__ import annotations

import random
import threading

KINDS = ("throttle", "server_error", "unavailable", "slow", "truncate", "expired_token")
REPORT_KINDS = ("report_fatal", "report_cancelled")
KNOWN_KEYS = set(KINDS) | set(REPORT_KINDS) | {"seed", "slow_seconds", "operations", "script"}


class FaultConfigError(ValueError):
	pass


class Faults:
	def __init__(self, config: dict | None = None):
		self._lock = threading.Lock()
		self.configure(config or {})

	def configure(self, config: dict) -> None:
		unknown = set(config) - KNOWN_KEYS
		if unknown:
			raise FaultConfigError(f"unknown fault setting(s): {', '.join(sorted(unknown))}")
		for kind in KINDS + REPORT_KINDS:
			share = config.get(kind, 0)
			if not isinstance(share, (int, float)) or not 0 <= share <= 1:
				raise FaultConfigError(f"fault share {kind!r} must be a number between 0 and 1")
		script = []
		for entry in config.get("script") or []:
			if entry.get("fault") not in KINDS:
				raise FaultConfigError(f"script fault must be one of {', '.join(KINDS)}: {entry!r}")
			script.append(
				{
					"operation": entry.get("operation"),
					"fault": entry["fault"],
					"count": int(entry.get("count", 1)),
				}
			)
		with self._lock:
			self.config = dict(config)
			self.rng = random.Random(config.get("seed", 0))
			self.operations = set(config.get("operations") or [])
			self.slow_seconds = float(config.get("slow_seconds", 5.0))
			self.script = script

	def draw(self, operation: str) -> str | None:
		"""The fault this call of `operation` suffers, or None."""
		with self._lock:
			for entry in self.script:
				if entry["count"] > 0 and entry["operation"] in (None, operation):
					entry["count"] -= 1
					return entry["fault"]
			shares = [(kind, float(self.config.get(kind, 0))) for kind in KINDS]
			if not any(share for _, share in shares):
				return None
			roll = self.rng.random()  # drawn even when the operation is exempt, so runs stay comparable
			if self.operations and operation not in self.operations:
				return None
			for kind, share in shares:
				if roll < share:
					return kind
				roll -= share
			return None

	def report_outcome(self) -> str:
		"""DONE, FATAL or CANCELLED for a report being created."""
		with self._lock:
			roll = self.rng.random()
			fatal = float(self.config.get("report_fatal", 0))
			cancelled = float(self.config.get("report_cancelled", 0))
		if roll < fatal:
			return "FATAL"
		if roll < fatal + cancelled:
			return "CANCELLED"
		return "DONE"
