"""Account-level Amazon money and settlement deposits, as ERPNext Journal Entries.

- Account entries (`AccountEntryDraft`: service fees, advertising, reimbursements, reserves,
  deferral moves): booked exactly like a fee entry (`FeeEntries`), one Journal Entry per draft, the
  draft's key in the unique `amazon_fee_event_key`, so each Amazon transaction is booked once.
- Settlements: an "Amazon Settlement" record per settlement id keeps both figures (Amazon's total
  and the sum of its transactions), the status and, once booked, the deposit's Journal Entry: a
  Bank Entry dated the deposit date, debiting the bank account chosen for the currency in Amazon
  Settings and crediting Amazon Clearing by Amazon's deposit, with the settlement id as its
  reference number (cheque_no) and in `amazon_settlement_id`; its key "settlement:<id>" makes it
  unique. An opening balance Amazon carried in from the previous settlement comes off "Amazon
  Carried Balances" in the same entry, and a settlement Amazon did not pay out but carried on
  moves its balance there instead of to the bank (see `core.engine.settlements`): the clearing row
  is always minus the settlement's transactions. A settlement that is open, waits for transactions
  (or for the invoices' payments and refunds of its orders, see `settlement_vouchers`), or does not
  add up is recorded, not booked; the record says why. Once booked, every voucher of the settlement carries its id and the record
  shows their balance on the clearing account (0.00).
"""

from __future__ import annotations

import json
from decimal import Decimal

import frappe
from frappe import _

from ..core.drafts.fees import CATEGORY_FEE, FeeEntryDraft, FeeLineDraft
from ..core.drafts.transactions import AccountEntryDraft, SettlementDraft
from ..core.engine.settlements import BEFORE_START, DONE, settlement_status
from ..core.mapping.transaction_accounts import CARRIED_ACCOUNT_LABEL
from ..core.ports import Outcome
from .accounts import Accounts
from .context import AdapterContext
from .errors import AdapterError
from .fee_entries import FeeEntries
from .sales_orders import to_system_time
from .settlement_vouchers import SettlementVouchers

SETTLEMENT_DOCTYPE = "Amazon Settlement"


class AccountEntries:
	def __init__(self, fee_entries: FeeEntries):
		self.fee_entries = fee_entries

	def post(self, draft: AccountEntryDraft) -> Outcome:
		return self.fee_entries.post(as_fee_entry(draft))

	def booked(self, keys: list[str]) -> set[str]:
		if not keys:
			return set()
		return set(
			frappe.get_all(
				"Journal Entry", filters={"amazon_fee_event_key": ("in", keys)}, pluck="amazon_fee_event_key"
			)
		)


def as_fee_entry(draft: AccountEntryDraft) -> FeeEntryDraft:
	"""The same booking rules as a fee entry: lines on their accounts, the balance on clearing."""
	return FeeEntryDraft(
		amazon_order_id=draft.amazon_order_id,
		event_key=draft.entry_key,
		currency=draft.currency,
		posted_date=draft.posted_date,
		lines=[
			FeeLineDraft(
				fee_type=line.remark or line.account_label,
				category=CATEGORY_FEE,
				amount=line.amount,
				account_label=line.account_label,
				remark=line.remark,
			)
			for line in draft.lines
		],
		marketplace_id=draft.marketplace_id,
		event_type=draft.transaction_type,
		remark=draft.remark,
		settlement_id=draft.settlement_id,
	)


class Settlements:
	def __init__(
		self, ctx: AdapterContext, accounts: Accounts, fee_entries: FeeEntries, banks: dict[str, str]
	):
		self.ctx = ctx
		self.accounts = accounts
		self.fee_entries = fee_entries
		self.banks = banks  # currency -> bank account
		self.vouchers = SettlementVouchers(ctx)

	def done(self, settlement_id: str) -> bool:
		return frappe.db.get_value(SETTLEMENT_DOCTYPE, settlement_id, "status") in DONE

	def book(self, draft: SettlementDraft) -> Outcome:
		if self.done(draft.settlement_id):
			return Outcome.UNCHANGED
		status, outcome = settlement_status(draft)
		note = {
			"Open": _("Amazon has not closed this settlement yet."),
			"Waiting": _(
				"Some of its transactions, or the invoice payments and credit notes of its orders, are not "
				"booked yet (see Unbooked); the deposit is booked once they are."
			),
			"Mismatch": _mismatch(draft),
			"Booked": "",
			BEFORE_START: _(
				"It began on {0}, before the connector books Amazon's money (from {1}): some of its money is "
				"not on the connector's books, so its deposit is not booked; book it as you did before."
			).format(_naive(draft.start), _naive(draft.books_from)),
		}[status]
		journal_entry = None
		balance = None
		if status == "Booked":
			bank = self.banks.get(draft.currency)
			if not bank and draft.paid:
				status, outcome = "Waiting", Outcome.SKIPPED
				note = _(
					"No bank account for {0} in Amazon Settings (Settlement Bank Accounts): add one, the next run books it."
				).format(draft.currency)
			else:
				# The engine waited for missing sale sides (`sale_sides_missing`); these are all there.
				payments, _missing, outside = self.vouchers.sale_sides(draft.members)
				journal_entry = self._deposit(draft, bank)
				self.vouchers.mark(draft, payments)
				balance = self.vouchers.clearing_balance(
					draft.settlement_id, self.accounts.clearing_account(draft.currency)
				)
				note = self._booked_note(draft, balance, outside)
		self._record(draft, status, note, journal_entry, balance)
		return outcome

	def sale_sides_missing(self, members) -> list[str]:
		return self.vouchers.sale_sides(members)[1]

	@staticmethod
	def _booked_note(draft: SettlementDraft, balance: Decimal, outside: list[str]) -> str:
		notes = []
		if outside:
			notes.append(
				_(
					"The buyer's money of {0} orders is not invoiced by the connector (invoices off, shipped "
					"before Invoice Orders Shipped From, or billed another way), so it is not on the clearing "
					"account: {1}"
				).format(len(set(outside)), ", ".join(sorted(set(outside))[:10]))
			)
		if draft.opening_balance:
			notes.append(
				_(
					"Amazon carried an opening balance of {0} {1} into this settlement from the previous one; "
					"it comes off {2}."
				).format(draft.opening_balance, draft.currency, CARRIED_ACCOUNT_LABEL)
			)
		if draft.carried_forward:
			notes.append(
				_(
					"Amazon did not pay this settlement's balance of {0} {1} out but carried it into the next "
					"settlement; it waits on {2} until that one is booked."
				).format(draft.carried_forward, draft.currency, CARRIED_ACCOUNT_LABEL)
			)
		if balance:
			notes.append(_("Its vouchers leave {0} on the clearing account.").format(balance))
		return " ".join(notes)

	def _record(
		self,
		draft: SettlementDraft,
		status: str,
		note: str,
		journal_entry: str | None,
		balance: Decimal | None = None,
	) -> None:
		values = {
			"amazon_account": self.ctx.account,
			"status": status,
			"currency": draft.currency,
			"start_date": _naive(draft.start),
			"end_date": _naive(draft.end),
			"deposit_date": _naive(draft.deposit_date),
			"trace_id": draft.trace_id,
			"opening_balance": float(draft.opening_balance),
			"carried_forward": float(draft.carried_forward),
			"transactions_total": float(draft.transactions_total),
			"deposit": float(draft.deposit) if draft.deposit is not None else None,
			"difference": float(draft.difference) if draft.difference is not None else None,
			"transaction_count": draft.transaction_count,
			"journal_entry": journal_entry,
			"clearing_balance": float(balance) if balance is not None else None,
			"report_total": float(draft.report_total) if draft.report_total is not None else None,
			"report_lines_total": float(draft.report_lines_total)
			if draft.report_lines_total is not None
			else None,
			"note": note,
			"unbooked": ", ".join(draft.unbooked[:50]),
			"figures": json.dumps(
				{
					"figures": {k: str(v) for k, v in sorted(draft.figures.items())},
					"orders": {k: sorted(v) for k, v in sorted(draft.figure_orders.items())},
				},
				indent=1,
			),
		}
		if frappe.db.exists(SETTLEMENT_DOCTYPE, draft.settlement_id):
			doc = frappe.get_doc(SETTLEMENT_DOCTYPE, draft.settlement_id)
			doc.update(values)
			doc.save(ignore_permissions=True)
		else:
			frappe.get_doc(
				{"doctype": SETTLEMENT_DOCTYPE, "settlement_id": draft.settlement_id, **values}
			).insert(ignore_permissions=True)

	def _deposit(self, draft: SettlementDraft, bank: str | None) -> str:
		key = f"settlement:{draft.settlement_id}"
		existing = frappe.db.get_value("Journal Entry", {"amazon_fee_event_key": key}, "name")
		if existing:
			return existing
		if bank and frappe.db.get_value("Account", bank, "company") != self.ctx.company:
			raise AdapterError(
				_("Settlement {0}: bank account {1} does not belong to company {2}").format(
					draft.settlement_id, bank, self.ctx.company
				)
			)
		deposit = draft.paid
		moment = draft.deposit_date or draft.end
		posting_date = to_system_time(moment).date() if moment else frappe.utils.getdate()
		like = FeeEntryDraft(
			amazon_order_id="", event_key=key, currency=draft.currency, posted_date=moment, lines=[]
		)
		rate, rate_source = self.fee_entries._rate(like, None, posting_date)
		cost_center = frappe.get_cached_value("Company", self.ctx.company, "cost_center")
		remark = _("Amazon settlement {0}: deposit of {1} {2}").format(
			draft.settlement_id, deposit, draft.currency
		)
		if draft.opening_balance:
			remark += "; " + _("opening balance {0} carried in").format(draft.opening_balance)
		if draft.carried_forward:
			remark += "; " + _("balance {0} carried into the next settlement").format(draft.carried_forward)
		clearing = self.accounts.clearing_account(draft.currency)
		rows = []
		if deposit:
			rows.append(self.fee_entries._row(bank, deposit, rate, like, cost_center, remark))
		if draft.carried_change:
			carried = self.accounts.account(CARRIED_ACCOUNT_LABEL)
			rows.append(self.fee_entries._row(carried, draft.carried_change, rate, like, cost_center, remark))
		rows.append(self.fee_entries._row(clearing, draft.clearing_amount, rate, like, cost_center, remark))
		self.fee_entries._balance(rows, like, prefer=clearing)
		if rate_source:
			remark += " " + _("converted at {0} ({1})").format(rate, rate_source)
		doc = frappe.get_doc(
			{
				"doctype": "Journal Entry",
				"voucher_type": "Bank Entry" if deposit else "Journal Entry",
				"company": self.ctx.company,
				"posting_date": posting_date,
				"cheque_no": draft.settlement_id,
				"cheque_date": posting_date,
				"multi_currency": int(any(r["account_currency"] != self.ctx.company_currency for r in rows)),
				"user_remark": remark,
				"amazon_fee_event_key": key,
				"amazon_account": self.ctx.account,
				"amazon_settlement_id": draft.settlement_id,
				"accounts": [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows],
			}
		)
		doc.insert(ignore_permissions=True)
		doc.submit()
		return doc.name


def _mismatch(draft: SettlementDraft) -> str:
	if draft.difference:
		return _(
			"Amazon's total {0} differs from opening balance {1} plus its transactions {2}: not booked."
		).format(draft.deposit, draft.opening_balance, draft.transactions_total)
	return _("Amazon's settlement report says {0} (its rows {1}), the payout is {2}: not booked.").format(
		draft.report_total, draft.report_lines_total, draft.deposit
	)


def _naive(moment):
	return to_system_time(moment) if moment else None
