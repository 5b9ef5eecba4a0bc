"""Fee sync: Amazon's financial events -> one fee entry per (order, event), each posted exactly once.

How a run goes
--------------
1. Posted-date windows (Finances v0 `listFinancialEvents`, PostedAfter/PostedBefore, 100 events a
   page) from the last checkpoint minus an overlap, or on the first run from the settings' after
   date (midnight in the company's time zone, where the order sync starts too), up to a few minutes
   before now (Amazon refuses a PostedBefore less than two minutes old).
   The overlap (48 h by default) re-reads events that reach Amazon's index late: Amazon warns
   that events of the last 48 hours may be missing. Windows are 7 days (at most Amazon's 180).
   The checkpoint moves after each complete window; a failed window stops the run and the next
   run starts again from it.
2. Each window is mapped (`mapping.fees`) page by page. Per order: events whose order is not in
   the ERP (older than the after date, or not imported yet) are logged with their amounts, not
   posted, and the order is kept in the checkpoint's `waiting` list: once the order sync imports it,
   its events are read again by order id and booked, however many runs later (the window mark may
   pass them meanwhile); an order the order sync can no longer import (its backfill is complete and
   it has read every change since) is dropped from the list; event keys the ERP already holds count as unchanged; every other draft
   is posted inside its own record scope (`run_isolated`, kind "fee", id "<order> <event key>"),
   so one bad entry never stops the others. An event that arrives later for an order already
   booked (a refund, a fee adjustment) has a new key, so it becomes a further entry; nothing
   posted is ever edited.
3. Refunds, adjustments and everything not booked go to `report.events` (for the sync log) and
   are counted as "recorded". Their keys are remembered in the checkpoint for the overlap
   period, so re-reading a window logs nothing twice.
4. Orders shipped a while ago that still have no fee entry are reported. A few of them (10 a run
   by default, in turn) are looked up by order id (`listFinancialEventsByOrderId`): that catches
   events whose window was read before the order was imported, and events Amazon deferred
   (deferred events appear only once released, possibly after their window was read). Orders
   still without fees after `fee_lookback_days` are only reported, with their ids.

`run_orders(order_ids)` does step 2 for chosen orders by order id: the retry of failed records
from the sync log.

Settings (SyncSettings.extra, all optional): fee_window_days (7), fee_overlap_hours (48),
fee_grace_days (2: how long after shipment fees are normal to be missing), fee_requery_limit (10),
fees_book_promotions (False, see mapping.fees).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, time, timedelta, timezone

from ..drafts.fees import FeeEntryDraft, UnpostedFinanceEvent
from ..mapping.fee_keys import KeyNumbering
from ..mapping.fees import FeeMapping, map_financial_events
from ..mapping.refunds import RefundMapping, map_refund_events
from ..ports import ErpPort
from ..settings import SyncSettings
from ..sources import FinancesSource
from ..timestamps import parse_timestamp, readable_span
from .base import AccountEngine, Clock
from .options import bounded
from .report import RecordFailure, SyncReport, failure_reason, is_transient, run_isolated, source_stats
from .windows import CHECKPOINT_KIND as ORDERS_CHECKPOINT
from .windows import OrderCheckpoint

log = logging.getLogger(__name__)

CHECKPOINT_KIND = "fees"
# Amazon: "PostedBefore ... must be more than two minutes before the time of the request".
SAFETY_MARGIN = timedelta(minutes=5)
MAX_WINDOW_DAYS = (
	180  # "If PostedAfter and PostedBefore are more than 180 days apart, the response is empty."
)

DEFAULT_WINDOW_DAYS = 7
DEFAULT_OVERLAP_HOURS = 48
DEFAULT_GRACE_DAYS = 2
DEFAULT_REQUERY_LIMIT = 10
_IDS_SHOWN = 10


class FeeSync(AccountEngine[FinancesSource]):
	"""Posts Amazon's fees and withheld taxes for one Amazon account, see the module docstring."""

	def __init__(self, source: FinancesSource, port: ErpPort, settings: SyncSettings, *, now: Clock = None):
		super().__init__(source, port, settings, now=now)
		extra = settings.extra or {}
		self.window = timedelta(
			days=bounded(extra, "fee_window_days", DEFAULT_WINDOW_DAYS, 1 / 24, MAX_WINDOW_DAYS)
		)
		self.overlap = timedelta(hours=bounded(extra, "fee_overlap_hours", DEFAULT_OVERLAP_HOURS))
		self.grace = timedelta(days=bounded(extra, "fee_grace_days", DEFAULT_GRACE_DAYS))
		self.requery_limit = max(int(extra.get("fee_requery_limit", DEFAULT_REQUERY_LIMIT)), 0)
		self.book_promotions = bool(extra.get("fees_book_promotions", False))
		self.lookback = timedelta(days=settings.fee_lookback_days)

	# -- the run ----------------------------------------------------------------------------------

	def run(self, progress=None) -> SyncReport:
		report = SyncReport("fees", self.settings.account_key)
		now = self.now()
		checkpoint = self.port.get_checkpoint(CHECKPOINT_KIND) or {}
		logged: dict[str, str] = dict(checkpoint.get("logged") or {})
		self._waiting = dict(checkpoint.get("waiting") or {})
		tally = _Tally()
		windows = self.plan_windows(checkpoint, now)
		if not windows:
			report.note("No new posted-date window to read yet.")
		for index, (start, end) in enumerate(windows):
			report.windows.append(f"{_iso(start)} .. {_iso(end)}")
			if progress:
				progress(
					index,
					len(windows),
					f"Reading Amazon's financial events posted {readable_span(start, end)}",
				)
			if not self._read_window(start, end, report, logged, tally):
				report.note(
					f"Stopped at the window {_iso(start)} .. {_iso(end)}; the next run starts again there."
				)
				# The mark stays; what this window already logged is remembered all the same.
				checkpoint = {**checkpoint, "logged": logged, "waiting": self._waiting}
				self.port.set_checkpoint(CHECKPOINT_KIND, checkpoint)
				break
			logged = {key: stamp for key, stamp in logged.items() if stamp >= _iso(end - self.overlap)}
			# The mark may pass events of orders not imported yet: those orders are in `waiting`.
			checkpoint = {
				**checkpoint,
				"posted_before": _iso(end),
				"logged": logged,
				"waiting": self._waiting,
			}
			self.port.set_checkpoint(CHECKPOINT_KIND, checkpoint)
		if progress:
			progress(
				len(windows), len(windows), "Booking the fees of orders imported since their events came"
			)
		checkpoint = self._book_waiting(now, report, logged, tally, checkpoint)
		if progress:
			progress(len(windows), len(windows), "Looking for orders still awaiting fees")
		self._follow_up_awaiting(now, report, logged, tally, checkpoint)
		tally.report_into(report)
		return report.finish(source_stats(self.source))

	def plan_windows(self, checkpoint: dict, now: datetime) -> list[tuple[datetime, datetime]]:
		"""Oldest first, because the checkpoint is a single 'read up to here' mark."""
		floor = datetime.combine(self.settings.after_date, time.min, tzinfo=self.settings.time_zone)
		previous = parse_timestamp(checkpoint.get("posted_before"))
		start = max(previous - self.overlap, floor) if previous else floor
		limit = now - SAFETY_MARGIN
		windows = []
		while start < limit:
			end = min(start + self.window, limit)
			windows.append((start, end))
			start = end
		return windows

	# -- one window -------------------------------------------------------------------------------

	def _read_window(self, start, end, report, logged, tally) -> bool:
		numbering, refund_numbering = KeyNumbering(), KeyNumbering()
		try:
			for page in self.source.list_financial_events(posted_after=start, posted_before=end):
				mapping = map_financial_events(
					page, fallback_posted=end, book_promotions=self.book_promotions, numbering=numbering
				)
				self._apply(mapping, report, logged, tally, end)
				self._post_refunds(map_refund_events(page, numbering=refund_numbering), report, tally)
		except Exception as exc:  # Amazon or the network failed mid-window; posted entries stay posted
			if is_transient(exc):
				# Amazon is busy, not wrong: the next run reads this window again (posted keys stay unchanged).
				report.note(
					f"Amazon kept refusing ({failure_reason(exc)}) while fees {_iso(start)} .. {_iso(end)} were read."
				)
			else:
				report.count("failed")
				report.failures.append(
					RecordFailure(
						"fee",
						f"window {_iso(start)} .. {_iso(end)}",
						failure_reason(exc),
						f"{type(exc).__name__}: {exc}",
					)
				)
			log.warning("fees window %s .. %s failed: %s", start, end, exc)
			return False
		return True

	def _apply(
		self, mapping: FeeMapping, report: SyncReport, logged: dict, tally: _Tally, seen_at: datetime
	) -> None:
		for error in mapping.errors:
			tally.seen_orders.add(error.amazon_id)
			report.count("failed")
			report.failures.append(
				RecordFailure("fee", f"{error.amazon_id or '?'} {error.event_type}", error.reason)
			)
		by_order: dict[str, list[FeeEntryDraft]] = defaultdict(list)
		for draft in mapping.drafts:
			by_order[draft.amazon_order_id].append(draft)
		for order_id, drafts in by_order.items():
			tally.seen_orders.add(order_id)
			self._apply_order(order_id, drafts, report, logged, tally, seen_at)
		for record in mapping.unposted:
			self._log_event(record, report, logged, tally, seen_at)

	def _apply_order(self, order_id, drafts, report, logged, tally, seen_at) -> None:
		try:
			known = self.port.sales_order_state(order_id) is not None
			posted = self.port.posted_fee_event_keys(order_id) if known else set()
		except Exception as exc:  # the ERP could not answer for this order; the others go on
			report.count("failed")
			report.failures.append(RecordFailure("fee", order_id, f"{type(exc).__name__}: {exc}"))
			return
		for draft in drafts:
			if not known:
				if draft.is_empty:
					continue
				# Kept until the order is imported, however long that takes; then its fees are read again
				# by order id and booked (`_book_waiting`).
				self._waiting.setdefault(order_id, _iso(seen_at))
				record = _not_imported(draft)
				if record.event_key not in logged:
					tally.not_imported.add(order_id)
					report.count("skipped")
				self._log_event(record, report, logged, tally, seen_at, count=False)
			elif draft.event_key in posted:
				report.count("unchanged")
			elif draft.is_empty:
				tally.no_fees += 1
			else:
				run_isolated(
					report,
					self.port,
					"fee",
					f"{order_id} {draft.event_key}",
					lambda d=draft: self.port.post_fee_entry(d),
				)

	def _post_refunds(self, mapping: RefundMapping, report: SyncReport, tally: _Tally) -> None:
		"""Each refund's money back to the buyer: a credit note, or held until the order's invoice
		exists (the port stores it either way, keyed by the refund key, so re-reading books nothing twice)."""
		for error in mapping.errors:
			report.count("failed")
			report.failures.append(
				RecordFailure("refund", f"{error.amazon_id or '?'} {error.event_type}", error.reason)
			)
		for draft in mapping.drafts:
			outcome = run_isolated(
				report,
				self.port,
				"refund",
				f"{draft.amazon_order_id} {draft.refund_key}",
				lambda d=draft: self.port.post_refund(d),
			)
			if outcome is not None:
				tally.refunds[outcome.value] += 1

	def _log_event(self, record: UnpostedFinanceEvent, report, logged, tally, seen_at, *, count=True) -> None:
		if record.event_key in logged:
			return
		report.events.append(record)
		logged[record.event_key] = _iso(record.posted_date or seen_at)
		if count:
			report.count("recorded")
			tally.recorded[record.event_type] += 1

	# -- fees whose order came later ----------------------------------------------------------------

	def _book_waiting(self, now, report, logged, tally, checkpoint) -> dict:
		"""Book the fees of orders that were not imported when their events were read, now that they
		are; forget those the order sync will never import (placed before the after date)."""
		if not self._waiting:
			return checkpoint
		try:
			arrived = [o for o in sorted(self._waiting) if self.port.sales_order_state(o) is not None]
			never = self._never_imported(now)
		except Exception as exc:  # the ERP could not answer; the orders keep waiting
			report.count("failed")
			report.failures.append(
				RecordFailure("fee", "orders waiting for fees", f"{type(exc).__name__}: {exc}")
			)
			return checkpoint
		booked = 0
		for order_id in arrived:
			if not self._read_order(order_id, now, report, logged, tally):
				break  # Amazon is failing; the rest wait for the next run
			del self._waiting[order_id]
			booked += 1
			checkpoint = {**checkpoint, "logged": logged, "waiting": self._waiting}
			self.port.set_checkpoint(CHECKPOINT_KIND, checkpoint)
		dropped = [o for o, since in self._waiting.items() if never is not None and since < never]
		for order_id in dropped:
			del self._waiting[order_id]
		if booked:
			report.note(f"Booked the fees of {booked} orders imported after their events were read.")
		if self._waiting:
			report.note(
				f"{len(self._waiting)} orders with Amazon fees are not imported yet; their fees wait for them."
			)
		checkpoint = {**checkpoint, "logged": logged, "waiting": self._waiting}
		self.port.set_checkpoint(CHECKPOINT_KIND, checkpoint)
		return checkpoint

	def _never_imported(self, now: datetime) -> str | None:
		"""Orders still missing although their events were seen before this moment will never be
		imported: the order sync's backfill is complete and it has read every change since. None while
		the backfill still runs (any order may yet come)."""
		try:
			orders = OrderCheckpoint.from_dict(self.port.get_checkpoint(ORDERS_CHECKPOINT))
		except (TypeError, ValueError):
			return None
		done_to, after, updated_to = orders.backfill_done_to, orders.after, orders.updated_to
		if done_to is None or after is None or updated_to is None or done_to > after:
			return None
		return _iso(min(updated_to, now) - timedelta(days=1))

	# -- orders still without fees ----------------------------------------------------------------

	def _follow_up_awaiting(self, now, report, logged, tally, checkpoint) -> None:
		try:
			awaiting = self.port.orders_awaiting_fees(shipped_before=now - self.grace)
			overdue = set(self.port.orders_awaiting_fees(shipped_before=now - self.lookback))
		except Exception as exc:
			report.failures.append(
				RecordFailure("fee", "orders awaiting fees", f"{type(exc).__name__}: {exc}")
			)
			report.count("failed")
			return
		if overdue:
			shown = ", ".join(sorted(overdue)[:_IDS_SHOWN]) + (" ..." if len(overdue) > _IDS_SHOWN else "")
			report.note(
				f"{len(overdue)} orders shipped more than {self.lookback.days} days ago still have no Amazon fees "
				f"booked: {shown}"
			)
		pending = sorted(set(awaiting) - overdue)
		if pending:
			report.note(
				f"{len(pending)} shipped orders still await Amazon's fees; later runs look for them again."
			)
		# Orders whose events this run has just read need no second look (nor a second failure).
		chosen = _in_turn(
			[o for o in pending if o not in tally.seen_orders],
			checkpoint.get("requery_after") or "",
			self.requery_limit,
		)
		for order_id in chosen:
			if not self._read_order(order_id, now, report, logged, tally):
				break  # Amazon is failing; the rest wait for the next run
		if chosen:
			tally.requeried = len(chosen)
			self.port.set_checkpoint(
				CHECKPOINT_KIND, {**checkpoint, "logged": logged, "requery_after": chosen[-1]}
			)

	def _read_order(self, order_id, now, report, logged, tally) -> bool:
		"""All of one order's events (listFinancialEventsByOrderId), posted like a window's."""
		numbering, refund_numbering = KeyNumbering(), KeyNumbering()
		try:
			for page in self.source.list_financial_events_by_order_id(order_id):
				mapping = map_financial_events(
					page, fallback_posted=now, book_promotions=self.book_promotions, numbering=numbering
				)
				mapping.drafts = [d for d in mapping.drafts if d.amazon_order_id == order_id]
				self._apply(mapping, report, logged, tally, now)
				refunds = map_refund_events(page, numbering=refund_numbering)
				refunds.drafts = [d for d in refunds.drafts if d.amazon_order_id == order_id]
				self._post_refunds(refunds, report, tally)
		except Exception as exc:  # Amazon or the network failed; what was posted stays posted
			report.count("failed")
			report.failures.append(
				RecordFailure("fee", order_id, failure_reason(exc), f"{type(exc).__name__}: {exc}")
			)
			log.warning("fees for order %s failed: %s", order_id, exc)
			return False
		return True

	# -- retry from the log -----------------------------------------------------------------------

	def run_orders(self, order_ids: Iterable[str], progress=None) -> SyncReport:
		"""Read and post the fees of the given orders by order id (a retry from the sync log).

		Posts only what is not posted yet, like `run`; leaves the window checkpoint alone."""
		report = SyncReport("fees", self.settings.account_key)
		now = self.now()
		checkpoint = self.port.get_checkpoint(CHECKPOINT_KIND) or {}
		logged: dict[str, str] = dict(checkpoint.get("logged") or {})
		tally = _Tally()
		order_ids = list(dict.fromkeys(o for o in order_ids if o))
		for index, order_id in enumerate(order_ids):
			if progress:
				progress(index, len(order_ids), f"Reading Amazon's financial events of order {order_id}")
			if not self._read_order(order_id, now, report, logged, tally):
				break
		self.port.set_checkpoint(CHECKPOINT_KIND, {**checkpoint, "logged": logged})
		tally.report_into(report)
		return report.finish(source_stats(self.source))


class _Tally:
	"""What the run's messages summarise."""

	def __init__(self):
		self.not_imported: set[str] = set()
		self.seen_orders: set[str] = set()
		self.no_fees = 0
		self.recorded: dict[str, int] = defaultdict(int)
		self.requeried = 0
		self.refunds: dict[str, int] = defaultdict(int)  # outcome -> refunds

	def report_into(self, report: SyncReport) -> None:
		if self.not_imported:
			shown = ", ".join(sorted(self.not_imported)[:_IDS_SHOWN]) + (
				" ..." if len(self.not_imported) > _IDS_SHOWN else ""
			)
			report.note(
				f"Fees of {len(self.not_imported)} orders that are not imported into the ERP were skipped "
				f"(older than the after date, or not imported yet) and logged: {shown}"
			)
		if self.no_fees:
			report.note(f"{self.no_fees} shipment events carried no fee to book.")
		if self.recorded:
			kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(self.recorded.items()))
			report.note(f"Recorded in the log, not booked: {kinds}.")
		if self.requeried:
			report.note(f"Looked up {self.requeried} orders awaiting fees by order id.")
		if self.refunds:
			told = {"created": "booked as credit notes", "held": "held until their order is invoiced"}
			shown = ", ".join(
				f"{n} {told.get(outcome, outcome)}" for outcome, n in sorted(self.refunds.items())
			)
			report.note(f"Refunds: {shown}.")


def _not_imported(draft: FeeEntryDraft) -> UnpostedFinanceEvent:
	return UnpostedFinanceEvent(
		event_type=draft.event_type,
		amazon_id=draft.amazon_order_id,
		currency=draft.currency,
		amount=-draft.total,  # as Amazon reported it: the seller's point of view
		posted_date=draft.posted_date,
		details={"lines": {f"{line.category}/{line.fee_type}": str(line.amount) for line in draft.lines}},
		event_key=draft.event_key,
		reason=(
			"The order is not imported into the ERP yet: its fees are booked when it is (an order placed "
			"before the after date never is)."
		),
		amazon_order_id=draft.amazon_order_id,
	)


def _in_turn(candidates: list[str], after: str, limit: int) -> list[str]:
	"""Up to `limit` candidates, continuing after the last one looked up, wrapping around."""
	if limit <= 0 or not candidates:
		return []
	rotated = [c for c in candidates if c > after] + [c for c in candidates if c <= after]
	return rotated[:limit]


def _iso(moment: datetime) -> str:
	return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
