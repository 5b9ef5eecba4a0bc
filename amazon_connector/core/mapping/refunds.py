"""Finances v0 refund-like events (RefundEventList, GuaranteeClaimEventList, ChargebackEventList)
-> RefundDrafts: the money Amazon gave back to the buyer, per order item, for the credit note.

Finances v0 reports each refund as a ShipmentEvent whose `ShipmentItemAdjustmentList` has one
entry per refunded order item (SellerSKU, OrderAdjustmentItemId, sometimes OrderItemId,
QuantityShipped = the units refunded) with:
- ItemChargeAdjustmentList: Principal, Tax, ShippingCharge, ShippingTax, GiftWrap, GiftWrapTax
  (negative: paid back by the seller), and any further charge type (RestockingFee, Goodwill, ...);
- PromotionAdjustmentList: the buyer's discount taken back (positive);
- ItemFeeAdjustmentList / ItemTaxWithheldList: Amazon's fees and withheld tax: not here, the fee
  entry of the same event books them (`mapping.fees`).
Every amount is negated into the buyer's credit (see `drafts.refunds`); nothing is recomputed.
An event that carries a charge in a second currency gets one draft per currency (keys end in
":<currency>"), as a credit note cannot mix currencies. Zero components are kept as zeros; a line
without any amount and quantity is dropped.

The refund key does not depend on the feed: `<order>:<kind>:<posted, UTC seconds>:<12 hex digits
over the lines' SKUs, quantities and amounts>` (plus "#2", ... for lookalikes within one fetch).
Finances 2024-06-19 gives the same PostedDate and amounts for the same refund, so its mapping
(through `refund_key`) yields the same key and the refund is not booked twice when the feed moves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from ..drafts.refunds import AMOUNT_FIELDS, RefundDraft, RefundLineDraft
from ..money import MoneyError
from ..timestamps import TimestampError, parse_timestamp
from .fee_keys import KeyNumbering, event_key, fingerprint
from .finance_events import FinanceEventError, each_event, event_money, failed

# Finances v0 list name -> RefundDraft.kind
REFUND_LISTS = {
	"RefundEventList": "Refund",
	"GuaranteeClaimEventList": "GuaranteeClaim",
	"ChargebackEventList": "Chargeback",
}
# Finances v0 ChargeType -> RefundLineDraft field. Everything else goes to `other`.
CHARGE_FIELDS = {
	"Principal": "principal",
	"Tax": "tax",
	"ShippingCharge": "shipping",
	"ShippingTax": "shipping_tax",
	"GiftWrap": "gift_wrap",
	"GiftWrapTax": "gift_wrap_tax",
}


@dataclass
class RefundMapping:
	drafts: list[RefundDraft] = field(default_factory=list)
	errors: list[FinanceEventError] = field(default_factory=list)


def refund_key(amazon_order_id: str, kind: str, posted, lines: Iterable[RefundLineDraft]) -> str:
	"""The feed-independent identity of a refund (see the module notes); before numbering."""
	digest = fingerprint(
		(
			line.sku,
			line.quantity,
			*(getattr(line, name) for name in AMOUNT_FIELDS),
			*sorted(f"{name}={amount}" for name, amount in line.other.items()),
		)
		for line in lines
	)
	return event_key(amazon_order_id, kind, posted, digest)


def map_refund_events(
	pages: Iterable[dict] | dict, *, numbering: KeyNumbering | None = None
) -> RefundMapping:
	"""RefundDrafts of every refund-like event in FinancialEvents pages (one per API page, or one).

	Pass one `numbering` to the calls that map the pages of one fetch (see `fee_keys`)."""
	numbering = numbering or KeyNumbering()
	result = RefundMapping()
	for list_name, _event_type, event in each_event(pages, result.errors, REFUND_LISTS):
		kind = REFUND_LISTS[list_name]
		order_id = event.get("AmazonOrderId") or "" if isinstance(event, dict) else ""
		try:
			result.drafts.extend(_drafts(event, kind, numbering))
		except (MoneyError, TimestampError, TypeError, ValueError, AttributeError) as exc:
			result.errors.append(failed(kind, order_id, exc))
	return result


def _drafts(event: dict, kind: str, numbering: KeyNumbering) -> list[RefundDraft]:
	if not isinstance(event, dict):
		raise TypeError(f"a {kind} event is a {type(event).__name__}, not an object")
	order_id = event.get("AmazonOrderId") or ""
	if not order_id:
		return []  # nothing to credit against; the fee mapping logs such events
	posted = parse_timestamp(event.get("PostedDate"))
	if posted is None:
		raise ValueError(f"{kind} event of order {order_id} has no PostedDate")
	by_currency: dict[str, list[RefundLineDraft]] = defaultdict(list)
	for item in event.get("ShipmentItemAdjustmentList") or []:
		for currency, line in _lines(item).items():
			by_currency[currency].append(line)
	drafts = []
	several = len(by_currency) > 1
	for currency, lines in by_currency.items():
		key = numbering(refund_key(order_id, kind, posted, lines))
		drafts.append(
			RefundDraft(
				refund_key=f"{key}:{currency}" if several else key,
				amazon_order_id=order_id,
				posted_date=posted,
				currency=currency,
				lines=lines,
				kind=kind,
				marketplace_name=event.get("MarketplaceName") or "",
				source=f"finances-v0:{kind}",
			)
		)
	return drafts


def _lines(item: dict) -> dict[str, RefundLineDraft]:
	"""One line per currency of an adjustment item (in practice one)."""
	sku = item.get("SellerSKU") or ""
	quantity = Decimal(str(item.get("QuantityShipped") or 0))
	lines: dict[str, RefundLineDraft] = {}

	def line_in(currency: str) -> RefundLineDraft:
		if currency not in lines:
			lines[currency] = RefundLineDraft(
				sku=sku,
				order_item_id=item.get("OrderItemId") or "",
				adjustment_item_id=item.get("OrderAdjustmentItemId") or "",
				quantity=quantity,
			)
		return lines[currency]

	for charge in item.get("ItemChargeAdjustmentList") or []:
		amount, currency = event_money(charge.get("ChargeAmount"), "ItemChargeAdjustmentList")
		line = line_in(currency)
		charge_type = charge.get("ChargeType") or "Charge"
		name = CHARGE_FIELDS.get(charge_type)
		if name:
			setattr(line, name, getattr(line, name) - amount)
		else:
			line.other[charge_type] = line.other.get(charge_type, Decimal(0)) - amount
	for promotion in item.get("PromotionAdjustmentList") or []:
		amount, currency = event_money(promotion.get("PromotionAmount"), "PromotionAdjustmentList")
		line = line_in(currency)
		line.promotion -= amount
		promotion_id = promotion.get("PromotionId") or ""
		if promotion_id and promotion_id not in line.promotion_ids:
			line.promotion_ids += (promotion_id,)
	return {c: line for c, line in lines.items() if line.quantity or line.total or line.other}
