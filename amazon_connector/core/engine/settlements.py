"""Settlements: for each of Amazon's payouts, check it against its transactions and book the deposit.

Where a settlement comes from:
- Finances v0 `listFinancialEventGroups` (not deprecated, the only list of settlements Amazon has):
  status Open/Closed, `OriginalTotal` (for a closed group: the payout), `BeginningBalance`,
  `FundTransferDate`;
- Amazon's settlement report (GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2, listed with getReports,
  read once each, `mapping.settlement_report`): the settlement's own total, deposit date, currency
  and period, and its rows' sum; where it is read, its total must equal the deposit and its rows
  its total, else the settlement is flagged like one whose transactions differ;
- without either (the operations refused, e.g. once Amazon removes v0): the payout transactions of the
  2024-06-19 feed (`Transfer`, with SETTLEMENT_ID / FINANCIAL_EVENT_GROUP_ID): minus its amount is
  the deposit, its posted date the deposit date.
For each settlement not booked yet, its transactions are read by FINANCIAL_EVENT_GROUP_ID and
summed. The port then records it (a durable "Amazon Settlement" row with both figures) and:
- Open: recorded, nothing booked;
- Closed, but some of its transactions not booked yet (an order not imported, a failure): waits;
- Closed, and opening balance + its transactions differ from Amazon's own total: flagged with both
  figures, not booked;
- Closed, but begun before the first instant the connector books (the after date, or the cut-over
  from v0): recorded as "Before Start", never booked (its deposit is the seller's, as before);
- Closed and agreeing: the deposit is booked (Amazon Clearing -> the bank account of its currency,
  dated the deposit date, referencing the settlement id), once.
Opening balances: Amazon does not pay out a settlement that closes with a negative balance (a small
one, at least); it carries the balance into the next settlement, whose opening balance
(`BeginningBalance`, or its settlement report's opening row) it is. The carried settlement has no
transfer (no FundTransferDate, no payout transaction, no deposit date in its report): its balance
moves from Amazon Clearing to "Amazon Carried Balances" (`carried_forward`), and the next one's
opening balance moves back, with its deposit. So each settlement leaves 0.00 on clearing, the bank
line is Amazon's deposit, and the carried-balances account is 0.00 once the next one is booked.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from ..drafts.transactions import SettlementDraft, SettlementMember
from ..mapping.listings_report import decode_report
from ..mapping.settlement_report import REPORT_TYPE, SettlementReportError, read_settlement_report
from ..mapping.transaction_refunds import refund_drafts
from ..mapping.transactions import (
	TransactionError,
	TransactionPlan,
	add_fees_without_breakdown,
	map_transaction,
)
from ..money import parse_amount
from ..ports import SALE_INVOICED, Outcome
from ..sources import AmazonSource
from ..timestamps import parse_timestamp
from .base import AccountEngine
from .report import RecordFailure, SyncReport, failure_reason, run_isolated

log = logging.getLogger(__name__)

CHECKPOINT_KIND = "settlements"
BOOKED, BEFORE_START = "Booked", "Before Start"
DONE = (BOOKED, BEFORE_START)  # statuses a settlement keeps for good
LOOKBACK = timedelta(days=90)


class SettlementSync(AccountEngine[AmazonSource]):
	"""Checks and books the settlements of one account, see the module docstring."""

	def run_into(
		self,
		report: SyncReport,
		transfers: dict[str, TransactionPlan] | None = None,
		*,
		books_from: datetime | None = None,
	) -> None:
		now = self.now()
		checkpoint = self.port.get_checkpoint(CHECKPOINT_KIND) or {}
		waiting: dict[str, dict] = dict(checkpoint.get("waiting") or {})
		for settlement_id, plan in (transfers or {}).items():
			if settlement_id:
				waiting.setdefault(settlement_id, {})["transfer"] = {
					"amount": str(-plan.total),
					"currency": plan.currency,
					"date": plan.posted_date.isoformat(),
				}
		groups = self._groups(report, now)
		for group in groups.values():
			waiting.setdefault(group["FinancialEventGroupId"], {})
		reports_read = self._settlement_reports(report, now, waiting, dict(checkpoint.get("reports") or {}))
		booked = 0
		left: list[str] = []  # begun before the connector books Amazon's money: the seller's
		for settlement_id in sorted(waiting):
			if self.port.settlement_done(settlement_id):
				waiting.pop(settlement_id)
				continue
			draft = self._draft(report, settlement_id, groups.get(settlement_id), waiting[settlement_id])
			if draft is None:
				continue
			draft.books_from = books_from
			outcome = run_isolated(
				report, self.port, "settlement", settlement_id, lambda d=draft: self.port.book_settlement(d)
			)
			if outcome is not None and self.port.settlement_done(settlement_id):
				waiting.pop(settlement_id)
				if outcome == Outcome.CREATED:
					booked += 1
				else:
					left.append(settlement_id)
		self.port.set_checkpoint(CHECKPOINT_KIND, {**checkpoint, "waiting": waiting, "reports": reports_read})
		if booked:
			report.note(f"Booked the deposits of {booked} Amazon settlements.")
		if left:
			report.note(
				f"{len(left)} settlements began before the connector books Amazon's money ({_utc(books_from)} "
				"UTC); their deposits are left to you (Amazon Settlement: Before Start): "
				+ ", ".join(sorted(left)[:10])
			)
		flagged = [s for s, entry in waiting.items() if entry.get("flagged")]
		if flagged:
			report.note(
				"Settlements whose total differs from their transactions (not booked, see Amazon Settlement): "
				+ ", ".join(sorted(flagged)[:10])
			)

	def _groups(self, report: SyncReport, now: datetime) -> dict[str, dict]:
		try:
			return {
				g["FinancialEventGroupId"]: g
				for g in self.source.list_financial_event_groups(started_after=now - LOOKBACK)
				if isinstance(g, dict) and g.get("FinancialEventGroupId")
			}
		except Exception as exc:  # refused (v0 switched off) or failing: the payouts still tell
			report.note(
				"Amazon's settlement list could not be read ("
				+ failure_reason(exc)
				+ "); settlements come from the payouts in the transactions feed."
			)
			return {}

	def _settlement_reports(self, report: SyncReport, now: datetime, waiting: dict, read: dict) -> dict:
		"""Amazon's V2 settlement reports of the last LOOKBACK not read yet: each one's summary is kept
		with its settlement (in the checkpoint), so a report is downloaded once. Returns report id ->
		settlement id of the reports read (an unreadable one maps to "", and is not tried again)."""
		try:
			listed = [
				r
				for r in self.source.list_reports([REPORT_TYPE], created_since=now - LOOKBACK)
				if isinstance(r, dict) and r.get("processingStatus") == "DONE" and r.get("reportDocumentId")
			]
		except Exception as exc:  # no Reports access (a role the app lacks), or Amazon failing
			report.note(
				"Amazon's settlement reports could not be listed ("
				+ failure_reason(exc)
				+ "); settlements are checked against their transactions alone."
			)
			return read
		kept = {str(r["reportId"]): read[str(r["reportId"])] for r in listed if str(r["reportId"]) in read}
		for meta in listed:
			report_id = str(meta["reportId"])
			if report_id in kept:
				continue
			try:
				document = self.source.download_report(report_id, str(meta["reportDocumentId"]))
				parsed = read_settlement_report(
					decode_report(document.content, document.charset)[0], f"settlement report {report_id}"
				)
			except SettlementReportError as exc:  # as Amazon made it: said once, not read again
				kept[report_id] = ""
				report.count("failed")
				report.failures.append(RecordFailure("settlement report", report_id, str(exc)))
				continue
			except Exception as exc:  # the download failed: the next run tries again
				report.count("failed")
				report.failures.append(
					RecordFailure(
						"settlement report", report_id, failure_reason(exc), f"{type(exc).__name__}: {exc}"
					)
				)
				continue
			for line, reason in parsed.failures:
				report.failures.append(
					RecordFailure("settlement report row", f"{parsed.settlement_id} line {line}", reason)
				)
			kept[report_id] = parsed.settlement_id
			waiting.setdefault(parsed.settlement_id, {})["report"] = {
				"total": str(parsed.total),
				"currency": parsed.currency,
				"start": parsed.start.isoformat() if parsed.start else "",
				"end": parsed.end.isoformat() if parsed.end else "",
				"deposit_date": parsed.deposit_date.isoformat() if parsed.deposit_date else "",
				"lines_total": "" if parsed.failures else str(parsed.lines_total),
				"opening": str(parsed.opening),
			}
		return kept

	def _draft(self, report, settlement_id: str, group: dict | None, memory: dict) -> SettlementDraft | None:
		transfer: dict = memory.get("transfer") or {}
		amazon_report: dict = memory.get("report") or {}
		if group is None and not transfer and not amazon_report:
			return None
		plans: list[TransactionPlan] = []
		transactions: dict[str, dict] = {}  # plan key -> the transaction, for its refund's key
		try:
			for page in self.source.list_transactions(
				related_identifier=("FINANCIAL_EVENT_GROUP_ID", settlement_id)
			):
				for transaction in page:
					plan = map_transaction(transaction)
					plans.append(plan)
					transactions[plan.key] = transaction
		except Exception as exc:  # a transaction that cannot be mapped, or Amazon failing
			report.count("failed")
			report.failures.append(RecordFailure("settlement", settlement_id, failure_reason(exc), str(exc)))
			return None
		payouts = [p for p in plans if p.is_transfer]
		others = [p for p in plans if not p.is_transfer]
		if group is not None:
			total = _money(group.get("OriginalTotal"))
			opening = _money(group.get("BeginningBalance"))
			status = group.get("ProcessingStatus") or "Open"
			deposit_date = parse_timestamp(group.get("FundTransferDate"))
			currency = (group.get("OriginalTotal") or {}).get("CurrencyCode") or ""
			start = parse_timestamp(group.get("FinancialEventGroupStart"))
			end = parse_timestamp(group.get("FinancialEventGroupEnd"))
			trace = group.get("TraceId") or ""
			# Closed without a transfer: Amazon carried its balance into the next settlement.
			carried = not deposit_date
		else:
			# Without Amazon's list of settlements: the payout transaction is what Amazon paid, and its
			# settlement report (when read) has the settlement's own deposit date, currency and period.
			payout = payouts[0] if payouts else None
			total = Decimal(transfer["amount"]) if transfer else Decimal(amazon_report["total"])
			opening = Decimal(amazon_report.get("opening") or 0)
			status = "Closed"
			# Neither a payout nor a deposit date in Amazon's report: its balance was carried on.
			carried = not transfer and not payouts and not amazon_report.get("deposit_date")
			deposit_date = parse_timestamp(amazon_report.get("deposit_date") or None) or (
				payout.posted_date if payout else parse_timestamp(transfer.get("date"))
			)
			currency = amazon_report.get("currency") or transfer.get("currency") or ""
			start = parse_timestamp(amazon_report.get("start") or None) or min(
				(p.posted_date for p in others), default=None
			)
			end = parse_timestamp(amazon_report.get("end") or None) or max(
				(p.posted_date for p in others), default=None
			)
			trace = ""
		# Before the figures: a shipment without breakdowns gets its line of what Amazon kept (on "Amazon
		# Fees Without Breakdown", as its entry books it) here, and its sale is the invoiced gross.
		members = self._members(others, transactions)
		figures: dict[str, Decimal] = {}
		orders: dict[str, list[str]] = {}
		for plan in others:
			for line, amount in plan.figures.items():
				figures[line] = figures.get(line, Decimal(0)) + amount
				if plan.amazon_order_id and plan.amazon_order_id not in orders.setdefault(line, []):
					orders[line].append(plan.amazon_order_id)
		draft = SettlementDraft(
			settlement_id=settlement_id,
			currency=currency,
			status="Closed" if str(status).lower() == "closed" else "Open",
			opening_balance=opening or Decimal(0),
			deposit=total if str(status).lower() == "closed" else None,
			transactions_total=sum((p.total for p in others), Decimal(0)),
			transaction_count=len(others),
			start=start,
			end=end,
			deposit_date=deposit_date,
			trace_id=trace,
			figures=figures,
			figure_orders=orders,
			carried_forward=total if str(status).lower() == "closed" and carried else Decimal(0),
		)
		if amazon_report:
			draft.report_total = Decimal(amazon_report["total"])
			draft.report_lines_total = (
				Decimal(amazon_report["lines_total"]) if amazon_report.get("lines_total") else None
			)
		draft.members = members
		draft.unbooked = self._unbooked(draft.members)
		if draft.closed and (draft.difference or draft.report_difference):
			memory["flagged"] = True
		return draft

	def _members(self, plans: list[TransactionPlan], transactions: dict[str, dict]) -> list[SettlementMember]:
		members = []
		for plan in plans:
			if plan.bare_sale:
				# The transactions engine adds what Amazon kept once the order is invoiced; the
				# settlement waits for that entry like any other.
				state, on_clearing = self.port.order_sale_on_clearing(plan.amazon_order_id)
				if state == SALE_INVOICED:
					add_fees_without_breakdown(plan, on_clearing)
			keys = _keys(plan)
			v0 = self._v0_key(plan)
			if v0 and plan.fee_draft is not None:
				keys = [v0 if k == plan.fee_draft.event_key else k for k in keys]
			try:
				refunds = refund_drafts(plan, transactions.get(plan.key) or {})
			except TransactionError:  # refused by the transactions engine, which names it; no credit note
				refunds = []
			members.append(
				SettlementMember(
					transaction_id=plan.transaction_id or plan.key,
					transaction_type=plan.transaction_type,
					amazon_order_id=plan.amazon_order_id,
					entry_keys=keys,
					sale=plan.sale,
					refund_key=refunds[0].refund_key if refunds else "",
				)
			)
		return members

	def _v0_key(self, plan: TransactionPlan) -> str:
		"""The key of the v0 entry that booked this transaction's fees already, if one did."""
		if plan.fee_draft is None or plan.fee_draft.is_empty or not plan.amazon_order_id:
			return ""
		prefix = plan.v0_key_prefix
		return next(
			(
				k
				for k in sorted(self.port.posted_fee_event_keys(plan.amazon_order_id))
				if k.startswith(prefix)
			),
			"",
		)

	def _unbooked(self, members: list[SettlementMember]) -> list[str]:
		"""Members with an entry not booked yet, then sale sides not on the clearing account yet."""
		every = [key for member in members for key in member.entry_keys]
		booked = self.port.booked_entry_keys(every) if every else set()
		missing = [m.transaction_id for m in members if any(k not in booked for k in m.entry_keys)]
		return missing + self.port.sale_sides_missing(members)


def settlement_status(draft: SettlementDraft) -> tuple[str, Outcome]:
	"""What becomes of a settlement, for every port alike: (status, outcome). One that began before
	the connector books Amazon's money is left to the seller, as before the connector booked
	deposits (BEFORE_START: recorded with its figures, never booked, not looked at again)."""
	if not draft.closed:
		return "Open", Outcome.SKIPPED
	if draft.before_start:
		return BEFORE_START, Outcome.SKIPPED
	if draft.difference or draft.report_difference:
		return "Mismatch", Outcome.FLAGGED
	if draft.unbooked:
		return "Waiting", Outcome.SKIPPED
	return "Booked", Outcome.CREATED


def _keys(plan: TransactionPlan) -> list[str]:
	"""The entry keys a plan books (an empty fee entry books nothing)."""
	keys = []
	if plan.fee_draft is not None and not plan.fee_draft.is_empty:
		keys.append(plan.fee_draft.event_key)
	for entry in (plan.account_draft, plan.deferral, plan.release):
		if entry is not None:
			keys.append(entry.entry_key)
	return keys


def _utc(moment: datetime | None) -> str:
	return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M") if moment else "?"


def _money(value) -> Decimal:
	if not isinstance(value, dict):
		return Decimal(0)
	return parse_amount(value.get("CurrencyAmount"), value.get("CurrencyCode") or "")
