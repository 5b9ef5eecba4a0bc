"""Sync Orders: Amazon orders -> Sales Orders, newest first, exactly once, and kept in step.

One run (see `windows` for the plan and its checkpoint):
1. incremental: orders changed since the last run (lastUpdatedAfter, oldest window first);
2. backfill: orders created from the first run's "now" back to the after date, newest window first,
   each window sized from the order density of the one before (about `order_window_target`
   orders, 500 unless the settings' extra say otherwise; see `windows.next_window_days`).
Each window is read with Orders 2026-01-01 searchOrders (items, proceeds, tax, promotions,
cancellations and fulfilment inline, 100 a page: no per-order calls) and checkpointed, with the
next window's size, when every order in it has been handled. A window that cannot be read stops
the run there; the next run resumes at that window.

Each order runs in its own record scope (`run_isolated`): a failing order is logged with its
Amazon id and reason, its writes are undone, and the others go on. Per order:
- unchanged since imported (the ERP's lastUpdatedTime >= Amazon's) -> nothing to do;
- pending on Amazon (not priced) -> skipped; Amazon's lastUpdatedTime moves when it is priced, so
  the incremental pass sees it again;
- cancelled on Amazon -> the Sales Order is cancelled, or flagged by the port when it cannot be
  (deliveries or invoices exist); never imported when it was cancelled before it was imported;
- otherwise mapped (`core.mapping.orders`), its SKUs resolved to Items (unknown SKUs created
  through the products code or failing the order, per the settings) and upserted by Amazon order id.

Duplicates are impossible by construction here (upsert by Amazon order id) and in the ERP (a unique
constraint on the Amazon order id). Two runs of one account must not overlap: the run holds the port's
`exclusive(kind)` (a context manager that raises if another run holds it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from ..drafts.orders import SalesOrderDraft
from ..mapping.order_parties import has_personal_data
from ..mapping.orders import OrderMappingError, OrderNotReady, OrderSkipped, map_order, parse_amazon_time
from ..ports import ErpPort, Outcome
from ..sentences import sentence
from ..settings import UNKNOWN_SKU_CREATE, SyncSettings
from ..sources import OrdersSource
from ..timestamps import as_utc
from .base import AccountEngine, Clock
from .report import RecordFailure, SyncReport, failure_reason, is_transient, run_isolated, source_stats
from .windows import (
	CHECKPOINT_KIND,
	UPDATED,
	RunPlan,
	Window,
	can_split,
	plan_run,
	window_max,
	window_target,
)

log = logging.getLogger(__name__)

ItemResolver = Callable[[str, dict[str, str]], dict[str, str]]
# How many pending or skipped order ids a report message lists before it only counts them.
_LISTED = 10
# Orders imported without the buyer data wanted: read again by id (getOrder, 0.5/s) this many a run,
# and remembered up to this many.
PERSONAL_DATA_LOOKUPS = 50
MAX_AWAITING_PERSONAL_DATA = 10_000


class WindowTooLarge(Exception):
	"""A window held more orders than a window may (`windows.window_max`): it is read again, split."""

	def __init__(self, orders: int):
		super().__init__(f"more than {orders} orders")
		self.orders = orders


class UnknownSkuError(Exception):
	"""An order line's SKU has no Item and none could (or may) be created."""


class OrderSync(AccountEngine[OrdersSource]):
	kind = "orders"

	def __init__(
		self,
		source: OrdersSource,
		port: ErpPort,
		settings: SyncSettings,
		*,
		item_resolver: ItemResolver | None = None,
		now: Clock = None,
	):
		super().__init__(source, port, settings, now=now)
		self.item_resolver = item_resolver
		self._without_personal_data: list[str] = []  # imported this run without the buyer data wanted
		self._pending: list[str] = []
		self._created_floor: datetime | None = None  # orders placed earlier are not imported by run()
		self._skipped: list[str] = []

	# -- public ----------------------------------------------------------------------------------
	def run(self, progress=None) -> SyncReport:
		report = SyncReport(kind=self.kind, account=self.settings.account_key)
		marketplace_ids = [m.marketplace_id for m in self.settings.enabled_marketplaces]
		if not marketplace_ids:
			report.note("No marketplace is enabled; no orders were read.")
			return report.finish(source_stats(self.source))
		extra = self.settings.extra or {}
		target = window_target(extra.get("order_window_target"))
		with self._exclusive():
			plan = plan_run(
				self.port.get_checkpoint(CHECKPOINT_KIND),
				self.settings.after_date,
				self.now(),
				window_days=self.settings.order_window_days,
				overlap=timedelta(minutes=self.settings.incremental_overlap_minutes),
				target=target,
				max_orders=window_max(extra.get("order_window_max"), target),
				tz=self.settings.time_zone,
			)
			self._created_floor = plan.after
			for message in plan.messages:
				report.note(message)
			# Save the plan's edges before reading anything, so that a run stopped in its first
			# window resumes with the same fixed upper edge.
			self.port.set_checkpoint(CHECKPOINT_KIND, plan.checkpoint.to_dict())
			self._read_windows(plan, marketplace_ids, report, progress)
			self._complete_personal_data(plan, report)
		self._summarise(report)
		return report.finish(source_stats(self.source))

	def retry(self, amazon_order_ids: Iterable[str], progress=None) -> SyncReport:
		"""Read the given orders again (getOrder) and process them: the sync log's retry."""
		report = SyncReport(kind=self.kind, account=self.settings.account_key)
		self._created_floor = None  # an order asked for by id is imported whenever it was placed
		ids = list(dict.fromkeys(i.strip() for i in amazon_order_ids if i and i.strip()))
		for done, order_id in enumerate(ids):
			if progress:
				progress(done, len(ids), f"Retrying Amazon order {order_id}")
			try:
				order = self._fetch_one(order_id)
			except Exception as exc:  # one unreadable order must not stop the others
				report.count("failed")
				report.failures.append(
					RecordFailure("order", order_id, f"could not be read from Amazon: {failure_reason(exc)}")
				)
				continue
			self.process_order(order, report)
		if progress:
			progress(len(ids), len(ids), "Done")
		self._summarise(report)
		return report.finish(source_stats(self.source))

	def process_order(self, order: dict, report: SyncReport) -> Outcome | None:
		"""Handle one Amazon order in its own record scope; failures are counted, not raised."""
		order_id = str((order or {}).get("orderId") or "(no order id)")
		return run_isolated(report, self.port, "order", order_id, lambda: self._process(order, order_id))

	# -- windows ---------------------------------------------------------------------------------
	def _read_windows(self, plan: RunPlan, marketplace_ids: list[str], report: SyncReport, progress) -> None:
		done = 0
		for window in plan.windows():
			tick = None
			if progress:
				# Backfill windows are sized as they go, so the total is an estimate at the current size.
				left = len(plan.incremental) - done if window.by == UPDATED else 0
				total = done + max(left, 0) + plan.backfill_windows_left()
				tick = window_progress(progress, done, total, f"Reading orders {window.readable}")
			token, seen = plan.checkpoint.resume_of(window)
			try:
				seen = self._read_window(plan, window, marketplace_ids, report, token, seen, tick)
			except WindowTooLarge as crowded:
				smaller = plan.split(window, crowded.orders)
				self.port.set_checkpoint(CHECKPOINT_KIND, plan.checkpoint.to_dict())
				report.note(
					f"Orders {window.label} held {crowded.orders} orders or more, more than a window may "
					f"({plan.max_orders}); they are read again in smaller windows "
					f"({', '.join(w.label for w in smaller)}{' ...' if window.by != UPDATED else ''})."
				)
				continue
			except Exception as exc:  # Amazon unreachable, throttled past retries, credentials revoked...
				self.port.set_checkpoint(CHECKPOINT_KIND, plan.checkpoint.to_dict())
				if is_transient(exc):
					# Amazon is busy, not wrong: the run ends here cleanly, every handled page checkpointed.
					report.note(
						f"Amazon kept refusing ({failure_reason(exc)}) while orders {window.label} were read; "
						"this run stops here and the next one goes on from the last page read."
					)
				else:
					report.count("failed")
					report.failures.append(RecordFailure("window", window.label, failure_reason(exc)))
					report.note(
						sentence(f"Reading orders {window.label} stopped: {failure_reason(exc)}")
						+ " The next run resumes with this window, from the last page read."
					)
				log.warning("order window %s stopped", window.label, exc_info=True)
				return
			plan.finish(window, seen)
			self.port.set_checkpoint(CHECKPOINT_KIND, plan.checkpoint.to_dict())
			report.windows.append(f"{window.label}: {seen} orders")
			done += 1
		if progress:
			progress(done, done, "Done")

	def _read_window(
		self, plan: RunPlan, window: Window, marketplace_ids, report, token, seen: int, tick=None
	) -> int:
		"""Handle the orders of `window` from the page `token` names (None: the first), checkpointing
		after every page; returns the orders the window held. `tick(n)` is told every order read, so
		that a crowded window (minutes of Sales Orders) shows its progress while it is read."""
		counted = [seen]
		if tick:
			tick(seen)

		def page_done(next_token: str | None) -> None:
			if next_token and counted[0] >= plan.max_orders and can_split(window):
				raise WindowTooLarge(counted[0])  # before the next page: read again in smaller windows
			if next_token:
				plan.checkpoint.read_to(window, next_token, counted[0])
				self.port.set_checkpoint(CHECKPOINT_KIND, plan.checkpoint.to_dict())

		try:
			for order in self._search(window, marketplace_ids, token, page_done):
				counted[0] += 1
				self.process_order(order, report)
				if tick:
					tick(counted[0])
		except Exception as exc:
			if not token or counted[0] != seen or getattr(exc, "status", None) != 400:
				raise
			# Amazon no longer takes the stored page token (they expire): read the window from its start.
			report.note(f"The stored page of orders {window.label} has expired; the window is read again.")
			plan.checkpoint.page = None
			return self._read_window(plan, window, marketplace_ids, report, None, 0, tick)
		return counted[0]

	def _search(self, window: Window, marketplace_ids: list[str], token=None, on_page=None) -> Iterable[dict]:
		# Orders 2026-01-01 gives buyer data by the app's roles: no Restricted Data Token is involved.
		return self.source.search_orders(
			marketplace_ids=marketplace_ids, **window.query(), pagination_token=token, on_page=on_page
		)

	def _fetch_one(self, order_id: str) -> dict:
		return self.source.get_order(order_id)

	# -- buyer data that came later -----------------------------------------------------------------
	def _complete_personal_data(self, plan: RunPlan, report: SyncReport) -> None:
		"""Orders imported without the buyer data the account wants (the app lacked Amazon's roles then)
		are read again by id, a few a run, and completed once Amazon sends it. The first one still
		without it ends the look for this run: the roles are still missing."""
		checkpoint = plan.checkpoint
		waiting = list(dict.fromkeys(checkpoint.awaiting_personal_data + self._without_personal_data))
		if not self.settings.request_personal_data:
			waiting = []
		fresh = set(self._without_personal_data)  # just read without it: no second look this run
		completed = 0
		for order_id in [o for o in waiting if o not in fresh][:PERSONAL_DATA_LOOKUPS]:
			try:
				order = self._fetch_one(order_id)
			except Exception as exc:  # Amazon busy or the order gone: try again another run
				log.info("order %s not read again for its buyer data: %s", order_id, exc)
				break
			if not has_personal_data(order):
				break
			if run_isolated(
				report,
				self.port,
				"order",
				order_id,
				lambda o=order, i=order_id: self._process(o, i, force=True),
			):
				completed += 1
				waiting.remove(order_id)
		checkpoint.awaiting_personal_data = waiting[-MAX_AWAITING_PERSONAL_DATA:]
		self.port.set_checkpoint(CHECKPOINT_KIND, checkpoint.to_dict())
		if completed:
			report.note(
				f"Buyer names and addresses were filled in on {completed} order(s) imported without them."
			)
		if self._without_personal_data:
			report.note(
				f"Amazon sent {len(self._without_personal_data)} order(s) without buyer names or street addresses: "
				"the app needs Amazon's roles for them (Direct-to-Consumer Shipping, Tax Invoicing). They were "
				"imported with city, state, postal code and country and are completed when Amazon sends more."
			)
		self._without_personal_data = []

	# -- one order -------------------------------------------------------------------------------
	def _process(self, order: dict, order_id: str, *, force: bool = False) -> Outcome:
		if not isinstance(order, dict) or not order.get("orderId"):
			raise OrderMappingError(order_id, "Amazon sent an order without an orderId")
		updated = parse_amazon_time(order.get("lastUpdatedTime"), "lastUpdatedTime")
		state = self.port.sales_order_state(order_id)
		if state is not None and state.last_updated is not None and as_utc(state.last_updated) >= updated:
			if not force:
				return Outcome.UNCHANGED
		try:
			draft = map_order(order, self.settings)
		except OrderNotReady:
			self._pending.append(order_id)
			return Outcome.SKIPPED
		except OrderSkipped as exc:
			self._skipped.append(f"{order_id} ({exc.reason})")
			return Outcome.SKIPPED
		if draft.is_cancelled:
			return self._cancel(draft, state)
		if state is None and self._created_floor is not None and draft.purchase_date < self._created_floor:
			# Seen by the incremental pass because it changed, but placed before the after date.
			self._skipped.append(f"{order_id} (placed before the after date)")
			return Outcome.SKIPPED
		self._resolve_items(draft)
		outcome = self.port.upsert_sales_order(draft)
		if self.settings.request_personal_data and not has_personal_data(order):
			self._without_personal_data.append(order_id)
		return outcome

	def _cancel(self, draft: SalesOrderDraft, state) -> Outcome:
		if state is None:
			self._skipped.append(f"{draft.amazon_order_id} (cancelled on Amazon before it was imported)")
			return Outcome.SKIPPED
		if state.docstatus == 2:
			return Outcome.UNCHANGED
		return self.port.cancel_sales_order(draft.amazon_order_id, _cancel_reason(draft))

	def _resolve_items(self, draft: SalesOrderDraft) -> None:
		marketplace_id = draft.marketplace_id
		missing: dict[str, str] = {}
		for line in draft.lines:
			line.item_code = self.port.item_for_sku(marketplace_id, line.sku) or ""
			if not line.item_code:
				missing.setdefault(line.sku, line.asin)
		for line in draft.cancelled_lines:  # kept for the record; never worth creating an Item for
			line.item_code = self.port.item_for_sku(marketplace_id, line.sku) or ""
		if not missing:
			return
		create = self.settings.unknown_sku_policy == UNKNOWN_SKU_CREATE
		found: dict[str, str] = {}
		if create and self.item_resolver is not None:
			found = dict(self.item_resolver(marketplace_id, dict(missing)) or {})
		for line in draft.lines:
			if not line.item_code:
				line.item_code = found.get(line.sku) or self.port.item_for_sku(marketplace_id, line.sku) or ""
		unknown = sorted({line.sku for line in draft.lines if not line.item_code})
		if not unknown:
			return
		skus = ", ".join(unknown)
		if not create:
			raise UnknownSkuError(
				f"Amazon order {draft.amazon_order_id}: SKU {skus} has no Item, and the settings say an unknown "
				"SKU fails its order. Create the Item (or run Sync Products), then retry this order."
			)
		if self.item_resolver is None:
			raise UnknownSkuError(
				f"Amazon order {draft.amazon_order_id}: SKU {skus} has no Item, and no product sync is available "
				"to create it. Run Sync Products, then retry this order."
			)
		raise UnknownSkuError(
			f"Amazon order {draft.amazon_order_id}: SKU {skus} has no Item and could not be created from Amazon's "
			"listing. Create the Item, then retry this order."
		)

	# -- reporting -------------------------------------------------------------------------------
	def _summarise(self, report: SyncReport) -> None:
		if self._pending:
			report.note(
				f"{len(self._pending)} order(s) are pending on Amazon (not priced yet) and are imported once "
				f"Amazon prices them: {_listed(self._pending)}"
			)
		if self._skipped:
			report.note(f"{len(self._skipped)} order(s) were not imported: {_listed(self._skipped)}")
		self._pending, self._skipped = [], []

	def _exclusive(self):
		return self.port.exclusive(self.kind)


def _cancel_reason(draft: SalesOrderDraft) -> str:
	reason = f"Cancelled on Amazon (order {draft.amazon_order_id})"
	return f"{reason}: {draft.cancellation_reason}" if draft.cancellation_reason else f"{reason}."


def _listed(values: list[str]) -> str:
	shown = ", ".join(values[:_LISTED])
	return shown + (f" and {len(values) - _LISTED} more" if len(values) > _LISTED else "")


def window_progress(progress, done: int, total: int, message: str):
	"""The progress of one window or report period, told with the orders read in it so far (the
	count of windows moves only when one ends; the callers' publishers keep the pace of updates)."""
	progress(done, total, message)

	def tick(orders: int) -> None:
		if orders:
			progress(done, total, f"{message}: {orders} order{'s' if orders != 1 else ''} read")

	return tick
