"""Page-level resume: a window stopped part way goes on at the page it stopped at, never at page 1;
a run that Amazon keeps throttling ends cleanly with its pages checkpointed."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from test_order_engine_windows import NOW, FakeAmazon, make_order, preview_with_items, settings, sync

from amazon_connector.core.engine.windows import CHECKPOINT_KIND, OrderCheckpoint, Window
from amazon_connector.spapi.errors import InvalidInputError, ThrottledError

PAGE = 3


class PagedAmazon(FakeAmazon):
	"""FakeAmazon's search in pages of PAGE orders with page tokens, as searchOrders pages; records the
	token each page was asked with, and can fail on a given page request."""

	def __init__(self, orders):
		super().__init__(orders)
		self.requests: list[tuple[str, str | None]] = []  # (created/updated, page token) of every page
		self.fail_on_request: dict[int, Exception] = {}  # request number (from 1) -> what it raises
		self.expired_tokens: set[str] = set()

	@property
	def page_requests(self) -> list[str | None]:
		"""The tokens the backfill's (created) pages were asked with."""
		return [token for by, token in self.requests if by == "created"]

	def search_orders(self, *, pagination_token=None, on_page=None, **query):
		matches = list(super().search_orders(**query))
		by = "created" if query.get("created_after") is not None else "updated"
		if pagination_token in self.expired_tokens:
			raise InvalidInputError("The paginationToken has expired.", status=400, code="InvalidInput")
		offset = int(pagination_token.split(":")[1]) if pagination_token else 0
		token = pagination_token
		while True:
			self.requests.append((by, token))
			failure = self.fail_on_request.pop(len(self.requests), None)
			if failure is not None:
				raise failure
			page = matches[offset : offset + PAGE]
			offset += PAGE
			token = f"page:{offset}" if offset < len(matches) else None
			yield from page
			if on_page is not None:
				on_page(token)
			if token is None:
				return


def crowded_world(count=20) -> list[dict]:
	start = datetime(2026, 2, 25, tzinfo=timezone.utc)  # all inside the first 7-day backfill window
	return [make_order(n, start + timedelta(hours=3 * n)) for n in range(count)]


def test_a_window_stopped_part_way_resumes_at_its_page_not_at_page_one():
	orders = crowded_world()
	amazon = PagedAmazon(orders)
	amazon.fail_on_request[4] = ConnectionError("Amazon is unreachable")  # the 4th page of the window
	port = preview_with_items("SKU-1")
	first = sync(amazon, port).run()
	assert first.failed == 1 and len(port.sales_orders) == 3 * PAGE
	stored = OrderCheckpoint.from_dict(port.get_checkpoint(CHECKPOINT_KIND))
	assert stored.page["token"] == f"page:{3 * PAGE}" and stored.page["orders"] == 3 * PAGE

	amazon.requests.clear()
	second = sync(amazon, port, at=NOW + timedelta(minutes=20)).run()
	assert second.failed == 0
	assert amazon.page_requests[0] == f"page:{3 * PAGE}"  # no page of the window read twice
	assert set(port.sales_orders) == {o["orderId"] for o in orders}
	assert first.counts["created"] + second.counts["created"] == len(orders)
	assert OrderCheckpoint.from_dict(port.get_checkpoint(CHECKPOINT_KIND)).page is None


def test_a_throttling_storm_ends_the_run_cleanly_and_the_next_run_goes_on():
	orders = crowded_world()
	amazon = PagedAmazon(orders)
	amazon.fail_on_request[3] = ThrottledError("quota", operation="searchOrders", status=429)
	port = preview_with_items("SKU-1")
	first = sync(amazon, port).run()
	assert first.failed == 0 and not first.failures  # busy is not broken: nothing to retry by hand
	assert any("next one goes on" in message for message in first.messages)
	assert len(port.sales_orders) == 2 * PAGE
	second = sync(amazon, port, at=NOW + timedelta(minutes=15)).run()
	assert second.failed == 0 and set(port.sales_orders) == {o["orderId"] for o in orders}
	assert first.counts["created"] + second.counts["created"] == len(orders)


def test_an_expired_page_token_reads_the_window_again_from_its_start():
	orders = crowded_world()
	amazon = PagedAmazon(orders)
	amazon.fail_on_request[2] = ConnectionError("Amazon is unreachable")
	port = preview_with_items("SKU-1")
	sync(amazon, port).run()
	amazon.expired_tokens.add(f"page:{PAGE}")
	amazon.requests.clear()
	report = sync(amazon, port, at=NOW + timedelta(days=2)).run()
	assert report.failed == 0 and any("expired" in m for m in report.messages)
	assert amazon.page_requests[0] is None  # the stale token was refused before any page was read
	assert set(port.sales_orders) == {o["orderId"] for o in orders}
	assert report.counts["unchanged"] >= PAGE  # the first page again, found unchanged: no duplicate


def test_an_incremental_window_read_part_way_keeps_its_edges():
	amazon = PagedAmazon(crowded_world(4))
	port = preview_with_items("SKU-1")
	sync(amazon, port).run()
	for n in range(4):
		amazon.update(
			f"111-{n:07d}-0000001",
			NOW + timedelta(minutes=5 + n),
			fulfillment={"fulfillmentStatus": "SHIPPED"},
		)
	amazon.fail_on_request[len(amazon.requests) + 2] = ConnectionError("down")
	later = NOW + timedelta(hours=1)
	sync(amazon, port, at=later).run()
	stored = OrderCheckpoint.from_dict(port.get_checkpoint(CHECKPOINT_KIND))
	assert stored.page and stored.page["by"] == "updated"
	edges = (stored.page["start"], stored.page["end"])
	amazon.calls.clear()
	sync(amazon, port, at=later + timedelta(hours=1)).run()
	first = amazon.calls[0]
	assert first[0] == "updated" and (Window(first[1], first[2], "updated").label.split(" ", 1)[1]) == (
		f"{edges[0]} .. {edges[1]}"
	)


def test_a_checkpoint_without_pages_or_with_a_broken_page_still_loads():
	base = OrderCheckpoint(NOW, NOW - timedelta(days=3), NOW, NOW - timedelta(days=9), 7.0).to_dict()
	assert OrderCheckpoint.from_dict({k: v for k, v in base.items() if k != "page"}).page is None
	assert OrderCheckpoint.from_dict({**base, "page": {"by": "created", "token": ""}}).page is None
	assert (
		OrderCheckpoint.from_dict({**base, "page": {"by": "x", "start": "garbage", "token": "t"}}).page
		is None
	)


def test_a_crashed_product_stage_skips_neither_orders_nor_fees(monkeypatch):
	from amazon_connector.core.engine import pipeline
	from amazon_connector.core.engine.products import ProductSync

	def crash(self, progress=None):
		raise RuntimeError("listings report unreadable")

	monkeypatch.setattr(ProductSync, "run", crash)

	class Amazon(PagedAmazon):
		def list_financial_events(self, **_):
			return iter([])

		def list_financial_events_by_order_id(self, order_id):
			return iter([])

	orders = crowded_world(5)
	port = preview_with_items("SKU-1")
	reports = pipeline.run_pipeline(Amazon(orders), port, settings(), now=NOW)
	kinds = [r.kind for r in reports]
	assert kinds[:2] == ["products", "orders"] and kinds[-1] == "fees"  # every stage ran
	assert reports[0].failed == 1 and "listings report unreadable" in reports[0].failures[0].reason
	assert set(port.sales_orders) == {o["orderId"] for o in orders}
