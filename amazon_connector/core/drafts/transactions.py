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

	@property
	def difference(self) -> Decimal | None:
		if self.deposit is None:
			return None
		return self.opening_balance + self.transactions_total - self.deposit

	@property
	def closed(self) -> bool:
		return self.status == "Closed"
