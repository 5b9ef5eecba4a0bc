"""Stable identities for Amazon financial events.

Finances v0 gives events no id. An event's key is built from what it is, so that fetching the same
event again (an overlapping window, or by order id) gives the same key, and an event that differs in
any amount gives a new one:

    <AmazonOrderId>:<EventType>:<PostedDate as YYYYMMDDTHHMMSSZ>:<12 hex digits>

The hex digits hash the event's money content: every (list, item, type, amount, currency) it
carries, with amounts normalised (25.3 == "25.30") and the components sorted, so the JSON number
style and the order of components do not matter. Fields without money (store names, descriptions
Amazon may add later) are left out on purpose: a new optional field must not make an already
posted event look new. Two events alike in all of that, posted at the same second for the same
order, are told apart by their position among the lookalikes of one fetch ("#2", "#3", ...);
both always fall in the same posted-date window, so the numbering is stable.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from decimal import Decimal


def normalise_amount(amount: Decimal) -> str:
	"""'25.30', 25.3 and '25.300' all give '25.3'; '-0' gives '0'."""
	value = Decimal(amount)
	if value == 0:
		return "0"
	return format(value.normalize(), "f")


def fingerprint(components) -> str:
	"""12 hex digits over an iterable of tuples of str/Decimal; order-independent."""
	rows = sorted(
		json.dumps([normalise_amount(part) if isinstance(part, Decimal) else str(part) for part in row])
		for row in components
	)
	return hashlib.sha256("\n".join(rows).encode()).hexdigest()[:12]


def fingerprint_json(payload) -> str:
	"""12 hex digits over a whole JSON value, numbers normalised (for events not broken into components)."""
	return hashlib.sha256(json.dumps(_canonical(payload), sort_keys=True).encode()).hexdigest()[:12]


def _canonical(value):
	if isinstance(value, bool) or value is None:
		return value
	if isinstance(value, (int, float, Decimal)):
		return normalise_amount(Decimal(str(value)))
	if isinstance(value, dict):
		return {str(k): _canonical(v) for k, v in value.items()}
	if isinstance(value, (list, tuple)):
		return [_canonical(v) for v in value]
	return str(value)


def event_key(amazon_id: str, event_type: str, posted: datetime | None, digest: str) -> str:
	stamp = posted.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ") if posted else "undated"
	return f"{amazon_id or '-'}:{event_type}:{stamp}:{digest}"


class KeyNumbering:
	"""Tells apart identical events within one fetch: the second gets '#2', the third '#3', ..."""

	def __init__(self):
		self._seen: dict[str, int] = {}

	def __call__(self, key: str) -> str:
		n = self._seen.get(key, 0) + 1
		self._seen[key] = n
		return key if n == 1 else f"{key}#{n}"


def posted_of_event_key(key: str) -> datetime | None:
	"""The posted second an event key (`event_key`) carries; None for another kind of key."""
	parts = key.split(":")
	if len(parts) < 4:
		return None
	try:
		return datetime.strptime(parts[2], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
	except ValueError:
		return None
