"""Adaptive backfill windows: the sizing rule on its own, and the windows it plans tiling the backfill
exactly across interruptions (the engine-level runs are in test_order_engine_windows.py)."""

from __future__ import annotations

import json
import math
from bisect import bisect_left, bisect_right
from datetime import date, datetime, timedelta, timezone

import pytest

from amazon_connector.core.engine.windows import (
	CHECKPOINT_VERSION,
	CREATED,
	MAX_WINDOW_DAYS,
	MIN_SPLIT_DAYS,
	MIN_WINDOW_DAYS,
	SETTLE,
	OrderCheckpoint,
	backfill_window,
	initial_window_days,
	next_window_days,
	plan_run,
	window_target,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
AFTER = date(2024, 3, 10)
UPPER = NOW - SETTLE


def drain(plan, count_for) -> list:
	"""Read every window of `plan` as the engine does, each holding count_for(window) orders."""
	read = []
	for window in plan.windows():
		plan.finish(window, count_for(window))
		read.append(window)
	return read


def stored(plan) -> dict:
	"""The checkpoint as the port keeps it (JSON), as the engine saves it after each window."""
	return json.loads(json.dumps(plan.checkpoint.to_dict()))


class Seller:
	"""Order creation times of a seller that grew (400 a day now, a few a day two years ago), with a
	busy season four times as dense and a stretch of no orders at all."""

	def __init__(self):
		moments = []
		moment = UPPER
		floor = datetime.combine(AFTER, datetime.min.time(), tzinfo=timezone.utc)
		while moment > floor:
			per_day = self.density(moment)
			moments.append(moment)
			moment -= timedelta(days=1 / per_day) if per_day else timedelta(days=1)
			if not per_day:
				moments.pop()
		self.moments = sorted(moments)

	@staticmethod
	def density(moment: datetime) -> float:
		age = (NOW - moment) / timedelta(days=1)
		per_day = 400 * math.exp(-age / 150)
		if datetime(2025, 11, 15, tzinfo=timezone.utc) <= moment < datetime(2026, 1, 1, tzinfo=timezone.utc):
			per_day *= 4
		if datetime(2025, 6, 1, tzinfo=timezone.utc) <= moment < datetime(2025, 7, 15, tzinfo=timezone.utc):
			per_day = 0
		return per_day

	def count(self, window) -> int:  # Amazon's bounds are both inclusive
		return bisect_right(self.moments, window.end) - bisect_left(self.moments, window.start)


@pytest.fixture(scope="module")
def seller():
	return Seller()


def plan(stored_checkpoint=None, now=NOW, window_days=7, target=500):
	return plan_run(
		stored_checkpoint, AFTER, now, window_days=window_days, overlap=timedelta(0), target=target
	)


def backfill_only(windows):
	return [w for w in windows if w.by == CREATED]


def assert_tiles(windows, after, upper):
	"""Newest first, each starting where the one before ended: [after, upper] with no gap or overlap."""
	assert windows[0].end == upper
	assert windows[-1].start == after
	for newer, older in zip(windows, windows[1:], strict=False):
		assert older.end == newer.start
		assert older.start < older.end


# -- the rule -------------------------------------------------------------------------------------
def test_next_window_is_sized_to_hold_the_target_at_the_density_just_seen():
	assert next_window_days(7, 350, 7, target=500) == 10  # 50 a day -> 10 days for 500
	assert next_window_days(10, 1000, 10, target=500) == 5  # denser: shrinks at once
	assert next_window_days(7, 400, 7, target=500) == 8.75  # 57.1 a day -> 8.75 days
	assert next_window_days(7, 350, 7, target=100) == 2  # the target is a parameter
	# The density is that of the window read, whatever size was planned (the oldest is cut short).
	assert next_window_days(7, 100, 2, target=500) == 10


def test_next_window_never_more_than_doubles_and_an_empty_window_doubles():
	assert next_window_days(7, 0, 7) == 14
	assert next_window_days(7, 1, 7) == 14  # one order in a week would ask for ten years
	assert next_window_days(20, 10, 20, target=500) == 40
	assert next_window_days(7, 0, 0) == 14  # no span to measure: treated as empty


def test_next_window_is_bounded_and_in_whole_hours():
	assert next_window_days(60, 0, 60) == MAX_WINDOW_DAYS
	assert next_window_days(MAX_WINDOW_DAYS, 0, MAX_WINDOW_DAYS) == MAX_WINDOW_DAYS
	assert next_window_days(1, 10_000, 1) == MIN_WINDOW_DAYS  # 10,000 a day: still one day
	assert next_window_days(7, 7000, 7) == MIN_WINDOW_DAYS
	for orders in (251, 333, 499, 777):
		days = next_window_days(7, orders, 7)
		assert days * 24 == round(days * 24)
		assert abs(days - 500 * 7 / orders) <= 1 / 48


def test_settings_values_are_read_defensively():
	assert initial_window_days(7) == 7 and initial_window_days("3") == 3
	assert initial_window_days(400) == MAX_WINDOW_DAYS and initial_window_days(0.5) == MIN_WINDOW_DAYS
	assert initial_window_days(None) == initial_window_days(0) == initial_window_days("x") == 7
	assert window_target(None) == window_target("no") == window_target(-5) == 500
	assert window_target("200") == 200


def test_a_window_never_reaches_past_the_after_date():
	after = datetime(2026, 1, 1, tzinfo=timezone.utc)
	assert backfill_window(after + timedelta(days=3), after, 90).start == after
	assert backfill_window(after, after, 7) is None
	assert backfill_window(after + timedelta(days=30), after, 7).start == after + timedelta(days=23)


# -- the windows it plans ---------------------------------------------------------------------------
def test_windows_follow_the_sellers_density_and_tile_the_backfill(seller):
	windows = drain(plan(), seller.count)
	after = datetime.combine(AFTER, datetime.min.time(), tzinfo=timezone.utc)
	assert_tiles(windows, after, UPPER)
	assert windows[0].days == 7
	for newer, older in zip(windows, windows[1:-1], strict=False):  # the oldest is cut at the after date
		assert MIN_WINDOW_DAYS <= older.days <= min(MAX_WINDOW_DAYS, 2 * newer.days)
	fixed = []  # what the fixed seven-day windows were
	while window := backfill_window(fixed[-1].start if fixed else UPPER, after, 7):
		fixed.append(window)

	def calls(ws):
		return sum(max(1, math.ceil(seller.count(w) / 100)) for w in ws)

	assert calls(windows) < calls(fixed)
	assert max(seller.count(w) for w in windows) < max(seller.count(w) for w in fixed)
	# Where the density is steady and above one day's worth, windows hold about the target.
	steady = [w for w in windows[1:-1] if MIN_WINDOW_DAYS < w.days < MAX_WINDOW_DAYS and seller.count(w)]
	assert steady and sum(400 <= seller.count(w) <= 600 for w in steady) >= 0.8 * len(steady)


def test_an_interruption_at_every_window_resumes_with_the_same_windows(seller):
	reference = drain(plan(), seller.count)
	for stop in range(len(reference)):
		first = plan()
		read = []
		for window in first.windows():
			if len(read) == stop:
				break  # this window could not be read: not finished, not checkpointed
			first.finish(window, seller.count(window))
			read.append(window)
		later = NOW + timedelta(hours=1 + stop)
		second = plan(stored(first), now=later)
		assert second.next_backfill_window() == reference[stop]  # the failed window, same edges
		read += backfill_only(drain(second, seller.count))
		assert read == reference, f"interrupted before window {stop}"


def test_a_backfill_read_one_window_per_run_ends_with_the_same_windows(seller):
	reference = drain(plan(), seller.count)
	checkpoint, read, runs = None, [], 0
	while True:
		current = plan(checkpoint, now=NOW + timedelta(hours=runs))
		runs += 1
		for window in current.incremental:
			current.finish(window, 0)
		window = current.next_backfill_window()
		if window is None:
			break
		current.finish(window, seller.count(window))
		read.append(window)
		checkpoint = stored(current)
	assert read == reference and runs == len(reference) + 1


def test_the_stored_size_carries_over_and_wins_over_a_changed_setting(seller):
	first = plan()
	window = first.next_backfill_window()
	first.finish(window, seller.count(window))
	size = first.checkpoint.backfill_window_days
	assert size != 7 and stored(first)["backfill_window_days"] == size
	resumed = plan(stored(first), now=NOW + timedelta(hours=2), window_days=3)
	assert resumed.next_backfill_window() == backfill_window(window.start, resumed.after, size)
	assert resumed.next_backfill_window().days == size


def test_a_checkpoint_written_before_windows_adapted_still_loads_and_resumes(seller):
	done_to = UPPER - timedelta(days=21)
	old = {  # exactly what the fixed-window code stored
		"version": 1,
		"backfill_upper": "2026-03-01T11:57:00Z",
		"backfill_done_to": done_to.isoformat().replace("+00:00", "Z"),
		"updated_to": "2026-03-01T11:57:00Z",
		"after": "2024-03-10T00:00:00Z",
	}
	assert CHECKPOINT_VERSION == old["version"]
	loaded = OrderCheckpoint.from_dict(old)
	assert loaded.backfill_done_to == done_to and loaded.backfill_window_days is None
	resumed = plan(old, now=NOW + timedelta(hours=1), window_days=5)
	assert not resumed.messages
	assert resumed.next_backfill_window().end == done_to and resumed.next_backfill_window().days == 5
	windows = backfill_only(drain(resumed, seller.count))
	assert_tiles(windows, resumed.after, done_to)
	assert stored(resumed)["backfill_window_days"] is not None


@pytest.mark.parametrize("size", ["big", -3, 0, None, True, float("nan")])
def test_an_unusable_stored_size_falls_back_to_the_setting_without_restarting(size):
	checkpoint = OrderCheckpoint(UPPER, UPPER - timedelta(days=10), UPPER, None, 30).to_dict()
	checkpoint["backfill_window_days"] = size
	resumed = plan(checkpoint, window_days=4)
	assert not resumed.messages
	assert resumed.next_backfill_window().end == UPPER - timedelta(days=10)
	assert resumed.next_backfill_window().days == 4


def test_a_stored_size_out_of_bounds_is_brought_within_them():
	checkpoint = OrderCheckpoint(UPPER, UPPER - timedelta(days=10), UPPER, None, 30).to_dict()
	checkpoint["backfill_window_days"] = 400
	assert plan(checkpoint).next_backfill_window().days == MAX_WINDOW_DAYS
	checkpoint["backfill_window_days"] = 0.01
	# A stored size may be under a day (a split made it), never under an hour.
	assert plan(checkpoint).next_backfill_window().days == MIN_SPLIT_DAYS


def test_reading_a_window_without_finishing_it_is_refused():
	current = plan()
	windows = current.windows()
	next(windows)
	with pytest.raises(RuntimeError, match="not finished"):
		next(windows)
