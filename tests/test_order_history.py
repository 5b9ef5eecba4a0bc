"""The orders stage with the history from Amazon's order reports, against the simulator: the same
Sales Orders, to the cent and row by row, as searchOrders alone books, for fewer searchOrders calls;
exactly once and resumable."""

from __future__ import annotations

import copy
import re
from dataclasses import asdict, replace
from datetime import date, datetime, time, timedelta, timezone

import pytest

from amazon_connector.core.drafts.items import ItemDraft
from amazon_connector.core.engine.order_history import CHECKPOINT_KIND, OrderHistorySync
from amazon_connector.core.engine.orders import OrderSync
from amazon_connector.core.engine.pipeline import Pipeline
from amazon_connector.core.preview import PreviewErp
from amazon_connector.core.settings import SyncSettings
from amazon_connector.simulator import Simulator, generate_world
from amazon_connector.simulator.connect import account_config, marketplace_configs, scaled_clock
from amazon_connector.spapi.client import SpApiSession
from amazon_connector.spapi.source import SpApiSource
from amazon_connector.spapi.throttle import ThrottleRegistry
from amazon_connector.spapi.usage_plans import UsagePlan, plan_for

SCALE = 600.0


@pytest.fixture(scope="module")
def world():
	end = datetime.combine(datetime.now(timezone.utc).date(), time(0), tzinfo=timezone.utc)
	return generate_world(seed=31, orders=300, start=end - timedelta(days=70), end=end)


@pytest.fixture
def sim(world):
	simulator = Simulator(copy.deepcopy(world), time_scale=SCALE, limits=False, token_ttl=30 * 86400.0)
	simulator.start()
	yield simulator
	simulator.stop()


def source(sim) -> SpApiSource:
	clock, sleep = scaled_clock(SCALE)
	return SpApiSource(
		SpApiSession(account_config(sim.account, sim.base_url, key="sim"), clock=clock, sleep=sleep)
	)


def settings(world, history: bool) -> SyncSettings:
	start = min(o["createdTime"] for o in world["orders"])
	return SyncSettings(
		account_key="sim",
		after_date=date.fromisoformat(start[:10]) - timedelta(days=1),
		marketplaces=marketplace_configs({"marketplaces": world["account"]["marketplaces"]}),
		order_window_days=10,
		extra={"order_history_from_reports": True} if history else {},
	)


def items_for(port):
	def resolve(marketplace_id, skus):
		for sku in skus:
			port.upsert_item(ItemDraft(sku=sku, marketplace_id=marketplace_id, item_code=sku, item_name=sku))
		return {sku: sku for sku in skus}

	return resolve


def money(record) -> dict:
	draft = record["draft"]
	keep = ("order_item_id", "sku", "qty", "rate", "amount", "key", "tax", "tax_included", "tax_collected_by",
		"tax_rate", "tax_reported", "charges")  # fmt: skip
	return {
		"docstatus": record["docstatus"],
		"currency": draft.currency,
		"grand_total": draft.grand_total,
		"lines": [{k: v for k, v in asdict(line).items() if k in keep} for line in draft.lines],
		"charges": [asdict(c) for c in draft.charges],
	}


def test_history_from_reports_books_what_searchorders_books_with_fewer_searches(sim, world):
	searched_port, history_port = PreviewErp("sim"), PreviewErp("sim")
	now = sim.now
	searched_source = source(sim)
	OrderSync(
		searched_source,
		searched_port,
		settings(world, False),
		item_resolver=items_for(searched_port),
		now=now,
	).run()
	history_source = source(sim)
	engine = Pipeline(history_source, history_port, settings(world, True), now=now).engine("orders")
	assert isinstance(engine, OrderHistorySync)
	engine.item_resolver = items_for(history_port)
	report = engine.run()
	assert report.failed == 0, report.summary()["failures"]
	assert set(history_port.sales_orders) == set(searched_port.sales_orders)
	for order_id, record in searched_port.sales_orders.items():
		assert money(history_port.sales_orders[order_id]) == money(record), order_id
	history_calls = history_source.stats()["calls"]
	assert history_calls.get("createReport", 0) >= 5  # one report per marketplace and period
	assert history_calls["searchOrders"] < searched_source.stats()["calls"]["searchOrders"]
	assert any(w.startswith("order reports ") for w in report.windows)

	again = Pipeline(history_source, history_port, settings(world, True), now=now).engine("orders")
	again.item_resolver = items_for(history_port)
	second = again.run()
	assert second.counts.get("created", 0) == 0 and second.failed == 0
	assert not any(w.startswith("order reports ") for w in second.windows)  # the history is done


def test_a_failed_report_stops_the_history_there_and_the_next_run_goes_on(sim, world):
	port = PreviewErp("sim")
	calls = {"n": 0}

	class FailingOnce(SpApiSource):
		def fetch_order_report(self, marketplace_id, start, end):
			calls["n"] += 1
			if calls["n"] == 7:  # in the second period
				raise ConnectionError("network down")
			return super().fetch_order_report(marketplace_id, start, end)

	base = source(sim)
	failing = FailingOnce(base.session)
	first = OrderHistorySync(failing, port, settings(world, True), item_resolver=items_for(port), now=sim.now)
	report = first.run()
	assert any("stopped: " in m and "network down" in m for m in report.messages)
	checkpoint = port.get_checkpoint(CHECKPOINT_KIND)
	assert checkpoint["done_to"] < checkpoint["upper"]  # the first period is kept
	created_first = report.counts.get("created", 0)
	second = OrderHistorySync(
		failing, port, settings(world, True), item_resolver=items_for(port), now=sim.now
	).run()
	assert second.failed == 0, second.summary()["failures"]
	reference = PreviewErp("sim")
	OrderSync(
		source(sim), reference, settings(world, False), item_resolver=items_for(reference), now=sim.now
	).run()
	assert set(port.sales_orders) == set(reference.sales_orders)
	assert created_first + second.counts.get("created", 0) == len(reference.sales_orders)


class RangeRecorder:
	"""A source that notes the posted-date ranges of the financial events it is asked for."""

	def __init__(self, inner):
		self.inner = inner
		self.ranges: list[tuple[datetime, datetime]] = []

	def list_financial_events(self, *, posted_after, posted_before):
		self.ranges.append((posted_after, posted_before))
		return self.inner.list_financial_events(posted_after=posted_after, posted_before=posted_before)

	def __getattr__(self, name):
		return getattr(self.inner, name)


def test_the_history_reads_each_shipment_event_once(sim, world):
	"""Each period's item ids come from events posted up to 45 days past it, into the period read
	before it: those are kept, not asked for again."""
	port = PreviewErp("sim")
	recorder = RangeRecorder(source(sim))
	engine = OrderHistorySync(
		recorder, port, settings(world, True), item_resolver=items_for(port), now=sim.now
	)
	report = engine.run()
	assert report.failed == 0, report.summary()["failures"]
	periods = [w for w in report.windows if w.startswith("order reports ")]
	assert len(periods) >= 2 and len(recorder.ranges) == len(periods)
	ranges = sorted(recorder.ranges)
	assert all(earlier[1] <= later[0] for earlier, later in zip(ranges, ranges[1:], strict=False))
	assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:], strict=False))  # and no gap between


def test_the_history_tells_its_progress_every_order_in_words_a_person_reads(sim, world):
	"""A report period holds hundreds of orders (minutes of Sales Orders on a bench): its progress is
	told with the orders read so far, not only when the period ends, and without ISO timestamps."""
	port = PreviewErp("sim")
	engine = Pipeline(source(sim), port, settings(world, True), now=sim.now).engine("orders")
	engine.item_resolver = items_for(port)
	calls: list[tuple] = []
	engine.run(progress=lambda done, total, message: calls.append((done, total, message)))
	waits = [c for c in calls if c[2].startswith("Waiting for Amazon to prepare the order report of ")]
	assert waits and "minutes" in waits[0][2]  # the minutes Amazon takes are not silent
	periods = [c for c in calls if c[2].startswith("Reading the order reports of ")]
	first = [c for c in periods if c[0] == 0]
	counts = [int(m.rsplit(": ", 1)[1].split()[0]) for _, _, m in first if m.endswith(" read")]
	assert counts and counts == list(range(1, len(counts) + 1)), first[:5]  # one tell per order
	assert len(counts) > 1
	told = periods + waits
	assert all(" UTC" in m and not re.search(r"\d{4}-\d\d-\d\dT", m) for _, _, m in told), told[0]


def test_a_retry_of_failed_orders_reads_them_again_with_the_history_on(sim, world):
	# The Retry button of an orders log runs the orders engine's retry: with the history from
	# reports on, that engine is OrderHistorySync, which reads each order again by its id.
	port = PreviewErp("sim")
	engine = Pipeline(source(sim), port, settings(world, True), now=sim.now).engine("orders")
	assert isinstance(engine, OrderHistorySync)
	engine.item_resolver = items_for(port)
	order_id = world["orders"][0]["orderId"]
	report = engine.retry([order_id, "111-9999999-9999999"])
	assert order_id in port.sales_orders
	assert report.counts.get("created", 0) + report.counts.get("unchanged", 0) >= 1
	assert [f.amazon_id for f in report.failures] == ["111-9999999-9999999"]


# -- the history in searchOrders' waits -------------------------------------------------------------
# searchOrders' plan made tight (one call, then one every three minutes) and the recent window read in
# small windows, so that the recent path waits for searchOrders from its second call on, many times.
def tight_search_plan(operation: str) -> UsagePlan:
	return UsagePlan(1 / 180, 1) if operation == "searchOrders" else plan_for(operation)


class Recording(SpApiSource):
	"""The real source, noting the periods of the reports and searches it is asked for."""

	def __init__(self, session, fail_report: int | None = None):
		super().__init__(session)
		self.report_periods: list[datetime] = []
		self.search_edges: list[datetime] = []
		self.fail_report = fail_report
		self.failed_after_searches: int | None = None

	def fetch_order_report(self, marketplace_id, start, end):
		self.report_periods.append(start)
		if len(self.report_periods) == self.fail_report:
			self.failed_after_searches = self.session.stats()["calls"].get("searchOrders", 0)
			raise ConnectionError("network down")
		return super().fetch_order_report(marketplace_id, start, end)

	def search_orders(self, **kwargs):
		if kwargs.get("pagination_token") is None and kwargs.get("created_before") is not None:
			self.search_edges.append(kwargs["created_before"])
		return super().search_orders(**kwargs)


def paced_source(sim, calls: list[str], fail_report: int | None = None) -> Recording:
	clock, sleep = scaled_clock(SCALE)
	session = SpApiSession(
		account_config(sim.account, sim.base_url, key="sim"),
		clock=clock,
		sleep=sleep,
		throttle=ThrottleRegistry(plans=tight_search_plan),
		on_call=calls.append,
	)
	return Recording(session, fail_report)


def day_windows(world) -> SyncSettings:
	"""The history on, and the recent window read in windows sized for a few orders each."""
	return replace(
		settings(world, True),
		order_window_days=1,
		extra={"order_history_from_reports": True, "order_window_target": 3},
	)


def searched_alone(sim, world) -> PreviewErp:
	reference = PreviewErp("sim")
	OrderSync(
		source(sim), reference, settings(world, False), item_resolver=items_for(reference), now=sim.now
	).run()
	return reference


HISTORY_CALLS = {"createReport", "getReport", "getReportDocument", "listFinancialEvents", "getOrder"}


def test_the_history_is_read_in_searchorders_waits_exactly_once_and_newest_first(sim, world):
	calls: list[str] = []
	recording = paced_source(sim, calls)
	port = PreviewErp("sim")
	report = OrderHistorySync(
		recording, port, day_windows(world), item_resolver=items_for(port), now=sim.now
	).run()
	assert report.failed == 0, report.summary()["failures"]
	searches = [i for i, operation in enumerate(calls) if operation == "searchOrders"]
	assert len(searches) >= 6
	between = calls[searches[0] : searches[-1]]
	assert HISTORY_CALLS & set(between), calls[:40]  # the history's calls fill searchOrders' waits
	assert "searchOrders" in calls[calls.index("createReport") :]  # not all of the history first
	# Newest first within each path.
	assert recording.report_periods == sorted(recording.report_periods, reverse=True)
	assert len(set(recording.report_periods)) >= 2
	assert recording.search_edges == sorted(recording.search_edges, reverse=True)
	# The same Sales Orders, money and all, each once, as searchOrders alone books.
	reference = searched_alone(sim, world)
	assert set(port.sales_orders) == set(reference.sales_orders)
	assert report.counts.get("created", 0) == len(reference.sales_orders)
	for order_id, record in reference.sales_orders.items():
		assert money(port.sales_orders[order_id]) == money(record), order_id


def test_a_report_failing_in_searchorders_waits_stops_the_history_there_and_the_next_run_goes_on(sim, world):
	calls: list[str] = []
	failing = paced_source(sim, calls, fail_report=7)  # in the second period
	port = PreviewErp("sim")
	first = OrderHistorySync(failing, port, day_windows(world), item_resolver=items_for(port), now=sim.now)
	report = first.run()
	assert any("stopped: " in m and "network down" in m for m in report.messages)
	assert failing.failed_after_searches is not None and failing.failed_after_searches >= 1
	assert calls.count("searchOrders") > failing.failed_after_searches  # the recent path went on
	checkpoint = port.get_checkpoint(CHECKPOINT_KIND)
	assert checkpoint["done_to"] < checkpoint["upper"]  # the first period is kept
	second = OrderHistorySync(
		paced_source(sim, []), port, day_windows(world), item_resolver=items_for(port), now=sim.now
	).run()
	assert second.failed == 0, second.summary()["failures"]
	assert port.get_checkpoint(CHECKPOINT_KIND)["done_to"] <= checkpoint["done_to"]
	reference = searched_alone(sim, world)
	assert set(port.sales_orders) == set(reference.sales_orders)
	assert report.counts.get("created", 0) + second.counts.get("created", 0) == len(reference.sales_orders)
	for order_id, record in reference.sales_orders.items():
		assert money(port.sales_orders[order_id]) == money(record), order_id
