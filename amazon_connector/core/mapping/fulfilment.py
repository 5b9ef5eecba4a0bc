"""Multi-Channel Fulfillment: a fulfilment draft -> Amazon's request bodies, and Amazon's answers
(Fulfillment Outbound 2020-07-01) -> previews and states.

Requests: the draft is checked first against what Amazon's model demands (an address with a name,
a first line, a postal code and a country; every line a SKU and a positive whole quantity; the
order id and the displayable id at most 40 characters, the comment at most 750), so a Sales Order
that cannot be sent is named with what is missing before Amazon is asked. The fulfilment policy is
FillOrKill (Amazon's default, sent explicitly): either the whole order ships or none of it, so a
Sales Order is never half delivered without a person deciding.

Answers: every field the model leaves optional may be absent (fees, dates, shipments, packages,
tracking numbers, a shipment's date) and is read as absent, never as zero. A package's tracking
number is the carrier's when Amazon gives it, else Amazon's own (`amazonFulfillmentTrackingNumber`,
e.g. for Amazon's own delivery network); a package may have neither.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from ..drafts.fulfilment import (
	CANCELLED,
	COMPLETE_PARTIALLED,
	HOLD,
	INVALID,
	SCHEDULED_DELIVERY,
	SHIP,
	SHIPPING_SPEEDS,
	UNFULFILLABLE,
	Fee,
	FulfilmentAddress,
	FulfilmentOrderDraft,
	FulfilmentPreview,
	FulfilmentShipment,
	FulfilmentState,
	OrderedLine,
	ReturnAuthorization,
	ReturnItemState,
	TrackedPackage,
	UnfulfillableItem,
)
from ..money import MoneyError, parse_amount, parse_quantity
from ..timestamps import TimestampError, parse_timestamp

ORDER_ID_LIMIT = 40  # sellerFulfillmentOrderId and displayableOrderId: maxLength 40
COMMENT_LIMIT = 750  # displayableOrderComment
SKU_LIMIT = 50  # sellerSku and sellerFulfillmentOrderItemId
FULFILMENT_POLICY = "FillOrKill"
_ID_CHARACTERS = re.compile(r"[^A-Za-z0-9_-]+")

# Amazon's reason codes (the model names some as examples) in words a seller understands.
REASONS = {
	"InvalidSKU": "Amazon does not know this SKU in its fulfilment network",
	"InventoryUnavailable": "not enough sellable units at Amazon",
	"NoInventory": "no sellable units at Amazon",
	"InvalidDestinationAddress": "Amazon cannot deliver to this address",
	"DeliverySLAUnavailable": "Amazon cannot deliver at this speed to this address",
	"ExportRestricted": "the item may not be shipped to this country",
	"InvalidQuantity": "the quantity is not valid",
}
STATUS_MESSAGES = {
	INVALID: (
		"Amazon could not validate the order (an address it cannot deliver to, or not enough sellable "
		"stock in its records); nothing will ship."
	),
	UNFULFILLABLE: ("Amazon's fulfilment centre found no sellable stock for the order; nothing will ship."),
	CANCELLED: "The fulfilment order is cancelled at Amazon.",
	COMPLETE_PARTIALLED: "Amazon shipped part of the order; the rest was cancelled or could not be fulfilled.",
}


class FulfilmentDraftError(ValueError):
	"""A Sales Order that cannot become a fulfilment order, naming it and what is missing."""


class FulfilmentAnswerError(ValueError):
	"""An answer of Amazon's that does not read as its model says (naming the order)."""


def fulfilment_order_id(name: str, attempt: int = 1) -> str:
	"""The seller's fulfillment order id of a Sales Order: its name in the characters Amazon takes, at
	most 40 of them; a later attempt (after Amazon cancelled or refused the first) gets "-<n>",
	since Amazon never takes an id twice."""
	base = _ID_CHARACTERS.sub("-", name or "").strip("-")
	if not base:
		raise FulfilmentDraftError(f"{name!r} gives no fulfillment order id")
	suffix = f"-{attempt}" if attempt > 1 else ""
	return base[: ORDER_ID_LIMIT - len(suffix)] + suffix


def reason_text(code: str) -> str:
	return REASONS.get(code, code)


def problems(draft: FulfilmentOrderDraft) -> list[str]:
	"""What keeps the draft from being a valid request, each in a few words; empty when it is fine."""
	found = []
	address = draft.address
	for label, value in (
		("the recipient's name", address.name),
		("the first address line", address.line1),
		("the postal code", address.postal_code),
		("the country", address.country_code),
	):
		if not (value or "").strip():
			found.append(f"{label} is missing")
	if address.country_code and not re.fullmatch(r"[A-Z]{2}", address.country_code):
		found.append(f"the country {address.country_code!r} is not a two-letter country code")
	if draft.hold and draft.shipping_speed == SCHEDULED_DELIVERY:
		found.append(
			f"Amazon takes no order hold at the {SCHEDULED_DELIVERY} speed; send it to ship, or choose "
			f"{', '.join(SHIPPING_SPEEDS)}"
		)
	elif draft.shipping_speed not in SHIPPING_SPEEDS:
		found.append(
			f"the shipping speed {draft.shipping_speed!r} is not one of {', '.join(SHIPPING_SPEEDS)}"
		)
	if not draft.lines:
		found.append("it has no items to ship")
	for line in draft.lines:
		where = line.item_code or line.line_id
		if not line.sku:
			found.append(f"item {where} has no Amazon SKU of this account")
		elif len(line.sku) > SKU_LIMIT:
			found.append(f"the SKU of item {where} is longer than {SKU_LIMIT} characters")
		if not isinstance(line.quantity, int) or line.quantity <= 0:
			found.append(f"item {where}: the quantity must be a positive whole number, not {line.quantity!r}")
		if not line.line_id or len(line.line_id) > SKU_LIMIT:
			found.append(f"item {where} has no row id Amazon can take")
	for label, value in (
		("the fulfillment order id", draft.seller_fulfillment_order_id),
		("the displayable order id", draft.displayable_order_id),
	):
		if not value or len(value) > ORDER_ID_LIMIT:
			found.append(f"{label} must be 1 to {ORDER_ID_LIMIT} characters")
	if len(draft.displayable_order_comment) > COMMENT_LIMIT:
		found.append(f"the comment is longer than {COMMENT_LIMIT} characters")
	return found


def check_draft(draft: FulfilmentOrderDraft) -> None:
	"""Raise FulfilmentDraftError naming the Sales Order and everything that keeps it from Amazon."""
	found = problems(draft)
	if found:
		raise FulfilmentDraftError(f"{draft.source} cannot be sent to Amazon: {'; '.join(found)}.")


def _address(draft: FulfilmentOrderDraft) -> dict:
	return address_body(draft.address)


def address_body(address: FulfilmentAddress) -> dict:
	"""Amazon's Address: its four required fields, and the others when given."""
	body = {
		"name": address.name,
		"addressLine1": address.line1,
		"postalCode": address.postal_code,
		"countryCode": address.country_code,
	}
	for key, value in (
		("addressLine2", address.line2),
		("addressLine3", address.line3),
		("city", address.city),
		("districtOrCounty", address.district),
		("stateOrRegion", address.state),
		("phone", address.phone),
	):
		if value:
			body[key] = value
	return body


def _items(draft: FulfilmentOrderDraft) -> list[dict]:
	return [
		{"sellerSku": line.sku, "sellerFulfillmentOrderItemId": line.line_id, "quantity": line.quantity}
		for line in draft.lines
	]


def preview_request(draft: FulfilmentOrderDraft, speeds: tuple[str, ...] = SHIPPING_SPEEDS) -> dict:
	"""The getFulfillmentPreview body: the draft's address and items, for each of `speeds`."""
	check_draft(draft)
	body: dict = {"address": _address(draft), "items": _items(draft), "shippingSpeedCategories": list(speeds)}
	if draft.marketplace_id:
		body["marketplaceId"] = draft.marketplace_id
	return body


def create_request(draft: FulfilmentOrderDraft) -> dict:
	"""The createFulfillmentOrder body."""
	check_draft(draft)
	moment = draft.displayable_order_date
	if moment.tzinfo is None or moment.utcoffset() is None:
		raise FulfilmentDraftError(f"{draft.source}: the order date must carry its time zone")
	body: dict = {
		"sellerFulfillmentOrderId": draft.seller_fulfillment_order_id,
		"displayableOrderId": draft.displayable_order_id,
		"displayableOrderDate": moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
		# Amazon prints it on the packing slip; it must not be empty.
		"displayableOrderComment": draft.displayable_order_comment or f"Order {draft.displayable_order_id}",
		"shippingSpeedCategory": draft.shipping_speed,
		"destinationAddress": _address(draft),
		# Hold: Amazon validates the order and reserves its units, and ships when an update says Ship.
		"fulfillmentAction": HOLD if draft.hold else SHIP,
		"fulfillmentPolicy": FULFILMENT_POLICY,
		"items": _items(draft),
	}
	if draft.marketplace_id:
		body["marketplaceId"] = draft.marketplace_id
	if draft.notification_emails:
		body["notificationEmails"] = list(draft.notification_emails)
	return body


# -- answers ---------------------------------------------------------------------------------------


def read_preview(payload: dict) -> list[FulfilmentPreview]:
	"""getFulfillmentPreview's payload -> one preview per shipping speed, in Amazon's order."""
	previews = []
	for entry in (payload or {}).get("fulfillmentPreviews") or []:
		speed = str(entry.get("shippingSpeedCategory") or "")
		try:
			preview = FulfilmentPreview(
				shipping_speed=speed,
				fulfillable=bool(entry.get("isFulfillable")),
				fees=[_fee(fee) for fee in entry.get("estimatedFees") or []],
				unfulfillable=[_unfulfillable(item) for item in entry.get("unfulfillablePreviewItems") or []],
				order_reasons=tuple(str(r) for r in entry.get("orderUnfulfillableReasons") or []),
			)
			shipments = entry.get("fulfillmentPreviewShipments") or []
			preview.earliest_ship = _earliest(shipments, "earliestShipDate")
			preview.latest_ship = _latest(shipments, "latestShipDate")
			preview.earliest_arrival = _earliest(shipments, "earliestArrivalDate")
			preview.latest_arrival = _latest(shipments, "latestArrivalDate")
		except (MoneyError, TimestampError, TypeError, KeyError) as exc:
			raise FulfilmentAnswerError(f"the {speed or 'unnamed'} preview: {exc}") from None
		previews.append(preview)
	return previews


def _fee(fee: dict) -> Fee:
	money = fee.get("amount") or {}
	currency = str(money.get("currencyCode") or "")
	return Fee(str(fee.get("name") or ""), parse_amount(money.get("value"), currency), currency)


def _unfulfillable(item: dict) -> UnfulfillableItem:
	return UnfulfillableItem(
		sku=str(item.get("sellerSku") or ""),
		line_id=str(item.get("sellerFulfillmentOrderItemId") or ""),
		quantity=parse_quantity(item.get("quantity")),
		reasons=tuple(str(r) for r in item.get("itemUnfulfillableReasons") or []),
	)


def _dates(shipments: list[dict], key: str) -> list[datetime]:
	return [d for d in (parse_timestamp(s.get(key)) for s in shipments) if d is not None]


def _earliest(shipments: list[dict], key: str) -> datetime | None:
	found = _dates(shipments, key)
	return min(found) if found else None


def _latest(shipments: list[dict], key: str) -> datetime | None:
	found = _dates(shipments, key)
	return max(found) if found else None


def preview_summary(preview: FulfilmentPreview) -> str:
	"""One line a person reads before sending: fulfillable or why not, fees, promised dates."""
	if not preview.fulfillable:
		return f"{preview.shipping_speed}: not fulfillable ({unfulfillable_text(preview.unfulfillable, preview.order_reasons)})."
	fees = (
		", ".join(f"{amount} {currency}" for currency, amount in preview.total_fees().items())
		or "no fee given"
	)
	arrival = _span(preview.earliest_arrival, preview.latest_arrival)
	return f"{preview.shipping_speed}: fees {fees}" + (f"; arrives {arrival}" if arrival else "") + "."


def _span(first: datetime | None, last: datetime | None) -> str:
	if first is None and last is None:
		return ""
	days = [d.date().isoformat() for d in (first, last) if d is not None]
	return days[0] if len(set(days)) == 1 else f"{days[0]} to {days[-1]}"


def unfulfillable_text(items: list[UnfulfillableItem], order_reasons: tuple[str, ...] = ()) -> str:
	"""Amazon's reasons, per SKU, in words (with Amazon's code kept for a search)."""
	parts = [f"{reason_text(r)} ({r})" for r in order_reasons]
	for item in items:
		reasons = ", ".join(f"{reason_text(r)} ({r})" for r in item.reasons)
		units = f"{item.sku}: {item.quantity} unit{'s' if item.quantity != 1 else ''}"
		parts.append(f"{units}, {reasons}" if reasons else units)
	return "; ".join(parts) or "Amazon gave no reason"


def read_fulfilment_order(payload: dict) -> FulfilmentState:
	"""getFulfillmentOrder's payload -> the order's state, its shipments and what will not ship."""
	order = (payload or {}).get("fulfillmentOrder") or {}
	order_id = str(order.get("sellerFulfillmentOrderId") or "")
	if not order_id or not order.get("fulfillmentOrderStatus"):
		raise FulfilmentAnswerError("a fulfillment order without its id or status")
	try:
		state = FulfilmentState(
			seller_fulfillment_order_id=order_id,
			status=str(order["fulfillmentOrderStatus"]),
			status_updated=parse_timestamp(order.get("statusUpdatedDate")),
		)
		for item in payload.get("fulfillmentOrderItems") or []:
			line_id = str(item.get("sellerFulfillmentOrderItemId") or "")
			missing = parse_quantity(item.get("unfulfillableQuantity") or 0)
			if missing:
				state.unfulfillable.append(
					UnfulfillableItem(str(item.get("sellerSku") or ""), line_id, missing)
				)
			cancelled = parse_quantity(item.get("cancelledQuantity") or 0)
			if cancelled:
				state.cancelled[line_id] = cancelled
			state.lines[line_id] = OrderedLine(
				sku=str(item.get("sellerSku") or ""),
				quantity=parse_quantity(item.get("quantity") or 0),
				cancelled=cancelled,
			)
		for shipment in payload.get("fulfillmentShipments") or []:
			state.shipments.append(_shipment(shipment))
		state.shipping_speed = str(order.get("shippingSpeedCategory") or "")
		state.action = str(order.get("fulfillmentAction") or "")
		state.received = parse_timestamp(order.get("receivedDate"))
		if isinstance(order.get("destinationAddress"), dict):
			state.address = read_address(order["destinationAddress"])
		state.returns = [read_return_item(item) for item in payload.get("returnItems") or []]
		state.authorizations = [
			read_authorization(entry) for entry in payload.get("returnAuthorizations") or []
		]
	except (MoneyError, TimestampError, TypeError, KeyError, ValueError) as exc:
		raise FulfilmentAnswerError(f"fulfillment order {order_id}: {exc}") from None
	state.message = _state_message(state)
	return state


def read_address(address: dict) -> FulfilmentAddress:
	"""Amazon's Address -> the draft's address (every field but four is optional)."""
	return FulfilmentAddress(
		name=str(address.get("name") or ""),
		line1=str(address.get("addressLine1") or ""),
		line2=str(address.get("addressLine2") or ""),
		line3=str(address.get("addressLine3") or ""),
		city=str(address.get("city") or ""),
		district=str(address.get("districtOrCounty") or ""),
		state=str(address.get("stateOrRegion") or ""),
		postal_code=str(address.get("postalCode") or ""),
		country_code=str(address.get("countryCode") or ""),
		phone=str(address.get("phone") or ""),
	)


def read_return_item(item: dict) -> ReturnItemState:
	"""A ReturnItem (getFulfillmentOrder or createFulfillmentReturn): its authorization, Amazon's reason
	and the condition it was received in may each be absent."""
	return ReturnItemState(
		seller_return_item_id=str(item["sellerReturnItemId"]),
		line_id=str(item.get("sellerFulfillmentOrderItemId") or ""),
		amazon_shipment_id=str(item.get("amazonShipmentId") or ""),
		status=str(item.get("status") or ""),
		reason_code=str(item.get("sellerReturnReasonCode") or ""),
		amazon_reason_code=str(item.get("amazonReturnReasonCode") or ""),
		condition=str(item.get("returnReceivedCondition") or ""),
		authorization_id=str(item.get("returnAuthorizationId") or ""),
		status_changed=parse_timestamp(item.get("statusChangedDate")),
	)


def read_authorization(entry: dict) -> ReturnAuthorization:
	address = read_address(entry.get("returnToAddress") or {})
	where = ", ".join(
		p
		for p in (
			address.name,
			address.line1,
			address.city,
			address.state,
			address.postal_code,
			address.country_code,
		)
		if p
	)
	return ReturnAuthorization(
		authorization_id=str(entry.get("returnAuthorizationId") or ""),
		amazon_rma_id=str(entry.get("amazonRmaId") or ""),
		rma_page_url=str(entry.get("rmaPageURL") or ""),
		fulfillment_center_id=str(entry.get("fulfillmentCenterId") or ""),
		address=where,
	)


def _shipment(shipment: dict) -> FulfilmentShipment:
	quantities: dict[str, int] = {}
	for item in shipment.get("fulfillmentShipmentItem") or []:
		line_id = str(item.get("sellerFulfillmentOrderItemId") or "")
		quantities[line_id] = quantities.get(line_id, 0) + parse_quantity(item.get("quantity"))
	packages = [
		TrackedPackage(
			number=int(package.get("packageNumber") or 0),
			carrier=str(package.get("carrierCode") or ""),
			tracking_number=str(
				package.get("trackingNumber") or package.get("amazonFulfillmentTrackingNumber") or ""
			),
		)
		for package in shipment.get("fulfillmentShipmentPackage") or []
	]
	return FulfilmentShipment(
		amazon_shipment_id=str(shipment.get("amazonShipmentId") or ""),
		status=str(shipment.get("fulfillmentShipmentStatus") or ""),
		shipped_on=parse_timestamp(shipment.get("shippingDate")),
		quantities=quantities,
		packages=sorted(packages, key=lambda p: p.number),
	)


def held_text(state: FulfilmentState) -> str:
	"""What an order on hold means, with the day Amazon cancels it if it is still held."""
	text = "On hold at Amazon: its units are reserved and nothing ships until the order is released"
	ends = state.hold_ends
	if ends is not None:
		text += f"; Amazon cancels it if it is still on hold on {ends.date().isoformat()}"
	return text + "."


def _state_message(state: FulfilmentState) -> str:
	parts = []
	if state.held:
		parts.append(held_text(state))
	if state.status in STATUS_MESSAGES:
		parts.append(STATUS_MESSAGES[state.status])
	if state.unfulfillable:
		parts.append("Units Amazon could not fulfil: " + unfulfillable_text(state.unfulfillable) + ".")
	cancelled_by_amazon = [
		s.amazon_shipment_id for s in state.shipments if s.status == "CANCELLED_BY_FULFILLER"
	]
	if cancelled_by_amazon:
		parts.append(f"Amazon cancelled shipment(s) {', '.join(cancelled_by_amazon)}.")
	if state.returns:
		parts.append(returns_text(state))
	return " ".join(parts)


def returns_text(state: FulfilmentState) -> str:
	"""Where the order's returns stand: units asked back, received, and in which condition."""
	received = [r for r in state.returns if r.processed]
	conditions: dict[str, int] = {}
	for item in received:
		condition = item.condition or "condition not given"
		conditions[condition] = conditions.get(condition, 0) + 1
	how = ", ".join(f"{n} {condition}" for condition, n in sorted(conditions.items()))
	text = f"Returns: {len(received)} of {len(state.returns)} units received by Amazon"
	return text + (f" ({how})." if how else ".")
