"""Money sync on Finances 2024-06-19: every transaction booked exactly once, then the settlements.

How a run goes
--------------
1. Posted-date windows (`listTransactions`, at most 180 days, default 30) from the last mark minus
   an overlap (48 h: Amazon warns the last 48 hours may be incomplete), or on the first run from
   the later of the settings' after date (midnight in the company's time zone) and the cut-over
   instant (`transactions_from`: before it, the v0 feed booked the money; never later than the v0
   feed's own mark, see `cutover`); the orders v0 was waiting for are handed over (pending). The
   access layer cuts each window at the request time minus Amazon's two minutes. The mark moves
   after each complete window; a failed window stops the run and the next one starts there again.
2. Each transaction is mapped (`mapping.transactions`) and its entries are posted, each in its own
   record scope (one bad transaction never stops the others), each keyed by the transaction id
   ("txn:<id>", unique in the ERP), so re-reading a window books nothing twice:
   - of an order: the fee entry (and the refund draft of a refund, for the credit note). An order
     the ERP does not hold yet keeps its transactions *pending* (in the checkpoint, with the
     reason), looked up again by ORDER_ID on later runs; after `transactions_pending_days`
     (default 14) they are booked without the Sales Order link, so no money is left out. A
     switched-over install whose v0 feed already booked the same event (same order, type and
     posted second: `TransactionPlan.v0_key_prefix`) books nothing again.
   - not of an order: its account entry (service fees, advertising, reimbursements, reserves, ...).
     An unknown type gets its own account and a note in the log.
   - of an order, without any breakdown (a shipment's net total only), invoices on: pending until
     the order is invoiced; then what the invoices put on clearing beyond the total is booked on
     "Amazon Fees Without Breakdown" with the transaction's fee entry.
   - DEFERRED: the fees as usual, and the total moved to "Amazon Deferred"; the transaction stays
     pending until Amazon shows it released, then the total moves back to clearing.
   A transaction that cannot be mapped (breakdowns that do not add up) fails alone and is pending.
3. Settlements (see `settlements`): each closed one is checked (against its transactions and
   Amazon's settlement report) and, once all its money is on the clearing account, its deposit
   booked; one that began before the first instant this feed books is left to the seller.

Settings (SyncSettings.extra, all optional): transactions_window_days (30), fee_overlap_hours (48),
transactions_pending_days (14), transactions_requery_limit (20), transactions_from (ISO instant).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, time, timedelta, timezone

from ..mapping.transaction_refunds import refund_drafts
from ..mapping.transactions import (
	DEFERRED,
	TransactionError,
	TransactionPlan,
	add_fees_without_breakdown,
	map_transaction,
)
from ..ports import SALE_INVOICED, SALE_TO_INVOICE, ErpPort, Outcome
from ..settings import SyncSettings
from ..sources import AmazonSource
from ..timestamps import parse_timestamp
from .base import AccountEngine, Clock
from .cutover import HANDED_OVER, V0_CHECKPOINT, books_from, cutover_of, handed_over, ran_v0
from .options import bounded
from .report import RecordFailure, SyncReport, failure_reason, run_isolated, source_stats

log = logging.getLogger(__name__)

CHECKPOINT_KIND = "transactions"
MAX_WINDOW_DAYS = 180
DEFAULT_WINDOW_DAYS = 30
DEFAULT_OVERLAP_HOURS = 48
DEFAULT_PENDING_DAYS = 14
DEFAULT_REQUERY_LIMIT = 20
REQUEST_CUTOFF = timedelta(minutes=3)  # Amazon: postedBefore more than two minutes before the request
_IDS_SHOWN = 10


class TransactionSync(AccountEngine[AmazonSource]):
	"""Books Amazon's transactions and settlements for one account, see the module docstring."""

	def __init__(self, source: AmazonSource, port: ErpPort, settings: SyncSettings, *, now: Clock = None):
		super().__init__(source, port, settings, now=now)
		extra = settings.extra or {}
		self.window = timedelta(
			days=bounded(extra, "transactions_window_days", DEFAULT_WINDOW_DAYS, 1 / 24, MAX_WINDOW_DAYS)
		)
		self.overlap = timedelta(hours=bounded(extra, "fee_overlap_hours", DEFAULT_OVERLAP_HOURS))
		self.pending_for = timedelta(days=bounded(extra, "transactions_pending_days", DEFAULT_PENDING_DAYS))
		self.requery_limit = max(int(extra.get("transactions_requery_limit", DEFAULT_REQUERY_LIMIT)), 0)
		self.cutover = cutover_of(extra)
		self._v0: dict | None = None  # the v0 fee engine's checkpoint, read once

	def v0_checkpoint(self) -> dict:
		if self._v0 is None:
			self._v0 = self.port.get_checkpoint(V0_CHECKPOINT) or {}
		return self._v0

	def books_from(self) -> datetime:
		"""The first posted instant this feed books (see `cutover`)."""
		floor = datetime.combine(self.settings.after_date, time.min, tzinfo=self.settings.time_zone)
		return books_from(floor, self.cutover, self.v0_checkpoint())

	# -- the run ----------------------------------------------------------------------------------

	def run(self, progress=None) -> SyncReport:
		report = SyncReport("fees", self.settings.account_key)
		now = self.now()
		checkpoint = self.port.get_checkpoint(CHECKPOINT_KIND) or {}
		run = _Run(report, dict(checkpoint.get("pending") or {}), now)
		if not checkpoint and self.v0_checkpoint().get("waiting"):
			run.pending.update(handed_over(self.v0_checkpoint()))
			report.note(
				f"Took over {len(self.v0_checkpoint()['waiting'])} orders the Finances v0 feed was waiting for; "
				"their transactions are read by order."
			)
		windows = self.plan_windows(checkpoint, now)
		if not windows:
			report.note("No new posted-date window to read yet.")
		for index, (start, end) in enumerate(windows):
			report.windows.append(f"{_iso(start)} .. {_iso(end)}")
			if progress:
				progress(index, len(windows), f"Reading Amazon's transactions {_iso(start)} .. {_iso(end)}")
			if not self._read(
				run, f"window {_iso(start)} .. {_iso(end)}", posted_after=start, posted_before=end
			):
				report.note(
					f"Stopped at the window {_iso(start)} .. {_iso(end)}; the next run starts again there."
				)
				break
			checkpoint = {**checkpoint, "posted_before": _iso(end), "pending": run.pending}
			self.port.set_checkpoint(CHECKPOINT_KIND, checkpoint)
		if progress:
			progress(len(windows), len(windows), "Looking again at pending transactions")
		self._follow_up(run)
		checkpoint = {**checkpoint, "pending": run.pending}
		self.port.set_checkpoint(CHECKPOINT_KIND, checkpoint)
		from .settlements import SettlementSync

		SettlementSync(self.source, self.port, self.settings, now=now).run_into(
			report, run.transfers, books_from=self.books_from()
		)
		run.summarise()
		return report.finish(source_stats(self.source))

	def run_orders(self, order_ids, progress=None) -> SyncReport:
		"""Read and book the transactions of the given orders (a retry from the sync log); books only
		what is not booked yet and leaves the window mark alone."""
		report = SyncReport("fees", self.settings.account_key)
		checkpoint = self.port.get_checkpoint(CHECKPOINT_KIND) or {}
		run = _Run(report, dict(checkpoint.get("pending") or {}), self.now())
		order_ids = list(dict.fromkeys(o for o in order_ids if o))
		for index, order_id in enumerate(order_ids):
			if progress:
				progress(index, len(order_ids), f"Reading Amazon's transactions of order {order_id}")
			if not self._read(run, f"order {order_id}", related_identifier=("ORDER_ID", order_id)):
				break
		self.port.set_checkpoint(CHECKPOINT_KIND, {**checkpoint, "pending": run.pending})
		run.summarise()
		return report.finish(source_stats(self.source))

	def plan_windows(self, checkpoint: dict, now: datetime) -> list[tuple[datetime, datetime]]:
		floor = self.books_from()
		previous = parse_timestamp(checkpoint.get("posted_before"))
		start = max(previous - self.overlap, floor) if previous else floor
		limit = now - REQUEST_CUTOFF
		windows = []
		while start < limit:
			end = min(start + self.window, limit)
			windows.append((start, end))
			start = end
		return windows

	# -- reading ----------------------------------------------------------------------------------

	def _read(self, run: _Run, what: str, **query) -> bool:
		try:
			for page in self.source.list_transactions(**query):
				for transaction in page:
					self._apply(run, transaction)
		except Exception as exc:  # Amazon or the network failed; what was booked stays booked
			run.report.count("failed")
			run.report.failures.append(
				RecordFailure("transaction", what, failure_reason(exc), f"{type(exc).__name__}: {exc}")
			)
			log.warning("transactions %s failed: %s", what, exc)
			return False
		return True

	def _follow_up(self, run: _Run) -> None:
		"""Pending transactions, by order (ORDER_ID) or by their posted second, a few a run."""
		queries: dict[tuple, str] = {}
		for key, entry in sorted(run.pending.items(), key=lambda kv: kv[1].get("posted", "")):
			if entry.get("why") == "deferred" and entry.get("maturity", "") > _iso(run.now):
				continue  # Amazon has not released it yet
			if entry.get("order"):
				queries.setdefault(("order", entry["order"]), key)
			else:
				queries.setdefault(("posted", entry.get("posted", "")), key)
			if len(queries) >= self.requery_limit:
				break
		for kind, value in queries:
			if kind == "order":
				if self._read(run, f"order {value}", related_identifier=("ORDER_ID", value)):
					for key in [
						k
						for k, e in run.pending.items()
						if e.get("why") == HANDED_OVER and e.get("order") == value
					]:
						del run.pending[key]  # its transactions are booked or pending on their own now
			else:
				posted = parse_timestamp(value)
				if posted:
					self._read(
						run,
						f"posted {value}",
						posted_after=posted,
						posted_before=posted + timedelta(seconds=1),
					)

	# -- one transaction --------------------------------------------------------------------------

	def _apply(self, run: _Run, transaction: dict) -> None:
		try:
			plan = map_transaction(transaction)
		except TransactionError as exc:
			key = _fallback_key(transaction)
			run.fail(key, str(exc), transaction)
			return
		run.seen_types[plan.transaction_type] += 1
		if plan.is_transfer:
			run.transfers[plan.settlement_id] = plan
			run.pending.pop(plan.key, None)
			return
		if plan.unknown_type and plan.transaction_type not in run.unknown:
			run.unknown.add(plan.transaction_type)
			log.warning(
				"Amazon transaction type %r is not known; booked on its own account", plan.transaction_type
			)
		order_known = True
		if plan.amazon_order_id:
			try:
				order_known = self.port.sales_order_state(plan.amazon_order_id) is not None
			except Exception as exc:  # the ERP could not answer for this order; the others go on
				run.fail(plan.key, f"{type(exc).__name__}: {exc}", transaction, order=plan.amazon_order_id)
				return
			if not order_known and plan.posted_date > run.now - self.pending_for:
				run.wait(plan, "order")
				return
			if not order_known:
				run.without_order.add(plan.amazon_order_id)
		if plan.bare_sale and order_known:
			try:
				state, on_clearing = self.port.order_sale_on_clearing(plan.amazon_order_id)
			except Exception as exc:  # the ERP could not answer for this order; the others go on
				run.fail(plan.key, f"{type(exc).__name__}: {exc}", transaction, order=plan.amazon_order_id)
				return
			if state == SALE_TO_INVOICE:
				# What Amazon kept is the invoice's amount less the net total: known once invoiced.
				run.wait(plan, "invoice")
				return
			if state == SALE_INVOICED:
				add_fees_without_breakdown(plan, on_clearing)
		try:
			refunds = refund_drafts(plan, transaction)
		except TransactionError as exc:  # its items disagree with its total: nothing of it is booked
			run.fail(plan.key, str(exc), transaction, order=plan.amazon_order_id)
			return
		ok = True
		for draft in plan.entries:
			ok &= self._post(run, plan, draft)
		if refunds and not callable(getattr(self.port, "post_refund", None)):
			# An ERP side without credit notes yet (the ERPNext one gets them with its invoices):
			# the refund's sale side stays recorded, as with the v0 feed.
			refunds = []
		for refund in refunds:
			outcome = run_isolated(
				run.report, self.port, "refund", f"{plan.amazon_order_id} {refund.refund_key}",
				lambda r=refund: self.port.post_refund(r),
			)  # fmt: skip
			ok &= outcome is not None
		if not refunds:
			run.report.events.extend(u for u in plan.unposted if not plan.amazon_order_id or order_known)
		if not ok:
			run.wait(plan, "failed")
		elif plan.status == DEFERRED:
			run.wait(plan, "deferred")
		else:
			run.pending.pop(plan.key, None)

	def _post(self, run: _Run, plan: TransactionPlan, draft) -> bool:
		fee = draft is plan.fee_draft
		if fee:
			if draft.is_empty:
				return True
			if self._booked_by_v0(plan):
				run.report.count("unchanged")
				run.by_v0 += 1
				return True
			post = lambda: self.port.post_fee_entry(draft)  # noqa: E731
			key = draft.event_key
		else:
			post = lambda: self.port.post_account_entry(draft)  # noqa: E731
			key = draft.entry_key
		outcome = run_isolated(
			run.report, self.port, "transaction", f"{plan.amazon_order_id or '-'} {key}", post
		)
		if outcome == Outcome.CREATED:
			run.booked[plan.transaction_type] += 1
		return outcome is not None

	def _booked_by_v0(self, plan: TransactionPlan) -> bool:
		if not ran_v0(self.cutover, self.v0_checkpoint()):
			return False  # this account never read v0
		prefix = plan.v0_key_prefix
		return any(key.startswith(prefix) for key in self.port.posted_fee_event_keys(plan.amazon_order_id))


def _fallback_key(transaction) -> str:
	from ..mapping.transactions import transaction_key

	try:
		return transaction_key(transaction) if isinstance(transaction, dict) else "txn:?"
	except Exception:  # an identity that cannot even be digested
		return "txn:?"


class _Run:
	"""One run's state: pending transactions (kept in the checkpoint) and what the notes summarise."""

	def __init__(self, report: SyncReport, pending: dict, now: datetime):
		self.report = report
		self.pending = pending
		self.now = now
		self.transfers: dict[str, TransactionPlan] = {}
		self.seen_types: dict[str, int] = defaultdict(int)
		self.booked: dict[str, int] = defaultdict(int)
		self.unknown: set[str] = set()
		self.waiting_orders: set[str] = set()
		self.without_order: set[str] = set()
		self.by_v0 = 0

	def wait(self, plan: TransactionPlan, why: str) -> None:
		if why == "order" and plan.key not in self.pending:
			self.report.count("skipped")
		if why == "order":
			self.waiting_orders.add(plan.amazon_order_id)
		entry = {"posted": _iso(plan.posted_date), "why": why, "order": plan.amazon_order_id}
		if plan.maturity_date:
			entry["maturity"] = _iso(plan.maturity_date)
		self.pending[plan.key] = entry

	def fail(self, key: str, reason: str, transaction, order: str = "") -> None:
		self.report.count("failed")
		self.report.failures.append(RecordFailure("transaction", key, reason))
		posted = transaction.get("postedDate") if isinstance(transaction, dict) else ""
		order = order or str(
			next(
				(
					r.get("relatedIdentifierValue")
					for r in (
						transaction.get("relatedIdentifiers") or [] if isinstance(transaction, dict) else []
					)
					if isinstance(r, dict) and r.get("relatedIdentifierName") == "ORDER_ID"
				),
				"",
			)
			or ""
		)
		self.pending[key] = {"posted": posted or "", "why": "failed", "order": order}

	def summarise(self) -> None:
		report = self.report
		if self.booked:
			kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(self.booked.items()))
			report.note(f"Booked Amazon transactions: {kinds}.")
		if self.unknown:
			report.note(
				"Transaction types the connector does not know, each booked on its own account: "
				+ ", ".join(sorted(self.unknown))
			)
		if self.waiting_orders:
			shown = ", ".join(sorted(self.waiting_orders)[:_IDS_SHOWN])
			report.note(
				f"Transactions of {len(self.waiting_orders)} orders not imported yet wait (pending) until the "
				f"order is imported: {shown}"
			)
		if self.without_order:
			shown = ", ".join(sorted(self.without_order)[:_IDS_SHOWN])
			report.note(f"Booked without a Sales Order (the order was not imported in time): {shown}")
		if self.by_v0:
			report.note(f"{self.by_v0} transactions were booked by the Finances v0 feed already; not again.")
		deferred = sum(1 for entry in self.pending.values() if entry.get("why") == "deferred")
		if deferred:
			report.note(f"{deferred} deferred transactions wait for Amazon to release them.")


def _iso(moment: datetime) -> str:
	return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
