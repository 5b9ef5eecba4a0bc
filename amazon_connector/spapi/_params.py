"""Small helpers that put Python values into the shapes SP-API's query strings want."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone


def csv(values: Iterable[str] | str, *, name: str) -> str:
	"""A comma-delimited list (Amazon's `collectionFormat: csv`), refusing an empty one."""
	items = [values] if isinstance(values, str) else [str(v) for v in values]
	items = [v.strip() for v in items if v and v.strip()]
	if not items:
		raise ValueError(f"{name} needs at least one value")
	return ",".join(items)


def iso8601(value: datetime, *, name: str) -> str:
	"""A timezone-aware datetime as ISO 8601 in UTC (`2025-01-31T23:59:59Z`)."""
	if not isinstance(value, datetime):
		raise TypeError(f"{name} must be a datetime, not {type(value).__name__}")
	if value.tzinfo is None or value.utcoffset() is None:
		raise ValueError(f"{name} must be timezone-aware (got {value.isoformat()})")
	utc = value.astimezone(timezone.utc)
	text = utc.isoformat(timespec="milliseconds" if utc.microsecond else "seconds")
	return text.replace("+00:00", "Z")
