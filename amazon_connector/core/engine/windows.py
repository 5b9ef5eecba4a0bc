"""Which time windows an order sync reads, and the checkpoint that makes it resumable.

Backfill reads orders by creation time, newest first, from a fixed upper edge (the first run's
"now") down to the after date, one window at a time. The checkpoint keeps a single edge,
`backfill_done_to`: every order created in [backfill_done_to, backfill_upper] has been read. A
finished window moves the edge down to its start, so a resumed backfill continues exactly there:
finished windows are never read again and no gap can open (windows share their boundary instant;
Amazon's createdAfter/createdBefore are both inclusive, so an order on the boundary is read twice
and found unchanged the second time).

Orders created after `backfill_upper`, and orders changed after they were read, are found by the
incremental pass: lastUpdatedAfter from `updated_to` minus a small overlap (Amazon's index is
eventually consistent), oldest first so the cursor only moves forward, each window checkpointed.
Every order created after `backfill_upper` was necessarily updated after it, so backfill and
incremental together leave no gap. A run does the incremental pass first (recent changes first),
then continues the backfill.

Amazon keeps orders for about two years: an older after date is moved up, with a message. Amazon
also refuses a createdBefore/lastUpdatedBefore less than two minutes before the request, so "now"
is always taken a few minutes back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

CHECKPOINT_KIND = "orders"
CHECKPOINT_VERSION = 1

# Amazon returns orders from about the last two years; a day of margin keeps the oldest window
# inside what Amazon still serves.
HISTORY_LIMIT = timedelta(days=729)
# createdBefore/lastUpdatedBefore must be at least two minutes before the request.
SETTLE = timedelta(minutes=3)

CREATED = "created"
UPDATED = "updated"


@dataclass(frozen=True)
class Window:
	start: datetime
	end: datetime
	by: str  # CREATED (backfill) or UPDATED (incremental)

	@property
	def label(self) -> str:
		return f"{self.by} {_iso(self.start)} .. {_iso(self.end)}"

	def query(self) -> dict:
		"""Keyword arguments of spapi.orders.search_orders for this window."""
		if self.by == CREATED:
			return {"created_after": self.start, "created_before": self.end}
		return {"last_updated_after": self.start, "last_updated_before": self.end}


@dataclass
class OrderCheckpoint:
	backfill_upper: datetime | None = None  # newest creation time the backfill covers (fixed)
	backfill_done_to: datetime | None = None  # orders created in [done_to, upper] are read
	updated_to: datetime | None = None  # orders updated before this are read (incremental cursor)
	after: datetime | None = None  # the after date the backfill last aimed for (informative)

	@property
	def started(self) -> bool:
		return self.backfill_upper is not None

	def to_dict(self) -> dict:
		return {
			"version": CHECKPOINT_VERSION,
			"backfill_upper": _iso(self.backfill_upper),
			"backfill_done_to": _iso(self.backfill_done_to),
			"updated_to": _iso(self.updated_to),
			"after": _iso(self.after),
		}

	@classmethod
	def from_dict(cls, value: dict | None) -> OrderCheckpoint:
		"""Read a stored checkpoint; raises ValueError when it is not one this code wrote."""
		if not value:
			return cls()
		if value.get("version") != CHECKPOINT_VERSION:
			raise ValueError(f"unknown order checkpoint version {value.get('version')!r}")
		checkpoint = cls(
			backfill_upper=_parse(value.get("backfill_upper")),
			backfill_done_to=_parse(value.get("backfill_done_to")),
			updated_to=_parse(value.get("updated_to")),
			after=_parse(value.get("after")),
		)
		if checkpoint.started and (checkpoint.backfill_done_to is None or checkpoint.updated_to is None):
			raise ValueError("order checkpoint is incomplete")
		return checkpoint

	def finish(self, window: Window) -> None:
		"""Record a finished window."""
		if window.by == CREATED:
			self.backfill_done_to = min(self.backfill_done_to or window.start, window.start)
		else:
			self.updated_to = max(self.updated_to or window.end, window.end)


@dataclass
class RunPlan:
	checkpoint: OrderCheckpoint
	windows: list[
		Window
	]  # in the order to read them: incremental (oldest first), then backfill (newest first)
	after: datetime
	messages: list[str] = field(default_factory=list)

	@property
	def backfill_windows(self) -> list[Window]:
		return [w for w in self.windows if w.by == CREATED]


def clamp_after(after_date: date | datetime, now: datetime, tz=timezone.utc) -> tuple[datetime, str | None]:
	"""The after date as an aware time, moved up to what Amazon still keeps (with a message)."""
	if isinstance(after_date, datetime):
		after = after_date if after_date.tzinfo else after_date.replace(tzinfo=tz)
	else:
		after = datetime.combine(after_date, time.min, tzinfo=tz)
	after = after.astimezone(timezone.utc)
	floor = now - HISTORY_LIMIT
	if after < floor:
		return floor, (
			f"The after date {after_date.isoformat()} is older than Amazon keeps orders (about two years); "
			f"orders are read from {floor.date().isoformat()} on."
		)
	return after, None


def plan_run(
	stored: dict | None,
	after_date: date | datetime,
	now: datetime,
	*,
	window_days: int,
	overlap: timedelta,
	tz=timezone.utc,
) -> RunPlan:
	"""Plan one run from the stored checkpoint: the windows to read, in order."""
	messages: list[str] = []
	until = now - SETTLE
	try:
		checkpoint = OrderCheckpoint.from_dict(stored)
	except (ValueError, TypeError, AttributeError) as exc:
		messages.append(f"The stored order checkpoint could not be read ({exc}); the backfill starts again.")
		checkpoint = OrderCheckpoint()
	after, clamp_message = clamp_after(after_date, now, tz)
	if clamp_message:
		messages.append(clamp_message)

	fresh = not checkpoint.started
	if fresh:
		checkpoint.backfill_upper = until
		checkpoint.backfill_done_to = until
		checkpoint.updated_to = until
	checkpoint.after = after
	size = timedelta(days=max(1, int(window_days)))

	windows: list[Window] = []
	if not fresh:
		windows.extend(_incremental(checkpoint.updated_to - overlap, until, size))
	windows.extend(_backfill(checkpoint.backfill_done_to, after, size))
	if not fresh and not any(w.by == CREATED for w in windows):
		messages.append("The backfill is complete; reading orders changed since the last run.")
	return RunPlan(checkpoint=checkpoint, windows=windows, after=after, messages=messages)


def _backfill(done_to: datetime, after: datetime, size: timedelta) -> list[Window]:
	windows = []
	end = done_to
	while end > after:
		start = max(after, end - size)
		windows.append(Window(start, end, CREATED))
		end = start
	return windows


def _incremental(since: datetime, until: datetime, size: timedelta) -> list[Window]:
	windows = []
	start = since
	while start < until:
		end = min(until, start + size)
		windows.append(Window(start, end, UPDATED))
		start = end
	return windows


def _iso(value: datetime | None) -> str | None:
	if value is None:
		return None
	return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _parse(value) -> datetime | None:
	if not value:
		return None
	text = str(value)
	if text.endswith("Z"):
		text = text[:-1] + "+00:00"
	parsed = datetime.fromisoformat(text)
	if parsed.tzinfo is None:
		parsed = parsed.replace(tzinfo=timezone.utc)
	return parsed.astimezone(timezone.utc)
