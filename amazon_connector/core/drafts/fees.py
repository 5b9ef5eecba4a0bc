"""Drafts for Amazon's side of an order: what Amazon kept or withheld, per financial event."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


@dataclass
class FeeLineDraft:
	fee_type: str  # Amazon's own name, e.g. Commission, FBAPerUnitFulfillmentFee, MarketplaceFacilitatorTax-Principal
	category: str  # fee, withheld_tax, chargeback, promotion
	amount: Decimal  # positive = the seller's cost (Amazon kept it); negative = given back


@dataclass
class FeeEntryDraft:
	amazon_order_id: str
	event_key: str  # stable identity of the financial event(s), so each is posted exactly once
	currency: str
	posted_date: datetime
	lines: list[FeeLineDraft]
	marketplace_id: str = ""

	@property
	def total(self) -> Decimal:
		return sum((line.amount for line in self.lines), Decimal(0))


@dataclass
class UnpostedFinanceEvent:
	"""A financial event recorded in the sync log but not booked (refunds, adjustments, ...)."""

	event_type: str
	amazon_id: str
	currency: str
	amount: Decimal
	posted_date: datetime | None = None
	details: dict = field(default_factory=dict)
