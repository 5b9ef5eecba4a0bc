"""OrderSync's windows and checkpoints, against the PreviewErp and a fake searchOrders injected in place
of the SP-API access layer (the simulator tests are in test_order_engine_simulator.py)."""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from test_order_engine_sizing import drain
from test_order_shapes import US, amazon_order, order_item

from amazon_connector.core.drafts.items import ItemDraft
from amazon_connector.core.engine.orders import OrderSync
from amazon_connector.core.engine.windows import (
	CHECKPOINT_KIND,
	CREATED,
	HISTORY_LIMIT,
	SETTLE,
	UPDATED,
	OrderCheckpoint,
	RunPlan,
	clamp_after,
	plan_run,
)
from amazon_connector.core.ports import Outcome
from amazon_connector.core.preview import PreviewErp
from amazon_connector.core.settings import UNKNOWN_SKU_FAIL, MarketplaceConfig, SyncSettings

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def iso(moment: datetime) -> str:
	return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(text: str) -> datetime:
	return datetime.fromisoformat(text.replace("Z", "+00:00"))


class FakeAmazon:
	"""searchOrders/getOrder over a dict of orders, with Amazon's inclusive bounds; records every call."""

	def __init__(self, orders: list[dict]):
		self.orders = {o["orderId"]: o for o in orders}
		self.calls: list[tuple[str, datetime, datetime | None]] = []
		self.fail_after_calls: int | None = None

	def search_orders(self, *, marketplace_ids, created_after=None, created_before=None,
			last_updated_after=None, last_updated_before=None, **_):  # fmt: skip
		assert (created_after is None) != (last_updated_after is None), (
			"exactly one of the two, as Amazon wants"
		)
		if self.fail_after_calls is not None and len(self.calls) >= self.fail_after_calls:
			raise ConnectionError("Amazon is unreachable")
		by, start, end = (
			("created", created_after, created_before)
			if created_after
			else ("updated", last_updated_after, last_updated_before)
		)
		self.calls.append((by, start, end))
		field = "createdTime" if by == "created" else "lastUpdatedTime"
		for order in sorted(self.orders.values(), key=lambda o: o[field]):
			moment = parse(order[field])
			if (
				order["salesChannel"]["marketplaceId"] in marketplace_ids
				and start <= moment
				and (end is None or moment <= end)
			):
				yield copy.deepcopy(order)

	def get_order(self, order_id, *_, **__):
		if order_id not in self.orders:
			raise LookupError(f"no order {order_id}")
		return copy.deepcopy(self.orders[order_id])

	def update(self, order_id: str, at: datetime, **changes):
		order = self.orders[order_id]
		order.update(changes)
		order["lastUpdatedTime"] = iso(at)


def make_order(n: int, created: datetime, *, status="UNSHIPPED", sku="SKU-1", priced=True) -> dict:
	return amazon_order(
		f"111-{n:07d}-0000001",
		US,
		[
			order_item(
				f"{n}-1", sku, 2, "USD", item_total="10.00", tax="0.80", unit_price="5.00", priced=priced
			)
		],
		currency="USD",
		status=status,
		created=iso(created),
		grand_total="auto" if priced else None,
	)


def settings(**overrides) -> SyncSettings:
	values = dict(
		account_key="acct",
		after_date=date(2026, 1, 1),
		marketplaces=(MarketplaceConfig(US, "US", "USD", "Amazon US"),),
		order_window_days=7,
	)
	values.update(overrides)
	return SyncSettings(**values)


def preview_with_items(*skus: str) -> PreviewErp:
	port = PreviewErp("acct")
	for sku in skus:
		port.upsert_item(ItemDraft(sku=sku, marketplace_id=US, item_code=sku, item_name=sku))
	return port


def world(count=24) -> list[dict]:
	# One order every ~2.5 days from the after date to just before now.
	start = datetime(2026, 1, 1, 6, tzinfo=timezone.utc)
	return [make_order(n, start + timedelta(hours=60 * n)) for n in range(count)]


def sync(amazon, port, at=NOW, **kw) -> OrderSync:
	return OrderSync(amazon, port, kw.pop("settings", None) or settings(), now=at, **kw)


# -- planning ---------------------------------------------------------------------------------------
def test_first_plan_reads_backfill_newest_first_contiguously_down_to_the_after_date():
	plan = plan_run(None, date(2026, 1, 1), NOW, window_days=7, overlap=timedelta(minutes=30))
	windows = drain(plan, lambda window: 3500)  # dense enough that every window stays 7 days
	assert all(w.by == CREATED for w in windows)
	assert windows[0].end == NOW - SETTLE
	assert windows[-1].start == datetime(2026, 1, 1, tzinfo=timezone.utc)
	for newer, older in zip(windows, windows[1:], strict=False):
		assert older.end == newer.start  # no gap, no overlap beyond the shared instant
	assert all(w.end - w.start <= timedelta(days=7) for w in windows)


def test_after_date_beyond_two_years_is_clamped_with_a_message():
	after, message = clamp_after(date(2020, 1, 1), NOW)
	assert after == NOW - HISTORY_LIMIT
	assert "2020-01-01" in message and "two years" in message
	assert clamp_after(date(2025, 6, 1), NOW) == (datetime(2025, 6, 1, tzinfo=timezone.utc), None)
	plan = plan_run(None, date(2020, 1, 1), NOW, window_days=30, overlap=timedelta(0))
	assert drain(plan, lambda window: 0)[-1].start == NOW - HISTORY_LIMIT and plan.messages


def test_after_date_too_recent_for_amazon_says_so_and_from_when_orders_are_read():
	"""Amazon serves orders up to SETTLE before now: an after date later than that reads nothing yet,
	and the run says so instead of reporting a success that found nothing."""
	after, message = clamp_after(NOW - timedelta(minutes=1), NOW)
	assert after == NOW - timedelta(minutes=1)
	assert "is too recent" in message and "none could be read yet" in message
	assert "from 2026-03-01 12:02 UTC on" in message  # the after date plus SETTLE
	assert clamp_after(date(2026, 3, 2), NOW)[1].startswith("The after date 2026-03-02 is too recent")
	# Just older than SETTLE: Amazon serves it, no message.
	assert clamp_after(NOW - SETTLE - timedelta(seconds=1), NOW)[1] is None

	amazon = FakeAmazon([make_order(1, NOW - timedelta(hours=2))])
	port, recent = preview_with_items("SKU-1"), settings(after_date=NOW - timedelta(minutes=1))
	report = sync(amazon, port, settings=recent).run()
	assert report.failures == [] and not report.counts.get("created")
	assert any("is too recent" in m and "12:02 UTC" in m for m in report.messages), report.messages
	# The next run, still within SETTLE of the after date, says it again; once past, no more.
	again = sync(amazon, port, at=NOW + timedelta(minutes=1), settings=recent).run()
	assert any("is too recent" in m for m in again.messages), again.messages
	past = sync(amazon, port, at=NOW + timedelta(minutes=10), settings=recent).run()
	assert not any("is too recent" in m for m in past.messages), past.messages


def test_checkpoint_round_trips_and_a_corrupt_one_restarts_with_a_message():
	checkpoint = OrderCheckpoint(
		NOW, NOW - timedelta(days=3), NOW + timedelta(hours=1), NOW - timedelta(days=9), 12.5
	)
	assert OrderCheckpoint.from_dict(checkpoint.to_dict()) == checkpoint
	plan = plan_run({"version": 99}, date(2026, 1, 1), NOW, window_days=7, overlap=timedelta(0))
	assert plan.messages and "could not be read" in plan.messages[0]
	assert plan.next_backfill_window().end == NOW - SETTLE


def test_a_plan_over_a_checkpoint_never_started_names_the_missing_edge():
	plan = RunPlan(OrderCheckpoint(), [], datetime(2026, 1, 1, tzinfo=timezone.utc))
	with pytest.raises(RuntimeError, match="backfill_done_to"):
		plan.next_backfill_window()
	with pytest.raises(RuntimeError, match="updated_to"):
		_ = plan.updated_to
	started = plan_run(None, date(2026, 1, 1), NOW, window_days=7, overlap=timedelta(0))
	assert (started.done_to, started.updated_to, started.window_days) == (NOW - SETTLE, NOW - SETTLE, 7.0)


# -- runs -----------------------------------------------------------------------------------------------
def test_backfill_imports_every_priced_order_newest_windows_first_and_checkpoints_each_window():
	orders = world()
	orders.append(make_order(900, datetime(2026, 2, 20, tzinfo=timezone.utc), status="PENDING", priced=False))
	amazon = FakeAmazon(orders)
	port = preview_with_items("SKU-1")
	report = sync(amazon, port).run()
	assert set(port.sales_orders) == {
		o["orderId"] for o in orders if o["fulfillment"]["fulfillmentStatus"] != "PENDING"
	}
	assert report.counts["created"] == 24 and report.counts["skipped"] == 1 and report.failed == 0
	assert any("pending" in m and "111-0000900-0000001" in m for m in report.messages)
	starts = [start for by, start, _ in amazon.calls]
	assert starts == sorted(starts, reverse=True)  # newest first
	stored = OrderCheckpoint.from_dict(port.get_checkpoint(CHECKPOINT_KIND))
	assert stored.backfill_done_to == datetime(2026, 1, 1, tzinfo=timezone.utc)
	assert stored.backfill_upper == NOW - SETTLE
	draft = port.sales_orders["111-0000003-0000001"]["draft"]
	assert draft.grand_total == Decimal("10.80") and draft.lines[0].item_code == "SKU-1"


def test_a_second_run_creates_nothing_and_reads_only_what_changed_since():
	amazon = FakeAmazon(world())
	port = preview_with_items("SKU-1")
	sync(amazon, port).run()
	amazon.calls.clear()
	later = NOW + timedelta(hours=1)
	report = sync(amazon, port, at=later).run()
	assert report.counts["created"] == 0 and report.counts["updated"] == 0 and report.failed == 0
	assert [(by, start, end) for by, start, end in amazon.calls] == [
		("updated", NOW - SETTLE - timedelta(minutes=30), later - SETTLE)
	]


def test_an_interrupted_backfill_resumes_without_rereading_finished_windows_and_ends_the_same():
	orders = world()
	reference_port = preview_with_items("SKU-1")
	sync(FakeAmazon(orders), reference_port).run()

	amazon = FakeAmazon(orders)
	amazon.fail_after_calls = 3
	port = preview_with_items("SKU-1")
	first = sync(amazon, port).run()
	assert first.failed == 1 and first.failures[0].record_kind == "window"
	assert "resumes" in " ".join(first.messages)
	finished = list(amazon.calls)
	assert len(finished) == 3

	amazon.fail_after_calls = None
	amazon.calls.clear()
	later = NOW + timedelta(minutes=20)
	second = sync(amazon, port, at=later).run()
	assert second.failed == 0
	backfill_calls = [c for c in amazon.calls if c[0] == "created"]
	assert not set(backfill_calls) & set(finished)  # finished windows are never read again
	assert backfill_calls[0][2] == finished[-1][1]  # resumed exactly where it stopped: no gap
	assert {k: v["draft"].grand_total for k, v in port.sales_orders.items()} == {
		k: v["draft"].grand_total for k, v in reference_port.sales_orders.items()
	}
	assert second.counts["created"] + first.counts["created"] == len(orders)


def test_orders_created_while_a_backfill_runs_come_from_the_incremental_pass():
	orders = world(6)
	amazon = FakeAmazon(orders)
	port = preview_with_items("SKU-1")
	sync(amazon, port).run()
	fresh = make_order(700, NOW + timedelta(minutes=10))
	amazon.orders[fresh["orderId"]] = fresh
	report = sync(amazon, port, at=NOW + timedelta(hours=1)).run()
	assert report.counts["created"] == 1 and fresh["orderId"] in port.sales_orders


def test_cancellation_on_amazon_cancels_the_sales_order_on_the_next_run():
	orders = world(5)
	amazon = FakeAmazon(orders)
	port = preview_with_items("SKU-1")
	sync(amazon, port).run()
	target = orders[2]["orderId"]
	amazon.update(
		target,
		NOW + timedelta(minutes=5),
		fulfillment={"fulfillmentStatus": "CANCELLED", "fulfilledBy": "MERCHANT"},
	)
	for item in amazon.orders[target]["orderItems"]:
		item.pop("proceeds")
		item["cancellation"] = {
			"cancellationExecution": {"cancelledBy": "BUYER", "cancelReason": "Changed mind"}
		}
	amazon.orders[target].pop("proceeds")
	report = sync(amazon, port, at=NOW + timedelta(hours=1)).run()
	assert report.counts["cancelled"] == 1
	assert port.sales_orders[target]["docstatus"] == 2
	assert "Changed mind" in port.sales_orders[target]["cancel_reason"]
	# Seen again later: nothing more to do.
	again = sync(amazon, port, at=NOW + timedelta(hours=2)).run()
	assert again.counts["cancelled"] == 0 and again.failed == 0


def test_a_status_change_updates_the_sales_order():
	orders = world(3)
	amazon = FakeAmazon(orders)
	port = preview_with_items("SKU-1")
	sync(amazon, port).run()
	target = orders[1]["orderId"]
	amazon.update(
		target,
		NOW + timedelta(minutes=5),
		fulfillment={"fulfillmentStatus": "SHIPPED", "fulfilledBy": "MERCHANT"},
	)
	report = sync(amazon, port, at=NOW + timedelta(hours=1)).run()
	assert report.counts["updated"] == 1
	assert port.sales_orders[target]["draft"].amazon_status == "SHIPPED"


def test_a_pending_order_is_imported_once_amazon_prices_it():
	pending = make_order(800, NOW - timedelta(days=1), status="PENDING", priced=False)
	amazon = FakeAmazon([pending])
	port = preview_with_items("SKU-1")
	assert sync(amazon, port).run().counts["skipped"] == 1
	priced = make_order(800, NOW - timedelta(days=1))
	priced["lastUpdatedTime"] = iso(NOW + timedelta(minutes=30))
	amazon.orders[pending["orderId"]] = priced
	report = sync(amazon, port, at=NOW + timedelta(hours=1)).run()
	assert report.counts["created"] == 1 and pending["orderId"] in port.sales_orders


def test_one_malformed_order_fails_alone_with_its_id():
	orders = world(4)
	broken = orders[1]
	broken["orderItems"][0]["proceeds"]["breakdowns"][0]["subtotal"]["amount"] = "ten dollars"
	port = preview_with_items("SKU-1")
	report = sync(FakeAmazon(orders), port).run()
	assert report.failed == 1 and report.counts["created"] == 3
	assert report.failures[0].amazon_id == broken["orderId"]
	assert broken["orderId"] in report.failures[0].reason and "ten dollars" in report.failures[0].reason
	assert broken["orderId"] not in port.sales_orders


def test_an_unknown_sku_is_created_through_the_products_code():
	orders = world(2)
	port = preview_with_items()
	asked = []

	def resolver(marketplace_id, skus):
		asked.append((marketplace_id, dict(skus)))
		for sku in skus:
			port.upsert_item(
				ItemDraft(sku=sku, marketplace_id=marketplace_id, item_code=f"ITEM-{sku}", item_name=sku)
			)
		return {sku: f"ITEM-{sku}" for sku in skus}

	report = sync(FakeAmazon(orders), port, item_resolver=resolver).run()
	assert report.counts["created"] == 2 and report.failed == 0
	assert asked == [(US, {"SKU-1": "B000000001"})]  # the second order finds the Item made for the first
	assert all(r["draft"].lines[0].item_code == "ITEM-SKU-1" for r in port.sales_orders.values())


def test_an_unknown_sku_fails_only_its_order_when_the_settings_say_so():
	orders = world(3)
	orders[0]["orderItems"][0]["product"]["sellerSku"] = "NEW-SKU"
	port = preview_with_items("SKU-1")
	called = []
	report = sync(FakeAmazon(orders), port, settings=settings(unknown_sku_policy=UNKNOWN_SKU_FAIL),
		item_resolver=lambda m, s: called.append(s) or {}).run()  # fmt: skip
	assert called == []
	assert report.failed == 1 and report.counts["created"] == 2
	failure = report.failures[0]
	assert (
		failure.amazon_id == orders[0]["orderId"]
		and "NEW-SKU" in failure.reason
		and "retry" in failure.reason
	)


def test_a_cancelled_order_never_imported_is_not_created():
	order = make_order(1, NOW - timedelta(days=2), status="CANCELLED", priced=False)
	order["orderItems"][0]["cancellation"] = {"cancellationExecution": {"cancelledBy": "BUYER"}}
	port = preview_with_items("SKU-1")
	report = sync(FakeAmazon([order]), port).run()
	assert report.counts["skipped"] == 1 and not port.sales_orders


def test_retry_reads_the_given_orders_again_and_reports_unreadable_ones():
	orders = world(3)
	amazon = FakeAmazon(orders)
	port = preview_with_items()
	first = sync(amazon, port).run()
	assert first.failed == 3  # no Items and no way to create them
	port.upsert_item(ItemDraft(sku="SKU-1", marketplace_id=US, item_code="SKU-1", item_name="SKU-1"))
	amazon.calls.clear()
	report = sync(amazon, port).retry([orders[0]["orderId"], "111-9999999-9999999"])
	assert report.counts["created"] == 1 and report.failed == 1
	assert report.failures[0].amazon_id == "111-9999999-9999999"
	assert amazon.calls == []  # getOrder only, no search


def test_runs_hold_the_ports_exclusive_lock_when_it_offers_one():
	class LockingPort(PreviewErp):
		held = False

		def exclusive(self, kind):
			port = self

			class Lock:
				def __enter__(self):
					if port.held:
						raise RuntimeError(f"another {kind} sync is running")
					port.held = True

				def __exit__(self, *exc):
					port.held = False

			return Lock()

	port = LockingPort("acct")
	port.upsert_item(ItemDraft(sku="SKU-1", marketplace_id=US, item_code="SKU-1", item_name="SKU-1"))
	seen = []

	class WatchedAmazon(FakeAmazon):
		def search_orders(self, **kwargs):
			seen.append(port.held)
			yield from super().search_orders(**kwargs)

	amazon = WatchedAmazon(world(2))
	OrderSync(amazon, port, settings(), now=NOW).run()
	assert seen and all(seen) and port.held is False
	port.held = True
	with pytest.raises(RuntimeError, match="another orders sync"):
		OrderSync(amazon, port, settings(), now=NOW).run()


def test_progress_is_reported_per_window():
	calls = []
	sync(FakeAmazon(world(3)), preview_with_items("SKU-1")).run(
		progress=lambda d, t, m: calls.append((d, t, m))
	)
	assert calls[0][0] == 0 and calls[-1][0] == calls[-1][1] and calls[-1][1] > 1


def test_progress_inside_a_window_counts_its_orders_as_they_are_read():
	calls = []
	sync(FakeAmazon(world(6)), preview_with_items("SKU-1")).run(
		progress=lambda d, t, m: calls.append((d, t, m))
	)
	by_window: dict[int, list[str]] = {}
	for done, _, message in calls:
		by_window.setdefault(done, []).append(message)
	crowded = [told for told in by_window.values() if len(told) > 2]
	assert crowded, by_window  # some window held orders
	for told in crowded:
		assert told[0].startswith("Reading orders created ") and not told[0].endswith(" read")
		counts = [m.rsplit(": ", 1)[1] for m in told[1:] if m.endswith(" read")]
		assert counts == [f"{n} order{'s' if n != 1 else ''} read" for n in range(1, len(counts) + 1)], told
	windows_told = {d for d, _, _ in calls}
	assert len(windows_told) > 1  # the window count still moves as windows end


def test_no_enabled_marketplace_reads_nothing():
	amazon = FakeAmazon(world(2))
	report = sync(amazon, PreviewErp("acct"), settings=settings(marketplaces=())).run()
	assert amazon.calls == [] and "No marketplace" in report.messages[0]


def test_window_boundary_order_is_read_twice_but_imported_once():
	plan = plan_run(None, date(2026, 1, 1), NOW, window_days=7, overlap=timedelta(0))
	boundary = plan.next_backfill_window().start  # shared by the first two windows
	order = make_order(5, boundary)
	amazon = FakeAmazon([order])
	port = preview_with_items("SKU-1")
	report = sync(amazon, port).run()
	assert report.counts["created"] == 1 and report.counts["unchanged"] == 1
	assert list(port.sales_orders) == [order["orderId"]]


def test_incremental_is_cut_into_windows_when_runs_were_far_apart():
	amazon = FakeAmazon(world(2))
	port = preview_with_items("SKU-1")
	sync(amazon, port).run()
	amazon.calls.clear()
	sync(amazon, port, at=NOW + timedelta(days=20)).run()
	assert [c[0] for c in amazon.calls] == [UPDATED] * 3
	starts = [c[1] for c in amazon.calls]
	assert starts == sorted(starts)  # oldest first, so the cursor only moves forward
	stored = OrderCheckpoint.from_dict(port.get_checkpoint(CHECKPOINT_KIND))
	assert stored.updated_to == NOW + timedelta(days=20) - SETTLE


def test_outcome_of_unchanged_orders_is_unchanged():
	amazon = FakeAmazon(world(1))
	port = preview_with_items("SKU-1")
	engine = sync(amazon, port)
	engine.run()
	report = engine.retry([next(iter(amazon.orders))])
	assert report.counts[Outcome.UNCHANGED.value] == 1


def test_an_old_order_changed_now_is_not_imported_when_placed_before_the_after_date():
	old = make_order(600, datetime(2025, 11, 1, tzinfo=timezone.utc))
	amazon = FakeAmazon(world(2) + [old])
	port = preview_with_items("SKU-1")
	sync(amazon, port).run()
	amazon.update(
		old["orderId"],
		NOW + timedelta(minutes=5),
		fulfillment={"fulfillmentStatus": "SHIPPED", "fulfilledBy": "MERCHANT"},
	)
	report = sync(amazon, port, at=NOW + timedelta(hours=1)).run()
	assert old["orderId"] not in port.sales_orders and report.counts["skipped"] == 1
	assert any("after date" in m for m in report.messages)
	# Asked for by id, it is imported: the person chose it.
	assert sync(amazon, port).retry([old["orderId"]]).counts["created"] == 1


# -- adaptive backfill windows --------------------------------------------------------------------------
def dense_world(count=356, every=timedelta(hours=4)) -> list[dict]:
	# Six orders a day from the after date to a few hours before now.
	start = datetime(2026, 1, 1, 2, tzinfo=timezone.utc)
	return [make_order(n, start + every * n) for n in range(count)]


def target_settings(target=30, **overrides) -> SyncSettings:
	return settings(extra={"order_window_target": target}, **overrides)


def created_calls(amazon: FakeAmazon) -> list[tuple[datetime, datetime]]:
	return [(start, end) for by, start, end in amazon.calls if by == CREATED]


def test_backfill_windows_are_sized_from_the_orders_read_and_tile_the_backfill():
	amazon = FakeAmazon(dense_world())
	port = preview_with_items("SKU-1")
	report = sync(amazon, port, settings=target_settings(30)).run()
	assert report.failed == 0 and report.counts["created"] == 356
	windows = created_calls(amazon)
	assert windows[0] == (NOW - SETTLE - timedelta(days=7), NOW - SETTLE)  # the first: the setting's size
	assert windows[-1][0] == datetime(2026, 1, 1, tzinfo=timezone.utc)  # the oldest: cut at the after date
	for newer, older in zip(windows, windows[1:], strict=False):
		assert older[1] == newer[0]
	# Six orders a day: after the first window, windows hold the target (30 orders, about 5 days;
	# sizes are whole hours, so a window can hold one order more or less).
	assert len(windows) > 5
	assert all(abs(e - s - timedelta(days=5)) <= timedelta(hours=4) for s, e in windows[1:-1])
	held = [int(line.rsplit(": ", 1)[1].split()[0]) for line in report.windows]
	assert 40 <= held[0] <= 43 and all(29 <= n <= 31 for n in held[1:-1])
	stored = OrderCheckpoint.from_dict(port.get_checkpoint(CHECKPOINT_KIND))
	assert stored.backfill_done_to == datetime(2026, 1, 1, tzinfo=timezone.utc)


def test_a_small_sellers_backfill_grows_its_windows_to_the_largest_size():
	start = NOW - HISTORY_LIMIT + timedelta(days=2)
	orders = [make_order(n, start + timedelta(days=23 * n)) for n in range(30)]
	amazon = FakeAmazon(orders)
	port = preview_with_items("SKU-1")
	report = sync(amazon, port, settings=settings(after_date=date(2020, 1, 1))).run()
	assert report.failed == 0 and report.counts["created"] == 30
	spans = [end - start for start, end in created_calls(amazon)]
	assert spans[:4] == [timedelta(days=d) for d in (7, 14, 28, 56)]
	assert max(spans) == timedelta(days=90)
	assert len(spans) < (HISTORY_LIMIT / timedelta(days=7)) / 5


def test_an_interruption_at_every_backfill_window_resumes_without_gap_overlap_or_rereading():
	orders = dense_world(200, every=timedelta(hours=6))
	reference_amazon = FakeAmazon(orders)
	reference_port = preview_with_items("SKU-1")
	sync(reference_amazon, reference_port, settings=target_settings(25)).run()
	reference = created_calls(reference_amazon)
	assert len(reference) > 5
	for stop in range(len(reference)):
		amazon = FakeAmazon(orders)
		amazon.fail_after_calls = stop
		port = preview_with_items("SKU-1")
		first = sync(amazon, port, settings=target_settings(25)).run()
		assert first.failed == 1 and first.failures[0].record_kind == "window"
		read = created_calls(amazon)
		assert len(read) == stop
		amazon.fail_after_calls = None
		amazon.calls.clear()
		second = sync(amazon, port, at=NOW + timedelta(minutes=30), settings=target_settings(25)).run()
		assert second.failed == 0
		resumed = created_calls(amazon)
		assert resumed[0] == reference[stop]  # the window that failed, read again with the same edges
		assert read + resumed == reference, f"interrupted at window {stop}"
		assert set(port.sales_orders) == set(reference_port.sales_orders)


def test_a_resumed_run_reads_with_the_stored_window_size():
	amazon = FakeAmazon(dense_world())
	amazon.fail_after_calls = 2
	port = preview_with_items("SKU-1")
	sync(amazon, port, settings=target_settings(30)).run()
	stored = OrderCheckpoint.from_dict(port.get_checkpoint(CHECKPOINT_KIND))
	# Sized from the second window's six orders a day: about 5 days, not the setting's 7.
	assert abs(stored.backfill_window_days - 5) <= 1 / 6
	amazon.fail_after_calls = None
	amazon.calls.clear()
	# A changed setting does not override the size the backfill has learnt.
	sync(amazon, port, at=NOW + timedelta(hours=1), settings=target_settings(30, order_window_days=2)).run()
	start, end = created_calls(amazon)[0]
	assert end == stored.backfill_done_to and end - start == timedelta(days=stored.backfill_window_days)


def test_a_checkpoint_stored_before_windows_adapted_resumes_where_it_stopped():
	orders = dense_world()
	done_to = NOW - SETTLE - timedelta(days=14)
	port = preview_with_items("SKU-1")
	port.set_checkpoint(CHECKPOINT_KIND, {
		"version": 1, "backfill_upper": iso(NOW - SETTLE), "backfill_done_to": iso(done_to),
		"updated_to": iso(NOW - SETTLE), "after": "2026-01-01T00:00:00Z",
	})  # fmt: skip
	amazon = FakeAmazon(orders)
	report = sync(amazon, port, at=NOW + timedelta(hours=1), settings=target_settings(30)).run()
	assert report.failed == 0 and not any("could not be read" in m for m in report.messages)
	windows = created_calls(amazon)
	assert windows[0] == (done_to - timedelta(days=7), done_to)
	assert windows[-1][0] == datetime(2026, 1, 1, tzinfo=timezone.utc)
	assert set(port.sales_orders) == {o["orderId"] for o in orders if parse(o["createdTime"]) <= done_to}
	assert all(abs(end - start - timedelta(days=5)) <= timedelta(hours=4) for start, end in windows[1:-1])
