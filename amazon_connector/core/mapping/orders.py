"""An Amazon order (Orders 2026-01-01 `Order`) -> one SalesOrderDraft, its money right to the cent.

`map_order(order, settings)` is pure: no ERP, no HTTP. It raises
- `OrderNotReady` when Amazon has not priced the order yet (PENDING, PENDING_AVAILABILITY, or an
  item without proceeds): not a failure, the order is seen again when Amazon updates it;
- `OrderSkipped` when the order is deliberately not a Sales Order (a multi-channel fulfilment order
  placed outside Amazon: the sale belongs to the other channel);
- `OrderMappingError` when the order cannot be read consistently: the message names the Amazon
  order id (and the order item) and what is wrong.

Decisions (why):
- Money comes only from each item's `proceeds` (what the buyer paid, per category), never from
  `product.price.unitPrice` times quantity: Amazon's ITEM subtotal is the line price for the whole
  quantity, and it is what was charged. The unit price is used only to tell how many units remain
  of a partially cancelled item.
- Line rates keep the currency's minor unit; a non-dividing line price becomes two parts of the same
  order item (see `order_money.split_line`), so each part's amount is exact and ERPNext's 2-decimal
  rate fields are enough. The draft's grand total is Amazon's to the cent, with no rounding charge.
- Shipping, gift wrap, COD fee and OTHER become charges; promotions become negative `discount`
  charges naming the promotion ids; tax becomes `tax` (the seller collects and owes it) or
  `facilitator_tax` with collected_by MARKETPLACE (Amazon collects and remits it, per the item's
  `tax.taxCollections[].model == MARKETPLACE_FACILITATOR`), so the adapter books the buyer's payment
  in full and the fee sync later clears the facilitator part against Amazon's withheld tax.
- VAT-inclusive prices: the tax charge is `included_in_rate=True` and is not added again, so the
  grand total equals what the buyer paid. Whether tax is inside prices is read from Amazon's own
  item total when it is given (see `order_money`), else from the marketplace's convention.
- Charges are summed over the order's items by (kind, what they apply to, who collects, included).
- The order's `proceeds.grandTotal`, when present, must equal the sum of its items (plus a delivery
  tip Amazon counts in it); otherwise the order fails with both figures rather than import a total
  that disagrees with Amazon's.
- Cancellation: a cancelled item has no proceeds; it moves to `cancelled_lines`. An item cancelled in
  part keeps proceeds for what remains, and its remaining quantity is its ITEM subtotal over its unit
  price. A CANCELLED order, or one whose every item is cancelled, is `is_cancelled` with no lines.
- Replacement and exchange orders (`associatedOrders`) without proceeds are zero-priced, not pending.
- Dates: transaction and delivery dates are in `settings.extra["time_zone"]` (the company's IANA
  time zone; UTC when not given). Delivery is Amazon's promise (deliver-by, else an item's scheduled
  delivery, else ship-by), never before the transaction date, which ERPNext would refuse.
- Submit: only orders Amazon has accepted (UNSHIPPED, PARTIALLY_SHIPPED, SHIPPED) and only when
  `settings.submit_orders`; everything else stays a draft.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ..drafts.orders import (
	DISCOUNT,
	FACILITATOR_TAX,
	GIFT_WRAP,
	MARKETPLACE,
	OTHER,
	SELLER,
	SHIPPING,
	TAX,
	ChargeDraft,
	PackageDraft,
	SalesOrderDraft,
	SalesOrderLineDraft,
)
from ..money import MAX_QUANTITY, money_of, round_money
from ..settings import SyncSettings
from ..timestamps import TimestampError, parse_timestamp
from .order_money import (
	MARKETPLACE_FACILITATOR,
	ItemMoney,
	ItemMoneyError,
	at_minor_unit,
	item_money,
	read_money,
	reported_rate,
	share,
	split_line,
	tax_exclusive_by_convention,
)
from .order_parties import address_of, customer_of, without_personal_data

PENDING_STATUSES = {"PENDING", "PENDING_AVAILABILITY"}
_CURRENCY_CODE = re.compile(r"[A-Z]{3}")
ACCEPTED_STATUSES = {"UNSHIPPED", "PARTIALLY_SHIPPED", "SHIPPED"}
CANCELLED = "CANCELLED"
REPLACEMENT_ASSOCIATIONS = {"REPLACEMENT_ORIGINAL_ID", "EXCHANGE_ORIGINAL_ID"}

_ADDED_KIND = {"SHIPPING": SHIPPING, "GIFT_WRAP": GIFT_WRAP, "COD_FEE": OTHER, "OTHER": OTHER}
_ADDED_LABEL = {
	"SHIPPING": "Shipping",
	"GIFT_WRAP": "Gift wrap",
	"COD_FEE": "Cash on delivery fee",
	"OTHER": "Other charges",
}
_APPLIES_LABEL = {"ITEM": "items", "SHIPPING": "shipping", "GIFT_WRAP": "gift wrap", "COD_FEE": "cash on delivery fee", "OTHER": "other charges", "DISCOUNT": "discounts"}  # fmt: skip


class OrderSkipped(Exception):
	"""The order is deliberately not imported now; the message says why."""

	def __init__(self, amazon_order_id: str, reason: str):
		super().__init__(f"Amazon order {amazon_order_id}: {reason}")
		self.amazon_order_id = amazon_order_id
		self.reason = reason


class OrderNotReady(OrderSkipped):
	"""Amazon has not priced the order yet; it is imported when Amazon updates it."""


class OrderMappingError(ValueError):
	"""The order cannot be turned into a Sales Order; the message names the order and the problem."""

	def __init__(self, amazon_order_id: str, problem: str):
		super().__init__(f"Amazon order {amazon_order_id}: {problem}")
		self.amazon_order_id = amazon_order_id
		self.problem = problem


def map_order(order: dict, settings: SyncSettings) -> SalesOrderDraft:
	order_id = str(order.get("orderId") or "").strip()
	if not order_id:
		raise OrderMappingError("(no id)", "the order has no orderId")
	try:
		return _OrderMapper(order, order_id, settings).draft()
	except (OrderSkipped, OrderMappingError):
		raise
	except Exception as exc:  # whatever a field holds (an overflow, a wrong type), the order names it
		raise OrderMappingError(order_id, str(exc) or type(exc).__name__) from exc


class _OrderMapper:
	def __init__(self, order: dict, order_id: str, settings: SyncSettings):
		self.order = order if settings.request_personal_data else without_personal_data(order)
		self.order_id = order_id
		self.settings = settings
		channel = order.get("salesChannel") or {}
		self.channel_name = (channel.get("channelName") or "AMAZON").upper()
		self.marketplace_id = channel.get("marketplaceId") or ""
		self.marketplace_name = channel.get("marketplaceName") or ""
		self.marketplace = settings.marketplace(self.marketplace_id)
		fulfillment = order.get("fulfillment") or {}
		self.status = (fulfillment.get("fulfillmentStatus") or "").upper()
		self.fulfillment = fulfillment
		self.programs = tuple(order.get("programs") or ())
		self.associated = {
			a.get("orderId", ""): a.get("associationType", "")
			for a in order.get("associatedOrders") or []
			if a.get("orderId")
		}
		self.is_replacement = any(t in REPLACEMENT_ASSOCIATIONS for t in self.associated.values())
		self.tz = settings.time_zone
		self.remarks: list[str] = []

	# -- the draft -----------------------------------------------------------------------------
	def draft(self) -> SalesOrderDraft:
		if self.channel_name != "AMAZON":
			raise OrderSkipped(
				self.order_id,
				f"placed on {self.channel_name}, not on Amazon (a multi-channel fulfilment order)",
			)
		if self.status in PENDING_STATUSES:
			raise OrderNotReady(self.order_id, f"Amazon has not priced it yet (status {self.status})")
		if not self.status:
			raise OrderMappingError(
				self.order_id, "Amazon sent no fulfillment status (was FULFILLMENT requested?)"
			)
		items = self.order.get("orderItems")
		if not isinstance(items, list) or not items:
			raise OrderMappingError(self.order_id, "the order has no items")

		currency = self._currency(items)
		order_cancelled = self.status == CANCELLED
		lines: list[SalesOrderLineDraft] = []
		cancelled_lines: list[SalesOrderLineDraft] = []
		monies: list[ItemMoney] = []
		for item in items:
			item_id = str(item.get("orderItemId") or "")
			try:
				active, cancelled, money = self._item(item, item_id, currency, order_cancelled)
			except ItemMoneyError as exc:
				raise OrderMappingError(self.order_id, f"order item {item_id or '(no id)'}: {exc}") from exc
			lines.extend(active)
			cancelled_lines.extend(cancelled)
			if money is not None:
				monies.append(money)

		is_cancelled = order_cancelled or not lines
		charges = [] if is_cancelled else _charges(monies, self._promotion_ids(items))
		grand_total = round_money(
			sum((line.amount for line in lines), Decimal(0))
			+ sum((c.amount for c in charges if not c.included_in_rate), Decimal(0)),
			currency,
		)
		if not is_cancelled:
			grand_total = self._check_order_total(grand_total, currency, charges)

		purchase = parse_amazon_time(self.order.get("createdTime"), "createdTime")
		transaction_date = purchase.astimezone(self.tz).date()
		buyer = self.order.get("buyer") or {}
		is_business = "AMAZON_BUSINESS" in self.programs
		customer = customer_of(
			self.order,
			marketplace_id=self.marketplace_id,
			marketplace_name=self.marketplace_name,
			is_business=is_business,
		)
		self._note_item_remarks(items)
		return SalesOrderDraft(
			amazon_order_id=self.order_id,
			marketplace_id=self.marketplace_id,
			currency=currency,
			purchase_date=purchase,
			last_updated=parse_amazon_time(self.order.get("lastUpdatedTime"), "lastUpdatedTime"),
			amazon_status=self.status,
			fulfilled_by=(self.fulfillment.get("fulfilledBy") or "MERCHANT").upper(),
			customer=customer,
			lines=lines,
			grand_total=grand_total,
			charges=charges,
			shipping_address=address_of(self.order),
			delivery_date=self._delivery_date(items, transaction_date),
			is_business=is_business,
			is_prime="PRIME" in self.programs,
			replaced_order_id=next(
				(oid for oid, kind in self.associated.items() if kind in REPLACEMENT_ASSOCIATIONS), ""
			),
			buyer_tax_id=customer.tax_id,
			buyer_po=(buyer.get("buyerPurchaseOrderNumber") or "").strip(),
			is_cancelled=is_cancelled,
			cancellation_reason=_cancellation_reason(items),
			transaction_date=transaction_date,
			price_list=self.marketplace.price_list if self.marketplace else "",
			marketplace_name=self.marketplace_name,
			seller_order_id=next(
				(
					a.get("aliasId", "")
					for a in self.order.get("orderAliases") or []
					if a.get("aliasType") == "SELLER_ORDER_ID"
				),
				"",
			),
			fulfillment_service_level=self.fulfillment.get("fulfillmentServiceLevel") or "",
			programs=self.programs,
			associated_orders=dict(self.associated),
			submit=bool(
				self.settings.submit_orders and self.status in ACCEPTED_STATUSES and not is_cancelled
			),
			cancelled_lines=cancelled_lines,
			packages=_packages(self.order),
			remarks=self.remarks,
		)

	def _currency(self, items: list[dict]) -> str:
		"""The order's currency: Amazon's own, from its money; the marketplace's only when none is given."""
		found = set()
		grand = (self.order.get("proceeds") or {}).get("grandTotal") or {}
		if grand.get("currencyCode"):
			found.add(grand["currencyCode"].upper())
		for item in items:
			for money in _moneys_of_item(item):
				if money.get("currencyCode"):
					found.add(money["currencyCode"].upper())
		if len(found) > 1:
			raise OrderMappingError(
				self.order_id, f"Amazon sent amounts in several currencies ({', '.join(sorted(found))})"
			)
		if found:
			currency = found.pop()
			if not _CURRENCY_CODE.fullmatch(currency):
				raise OrderMappingError(
					self.order_id, f"Amazon's currency code {currency!r} is not an ISO 4217 code"
				)
			return currency
		if self.marketplace and self.marketplace.currency:
			return self.marketplace.currency.upper()
		raise OrderMappingError(
			self.order_id, f"no currency: no amounts, and marketplace {self.marketplace_id} is not configured"
		)

	# -- one item ------------------------------------------------------------------------------
	def _item(self, item: dict, item_id: str, currency: str, order_cancelled: bool):
		if not item_id:
			raise ItemMoneyError("the item has no orderItemId")
		product = item.get("product") or {}
		sku = (product.get("sellerSku") or "").strip()
		if not sku:
			raise ItemMoneyError("the item has no seller SKU")
		ordered = item.get("quantityOrdered")
		if not isinstance(ordered, int) or isinstance(ordered, bool) or ordered < 0:
			raise ItemMoneyError(f"quantityOrdered is not a whole number of units ({ordered!r})")
		if ordered >= MAX_QUANTITY:  # an overflowed field, not an order: as parse_quantity bounds reports
			raise ItemMoneyError(f"quantityOrdered is not a believable number of units ({ordered:,})")
		unit_price = read_money((product.get("price") or {}).get("unitPrice"), currency, "unitPrice")
		cancellation = item.get("cancellation") or {}
		executed = bool(cancellation.get("cancellationExecution"))
		proceeds = item.get("proceeds")
		base: dict[str, Any] = {
			"order_item_id": item_id,
			"sku": sku,
			"asin": product.get("asin") or "",
			"title": (product.get("title") or "")[:140],
			"condition": ((product.get("condition") or {}).get("conditionType") or ""),
			"promotion_ids": _promotion_ids_of(item),
		}
		gift = ((item.get("fulfillment") or {}).get("packing") or {}).get("giftOption") or {}
		if gift:
			base["is_gift"] = True
			base["gift_message"] = gift.get("giftMessage") or ""
		shipped = int((item.get("fulfillment") or {}).get("quantityFulfilled") or 0)

		def cancelled_line() -> SalesOrderLineDraft:
			rate = unit_price if unit_price is not None else Decimal(0)
			return SalesOrderLineDraft(
				qty=Decimal(0),
				rate=rate,
				amount=Decimal(0),
				cancelled_qty=Decimal(ordered),
				key=item_id,
				**base,
			)

		if order_cancelled or ordered == 0:
			return [], [cancelled_line()] if ordered else [], None
		if not proceeds:
			if executed:
				return [], [cancelled_line()], None
			if self.is_replacement:
				money = ItemMoney(currency=currency, item=Decimal(0))
				return self._lines(base, money, ordered, ordered, shipped, currency), [], money
			raise OrderNotReady(
				self.order_id, f"Amazon has not priced order item {item_id} yet (no proceeds)"
			)

		facilitator = any(
			(c.get("model") or "").upper() == MARKETPLACE_FACILITATOR
			for c in (item.get("tax") or {}).get("taxCollections") or []
		)
		money = item_money(
			proceeds,
			currency,
			tax_exclusive_by_convention=tax_exclusive_by_convention(
				self.marketplace_id, self.marketplace.country if self.marketplace else ""
			),
			facilitator=facilitator,
		)
		money.item_id = item_id
		money.tax_rate = reported_rate(money, self.marketplace.vat_rates if self.marketplace else ())
		remaining = ordered
		if executed and unit_price:
			remaining = self._remaining_after_cancellation(money.item, unit_price, ordered, item_id)
		if remaining == 0:
			return [], [cancelled_line()], None
		return self._lines(base, money, ordered, remaining, shipped, currency), [], money

	def _remaining_after_cancellation(
		self, item_amount: Decimal, unit_price: Decimal, ordered: int, item_id: str
	) -> int:
		units = item_amount / unit_price
		if units == units.to_integral_value() and 0 <= units <= ordered:
			return int(units)
		self.remarks.append(
			f"Order item {item_id} has a cancellation on Amazon, but its price does not tell how many units "
			f"remain; all {ordered} are kept."
		)
		return ordered

	def _lines(self, base: dict, money: ItemMoney, ordered: int, qty: int, shipped: int, currency: str):
		parts = split_line(money.item, qty, currency)
		lines = []
		tax_left = money.tax
		shipped_left = min(shipped, qty)
		for index, (part_qty, rate) in enumerate(parts):
			last = index == len(parts) - 1
			tax = tax_left if last else share(money.tax, part_qty, qty, currency)
			tax_left -= tax
			part_shipped = min(shipped_left, part_qty)
			shipped_left -= part_shipped
			lines.append(
				SalesOrderLineDraft(
					qty=Decimal(part_qty),
					rate=rate,
					amount=round_money(rate * part_qty, currency),
					cancelled_qty=Decimal(ordered - qty) if index == 0 else Decimal(0),
					key=base["order_item_id"] if index == 0 else f"{base['order_item_id']}/{index + 1}",
					tax=tax,
					tax_included=money.tax_included,
					tax_collected_by=money.tax_collected_by,
					tax_rate=money.tax_rate,
					tax_reported=money.tax_reported or not money.tax_included,
					charges=money.components() if index == 0 else {},
					qty_shipped=Decimal(part_shipped),
					**base,
				)
			)
		return lines

	# -- order-level checks and facts -------------------------------------------------------------
	def _check_order_total(self, computed: Decimal, currency: str, charges: list[ChargeDraft]) -> Decimal:
		proceeds = self.order.get("proceeds") or {}
		tips = Decimal(0)
		finalized_tips = Decimal(0)
		for breakdown in proceeds.get("breakdowns") or []:
			if (breakdown.get("type") or "").upper() == "DELIVERY_TIP":
				amount = read_money(breakdown.get("subtotal"), currency, "DELIVERY_TIP subtotal") or Decimal(
					0
				)
				if not at_minor_unit(amount, currency):
					raise OrderMappingError(
						self.order_id, f"the delivery tip {amount} has more decimals than {currency} allows"
					)
				tips += amount
				if (breakdown.get("status") or "FINALIZED").upper() == "FINALIZED":
					finalized_tips += amount
		try:
			amazon_total = read_money(proceeds.get("grandTotal"), currency, "grandTotal")
		except ItemMoneyError as exc:
			raise OrderMappingError(self.order_id, str(exc)) from exc
		if amazon_total is None:
			tip = finalized_tips
		elif amazon_total == computed:
			tip = Decimal(0)
		elif tips and amazon_total == computed + tips:
			tip = tips
		else:
			raise OrderMappingError(
				self.order_id,
				f"Amazon's order total {amazon_total} {currency} does not equal the sum of its items "
				f"({computed} {currency}); the order is not imported with a total that disagrees with Amazon's",
			)
		if tip:
			charges.append(ChargeDraft(kind=OTHER, description="Delivery tip", amount=tip))
		elif tips:
			self.remarks.append(f"A delivery tip of {tips} {currency} is still pending on Amazon.")
		return round_money(computed + tip, currency)

	def _promotion_ids(self, items: list[dict]) -> tuple[str, ...]:
		ids: list[str] = []
		for item in items:
			for promotion_id in _promotion_ids_of(item):
				if promotion_id not in ids:
					ids.append(promotion_id)
		return tuple(ids)

	def _delivery_date(self, items: list[dict], transaction_date: date) -> date:
		promised = None
		for window in (
			self.fulfillment.get("deliverByWindow"),
			*_item_delivery_windows(items),
			self.fulfillment.get("shipByWindow"),
		):
			latest = (window or {}).get("latestDateTime")
			if latest:
				promised = parse_amazon_time(latest, "delivery window")
				break
		if promised is None:
			return transaction_date
		return max(promised.astimezone(self.tz).date(), transaction_date)

	def _note_item_remarks(self, items: list[dict]) -> None:
		for item in items:
			cancellation = item.get("cancellation") or {}
			request = cancellation.get("cancellationRequest")
			if request and not cancellation.get("cancellationExecution"):
				reason = request.get("cancelReason") or "no reason given"
				self.remarks.append(
					f"The buyer asked Amazon to cancel order item {item.get('orderItemId')} ({reason}); Amazon has not cancelled it yet."
				)
			points = ((item.get("expense") or {}).get("pointsCost") or {}).get("pointsGranted") or {}
			value = points.get("pointsMonetaryValue")
			if value:
				parsed = money_of(value)
				if parsed and parsed[0]:
					self.remarks.append(
						f"Amazon points granted on order item {item.get('orderItemId')}: {points.get('pointsNumber', '')} "
						f"worth {parsed[0]} {parsed[1]} (a seller expense, not part of the buyer's payment)."
					)


def _charges(monies: list[ItemMoney], promotion_ids: tuple[str, ...]) -> list[ChargeDraft]:
	"""Sum the items' shipping, gift wrap, discounts and taxes into the order's charges; taxes also
	by rate, each keeping its parts per order item."""
	totals: dict[tuple, Decimal] = {}
	parts: dict[tuple, dict[str, Decimal]] = {}

	def add(key: tuple, amount: Decimal, item_id: str = "") -> None:
		totals[key] = totals.get(key, Decimal(0)) + amount
		if item_id:
			per_item = parts.setdefault(key, {})
			per_item[item_id] = per_item.get(item_id, Decimal(0)) + amount

	for money in monies:
		for kind, amount in money.added.items():
			add((_ADDED_KIND[kind], kind, SELLER, False, None), amount)
		for applies_to, amount in money.discounts:
			add((DISCOUNT, applies_to, SELLER, False, None), amount)
		for applies_to, amount in money.taxes:
			collected_by = MARKETPLACE if money.tax_collected_by == "MARKETPLACE" else SELLER
			kind = FACILITATOR_TAX if collected_by == MARKETPLACE else TAX
			add((kind, applies_to, collected_by, money.tax_included, money.tax_rate), amount, money.item_id)
	charges = []
	for key, amount in totals.items():
		kind, detail, collected_by, included, rate = key
		if amount == 0:
			continue
		charges.append(
			ChargeDraft(
				kind=kind,
				description=_describe(kind, detail, collected_by, included, promotion_ids),
				amount=amount,
				included_in_rate=included,
				collected_by=collected_by,
				applies_to="" if kind in (SHIPPING, GIFT_WRAP, OTHER) and detail in _ADDED_KIND else detail,
				rate=rate,
				per_item=parts.get(key, {}),
			)
		)
	order = {SHIPPING: 0, GIFT_WRAP: 1, OTHER: 2, DISCOUNT: 3, TAX: 4, FACILITATOR_TAX: 5}
	charges.sort(key=lambda c: (order.get(c.kind, 9), c.applies_to, c.included_in_rate, c.rate or 0))
	return charges


def _describe(
	kind: str, detail: str, collected_by: str, included: bool, promotion_ids: tuple[str, ...]
) -> str:
	if kind in (SHIPPING, GIFT_WRAP, OTHER):
		return _ADDED_LABEL.get(detail, "Other charges")
	on = f" on {_APPLIES_LABEL[detail]}" if detail in _APPLIES_LABEL else ""
	if kind == DISCOUNT:
		ids = f" ({', '.join(promotion_ids)})" if promotion_ids else ""
		return f"Promotion discount{on}{ids}"
	text = f"Tax{on}"
	if collected_by == MARKETPLACE:
		text += ", collected and remitted by Amazon (marketplace facilitator)"
	if included:
		text += ", included in the prices"
	return text


def _cancellation_reason(items: list[dict]) -> str:
	reasons = []
	for item in items:
		execution = (item.get("cancellation") or {}).get("cancellationExecution") or {}
		if execution:
			by = execution.get("cancelledBy") or "Amazon"
			text = f"cancelled by {by.lower()}" + (
				f": {execution['cancelReason']}" if execution.get("cancelReason") else ""
			)
			if text not in reasons:
				reasons.append(text)
	return "; ".join(reasons)


def _promotion_ids_of(item: dict) -> tuple[str, ...]:
	return tuple(
		b["promotionId"]
		for b in (item.get("promotion") or {}).get("breakdowns") or []
		if b.get("promotionId")
	)


def _moneys_of_item(item: dict):
	price = ((item.get("product") or {}).get("price") or {}).get("unitPrice")
	if price:
		yield price
	proceeds = item.get("proceeds") or {}
	if proceeds.get("proceedsTotal"):
		yield proceeds["proceedsTotal"]
	for breakdown in proceeds.get("breakdowns") or []:
		if breakdown.get("subtotal"):
			yield breakdown["subtotal"]
		for detail in breakdown.get("detailedBreakdowns") or []:
			if detail.get("value"):
				yield detail["value"]


def _item_delivery_windows(items: list[dict]):
	windows = [
		((item.get("fulfillment") or {}).get("shipping") or {}).get("scheduledDeliveryWindow")
		for item in items
	]
	return [w for w in windows if w]


def _packages(order: dict) -> list[PackageDraft]:
	packages = []
	for package in order.get("packages") or []:
		ship_time = package.get("shipTime")
		packages.append(
			PackageDraft(
				reference=package.get("packageReferenceId") or "",
				status=((package.get("packageStatus") or {}).get("status") or ""),
				carrier=package.get("carrier") or "",
				tracking_number=package.get("trackingNumber") or "",
				shipping_service=package.get("shippingService") or "",
				ship_time=parse_amazon_time(ship_time, "shipTime") if ship_time else None,
				items={
					p.get("orderItemId", ""): int(p.get("quantity") or 0)
					for p in package.get("packageItems") or []
				},
			)
		)
	return packages


def parse_amazon_time(value, what: str = "time") -> datetime:
	"""An ISO 8601 time from Amazon as an aware UTC datetime; `what` names the field in errors."""
	try:
		parsed = parse_timestamp(value)
	except TimestampError as exc:
		raise ValueError(f"{what} is not an ISO 8601 time: {value!r}") from exc
	if parsed is None:
		raise ValueError(f"{what} is missing")
	return parsed
