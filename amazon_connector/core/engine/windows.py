"""Which time windows an order sync reads, and the checkpoint that makes it resumable.

Backfill reads orders by creation time, newest first, from a fixed upper edge (the first run's
"now") down to the after date, one window at a time. The checkpoint keeps a single edge,
`backfill_done_to`: every order created in [backfill_done_to, backfill_upper] has been read. A
finished window moves the edge down to its start, so a resumed backfill continues exactly there:
finished windows are never read again and no gap can open (windows share their boundary instant;
Amazon's createdAfter/createdBefore are both inclusive, so an order on the boundary is read twice
and found unchanged the second time). The oldest window is cut at the after date.

Backfill windows are sized as the backfill goes, not planned up front: each searchOrders call is
slow under Amazon's usage plan (a burst of 20, then one call every three minutes), and every
window costs at least one call even when nearly empty, while a crowded window is many pages that
an interrupted run reads again. `next_window_days` sizes the next window from the order density
of the window just read so that it holds about `target` orders (500 = five pages by default,
`order_window_target` in the settings' extra), between one and ninety days, and never more than
twice the size before (an empty window therefore doubles it). The first window is
`order_window_days` long. The size is kept in the checkpoint, so a resumed backfill goes on with
it, and re-reads a window that failed with the same edges. Since a window always starts at the
edge the previous one finished at, the size only decides how many windows there are, never
whether they tile [after, backfill_upper].

Windows are bounded in orders as well as days. A window found holding more than `max_orders` orders
(1,000 by default, `order_window_max` in the settings' extra; a sale day, or a first window sized
before the density was known) is split as soon as that many are read, before its next page: a
backfill window is read again as a window of its own end and a size that would have held about
`target` orders (`split_window_days`, at most half the size, down to an hour); an incremental window
as its two halves. The orders already read in it are found unchanged the second time. The bound keeps
every window to a few pages, so that a window is finished (and checkpointed for good) within a run
even when Amazon throttles, well inside the 24 hours a page token lives. A window smaller than a day
(only a split makes one) lets the next be as small, so a seller of thousands of orders a day is read
in windows of hours.

Orders created after `backfill_upper`, and orders changed after they were read, are found by the
incremental pass: lastUpdatedAfter from `updated_to` minus a small overlap (Amazon's index is
eventually consistent), oldest first so the cursor only moves forward, each window checkpointed
(these windows are `order_window_days` long: the overlap makes them cheap to plan up front).
Every order created after `backfill_upper` was necessarily updated after it, so backfill and
incremental together leave no gap. A run does the incremental pass first (recent changes first),
then continues the backfill.

A window is also checkpointed page by page: once every order of a page is handled, the token of the
next page is kept with the window's edges (`OrderCheckpoint.page`). A run stopped inside a window
(Amazon throttling past the retries, a crash, a kill) resumes at that page, so a crowded window is
never read again from its first page; a token Amazon no longer accepts (they live 24 hours) means the
window is read again from its start, which only finds the handled orders unchanged.

Amazon keeps orders for about two years: an older after date is moved up, with a message. Amazon
also refuses a createdBefore/lastUpdatedBefore less than two minutes before the request, so "now"
is always taken a few minutes back.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import TypeVar

from ..timestamps import parse_timestamp, readable_span

CHECKPOINT_KIND = "orders"
# The window size is an optional field added without a new version: code that predates it reads
# the checkpoint unchanged (and resumes with fixed windows) instead of starting the backfill again.
CHECKPOINT_VERSION = 1

# Amazon returns orders from about the last two years; a day of margin keeps the oldest window
# inside what Amazon still serves.
HISTORY_LIMIT = timedelta(days=729)
# createdBefore/lastUpdatedBefore must be at least two minutes before the request.
SETTLE = timedelta(minutes=3)

CREATED = "created"
UPDATED = "updated"

# Orders a backfill window is sized to hold: five pages of searchOrders.
DEFAULT_WINDOW_TARGET = 500
DEFAULT_WINDOW_DAYS = 7.0
MIN_WINDOW_DAYS = 1.0
# A window holding more than this many orders is split (order_window_max in the settings' extra).
DEFAULT_WINDOW_MAX = 1000
# No split makes a window shorter than an hour (a stored size below it is read as an hour).
MIN_SPLIT_DAYS = 1 / 24
MAX_WINDOW_DAYS = 90.0
# A window is at most this many times the one before: an estimate from a few orders (or from a
# quiet stretch) must not jump to a window that turns out to be hundreds of pages.
MAX_WINDOW_GROWTH = 2.0
_HOURS = 24

_Field = TypeVar("_Field")


@dataclass(frozen=True)
class Window:
	start: datetime
	end: datetime
	by: str  # CREATED (backfill) or UPDATED (incremental)

	@property
	def label(self) -> str:
		return f"{self.by} {_iso(self.start)} .. {_iso(self.end)}"

	@property
	def readable(self) -> str:
		"""The window for progress texts: "created 25 Nov 2026 01:28 to 2 Dec 2026 01:28 UTC"."""
		return f"{self.by} {readable_span(self.start, self.end)}"

	@property
	def days(self) -> float:
		return (self.end - self.start) / timedelta(days=1)

	def query(self) -> dict:
		"""Keyword arguments of spapi.orders.search_orders for this window."""
		if self.by == CREATED:
			return {"created_after": self.start, "created_before": self.end}
		return {"last_updated_after": self.start, "last_updated_before": self.end}


def next_window_days(
	current_days: float,
	orders: int,
	span_days: float,
	*,
	target: int = DEFAULT_WINDOW_TARGET,
	min_days: float = MIN_WINDOW_DAYS,
	max_days: float = MAX_WINDOW_DAYS,
	growth: float = MAX_WINDOW_GROWTH,
) -> float:
	"""Days the next backfill window spans, after one of `span_days` held `orders` orders.

	Sized to hold about `target` orders at the density just seen (the nearest window is the best
	guide: sellers grow and have seasons, so an average over the whole backfill would lag), at most
	`growth` times `current_days` (so an empty window doubles it), within [min_days, max_days] and
	in whole hours (readable edges).
	"""
	ceiling = max(current_days, min_days) * growth
	if orders > 0 and span_days > 0:
		days = min(ceiling, target * span_days / orders)
	else:
		days = ceiling
	days = round(days * _HOURS) / _HOURS
	return min(max_days, max(min_days, days))


def split_window_days(days: float, orders: int, target: int = DEFAULT_WINDOW_TARGET) -> float:
	"""The size of a backfill window read again after a window of `days` turned out to hold more than
	`orders` orders: sized for `target` at that density (a lower bound of it: the window held more),
	at most half the window, at least an hour, in whole hours."""
	size = min(days / 2, target * days / max(orders, 1))
	return max(MIN_SPLIT_DAYS, math.floor(size * _HOURS) / _HOURS)


def can_split(window: Window) -> bool:
	"""Whether a window is long enough to be split (each part at least an hour)."""
	return window.days >= 2 * MIN_SPLIT_DAYS


def window_max(value, target: int = DEFAULT_WINDOW_TARGET) -> int:
	"""Orders a window may hold before it is split, from the settings' extra `order_window_max` (at
	least twice the target, so that a window sized for the target is never split by chance)."""
	try:
		bound = int(value)
	except (TypeError, ValueError):
		bound = DEFAULT_WINDOW_MAX
	return max(bound if bound > 0 else DEFAULT_WINDOW_MAX, 2 * target)


def initial_window_days(value) -> float:
	"""The first backfill window's size from the settings' order_window_days, within the bounds."""
	days = _window_days(value)
	return DEFAULT_WINDOW_DAYS if days is None else days


def window_target(value) -> int:
	"""Orders a window is sized to hold, from the settings' extra `order_window_target`."""
	try:
		target = int(value)
	except (TypeError, ValueError):
		return DEFAULT_WINDOW_TARGET
	return target if target > 0 else DEFAULT_WINDOW_TARGET


def backfill_window(done_to: datetime, after: datetime, days: float) -> Window | None:
	"""The next backfill window below `done_to`, cut at the after date; None when the backfill is done."""
	if done_to <= after:
		return None
	return Window(max(after, done_to - timedelta(days=days)), done_to, CREATED)


@dataclass
class OrderCheckpoint:
	backfill_upper: datetime | None = None  # newest creation time the backfill covers (fixed)
	backfill_done_to: datetime | None = None  # orders created in [done_to, upper] are read
	updated_to: datetime | None = None  # orders updated before this are read (incremental cursor)
	after: datetime | None = None  # the after date the backfill last aimed for (informative)
	backfill_window_days: float | None = None  # the next backfill window's size (None: the settings')
	# A window read part way: {"by", "start", "end", "token", "orders"}; `token` names the first page not
	# yet handled, so a resumed run goes on from there instead of from the window's first page.
	page: dict | None = None
	# Orders imported without the buyer data the account wants, to complete when Amazon sends it.
	awaiting_personal_data: list[str] = field(default_factory=list)

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
			"backfill_window_days": self.backfill_window_days,
			"page": self.page,
			"awaiting_personal_data": list(self.awaiting_personal_data),
		}

	@classmethod
	def from_dict(cls, value: dict | None) -> OrderCheckpoint:
		"""Read a stored checkpoint; raises ValueError when it is not one this code wrote.

		A checkpoint without a window size (written before windows adapted) loads with none; a size
		that is not a usable number is dropped too, since the edges alone are enough to resume.
		"""
		if not value:
			return cls()
		if value.get("version") != CHECKPOINT_VERSION:
			raise ValueError(f"unknown order checkpoint version {value.get('version')!r}")
		checkpoint = cls(
			backfill_upper=parse_timestamp(value.get("backfill_upper")),
			backfill_done_to=parse_timestamp(value.get("backfill_done_to")),
			updated_to=parse_timestamp(value.get("updated_to")),
			after=parse_timestamp(value.get("after")),
			backfill_window_days=_window_days(value.get("backfill_window_days"), MIN_SPLIT_DAYS),
			page=_page(value.get("page")),
			awaiting_personal_data=[str(o) for o in value.get("awaiting_personal_data") or [] if o],
		)
		if checkpoint.started and (checkpoint.backfill_done_to is None or checkpoint.updated_to is None):
			raise ValueError("order checkpoint is incomplete")
		return checkpoint

	def read_to(self, window: Window, token: str, orders: int) -> None:
		"""Every order of `window` before the page `token` names has been handled."""
		self.page = {
			"by": window.by,
			"start": _iso(window.start),
			"end": _iso(window.end),
			"token": token,
			"orders": orders,
		}

	def resume_of(self, window: Window) -> tuple[str | None, int]:
		"""(the page token to go on from, orders already handled) when `window` was read part way."""
		page = self.page
		if page and (page["by"], page["start"], page["end"]) == (
			window.by,
			_iso(window.start),
			_iso(window.end),
		):
			return page["token"], int(page.get("orders") or 0)
		return None, 0

	def finish(self, window: Window) -> None:
		"""Record a finished window."""
		if self.resume_of(window)[0] is not None:
			self.page = None
		if window.by == CREATED:
			self.backfill_done_to = min(self.backfill_done_to or window.start, window.start)
		else:
			self.updated_to = max(self.updated_to or window.end, window.end)


@dataclass
class RunPlan:
	"""One run: the incremental windows (planned up front, oldest first), then the backfill windows,
	newest first, each sized once the one before it is finished."""

	checkpoint: OrderCheckpoint
	incremental: list[Window]
	after: datetime
	target: int = DEFAULT_WINDOW_TARGET
	messages: list[str] = field(default_factory=list)
	max_orders: int = DEFAULT_WINDOW_MAX
	_cursor: int = 0  # the next incremental window (a split puts its halves in its place)
	_split: bool = False  # the backfill window just yielded was split, not finished

	def windows(self) -> Iterator[Window]:
		"""The windows to read, in order. Each must be `finish`ed (or `split`) before the next is asked
		for: the backfill's next window starts where the last finished one did."""
		self._cursor = 0
		while self._cursor < len(self.incremental):
			incremental = self.incremental[self._cursor]
			self._cursor += 1
			yield incremental
		while (backfill := self.next_backfill_window()) is not None:
			self._split = False
			yield backfill
			if not self._split and self.done_to != backfill.start:
				raise RuntimeError(f"backfill window {backfill.label} was not finished")

	def split(self, window: Window, orders: int) -> list[Window]:
		"""`window` held more than `max_orders` (`orders` were read before it stopped): read it again in
		smaller windows, which are returned. Its page checkpoint is dropped."""
		if self.checkpoint.resume_of(window)[0] is not None:
			self.checkpoint.page = None
		if window.by == UPDATED:
			middle = window.start + (window.end - window.start) / 2
			halves = [Window(window.start, middle, UPDATED), Window(middle, window.end, UPDATED)]
			at = self.incremental.index(window)
			self.incremental[at : at + 1] = halves
			self._cursor = at
			return halves
		self.checkpoint.backfill_window_days = split_window_days(window.days, orders, self.target)
		self._split = True
		smaller = self.next_backfill_window()
		return [smaller] if smaller is not None else []

	@property
	def done_to(self) -> datetime:
		"""The backfill's edge. A plan's checkpoint is always started (plan_run starts a fresh one, and
		OrderCheckpoint.from_dict refuses a started one without its edges)."""
		return _started(self.checkpoint.backfill_done_to, "backfill_done_to")

	@property
	def updated_to(self) -> datetime:
		"""The incremental cursor of the plan's (started) checkpoint."""
		return _started(self.checkpoint.updated_to, "updated_to")

	@property
	def window_days(self) -> float:
		"""The next backfill window's size (plan_run sets it from the settings when none is stored)."""
		return _started(self.checkpoint.backfill_window_days, "backfill_window_days")

	def next_backfill_window(self) -> Window | None:
		return backfill_window(self.done_to, self.after, self.window_days)

	def finish(self, window: Window, orders: int) -> None:
		"""Record a finished window that held `orders` orders, and size the next backfill window."""
		self.checkpoint.finish(window)
		if window.by == CREATED:
			self.checkpoint.backfill_window_days = next_window_days(
				self.window_days,
				orders,
				window.days,
				target=self.target,
				# Only a split makes a window under a day: the seller is that busy, so stay as small.
				min_days=max(MIN_SPLIT_DAYS, min(MIN_WINDOW_DAYS, window.days)),
			)

	def backfill_windows_left(self) -> int:
		"""An estimate at the current size (it changes as windows are read), for progress reports."""
		done_to = self.done_to
		if done_to <= self.after:
			return 0
		return math.ceil((done_to - self.after) / timedelta(days=self.window_days))


def clamp_after(after_date: date | datetime, now: datetime, tz=timezone.utc) -> tuple[datetime, str | None]:
	"""The after date as an aware time, moved up to what Amazon still keeps (with a message); an after
	date Amazon cannot serve orders from yet (later than SETTLE before `now`) is kept, with a message
	that says so and from when the runs read orders placed after it: the run reads nothing and must not
	look like a run that found nothing."""
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
	if after > now - SETTLE:
		ready = after + SETTLE
		return after, (
			f"The after date {after_date.isoformat()} is too recent: Amazon serves orders only up to "
			f"{SETTLE.total_seconds() / 60:.0f} minutes before now, so none could be read yet; orders "
			f"placed from then on are read by the runs from {ready:%Y-%m-%d %H:%M} UTC on."
		)
	return after, None


def plan_run(
	stored: dict | None,
	after_date: date | datetime,
	now: datetime,
	*,
	window_days: float,
	overlap: timedelta,
	target: int = DEFAULT_WINDOW_TARGET,
	max_orders: int = DEFAULT_WINDOW_MAX,
	tz=timezone.utc,
) -> RunPlan:
	"""Plan one run from the stored checkpoint.

	`window_days` is the incremental windows' size and the first backfill window's (a resumed
	backfill goes on with the size in its checkpoint); `target` the orders a backfill window is sized
	to hold; `max_orders` the orders past which a window is split.
	"""
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
	if checkpoint.backfill_window_days is None:
		checkpoint.backfill_window_days = initial_window_days(window_days)

	plan = RunPlan(
		checkpoint=checkpoint,
		incremental=[],
		after=after,
		target=target,
		messages=messages,
		max_orders=max_orders,
	)
	if not fresh:
		plan.incremental = _incremental(plan.updated_to - overlap, until, window_days)
	partial = _partial_window(checkpoint.page)
	if (
		plan.incremental
		and partial is not None
		and partial.by == UPDATED
		and partial.start == plan.incremental[0].start
	):
		# The window read part way is read on with its own edges (its pages belong to them); the
		# windows after it start where it ends.
		plan.incremental = [partial, *_incremental(partial.end, until, window_days)]
	if not fresh and plan.next_backfill_window() is None:
		messages.append("The backfill is complete; reading orders changed since the last run.")
	return plan


def _started(value: _Field | None, name: str) -> _Field:
	"""`value`, a field every started checkpoint has; a plan holding an unstarted one is a bug here."""
	if value is None:
		raise RuntimeError(f"the run's order checkpoint has no {name}: it was never started")
	return value


def _incremental(since: datetime, until: datetime, window_days) -> list[Window]:
	size = timedelta(days=max(1, int(window_days)))
	windows = []
	start = since
	while start < until:
		end = min(until, start + size)
		windows.append(Window(start, end, UPDATED))
		start = end
	return windows


def _page(value) -> dict | None:
	"""A stored part-way window, or None when absent or not one this code wrote (the window is then
	read from its first page, which is safe: orders are upserted by id)."""
	if not isinstance(value, dict) or not isinstance(value.get("token"), str) or not value["token"]:
		return None
	if value.get("by") not in (CREATED, UPDATED) or _partial_window(value) is None:
		return None
	return dict(value)


def _partial_window(page: dict | None) -> Window | None:
	if not page:
		return None
	try:
		start, end = parse_timestamp(page.get("start")), parse_timestamp(page.get("end"))
	except ValueError:
		return None
	if start is None or end is None or not start < end:
		return None
	return Window(start, end, page["by"])


def _window_days(value, min_days: float = MIN_WINDOW_DAYS) -> float | None:
	"""A window size in days within [min_days, MAX_WINDOW_DAYS], or None when `value` is not a usable
	number (a stored size may be under a day: a split made it)."""
	if isinstance(value, bool):
		return None
	try:
		days = float(value)
	except (TypeError, ValueError):
		return None
	if not math.isfinite(days) or days <= 0:
		return None
	return min(MAX_WINDOW_DAYS, max(min_days, days))


def _iso(value: datetime | None) -> str | None:
	if value is None:
		return None
	return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
