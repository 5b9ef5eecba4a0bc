"""Windows bounded in orders as well as days: a window found holding more than `order_window_max`
orders is split and read again in smaller windows, with nothing lost or doubled, across interruptions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from test_order_engine_pages import PAGE, PagedAmazon
from test_order_engine_windows import NOW, make_order, parse, preview_with_items, settings, sync

from amazon_connector.core.engine.windows import (
	CHECKPOINT_KIND,
	CREATED,
	MIN_SPLIT_DAYS,
	SETTLE,
	UPDATED,
	OrderCheckpoint,
	Window,
	can_split,
	split_window_days,
	window_max,
)
from amazon_connector.spapi.errors import ThrottledError

TARGET, MAX = 3, 7  # tiny, so that a test world of tens of orders crowds windows


def bounded_settings(**overrides):
	return settings(extra={"order_window_target": TARGET, "order_window_max": MAX}, **overrides)


def finished_windows(report) -> list[tuple[Window, int]]:
	"""(window, orders it held) of every window the run finished, from the report's lines."""
	finished = []
	for line in report.windows:
		label, _, count = line.rpartition(": ")
		by, start, _dots, end = label.split(" ")
		finished.append((Window(parse(start), parse(end), by), int(count.split()[0])))
	return finished


def assert_bounded(windows) -> None:
	"""Every finished window holds at most the bound and a page more (the bound is checked per page),
	unless it was too short to split (under two hours)."""
	assert windows
	for window, held in windows:
		assert held <= MAX + PAGE - 1 or not can_split(window), (window.label, held)


def sale_day_world(count=40) -> list[dict]:
	# A quiet month, then a sale: 40 orders in the two days before now, all inside the first window.
	start = NOW - timedelta(days=2)
	return [make_order(n, start + timedelta(minutes=70 * n)) for n in range(count)]


def test_a_crowded_window_is_split_and_every_order_arrives_once():
	orders = sale_day_world()
	amazon = PagedAmazon(orders)
	port = preview_with_items("SKU-1")
	report = sync(amazon, port, settings=bounded_settings()).run()
	assert report.failed == 0
	assert report.counts["created"] == len(orders)
	assert set(port.sales_orders) == {o["orderId"] for o in orders}
	assert any("read again in smaller windows" in m for m in report.messages)
	windows = finished_windows(report)
	backfill = [(w, n) for w, n in windows if w.by == CREATED]
	assert_bounded(backfill)
	# Together they tile the backfill, newest first, with no gap.
	assert backfill[0][0].end == NOW - SETTLE
	assert backfill[-1][0].start == datetime(2026, 1, 1, tzinfo=timezone.utc)
	for (newer, _), (older, _) in zip(backfill, backfill[1:], strict=False):
		assert older.end == newer.start
	# Each order of the window first read in full was handled once as created; the re-read found the
	# first pages' orders unchanged instead of creating them again.
	assert report.counts.get("unchanged", 0) > 0


def test_without_a_bound_the_same_window_is_read_whole():
	# The test above can fail: with a bound larger than the world, no window is split.
	orders = sale_day_world()
	report = sync(
		PagedAmazon(orders),
		preview_with_items("SKU-1"),
		settings=settings(extra={"order_window_target": TARGET, "order_window_max": 1000}),
	).run()
	assert not any("smaller windows" in m for m in report.messages)
	assert max(n for _, n in finished_windows(report)) == len(orders)


def test_a_run_stopped_after_a_split_resumes_with_the_smaller_windows():
	orders = sale_day_world()
	amazon = PagedAmazon(orders)
	# Throttled past the retries on the 5th page request: after the split, inside the smaller windows.
	amazon.fail_on_request[5] = ThrottledError("quota", operation="searchOrders", status=429)
	port = preview_with_items("SKU-1")
	first = sync(amazon, port, settings=bounded_settings()).run()
	stored = OrderCheckpoint.from_dict(port.get_checkpoint(CHECKPOINT_KIND))
	assert stored.backfill_window_days < 7  # the split size is kept
	second = sync(amazon, port, at=NOW + timedelta(minutes=15), settings=bounded_settings()).run()
	assert first.failed == second.failed == 0
	assert set(port.sales_orders) == {o["orderId"] for o in orders}
	assert first.counts["created"] + second.counts["created"] == len(orders)


def test_a_crowded_incremental_window_is_read_in_halves():
	orders = sale_day_world(count=6)  # a backfill well inside the bound
	amazon = PagedAmazon(orders)
	port = preview_with_items("SKU-1")
	sync(amazon, port, settings=bounded_settings()).run()
	# Then 30 new orders between two runs: the next run's incremental window holds them all.
	later = [make_order(100 + n, NOW + timedelta(minutes=5 + 10 * n)) for n in range(30)]
	for order in later:
		order["lastUpdatedTime"] = order["createdTime"]
		amazon.orders[order["orderId"]] = order
	report = sync(amazon, port, at=NOW + timedelta(hours=6), settings=bounded_settings()).run()
	assert report.failed == 0
	assert set(port.sales_orders) == {o["orderId"] for o in orders + later}
	incremental = [(w, n) for w, n in finished_windows(report) if w.by == UPDATED]
	assert len(incremental) > 1
	assert_bounded(incremental)
	for (older, _), (newer, _) in zip(incremental, incremental[1:], strict=False):
		assert newer.start == older.end  # oldest first, no gap


def test_orders_crowded_into_one_hour_are_read_whole_rather_than_split_for_ever():
	moment = NOW - timedelta(hours=5)
	orders = [make_order(n, moment) for n in range(20)]  # all at one instant
	amazon = PagedAmazon(orders)
	port = preview_with_items("SKU-1")
	report = sync(amazon, port, settings=bounded_settings()).run()
	assert report.failed == 0 and set(port.sales_orders) == {o["orderId"] for o in orders}
	assert len(amazon.requests) < 60  # a handful of splits down to an hour, then the hour read whole


def test_split_sizes_and_bounds():
	assert split_window_days(7, 1000, target=500) == 3.5  # at most half
	assert split_window_days(8, 4000, target=500) == 1  # sized for the target at the density seen
	assert split_window_days(0.1, 5000) == MIN_SPLIT_DAYS  # never under an hour
	assert split_window_days(7, 1700, target=500) * 24 == int(split_window_days(7, 1700, target=500) * 24)
	assert window_max(None) == 1000 and window_max("1500") == 1500
	assert window_max(100, target=500) == 1000  # never below twice the target
	assert window_max("x", target=10) == 1000 and window_max(-3, target=10) == 1000
	hour = Window(NOW - timedelta(hours=1), NOW, CREATED)
	assert not can_split(hour) and can_split(Window(NOW - timedelta(hours=2), NOW, CREATED))
