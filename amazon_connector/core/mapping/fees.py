"""Amazon financial events (Finances v0 `FinancialEvents` pages) -> fee entry drafts and log records.

What is booked, and why
-----------------------
Finances v0 reports every amount from the seller's point of view: what Amazon pays the seller is
positive, what it keeps is negative, and an event's amounts add up to what it does to the seller's
balance. So each booked line is simply the negation of what Amazon reported (`FeeLineDraft.amount`
> 0 = the seller's cost). Nothing is recomputed, rounded or taken as an absolute value: a fee that
arrives positive (a commission refunded, or a credit some reports show as a positive commission)
becomes a negative line, a credit to the same fee account. A draft's total is therefore exactly
minus the sum of the booked amounts Amazon reported for that event, per currency.

The Sales Order holds what the buyer paid; the fee entry books Amazon's side of the same order:
- booked (FeeLineDraft), from ShipmentEvent-shaped events (Shipment, Refund, GuaranteeClaim,
  Chargeback): ItemFeeList and ItemFeeAdjustmentList (Commission, FBAPerUnitFulfillmentFee,
  FixedClosingFee, VariableClosingFee, RefundCommission, ...), ShipmentFeeList/-AdjustmentList,
  OrderFeeList/-AdjustmentList, ItemTaxWithheldList (MarketplaceFacilitatorTax-Principal,
  -Shipping, ..., category withheld_tax), the ShippingChargeback / GiftwrapChargeback fees
  (Finances v0 spells "Giftwrap"; category chargeback) and CostOfPointsGranted/-Returned (Amazon
  Points the seller funds, category points). From ServiceFee, TrialShipment and RentalTransaction
  events that name an AmazonOrderId: their fee lists and withheld taxes.
- not booked, kept on the draft as `sale_amounts`: ItemChargeList / ItemChargeAdjustmentList
  (Principal, Tax, ShippingCharge, GiftWrap, ... what the buyer paid: already the Sales Order),
  OrderChargeList, RentalChargeList, and by default PromotionList / PromotionAdjustmentList. In
  Finances v0 a promotion is the discount given to the buyer, deducted from the seller's proceeds;
  the Orders API's proceeds carry the same discount (DISCOUNT), so the Sales Order already shows
  it and booking it again would count it twice. Promotions Amazon funds itself do not reduce the
  seller's proceeds and do not appear here at all. Pass `book_promotions=True` (setting
  `fees_book_promotions`) for a Sales Order mapping that keeps gross prices: the promotions are
  then booked as lines of category promotion.
- recorded for the sync log (UnpostedFinanceEvent), never silently dropped:
  - refunds, guarantee claims and chargebacks: their fee side is booked like a shipment's (a refund
    returns part of the commission and charges RefundCommission; it returns the withheld tax), as a
    further entry with its own key; their sale side (the money returned to the buyer) is recorded
    with its amount, for the credit note step;
  - DirectPaymentList (COD, stored value cards: money the seller received directly, not a fee);
  - ShipmentSettle events (Amazon does not document how they relate to the shipment events;
    recording rather than booking them cannot book anything twice);
  - everything not tied to an order or not a fee: AdjustmentEventList (reimbursements, reserves,
    postage), ServiceFee without an order, Retrocharge, ProductAds, Coupon, deals, liquidations,
    removals, debt recovery, disbursements, ... each with its total as Amazon reported it;
  - events that carry no AmazonOrderId in a list that is per order (e.g. Multi-Channel Fulfillment).
- never booked: zero amounts (Amazon often reports FixedClosingFee 0.00); a draft whose lines are
  all zero is still returned (the engine reports it and posts nothing).

One draft per (order, event, currency): Amazon never mixes currencies within an event in practice,
but if it did each currency gets its own entry (its key ends in ":<currency>"), because a Journal
Entry row cannot mix them. Lines are summed per (category, fee type) within the draft, so an order
of three items has one Commission line; `remark` keeps which lists and SKUs it came from. Event
keys are described in `fee_keys`.

A malformed event (an amount that is not a number, a date that is not a date) is reported in
`FeeMapping.errors` with the event's type and order id; the other events are mapped as usual.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from ..drafts.fees import (
	CATEGORY_CHARGEBACK,
	CATEGORY_FEE,
	CATEGORY_POINTS,
	CATEGORY_PROMOTION,
	CATEGORY_WITHHELD_TAX,
	FeeEntryDraft,
	FeeLineDraft,
	UnpostedFinanceEvent,
)
from ..money import money_of, round_money
from ..timestamps import parse_timestamp
from .account_labels import account_label
from .fee_keys import KeyNumbering, event_key, fingerprint, fingerprint_json
from .finance_events import FinanceEventError, each_event, event_money, failed

# Lists whose events have the ShipmentEvent shape and one AmazonOrderId each.
SHIPMENT_SHAPED = {
	"ShipmentEventList": "Shipment",
	"RefundEventList": "Refund",
	"GuaranteeClaimEventList": "GuaranteeClaim",
	"ChargebackEventList": "Chargeback",
}
# Of those, the ones that give money back to the buyer: their sale side waits for a credit note.
REVERSALS = {"Refund", "GuaranteeClaim", "Chargeback"}

# Why an event is recorded instead of booked, by event type (the list name without "EventList").
UNPOSTED_REASONS = {
	"Refund": "Refund: its fees are booked; the amount returned to the buyer is an Amazon Refund (credit note).",
	"GuaranteeClaim": "A-to-z guarantee claim: its fees are booked; the amount returned to the buyer is an Amazon Refund (credit note).",
	"Chargeback": "Payment chargeback: its fees are booked; the amount returned to the buyer is an Amazon Refund (credit note).",
	"ShipmentSettle": "Shipment settlement event: recorded, not booked, so no fee is booked twice.",
	"Adjustment": "Account adjustment (reimbursement, reserve, postage, ...): recorded for the bookkeeper.",
	"ServiceFee": "Service fee not tied to an order (e.g. subscription): recorded for the bookkeeper.",
	"Retrocharge": "Tax retrocharge: recorded for the bookkeeper.",
	"RentalTransaction": "Rental reimbursement from Amazon (lost item, failed charge): income, recorded for the bookkeeper.",
	"DirectPayment": "Paid to the seller directly (cash on delivery, stored value card): not a fee; recorded.",
	"NoOrder": "No Amazon order id on this event (e.g. Multi-Channel Fulfillment): recorded, not booked.",
}
DEFAULT_UNPOSTED_REASON = "{event_type} event: not a fee on an order; recorded for the bookkeeper."

_DATE_FIELDS = ("PostedDate", "postedDate", "TransactionPostedDate", "TransactionCreationDate")
_ORDER_FIELDS = ("AmazonOrderId",)
_ID_FIELDS = (
	"AmazonOrderId", "OrderId", "SellerOrderId", "MerchantOrderId", "TDSOrderId", "OriginalRemovalOrderId",
	"TransactionId", "invoiceId", "dealId", "CouponId", "EnrollmentId", "SAFETClaimId",
	"ImagingRequestBillingItemID", "NetCoTransactionID", "TransferId", "AdjustmentEventId", "PaymentEventId",
	"FinancialEventGroupId",
)  # fmt: skip
# The field holding an event's total, for events recorded as a whole (first present wins).
_TOTAL_FIELDS = (
	"TotalAmount", "totalAmount", "TransactionAmount", "AdjustmentAmount", "TotalExpense", "ReimbursedAmount",
	"transactionValue", "WithheldAmount", "RecoveryAmount", "LoanAmount", "TransferAmount", "Amount",
)  # fmt: skip

_BOOK = "book"
_SALE = "sale"
_OTHER = "other"  # neither booked nor part of the sale: recorded in the log


@dataclass(frozen=True)
class Component:
	"""One amount of an event, as Amazon reported it (seller's point of view)."""

	source: str  # Amazon's list or field name, e.g. ItemFeeList, CostOfPointsGranted
	role: str  # book, sale, other
	category: str  # for booked components: one of drafts.fees.CATEGORIES
	type: str  # FeeType / ChargeType / PromotionType / DirectPaymentType
	amount: Decimal
	currency: str
	item: str = ""  # SellerSKU (or order item id) for item-level amounts


@dataclass
class FeeMapping:
	drafts: list[FeeEntryDraft] = field(default_factory=list)
	unposted: list[UnpostedFinanceEvent] = field(default_factory=list)
	errors: list[FinanceEventError] = field(default_factory=list)


def map_financial_events(
	pages: Iterable[dict] | dict,
	*,
	fallback_posted: datetime | None = None,
	book_promotions: bool = False,
	numbering: KeyNumbering | None = None,
) -> FeeMapping:
	"""Map FinancialEvents objects (one per API page, or a single one) to drafts and log records.

	`fallback_posted` dates drafts of events Amazon sent without a date (ServiceFeeEvent has
	none); it never enters an event key. Pass one `numbering` to several calls that map the pages
	of one fetch, so that lookalike events on different pages are still told apart.
	"""
	numbering = numbering or KeyNumbering()
	result = FeeMapping()
	for list_name, event_type, event in each_event(pages, result.errors):
		try:
			drafts, unposted = _map_event(
				list_name, event_type, event, numbering, fallback_posted, book_promotions
			)
		except Exception as exc:  # whatever an event holds, it fails that event, never its page
			result.errors.append(failed(event_type, _identity(event), exc))
			continue
		result.drafts.extend(drafts)
		result.unposted.extend(unposted)
	return result


# -- one event -----------------------------------------------------------------------------------


def _map_event(list_name, event_type, event, numbering, fallback_posted, book_promotions):
	if not isinstance(event, dict):
		raise TypeError(f"{list_name} holds a {type(event).__name__}, not an event object")
	if not isinstance(event.get("AmazonOrderId") or "", str):
		raise TypeError(f"AmazonOrderId is a {type(event['AmazonOrderId']).__name__}, not an order id")
	if list_name in SHIPMENT_SHAPED:
		components = list(shipment_components(event, book_promotions=book_promotions))
	elif event_type in _ORDER_FEE_EVENTS and event.get("AmazonOrderId"):
		components = list(_ORDER_FEE_EVENTS[event_type](event))
	else:
		return [], [_whole_event_record(event_type, event, numbering)]

	order_id = event.get("AmazonOrderId") or ""
	posted = _posted(event)
	digest = fingerprint((c.source, c.item, c.type, c.amount, c.currency) for c in components)
	key = numbering(event_key(order_id, event_type, posted, digest))
	if not order_id:
		return [], _component_records("NoOrder", event_type, event, key, posted, components)

	booked = [c for c in components if c.role == _BOOK]
	sale = [c for c in components if c.role == _SALE]
	other = [c for c in components if c.role == _OTHER]
	drafts = _drafts(event_type, event, order_id, key, posted or fallback_posted, booked, sale)
	records = []
	if event_type in REVERSALS:
		records += _component_records(event_type, event_type, event, key, posted, sale, booked=booked)
	if other:
		# Kept apart from the refund record above: its own log key, its own reason.
		reason = "DirectPayment" if any(c.source == "DirectPaymentList" for c in other) else event_type
		records += _component_records(reason, event_type, event, f"{key}:other", posted, other)
	return drafts, records


def _drafts(event_type, event, order_id, key, posted, booked, sale) -> list[FeeEntryDraft]:
	"""One draft per currency of the booked amounts. A shipment with nothing to book still gets an
	(empty) draft, so the engine can tell "fees arrived and were zero" from "no event yet"."""
	by_currency: dict[str, list[Component]] = defaultdict(list)
	for component in booked:
		by_currency[component.currency].append(component)
	if not by_currency and event_type == "Shipment":
		by_currency[next((c.currency for c in sale), "")] = []
	sale_by_currency: dict[str, dict[str, Decimal]] = defaultdict(dict)
	for component in sale:
		amounts = sale_by_currency[component.currency]
		amounts[component.type] = amounts.get(component.type, Decimal(0)) + component.amount
	drafts = []
	several = len(by_currency) > 1
	for currency, components in by_currency.items():
		drafts.append(
			FeeEntryDraft(
				amazon_order_id=order_id,
				event_key=f"{key}:{currency}" if several else key,
				currency=currency,
				posted_date=posted,
				lines=_lines(components, currency),
				event_type=event_type,
				marketplace_name=event.get("MarketplaceName") or "",
				remark=_remark(event_type, order_id, event),
				sale_amounts=sale_by_currency.get(currency, {}),
			)
		)
	return drafts


def _lines(components: list[Component], currency: str) -> list[FeeLineDraft]:
	"""Sum per (category, fee type); the line is the negation of what Amazon reported."""
	totals: dict[tuple[str, str], Decimal] = {}
	sources: dict[tuple[str, str], list[str]] = defaultdict(list)
	items: dict[tuple[str, str], list[str]] = defaultdict(list)
	for c in components:
		group = (c.category, c.type)
		totals[group] = totals.get(group, Decimal(0)) - c.amount
		if c.source not in sources[group]:
			sources[group].append(c.source)
		if c.item and c.item not in items[group]:
			items[group].append(c.item)
	lines = []
	for (category, fee_type), amount in totals.items():
		if amount == 0:
			continue
		remark = ", ".join(sources[(category, fee_type)])
		skus = items[(category, fee_type)]
		if skus:
			shown = ", ".join(skus[:5]) + (f" and {len(skus) - 5} more" if len(skus) > 5 else "")
			remark += f" (SKU {shown})"
		lines.append(
			FeeLineDraft(
				fee_type=fee_type,
				category=category,
				amount=_in_minor_units(amount, currency),
				account_label=account_label(fee_type, category),
				remark=remark,
			)
		)
	return lines


def _in_minor_units(amount: Decimal, currency: str) -> Decimal:
	"""The amount with the currency's decimals (JSON's 434.0 JPY -> 434, 7.8 USD -> 7.80) when that
	changes nothing but the notation. An amount finer than the currency's unit is kept exact: it is
	what Amazon reported, and rounding it here would make the entry disagree with Amazon's total."""
	rounded = round_money(amount, currency)
	return rounded + 0 if rounded == amount else amount  # "+ 0" turns -0 into 0


def _remark(event_type: str, order_id: str, event: dict) -> str:
	posted = event.get("PostedDate") or ""
	what = {"Shipment": "fees and withheld taxes", "ServiceFee": "service fees"}.get(
		event_type, "fee adjustments"
	)
	return f"Amazon {what} for order {order_id} ({event_type} event posted {posted or 'without a date'})"


# -- components ----------------------------------------------------------------------------------


def shipment_components(event: dict, *, book_promotions: bool = False) -> Iterable[Component]:
	"""Every amount of a ShipmentEvent-shaped event, with what to do with it."""
	for source, role in (("OrderChargeList", _SALE), ("OrderChargeAdjustmentList", _SALE)):
		yield from _charges(event.get(source), source, role)
	for source in ("ShipmentFeeList", "ShipmentFeeAdjustmentList", "OrderFeeList", "OrderFeeAdjustmentList"):
		yield from _fees(event.get(source), source)
	for payment in event.get("DirectPaymentList") or []:
		amount, currency = event_money(payment.get("DirectPaymentAmount"), "DirectPaymentList")
		yield Component(
			"DirectPaymentList",
			_OTHER,
			"",
			payment.get("DirectPaymentType") or "DirectPayment",
			amount,
			currency,
		)
	for items_source in ("ShipmentItemList", "ShipmentItemAdjustmentList"):
		for item in event.get(items_source) or []:
			yield from _item_components(item, book_promotions)


def _item_components(item: dict, book_promotions: bool) -> Iterable[Component]:
	sku = item.get("SellerSKU") or item.get("OrderItemId") or item.get("OrderAdjustmentItemId") or ""
	for source in ("ItemChargeList", "ItemChargeAdjustmentList"):
		yield from _charges(item.get(source), source, _SALE, sku)
	for source in ("ItemFeeList", "ItemFeeAdjustmentList"):
		yield from _fees(item.get(source), source, sku)
	yield from _withheld(item.get("ItemTaxWithheldList"), "ItemTaxWithheldList", sku)
	for source in ("PromotionList", "PromotionAdjustmentList"):
		for promotion in item.get(source) or []:
			amount, currency = event_money(promotion.get("PromotionAmount"), source)
			role, category = (_BOOK, CATEGORY_PROMOTION) if book_promotions else (_SALE, "")
			yield Component(
				source, role, category, promotion.get("PromotionType") or "Promotion", amount, currency, sku
			)
	for source in ("CostOfPointsGranted", "CostOfPointsReturned"):
		if item.get(source):
			amount, currency = event_money(item[source], source)
			yield Component(source, _BOOK, CATEGORY_POINTS, source, amount, currency, sku)


def _service_fee_components(event: dict) -> Iterable[Component]:
	yield from _fees(event.get("FeeList"), "FeeList", event.get("SellerSKU") or event.get("ASIN") or "")


def _trial_shipment_components(event: dict) -> Iterable[Component]:
	yield from _fees(event.get("FeeList"), "FeeList", event.get("SKU") or "")


def _rental_components(event: dict) -> Iterable[Component]:
	yield from _charges(event.get("RentalChargeList"), "RentalChargeList", _SALE)
	yield from _fees(event.get("RentalFeeList"), "RentalFeeList")
	yield from _withheld(event.get("RentalTaxWithheldList"), "RentalTaxWithheldList")
	# Amazon's reimbursement for a lost rental or failed charge is income, not a fee: logged.
	# RentalInitialValue only restates what the customer paid originally: neither booked nor logged.
	if event.get("RentalReimbursement"):
		amount, currency = event_money(event["RentalReimbursement"], "RentalReimbursement")
		yield Component("RentalReimbursement", _OTHER, "", "RentalReimbursement", amount, currency)


# Event types (besides the ShipmentEvent-shaped ones) whose fees are booked when they name an order.
_ORDER_FEE_EVENTS = {
	"ServiceFee": _service_fee_components,
	"TrialShipment": _trial_shipment_components,
	"RentalTransaction": _rental_components,
}


def _charges(charges, source: str, role: str, item: str = "") -> Iterable[Component]:
	for charge in charges or []:
		amount, currency = event_money(charge.get("ChargeAmount"), source)
		yield Component(source, role, "", charge.get("ChargeType") or "Charge", amount, currency, item)


def _fees(fees, source: str, item: str = "") -> Iterable[Component]:
	for fee in fees or []:
		fee_type = fee.get("FeeType") or "Fee"
		amount, currency = event_money(fee.get("FeeAmount"), source)
		category = CATEGORY_CHARGEBACK if fee_type.endswith("Chargeback") else CATEGORY_FEE
		yield Component(source, _BOOK, category, fee_type, amount, currency, item)


def _withheld(withheld_list, source: str, item: str = "") -> Iterable[Component]:
	for withheld in withheld_list or []:
		for tax in withheld.get("TaxesWithheld") or []:
			amount, currency = event_money(tax.get("ChargeAmount"), source)
			tax_type = tax.get("ChargeType") or withheld.get("TaxCollectionModel") or "TaxWithheld"
			yield Component(source, _BOOK, CATEGORY_WITHHELD_TAX, tax_type, amount, currency, item)


# -- log records ---------------------------------------------------------------------------------


def _component_records(reason_key, event_type, event, key, posted, components, *, booked=()):
	"""One UnpostedFinanceEvent per currency of `components` (the amounts not booked)."""
	by_currency: dict[str, list[Component]] = defaultdict(list)
	for component in components:
		by_currency[component.currency].append(component)
	if not by_currency and event_type in REVERSALS:
		# A refund with nothing but fees still belongs in the log, with a zero sale side.
		by_currency[next((c.currency for c in booked), "")] = []
	records = []
	several = len(by_currency) > 1
	order_id = event.get("AmazonOrderId") or ""
	for currency, parts in by_currency.items():
		by_type: dict[str, Decimal] = {}
		for c in parts:
			by_type[f"{c.source}/{c.type}"] = by_type.get(f"{c.source}/{c.type}", Decimal(0)) + c.amount
		booked_total = sum((c.amount for c in booked if c.currency == currency), Decimal(0))
		records.append(
			UnpostedFinanceEvent(
				event_type=event_type,
				amazon_id=order_id or _identity(event),
				currency=currency,
				amount=sum((c.amount for c in parts), Decimal(0)),
				posted_date=posted,
				details={
					"amounts": {name: str(value) for name, value in by_type.items()},
					"booked_fees": str(booked_total),
					"event": event,
				},
				event_key=f"{key}:{currency}" if several else key,
				reason=UNPOSTED_REASONS.get(reason_key)
				or DEFAULT_UNPOSTED_REASON.format(event_type=event_type),
				amazon_order_id=order_id,
			)
		)
	return records


def _whole_event_record(event_type: str, event: dict, numbering: KeyNumbering) -> UnpostedFinanceEvent:
	"""An event recorded as a whole: its total as Amazon reported it, and every amount it carries."""
	posted = _posted(event)
	monies = list(_money_fields(event, ""))
	amount, currency = Decimal(0), ""
	for name in _TOTAL_FIELDS:
		if isinstance(event.get(name), dict) and money_of(event[name]) is not None:
			amount, currency = event_money(event[name], name)
			break
	else:
		if monies:
			currency = monies[0][2]
			amount = sum((value for _, value, cur in monies if cur == currency), Decimal(0))
	amazon_id = _identity(event)
	reason_key = "ServiceFee" if event_type == "ServiceFee" else event_type
	return UnpostedFinanceEvent(
		event_type=event_type,
		amazon_id=amazon_id,
		currency=currency,
		amount=amount,
		posted_date=posted,
		details={"amounts": {path: f"{value} {cur}" for path, value, cur in monies}, "event": event},
		event_key=numbering(event_key(amazon_id, event_type, posted, fingerprint_json(event))),
		reason=UNPOSTED_REASONS.get(reason_key) or DEFAULT_UNPOSTED_REASON.format(event_type=event_type),
		amazon_order_id=str(next((event.get(f) for f in _ORDER_FIELDS if event.get(f)), "")),
	)


def _money_fields(value, path: str):
	"""(path, amount, currency) of every Currency object inside an event."""
	if isinstance(value, dict):
		if "CurrencyAmount" in value or "CurrencyCode" in value:
			amount, currency = event_money(value, path or "amount")
			yield path, amount, currency
			return
		for name, inner in value.items():
			yield from _money_fields(inner, f"{path}.{name}" if path else name)
	elif isinstance(value, list):
		for index, inner in enumerate(value):
			yield from _money_fields(inner, f"{path}[{index}]")


def _posted(event: dict) -> datetime | None:
	return parse_timestamp(next((event[f] for f in _DATE_FIELDS if event.get(f)), None))


def _identity(event) -> str:
	if not isinstance(event, dict):
		return ""
	return next((str(event[f]) for f in _ID_FIELDS if event.get(f)), "")
