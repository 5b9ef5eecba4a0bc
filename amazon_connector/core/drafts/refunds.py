"""Drafts for what Amazon gave back to a buyer: one RefundDraft per Amazon refund (credit note).

Feed-independent on purpose: Finances v0 `RefundEventList` (core.mapping.refunds) and Finances
2024-06-19 Refund transactions map to the same draft, with the same `refund_key`, so that moving
from one feed to the other books no refund twice (see `refund_key`).

Signs (decision): every amount is what the credit note credits the buyer, in `currency`:
principal, tax, shipping, ... are positive when money went back to the buyer; `promotion` is
negative when the buyer's discount is taken back (it reduces the refund), exactly like a discount
row on the Sales Order. Amazon's own numbers (seller's point of view) are the negation: Finances
v0 reports a refunded Principal as -10.00 and a reversed promotion as +1.00. `other` keeps any
further charge types Amazon reports on the refund (RestockingFee, Goodwill, ExportCharge, ...),
by Amazon's name, so nothing Amazon reports is dropped.

What is NOT in the draft: Amazon's fees on the refund (RefundCommission, the commission given
back) and the marketplace-facilitator tax it returns: the fee entry of the same event books those.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

# RefundDraft.kind: Amazon's event type. All three give money back to the buyer.
REFUND = "Refund"
GUARANTEE_CLAIM = "GuaranteeClaim"  # A-to-z guarantee claim
CHARGEBACK = "Chargeback"  # the buyer's card issuer reversed the payment

# The named amounts of a line, in the order a credit note shows them.
AMOUNT_FIELDS = ("principal", "tax", "shipping", "shipping_tax", "gift_wrap", "gift_wrap_tax", "promotion")
TAX_FIELDS = ("tax", "shipping_tax", "gift_wrap_tax")


@dataclass
class RefundLineDraft:
	"""What one order item gave back. Amounts are the buyer's credit (see the module notes)."""

	sku: str  # Amazon's SellerSKU
	order_item_id: str = ""  # Amazon's OrderItemId when the feed gives it (v0 refunds usually do not)
	adjustment_item_id: str = ""  # Amazon's OrderAdjustmentItemId: the refund's own line id
	quantity: Decimal = Decimal(0)  # units refunded, as Amazon reports them (0 for an amount-only refund)
	principal: Decimal = Decimal(0)  # the item price given back (net of tax where Amazon reports tax apart)
	tax: Decimal = Decimal(0)  # tax on the principal
	shipping: Decimal = Decimal(0)
	shipping_tax: Decimal = Decimal(0)
	gift_wrap: Decimal = Decimal(0)
	gift_wrap_tax: Decimal = Decimal(0)
	promotion: Decimal = Decimal(0)  # <= 0 normally: the discount the buyer no longer keeps
	promotion_ids: tuple[str, ...] = ()
	other: dict[str, Decimal] = field(default_factory=dict)  # further charge types, by Amazon's name

	@property
	def total(self) -> Decimal:
		named = sum((getattr(self, name) for name in AMOUNT_FIELDS), Decimal(0))
		return named + sum(self.other.values(), Decimal(0))

	@property
	def tax_total(self) -> Decimal:
		return sum((getattr(self, name) for name in TAX_FIELDS), Decimal(0))


@dataclass
class RefundDraft:
	refund_key: str  # stable identity of the refund, unique per account (see `refund_key`)
	amazon_order_id: str
	posted_date: datetime  # timezone-aware; the credit note's posting date
	currency: str
	lines: list[RefundLineDraft]
	kind: str = REFUND  # REFUND, GUARANTEE_CLAIM or CHARGEBACK
	marketplace_name: str = ""  # as Amazon names it in the event, e.g. Amazon.co.uk
	source: str = (
		""  # where it was read: "finances-v0:<fee event key>", "finances-2024-06-19:<transaction id>"
	)

	@property
	def total(self) -> Decimal:
		"""What went back to the buyer: the credit note's grand total (positive)."""
		return sum((line.total for line in self.lines), Decimal(0))

	@property
	def total_qty(self) -> Decimal:
		return sum((line.quantity for line in self.lines), Decimal(0))
