"""Amazon's ISO 8601 times as aware UTC datetimes, and the engines' notion of "now"."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

_ISO = re.compile(
	r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$",
	re.IGNORECASE,
)


class TimestampError(ValueError):
	"""A value that is not an ISO 8601 date-time."""


def parse_timestamp(value) -> datetime | None:
	"""Amazon's ISO 8601 date-time as an aware UTC datetime; None when absent.

	A time without a zone is UTC (Amazon's times are). Tolerates what `datetime.fromisoformat` of
	Python 3.10 does not: a trailing "Z", and fractions of a second of any length.
	"""
	if value in (None, ""):
		return None
	if isinstance(value, datetime):
		return as_utc(value)
	match = _ISO.match(str(value).strip())
	if not match:
		raise TimestampError(f"not a date-time: {value!r}")
	year, month, day, hour, minute, second, fraction, zone = match.groups()
	micro = int((fraction or "0")[:6].ljust(6, "0"))
	moment = datetime(
		int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0), micro
	)
	if zone and zone.upper() != "Z":
		sign = 1 if zone[0] == "+" else -1
		digits = zone[1:].replace(":", "")
		offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
		return (moment - sign * offset).replace(tzinfo=timezone.utc)
	return moment.replace(tzinfo=timezone.utc)


def as_utc(value: datetime) -> datetime:
	"""An aware UTC datetime; a naive one is taken as UTC."""
	return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def current_time(now: datetime | Callable[[], datetime] | None) -> datetime:
	"""An engine's "now": the injected time or clock (tests, the simulator), else the real UTC time."""
	value = now() if callable(now) else now
	return as_utc(value or datetime.now(timezone.utc))


def readable_span(start: datetime, end: datetime) -> str:
	"""A time range for people ("25 Nov 2026 01:28 to 2 Dec 2026 01:28 UTC"): minutes, not
	microseconds, and the zone said once. Logs keep the exact ISO times where they need them."""

	def text(moment: datetime) -> str:
		moment = as_utc(moment)
		return f"{moment.day} {moment:%b %Y %H:%M}"

	return f"{text(start)} to {text(end)} UTC"
