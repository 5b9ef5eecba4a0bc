"""Settlements: for each of Amazon's payouts, check it against its transactions and book the deposit.

Where a settlement comes from:
- Finances v0 `listFinancialEventGroups` (not deprecated, the only list of settlements Amazon has):
  status Open/Closed, `OriginalTotal` (for a closed group: the payout), `BeginningBalance`,
  `FundTransferDate`;
- without it (the operation refused, e.g. once Amazon removes v0): the payout transactions of the
  2024-06-19 feed (`Transfer`, with SETTLEMENT_ID / FINANCIAL_EVENT_GROUP_ID): minus its amount is
  the deposit, its posted date the deposit date.
For each settlement not booked yet, its transactions are read by FINANCIAL_EVENT_GROUP_ID and
summed. The port then records it (a durable "Amazon Settlement" row with both figures) and:
- Open: recorded, nothing booked;
- Closed, but some of its transactions not booked yet (an order not imported, a failure): waits;
- Closed, and opening balance + its transactions differ from Amazon's own total: flagged with both
  figures, not booked;
- Closed and agreeing: the deposit is booked (Amazon Clearing -> the bank account of its currency,
  dated the deposit date, referencing the settlement id), once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from ..drafts.transactions import SettlementDraft
from ..mapping.transactions import TransactionPlan, map_transaction
from ..money import parse_amount
from ..ports import ErpPort, Outcome
from ..settings import SyncSettings
from ..sources import AmazonSource
from ..timestamps import current_time, parse_timestamp
from .report import RecordFailure, SyncReport, failure_reason, run_isolated

log = logging.getLogger(__name__)

CHECKPOINT_KIND = "settlements"
LOOKBACK = timedelta(days=90)


class SettlementSync:
	def __init__(
		self,
		source: AmazonSource,
		port: ErpPort,
		settings: SyncSettings,
		*,
		now: datetime | Callable[[], datetime] | None = None,
	):
		self.source = source
		self.port = port
		self.settings = settings
		self._now = now

	def run_into(self, report: SyncReport, transfers: dict[str, TransactionPlan] | None = None) -> None:
		now = current_time(self._now)
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
		booked = 0
		for settlement_id in sorted(waiting):
			if self.port.settlement_booked(settlement_id):
				waiting.pop(settlement_id)
				continue
			draft = self._draft(report, settlement_id, groups.get(settlement_id), waiting[settlement_id])
			if draft is None:
				continue
			outcome = run_isolated(
				report, self.port, "settlement", settlement_id, lambda d=draft: self.port.book_settlement(d)
			)
			if outcome is not None and self.port.settlement_booked(settlement_id):
				waiting.pop(settlement_id)
				booked += 1
		self.port.set_checkpoint(CHECKPOINT_KIND, {**checkpoint, "waiting": waiting})
		if booked:
			report.note(f"Booked the deposits of {booked} Amazon settlements.")
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

	def _draft(self, report, settlement_id: str, group: dict | None, memory: dict) -> SettlementDraft | None:
		transfer: dict = memory.get("transfer") or {}
		if group is None and not transfer:
			return None
		plans: list[TransactionPlan] = []
		try:
			for page in self.source.list_transactions(
				related_identifier=("FINANCIAL_EVENT_GROUP_ID", settlement_id)
			):
				for transaction in page:
					plans.append(map_transaction(transaction))
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
		else:
			payout = payouts[0] if payouts else None
			total = Decimal(transfer["amount"])
			opening = Decimal(0)
			status = "Closed"
			deposit_date = payout.posted_date if payout else parse_timestamp(transfer.get("date"))
			currency = transfer.get("currency") or ""
			start = min((p.posted_date for p in others), default=None)
			end = max((p.posted_date for p in others), default=None)
			trace = ""
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
		)
		draft.unbooked = self._unbooked(others)
		if draft.closed and draft.difference:
			memory["flagged"] = True
		return draft

	def _unbooked(self, plans: list[TransactionPlan]) -> list[str]:
		every = [key for plan in plans for key in _keys(plan)]
		booked = self.port.booked_entry_keys(every) if every else set()
		missing = []
		for plan in plans:
			keys = _keys(plan)
			if plan.fee_draft is not None and not plan.fee_draft.is_empty and plan.v0_key_prefix:
				v0 = self.port.posted_fee_event_keys(plan.amazon_order_id) if plan.amazon_order_id else set()
				if any(k.startswith(plan.v0_key_prefix) for k in v0):
					keys = [k for k in keys if k != plan.fee_draft.event_key]
			if any(k not in booked for k in keys):
				missing.append(plan.transaction_id or plan.key)
		return missing


def settlement_status(draft: SettlementDraft) -> tuple[str, Outcome]:
	"""What becomes of a settlement, for every port alike: (status, outcome)."""
	if not draft.closed:
		return "Open", Outcome.SKIPPED
	if draft.difference:
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


def _money(value) -> Decimal:
	if not isinstance(value, dict):
		return Decimal(0)
	return parse_amount(value.get("CurrencyAmount"), value.get("CurrencyCode") or "")
