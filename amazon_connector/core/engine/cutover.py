"""Where the Finances 2024-06-19 feed takes over from v0, on an account whose fees v0 booked.

- The cut-over instant (`transactions_from`, set by the upgrade: the posted time of the last event
  the v0 feed booked) is where the new feed starts; the v0 feed keeps the fees stage until then
  (`feed_of`), so a cut-over set in the future switches on its own when it comes.
- The new feed never starts later than the v0 feed's mark (what v0 had read completely), so no
  money between the two is left out; and on an account that ever ran v0, an event v0 booked is
  recognised by its key (order, type, posted second) and not booked again.
- The orders whose v0 events waited for the order to be imported are handed over: the new feed
  reads their transactions by order id.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from ..mapping.fee_keys import posted_of_event_key
from ..timestamps import parse_timestamp

FINANCES_V0, FINANCES_2024 = "v0", "2024-06-19"
V0_CHECKPOINT = "fees"  # the v0 fee engine's checkpoint kind
HANDED_OVER = "v0"  # why a pending entry is there: an order v0 was waiting for


def cutover_of(extra: dict | None) -> datetime | None:
	value = (extra or {}).get("transactions_from")
	return parse_timestamp(value) if value else None


def feed_of(extra: dict | None, now: datetime) -> str:
	"""The feed the fees stage reads now: v0 until a cut-over instant still to come."""
	feed = (extra or {}).get("finances_api", FINANCES_V0)
	cutover = cutover_of(extra)
	if feed == FINANCES_2024 and cutover is not None and cutover > now:
		return FINANCES_V0
	return feed


def books_from(floor: datetime, cutover: datetime | None, v0_checkpoint: dict) -> datetime:
	"""The first posted instant the new feed books: the cut-over, or the v0 feed's mark when that is
	earlier (v0 read nothing after it), never before the after date's `floor`."""
	mark = parse_timestamp(v0_checkpoint.get("posted_before"))
	start = cutover
	if mark is not None and (start is None or mark < start):
		start = mark
	return max(start, floor) if start is not None else floor


def ran_v0(cutover: datetime | None, v0_checkpoint: dict) -> bool:
	"""Whether the v0 feed may have booked some of the new feed's money (so its keys are looked at)."""
	return bool(v0_checkpoint) or cutover is not None


def last_v0_posting(keys: Iterable[str]) -> datetime | None:
	"""The posted time of the latest event among the v0 feed's entry keys (the cut-over default)."""
	return max((p for p in map(posted_of_event_key, keys) if p is not None), default=None)


def handed_over(v0_checkpoint: dict) -> dict[str, dict]:
	"""Pending entries of the new feed for the orders the v0 feed was waiting for."""
	return {
		f"v0-waiting:{order_id}": {"posted": since or "", "why": HANDED_OVER, "order": order_id}
		for order_id, since in sorted((v0_checkpoint.get("waiting") or {}).items())
	}
