"""Drafts for Amazon's side of an order: what Amazon kept or withheld, per financial event.

How an adapter books a FeeEntryDraft (one Journal Entry per draft):
- one row per line, on the account named `line.account_label` under the configured account group
  (created on first need in the Sales Order's company); `line.amount` > 0 is a debit (the seller's
  cost), < 0 a credit (Amazon gave something back, e.g. a refunded commission);
- one balancing row of `-draft.total` on the Amazon receivable/clearing account (a credit when the
  total is positive, a debit when Amazon gave back more than it kept);
- reference the Sales Order of `amazon_order_id`, write `event_key` on the entry (it is what makes
  posting idempotent), and use `remark` as the user remark.
Amounts are exactly what Amazon reported, in `currency`; nothing is recomputed or rounded away.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

# FeeLineDraft.category values
CATEGORY_FEE = "fee"  # commissions and service fees Amazon charges
CATEGORY_WITHHELD_TAX = "withheld_tax"  # tax Amazon collected from the buyer and keeps to remit
CATEGORY_CHARGEBACK = "chargeback"  # shipping / gift wrap charged back to the seller (FBA)
CATEGORY_PROMOTION = "promotion"  # promotion rebates, only booked when configured to (see mapping)
CATEGORY_POINTS = "points"  # Amazon Points the seller funds (JP)
CATEGORIES = (CATEGORY_FEE, CATEGORY_WITHHELD_TAX, CATEGORY_CHARGEBACK, CATEGORY_PROMOTION, CATEGORY_POINTS)


@dataclass
class FeeLineDraft:
	fee_type: str  # Amazon's own name, e.g. Commission, FBAPerUnitFulfillmentFee, MarketplaceFacilitatorTax-Principal
	category: str  # one of CATEGORIES
	amount: Decimal  # positive = the seller's cost (Amazon kept it); negative = given back
	account_label: str = ""  # the account's name under the configured group (see mapping.account_labels)
	remark: str = ""  # where it came from: Amazon's list name, and SKUs when item-level


@dataclass
class FeeEntryDraft:
	amazon_order_id: str
	event_key: str  # stable identity of the financial event(s), so each is posted exactly once
	currency: str
	posted_date: datetime
	lines: list[FeeLineDraft]
	marketplace_id: str = ""
	event_type: str = ""  # Amazon's event list without "EventList": Shipment, Refund, ServiceFee, ...
	marketplace_name: str = ""  # as Amazon names it in the event, e.g. Amazon.com
	remark: str = ""
	# What the same event says about the sale itself (ItemChargeList, PromotionList, ...), by type.
	# Not booked here (the Sales Order holds the sale); kept to reconcile and to show in the log.
	sale_amounts: dict[str, Decimal] = field(default_factory=dict)
	settlement_id: str = ""  # Amazon's settlement (Finances 2024-06-19 transactions name it)

	@property
	def total(self) -> Decimal:
		return sum((line.amount for line in self.lines), Decimal(0))

	@property
	def is_empty(self) -> bool:
		"""True when Amazon reported nothing to book (no lines, or only zero amounts)."""
		return not any(line.amount for line in self.lines)


@dataclass
class UnpostedFinanceEvent:
	"""A financial event recorded in the sync log but not booked (refunds, adjustments, ...)."""

	event_type: str
	amazon_id: str  # the Amazon order id when the event has one, else the best identifier it carries
	currency: str
	amount: Decimal  # the event's total as Amazon reported it (seller's point of view: + = to the seller)
	posted_date: datetime | None = None
	details: dict = field(default_factory=dict)  # the event as Amazon sent it, plus per-type amounts
	event_key: str = ""  # same scheme as FeeEntryDraft.event_key, to log each event once
	reason: str = ""  # why it is not booked, in one sentence for the log
	amazon_order_id: str = ""
