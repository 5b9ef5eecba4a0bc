"""Sync Orders with the history read from Amazon's order reports, and searchOrders for the rest.

searchOrders is Amazon's slowest plan (a burst of 20, then one call every three minutes) and gives
100 orders a call: 10,000 orders of history take four and a half hours, 100,000 two days. An
order report (GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL) holds a marketplace's orders
of a period in one document. So, when the settings' extra says `order_history_from_reports`:

1. History: orders placed from the after date up to `history_edge` (the first run's "now" minus
   `HISTORY_SETTLE_DAYS`: old enough that they no longer change) are read from reports, one per
   marketplace and period of `REPORT_DAYS`, newest period first. Each period's rows become orders
   in searchOrders' shape (`core.mapping.order_report`), with the order item ids and who collected
   the tax taken from the Finances shipment events of the period (read with listFinancialEvents,
   which the fee sync reads too), and go through the order engine's own `process_order`, so their
   Sales Orders are booked by exactly the searchOrders code. An order the report cannot stand for
   (see `ReportOrderIncomplete`) is read with getOrder (0.5 requests per second) instead.
   The checkpoint (`order_reports`: a fixed upper edge and the edge reached, moved down when a
   period is done in every marketplace) makes it resumable; a failing report stops the history
   there and the next run reads that period again (its orders are then found unchanged: the
   upsert by Amazon order id keeps them exactly once).
2. Recent window and changes: the order engine (`OrderSync`) as always, with its backfill cut at
   the history edge, so searchOrders reads only the last days, then the incremental pass.

The two run together: once searchOrders' burst is spent, each of its calls waits three minutes for
a token, and those waits are spent reading the history (the source's `filling_waits`; its reports,
shipment events and getOrder calls draw on other buckets). The stage then takes about as long as
the longer of the two rather than both. So the order of import is: the recent window's first pages,
then history and recent pages by turns, each path newest first, then what is left of the history.
Each path keeps its own checkpoint, and the two cover orders placed on either side of the history
edge, so a run stopped anywhere resumes each where it was and books every order once. A source
without `filling_waits` reads the history first, then the recent window.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from ..mapping.listings_report import decode_report
from ..mapping.order_money import TAX_EXCLUSIVE_MARKETPLACES
from ..mapping.order_report import OrderReportError, ReportOrderIncomplete, group_orders, parse_rows, to_order
from ..ports import ErpPort
from ..sentences import sentence
from ..settings import SyncSettings
from ..sources import AmazonSource
from ..timestamps import parse_timestamp, readable_span
from .base import AccountEngine, Clock
from .orders import OrderSync, window_progress
from .report import RecordFailure, SyncReport, failure_reason, source_stats
from .windows import SETTLE, clamp_after

log = logging.getLogger(__name__)

CHECKPOINT_KIND = "order_reports"
CHECKPOINT_VERSION = 1
HISTORY_SETTLE_DAYS = 7  # orders placed earlier no longer change in the way the history is read
REPORT_DAYS = 30  # one report covers this many days of one marketplace's orders
# Shipment events post days after an order ships: a period's item ids are read from events posted
# up to this long after its end.
EVENTS_AFTER = timedelta(days=45)
FINANCES_MAX_RANGE = timedelta(days=180)


def history_enabled(settings: SyncSettings) -> bool:
	return bool((settings.extra or {}).get("order_history_from_reports"))


class OrderHistorySync(AccountEngine[AmazonSource]):
	"""The orders stage with the history from reports (see the module docstring)."""

	kind = "orders"

	def __init__(
		self,
		source: AmazonSource,
		port: ErpPort,
		settings: SyncSettings,
		*,
		item_resolver=None,
		now: Clock = None,
	):
		super().__init__(source, port, settings, now=now)
		self.item_resolver = item_resolver
		# The shipment events' index of this run (see _shipment_index): read from _indexed_from on.
		self._item_ids: dict[tuple[str, str], str] = {}
		self._facilitator: set[str] = set()
		self._indexed_from: datetime | None = None

	def run(self, progress=None) -> SyncReport:
		report = SyncReport(kind=self.kind, account=self.settings.account_key)
		checkpoint = self._checkpoint()
		edge = checkpoint["upper"]
		history = OrderSync(
			self.source, self.port, self.settings, item_resolver=self.item_resolver, now=self._now
		)
		steps = self._history_steps(history, checkpoint, report, progress)
		# The rest: searchOrders from the history edge on, and the changes since the last run.
		recent = OrderSync(
			self.source,
			self.port,
			replace(self.settings, after_date=edge),
			item_resolver=self.item_resolver,
			now=self._now,
		)
		filling_waits = getattr(self.source, "filling_waits", None)
		if filling_waits is None:
			with self.port.exclusive(self.kind):
				_drain(steps)
			searched = recent.run(progress=progress)
		else:
			# searchOrders gives a call every three minutes once its burst is spent: the history's
			# calls (other operations, other buckets) are made in those waits, so the stage takes
			# about as long as the longer of the two rather than both.
			with filling_waits("searchOrders", steps):
				searched = recent.run(progress=progress)
			with self.port.exclusive(self.kind):
				_drain(steps)  # what the waits left of the history
		for key, n in searched.counts.items():
			report.count(key, n)
		report.failures.extend(searched.failures)
		report.windows.extend(searched.windows)
		report.messages.extend(searched.messages)
		return report.finish(source_stats(self.source))

	def retry(self, amazon_order_ids: Iterable[str], progress=None) -> SyncReport:
		"""Failed orders are read again one by one as the order engine reads them (getOrder): the
		history from reports keeps nothing of its own to retry."""
		orders = OrderSync(
			self.source, self.port, self.settings, item_resolver=self.item_resolver, now=self._now
		)
		return orders.retry(amazon_order_ids, progress=progress)

	# -- history ---------------------------------------------------------------------------------
	def _checkpoint(self) -> dict:
		now = self.now()
		after, _ = clamp_after(self.settings.after_date, now, self.settings.time_zone)
		stored = self.port.get_checkpoint(CHECKPOINT_KIND) or {}
		upper = parse_timestamp(stored.get("upper")) if stored.get("version") == CHECKPOINT_VERSION else None
		done_to = parse_timestamp(stored.get("done_to")) if upper else None
		if upper is None or done_to is None:
			upper = now - SETTLE - timedelta(days=HISTORY_SETTLE_DAYS)
			done_to = upper
		return {"upper": upper, "done_to": done_to, "after": after}

	def _save(self, checkpoint: dict) -> None:
		self.port.set_checkpoint(
			CHECKPOINT_KIND,
			{
				"version": CHECKPOINT_VERSION,
				"upper": _iso(checkpoint["upper"]),
				"done_to": _iso(checkpoint["done_to"]),
			},
		)

	def _history_steps(
		self, orders: OrderSync, checkpoint: dict, report: SyncReport, progress
	) -> Iterator[None]:
		"""The history, read a step at a time: each `next` makes at most one call to Amazon (a report,
		one page of financial events or one getOrder) and books what it read."""
		marketplaces = [m.marketplace_id for m in self.settings.enabled_marketplaces]
		self._save(checkpoint)
		total = max(1, -(-(checkpoint["done_to"] - checkpoint["after"]) // timedelta(days=REPORT_DAYS)))
		done = 0
		while checkpoint["done_to"] > checkpoint["after"]:
			end = checkpoint["done_to"]
			start = max(checkpoint["after"], end - timedelta(days=REPORT_DAYS))
			label = f"{_iso(start)} .. {_iso(end)}"
			tick = (
				window_progress(
					progress, done, total, f"Reading the order reports of {readable_span(start, end)}"
				)
				if progress
				else None
			)
			try:
				yield from self._shipment_index(start, end)
				item_ids, facilitator = self._item_ids, self._facilitator
				read = [0]
				for marketplace_id in marketplaces:
					if progress:
						# Said while the run waits, as the products stage does for its listings report.
						config = self.settings.marketplace(marketplace_id)
						progress(
							done,
							total,
							f"Waiting for Amazon to prepare the order report of "
							f"{(config.country if config else '') or marketplace_id} for "
							f"{readable_span(start, end)}; Amazon takes minutes to make one",
						)
					yield from self._read_report(
						orders, marketplace_id, start, end, item_ids, facilitator, report, tick, read
					)
			except Exception as exc:  # Amazon unreachable, a report FATAL, an unreadable file...
				report.count("failed")
				report.failures.append(RecordFailure("order report", label, failure_reason(exc)))
				report.note(
					sentence(f"Reading the order history {label} stopped: {failure_reason(exc)}")
					+ " The next run reads this period again."
				)
				log.warning("order history %s failed", label, exc_info=True)
				return
			checkpoint["done_to"] = start
			self._save(checkpoint)
			report.windows.append(f"order reports {label}")
			done += 1
		if progress:
			progress(done, done, "Order history done")

	def _read_report(
		self, orders, marketplace_id, start, end, item_ids, facilitator, report, tick=None, read=None
	) -> Iterator[None]:
		"""Import one marketplace's report of [start, end]; `read[0]` counts the period's orders (of all
		its marketplaces) for `tick`."""
		read = read if read is not None else [0]

		def handle(order) -> None:
			orders.process_order(order, report)
			read[0] += 1
			if tick:
				tick(read[0])

		document = self.source.fetch_order_report(marketplace_id, start, end)
		yield
		config = self.settings.marketplace(marketplace_id)
		text, _ = decode_report(document.content, document.charset, config.country if config else "")
		try:
			reported = group_orders(parse_rows(text))
		except OrderReportError as exc:
			raise OrderReportError(f"the order report of {marketplace_id}: {exc}") from None
		exclusive = marketplace_id in TAX_EXCLUSIVE_MARKETPLACES
		by_search: list[str] = []
		for report_order in reported:
			try:
				order = to_order(
					report_order,
					marketplace_id,
					tax_exclusive=exclusive,
					item_ids=item_ids,
					facilitator_items=facilitator,
				)
			except ReportOrderIncomplete:
				by_search.append(report_order.amazon_order_id)
				continue
			except OrderReportError as exc:
				report.count("failed")
				report.failures.append(RecordFailure("order", report_order.amazon_order_id, str(exc)))
				continue
			handle(order)
		yield
		for order_id in by_search:
			try:
				order = self.source.get_order(order_id)
			except Exception as exc:  # one unreadable order must not stop the others
				report.count("failed")
				report.failures.append(
					RecordFailure("order", order_id, f"could not be read from Amazon: {failure_reason(exc)}")
				)
				continue
			handle(order)
			yield
		if by_search:
			report.note(
				f"{len(by_search)} order(s) of {marketplace_id} placed {_iso(start)} .. {_iso(end)} were read "
				"with getOrder: the report lacks their order item ids or who collected their tax."
			)

	def _shipment_index(self, start: datetime, end: datetime) -> Iterator[None]:
		"""(order id, SKU) -> order item id, and the items whose tax Amazon withheld as facilitator,
		from the shipment events posted from `start` to EVENTS_AFTER past `end`.

		Periods are read newest first and each one's events reach EVENTS_AFTER into the period
		read before it: the index is kept for the run and only the events not read yet are asked
		for, so that each event is read once rather than two or three times."""
		until = min(end + EVENTS_AFTER, self.now() - SETTLE, start + FINANCES_MAX_RANGE)
		if self._indexed_from is not None:
			until = min(until, self._indexed_from)
		if until <= start:
			return
		yield from self._read_shipment_events(start, until)
		self._indexed_from = start

	def _read_shipment_events(self, start: datetime, until: datetime) -> Iterator[None]:
		item_ids, facilitator = self._item_ids, self._facilitator
		for page in self.source.list_financial_events(posted_after=start, posted_before=until):
			for event in page.get("ShipmentEventList") or []:
				order_id = event.get("AmazonOrderId")
				for entry in event.get("ShipmentItemList") or []:
					item_id, sku = entry.get("OrderItemId"), entry.get("SellerSKU")
					if not (order_id and item_id and sku):
						continue
					key = (order_id, sku)
					if item_ids.get(key, item_id) != item_id:
						item_ids[key] = ""  # the same SKU on two order items: ambiguous
					else:
						item_ids[key] = item_id
					for withheld in entry.get("ItemTaxWithheldList") or []:
						if withheld.get("TaxCollectionModel") == "MarketplaceFacilitator":
							facilitator.add(item_id)
			yield


def _drain(steps: Iterator[None]) -> None:
	for _ in steps:
		pass


def _iso(value: datetime) -> str:
	return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
