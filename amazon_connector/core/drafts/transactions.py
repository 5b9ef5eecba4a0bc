"""Drafts for Amazon money not booked as an order's fee entry: account-level transactions, deferrals.

How an adapter books an AccountEntryDraft (one Journal Entry per draft):
- one row per line on the account named `line.account_label`, found or created where
  `line.home` says (HOME_FEE_GROUP: under the configured Amazon account group; HOME_BESIDE_CLEARING:
  an asset account beside the Amazon Clearing account, e.g. "Amazon Reserve", "Amazon Deferred");
  `line.amount` > 0 is a debit (money Amazon kept: a service fee, advertising, a reserve held),
  < 0 a credit (money Amazon gave: a reimbursement, a reserve released);
- one balancing row of `-draft.total` on the Amazon Clearing account of `currency`;
- `entry_key` written on the entry (unique in the database: it is what makes booking idempotent),
  `settlement_id` and `amazon_order_id` for the reconciliation, `remark` as the user remark.
Amounts are exactly Amazon's, in `currency`.

A settlement is booked when every member's money is on the clearing account (its entries, and the
sale side through the invoices' payments where the connector invoices the order); the adapter then
marks every voucher of its members with the settlement id, so that the clearing account's balance
of the vouchers of one settlement, its deposit included, is 0.00.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

HOME_FEE_GROUP = "fee_group"
HOME_BESIDE_CLEARING = "beside_clearing"


@dataclass
class AccountLineDraft:
	account_label: str
	amount: Decimal  # positive = debit (Amazon kept it), negative = credit (Amazon gave it)
	home: str = HOME_FEE_GROUP
	remark: str = ""  # Amazon's own names for what the line holds


@dataclass
class AccountEntryDraft:
	entry_key: str  # "txn:<transactionId>", "txn:<id>:deferred", "txn:<id>:released"
	transaction_type: str  # Amazon's transactionType, e.g. ServiceFee, Adjustment
	currency: str
	posted_date: datetime
	lines: list[AccountLineDraft]
	settlement_id: str = ""
	amazon_order_id: str = ""
	marketplace_id: str = ""
	remark: str = ""

	@property
	def total(self) -> Decimal:
		return sum((line.amount for line in self.lines), Decimal(0))


@dataclass
class SettlementMember:
	"""One transaction of a settlement and where its money is booked: the entries booked for it
	(`entry_keys`: fee entry, account entry, deferral and release, or the v0 entry of the same
	event) and its sale side, the buyer's money (seller's view: + a sale, - a refund), which is on
	the clearing account through the invoice's payment or the credit note's refund payment
	(`refund_key`), not through an entry of the transaction."""

	transaction_id: str
	transaction_type: str
	amazon_order_id: str = ""
	entry_keys: list[str] = field(default_factory=list)
	sale: Decimal = Decimal(0)
	refund_key: str = ""


@dataclass
class SettlementDraft:
	"""One Amazon settlement (financial event group): what Amazon says it paid, and what its
	transactions add up to. Booked (deposit: clearing -> bank) only when closed and both agree."""

	settlement_id: str
	currency: str
	status: str  # Amazon's ProcessingStatus: Open or Closed
	opening_balance: Decimal = Decimal(0)
	deposit: Decimal | None = None  # Amazon's own total (OriginalTotal, or the payout transaction)
	transactions_total: Decimal = Decimal(0)  # the sum of its transactions, payout excluded
	transaction_count: int = 0
	start: datetime | None = None
	end: datetime | None = None
	deposit_date: datetime | None = None
	trace_id: str = ""
	figures: dict[str, Decimal] = field(default_factory=dict)  # per reconciliation line, see mapping
	unbooked: list[str] = field(default_factory=list)  # its transactions the ERP has not booked yet
	figure_orders: dict[str, list[str]] = field(default_factory=dict)  # figure -> the orders behind it
	members: list[SettlementMember] = field(default_factory=list)  # its transactions, payout excluded
	# The first posted instant the connector books Amazon's money from (the after date, or the
	# cut-over from v0): a settlement that began earlier holds money the connector never booked.
	books_from: datetime | None = None
	# Amazon's settlement report (V2 flat file), when it was read: its own total and its rows' sum
	# (None when a row could not be read), a second view of the same payout.
	report_total: Decimal | None = None
	report_lines_total: Decimal | None = None
	# Amazon's total when it did not pay it out but carried it into the next settlement (0: paid).
	carried_forward: Decimal = Decimal(0)

	@property
	def before_start(self) -> bool:
		return bool(self.books_from and self.start and self.start < self.books_from)

	@property
	def difference(self) -> Decimal | None:
		if self.deposit is None:
			return None
		return self.opening_balance + self.transactions_total - self.deposit

	@property
	def report_difference(self) -> Decimal | None:
		"""How far Amazon's settlement report is from the deposit (or its rows from its own total)."""
		if self.report_total is None or self.deposit is None:
			return None
		if self.report_lines_total is not None and self.report_lines_total != self.report_total:
			return self.report_lines_total - self.report_total
		return self.report_total - self.deposit

	@property
	def closed(self) -> bool:
		return self.status == "Closed"

	@property
	def paid(self) -> Decimal:
		"""What reaches the bank: Amazon's total, unless it carried it on."""
		return (self.deposit or Decimal(0)) - self.carried_forward

	@property
	def carried_change(self) -> Decimal:
		"""What the deposit entry moves onto the carried-balances account: the balance carried out
		to the next settlement, minus the opening balance carried in from the previous one."""
		return self.carried_forward - self.opening_balance

	@property
	def clearing_amount(self) -> Decimal:
		"""The deposit entry's row on Amazon Clearing (seller's view; minus its transactions' total
		when the settlement agrees): what leaves clearing for the bank and the carried balances."""
		return -(self.paid + self.carried_change)
