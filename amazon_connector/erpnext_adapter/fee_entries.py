"""Journal Entries for what Amazon kept or withheld on an order (one per FeeEntryDraft).

Booking (see `core.drafts.fees`): one row per fee line on its account (a debit when Amazon kept
money, a credit when it gave some back), one balancing row on the Amazon clearing account. The
entry carries `amazon_fee_event_key` (unique: each event is posted once, a concurrent duplicate
loses on the database key), `amazon_order_id` and `amazon_account`, and its user remark names the
order, the event and Amazon's fee types. Journal Entry rows can reference a Sales Order only as
an advance, so the link to the order is the `amazon_order_id` field (searchable) plus the remark.

Currency (decision): the entry is in the company currency. When Amazon's currency is the company
currency, every amount is Amazon's exactly and the clearing row equals the draft's total. Otherwise
each line is converted at the Sales Order's conversion rate (so the fees sit at the same rate as
the sale they belong to; the real exchange difference appears when Amazon's payout is booked), or,
without an imported order, at ERPNext's rate for the posting date; with no rate the entry fails
with a message saying which rate to add. Each converted line is rounded to the company currency
and the clearing row is their sum, so the entry balances exactly; the remark keeps Amazon's
amounts and the rate. An account kept in Amazon's currency is booked in that currency with the
rate (a multi-currency entry): the clearing row always is, on the clearing account of Amazon's
currency (see `accounts`), so that it is exactly Amazon's amount.
"""

from __future__ import annotations

from decimal import Decimal

import frappe
from frappe import _
from frappe.utils import flt

from ..core.drafts import FeeEntryDraft
from ..core.mapping.account_labels import account_label
from ..core.money import minor_units, round_money
from ..core.ports import Outcome
from .accounts import Accounts, home_of_fee_line
from .context import AdapterContext
from .errors import AdapterError
from .inserts import insert_once
from .sales_orders import SalesOrders, _exchange_rate, to_system_time


class FeeEntries:
	def __init__(self, ctx: AdapterContext, accounts: Accounts, sales_orders: SalesOrders):
		self.ctx = ctx
		self.accounts = accounts
		self.sales_orders = sales_orders

	def posted_event_keys(self, amazon_order_id: str) -> set[str]:
		# Every entry counts, cancelled ones too: a person cancelled it on purpose, and the key is
		# unique, so the event cannot be posted a second time anyway.
		return set(
			frappe.get_all(
				"Journal Entry",
				filters={"amazon_order_id": amazon_order_id, "amazon_fee_event_key": ("is", "set")},
				pluck="amazon_fee_event_key",
			)
		)

	def post(self, draft: FeeEntryDraft) -> Outcome:
		if not draft.event_key:
			raise AdapterError(
				_("Amazon order {0}: a fee entry without an event key").format(draft.amazon_order_id)
			)
		if frappe.db.exists("Journal Entry", {"amazon_fee_event_key": draft.event_key}):
			return Outcome.UNCHANGED
		if draft.is_empty:
			return Outcome.SKIPPED
		doc = frappe.get_doc(self._plan(draft))
		posted = lambda: bool(frappe.db.exists("Journal Entry", {"amazon_fee_event_key": draft.event_key}))  # noqa: E731
		if not insert_once(doc, posted, "amz_je_insert"):
			return Outcome.UNCHANGED  # posted by a concurrent job
		# Told apart in lists and reports: ERPNext titles a new entry after its first account (every
		# fee entry "Amazon Referral Fees"), and keeps a title set once the entry exists.
		frappe.db.set_value("Journal Entry", doc.name, "title", self._title(draft), update_modified=False)
		doc.reload()  # as stored, so that the submit's Version shows no "changed from 0 to null"
		doc.flags.ignore_permissions = True
		doc.submit()
		return Outcome.CREATED

	# -- building ------------------------------------------------------------------------------
	def _plan(self, draft: FeeEntryDraft) -> dict:
		company_currency = self.ctx.company_currency
		order = (
			self.sales_orders.find(draft.amazon_order_id)
			or self.sales_orders.find_fulfilment(draft.amazon_order_id)
			if draft.amazon_order_id
			else None
		)
		posting_date = to_system_time(draft.posted_date).date()
		rate, rate_source = self._rate(draft, order, posting_date)
		cost_center = frappe.get_cached_value("Company", self.ctx.company, "cost_center")

		rows = []
		for line in draft.lines:
			if not line.amount:
				continue
			label = line.account_label or account_label(line.fee_type, line.category)
			account = self.accounts.account(label, home_of_fee_line(label, line.category))
			rows.append(
				self._row(account, line.amount, rate, draft, cost_center, line.remark or line.fee_type)
			)
		clearing = self.accounts.clearing_account(draft.currency)
		total = draft.total
		if total:
			clearing_row = self._row(clearing, -total, rate, draft, cost_center, _("Amazon clearing"))
			self._party(clearing_row, order, draft)
			rows.append(clearing_row)
		self._balance(rows, draft, prefer=clearing)

		fee_types = ", ".join(dict.fromkeys(line.fee_type for line in draft.lines if line.amount))
		remark = _("Amazon {0} for order {1}{2}: {3}.").format(
			_("{0} event").format(draft.event_type) if draft.event_type else _("fees"),
			draft.amazon_order_id or _("(none)"),
			f" ({draft.marketplace_name})" if draft.marketplace_name else "",
			fee_types,
		)
		if order:
			remark += " " + _("Sales Order {0}.").format(order.name)
		if draft.currency != company_currency:
			remark += " " + _("Amazon's amounts: {0} {1} in total, converted at {2} ({3}).").format(
				total, draft.currency, rate, rate_source
			)
		if draft.remark:
			remark += " " + draft.remark
		return {
			"doctype": "Journal Entry",
			"voucher_type": "Journal Entry",
			"company": self.ctx.company,
			"posting_date": posting_date,
			# Found by the Amazon order id as the reference number.
			"cheque_no": draft.amazon_order_id or draft.event_key[:140],
			"cheque_date": posting_date,
			"multi_currency": int(any(r["account_currency"] != company_currency for r in rows)),
			"user_remark": remark,
			"amazon_order_id": draft.amazon_order_id or None,
			"amazon_fee_event_key": draft.event_key,
			"amazon_account": self.ctx.account,
			"amazon_settlement_id": draft.settlement_id or None,
			"accounts": [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows],
		}

	@staticmethod
	def _title(draft: FeeEntryDraft) -> str:
		kind = _("Amazon {0} fees").format(draft.event_type) if draft.event_type else _("Amazon fees")
		return f"{kind} {draft.amazon_order_id}" if draft.amazon_order_id else kind

	def _rate(self, draft: FeeEntryDraft, order, posting_date) -> tuple[Decimal, str]:
		if draft.currency == self.ctx.company_currency:
			return Decimal(1), ""
		if order and order.currency == draft.currency and flt(order.conversion_rate):
			return Decimal(str(flt(order.conversion_rate))), _("rate of Sales Order {0}").format(order.name)
		rate = _exchange_rate(draft.currency, self.ctx.company_currency, posting_date)
		if not rate:
			raise AdapterError(
				_(
					"Amazon order {0}: ERPNext has no exchange rate from {1} to {2} on {3} for its fees. Add a "
					"Currency Exchange record, then retry."
				).format(draft.amazon_order_id, draft.currency, self.ctx.company_currency, posting_date)
			)
		return Decimal(str(rate)), _("exchange rate on {0}").format(posting_date)

	def _row(
		self, account: str, amount: Decimal, rate: Decimal, draft: FeeEntryDraft, cost_center, remark
	) -> dict:
		company_currency = self.ctx.company_currency
		account_currency = frappe.get_cached_value("Account", account, "account_currency") or company_currency
		if account_currency == company_currency:
			in_account = round_money(amount * rate, company_currency)
			exchange_rate = Decimal(1)
		elif account_currency == draft.currency:
			in_account = amount
			exchange_rate = rate
		else:
			raise AdapterError(
				_("Amazon order {0}: account {1} is kept in {2}, neither {3} nor the company's {4}").format(
					draft.amazon_order_id, account, account_currency, draft.currency, company_currency
				)
			)
		row = {
			"account": account,
			"account_currency": account_currency,
			"exchange_rate": float(exchange_rate),
			"cost_center": cost_center,
			"user_remark": remark,
			"_company_amount": _as_erpnext_converts(in_account, exchange_rate, company_currency),
			"_in_account": in_account,
		}
		_set_amounts(row, in_account, row["_company_amount"])
		return row

	def _party(self, row: dict, order, draft: FeeEntryDraft) -> None:
		account_type = frappe.get_cached_value("Account", row["account"], "account_type")
		if account_type not in ("Receivable", "Payable"):
			return
		if not order:
			raise AdapterError(
				_(
					"Amazon order {0}: the clearing account {1} is a {2} account, which needs a party, and the "
					"order was not imported"
				).format(draft.amazon_order_id, row["account"], account_type)
			)
		row["party_type"] = "Customer"
		row["party"] = order.customer

	def _balance(self, rows: list[dict], draft: FeeEntryDraft, prefer: str) -> None:
		"""Make the company-currency debits equal the credits: a conversion rounding difference goes
		onto the clearing row (else the largest company-currency row)."""
		difference = sum((r["_company_amount"] for r in rows), Decimal(0))
		if not difference:
			return
		candidates = [r for r in rows if r["account_currency"] == self.ctx.company_currency]
		if not candidates:
			raise AdapterError(
				_("Amazon order {0}: the fee entry does not balance by {1} after conversion").format(
					draft.amazon_order_id, difference
				)
			)
		target = next((r for r in candidates if r["account"] == prefer), None) or max(
			candidates, key=lambda r: abs(r["_company_amount"])
		)
		target["_company_amount"] -= difference
		_set_amounts(target, target["_company_amount"], target["_company_amount"])


def _as_erpnext_converts(in_account: Decimal, exchange_rate: Decimal, company_currency: str) -> Decimal:
	"""The company-currency amount ERPNext itself computes for a row in another currency (float
	product, rounded by `flt` to the currency's precision): the entry must balance by ERPNext's
	figures, and a half cent rounds there as ERPNext's rounding method says, not always up."""
	if exchange_rate == 1:
		return in_account
	return Decimal(str(flt(float(in_account) * float(exchange_rate), minor_units(company_currency))))


def _set_amounts(row: dict, in_account: Decimal, company: Decimal) -> None:
	"""Signed amounts -> debit/credit columns (positive = debit)."""
	row["debit_in_account_currency"] = float(in_account) if in_account > 0 else 0
	row["credit_in_account_currency"] = float(-in_account) if in_account < 0 else 0
	row["debit"] = float(company) if company > 0 else 0
	row["credit"] = float(-company) if company < 0 else 0
