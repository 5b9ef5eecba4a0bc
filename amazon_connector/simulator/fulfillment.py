"""Fulfillment Outbound 2020-07-01 (Multi-Channel Fulfillment): orders of the seller's other channels
that Amazon ships from the world's FBA stock.

- getFulfillmentPreview: per shipping speed (Standard, Expedited, Priority unless the request names
  others) fees and promised dates for what can be shipped; an unknown SKU (InvalidSKU), too few
  fulfillable units (InventoryUnavailable) or an address outside the marketplace's fulfilment
  network (InvalidDestinationAddress) make the preview not fulfillable, without fees or dates.
- createFulfillmentOrder: refused (400) for a missing field, an id used before or an unknown SKU;
  otherwise validated as Amazon does on receipt (New until then: `validation_delay` seconds, 0 by
  default): Received, or Invalid when the address is outside the network or Amazon's records show
  too few sellable units.
- The order then moves on the simulator clock (`delays`: seconds spent Received, Planning,
  Processing): at Processing the units are picked, and an item whose stock meanwhile fell short
  makes the whole order Unfulfillable (FillOrKill); a shipment whose units went missing after that
  is cancelled by Amazon (CANCELLED_BY_FULFILLER) and the order ends CompletePartialled (or
  Unfulfillable when nothing shipped); otherwise it is Complete with its shipments
  (an order of several lines ships as two shipments), each package with its carrier and tracking
  number (Amazon's own network has only Amazon's tracking number), the units leave the FBA pool,
  and Amazon's fees for the order post as a ServiceFeeEvent against the order id (fee_delay later,
  like an order's fees), which the transactions feed shows as a ServiceFee transaction with its
  ORDER_ID.
- cancelFulfillmentOrder: while New, Received or Planning (Amazon's rule); refused afterwards.
- An order created with fulfillmentAction Hold is validated and then waits (Received, its
  fulfillmentAction Hold) until updateFulfillmentOrder says Ship; the steps then count from the
  release (the status, and so its statusUpdatedDate, stays until Planning). Amazon cancels a hold
  after 14 days. Hold is refused with ScheduledDelivery (the model: "Hold is not a valid
  fulfillmentAction value when the shippingSpeedCategory value is ScheduledDelivery").
- updateFulfillmentOrder: while New, Received or Planning (nothing picked yet); refused afterwards,
  and, with `update_requires_hold`, for any order without an order hold (Amazon describes the
  operation for held orders). A line's new quantity replaces the units still to ship: lowered (0
  gives the line up), the units given up show as its cancelledQuantity; the lines are those of the
  order (an unknown sellerFulfillmentOrderItemId is refused), at least one keeps a unit, and Amazon
  must have the units.
- listReturnReasonCodes: Amazon's reason codes for a SKU it stocks (with `translatedDescription`
  when a language it translates into is asked for).
- createFulfillmentReturn: unit by unit; a unit is refused (invalidReturnItems) when the line or
  shipment is not on the order or the reason code is not one of Amazon's (InvalidValues), its id was
  used before (DuplicateRequest), the shipment has not shipped (NoCompletedShipItems) or every
  shipped unit is already being returned (NoReturnableQuantity). Accepted units are New under one
  return authorization, given at once, or (for some orders) an hour later, so the answer then has
  neither the authorization nor the units' returnAuthorizationId. `return_delay` seconds later each
  unit is Processed at the fulfilment centre: Sellable units are fulfillable again, others count as
  customer damaged; Amazon's own reason code comes with some.
"""

from __future__ import annotations

import copy
import hashlib
import threading
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from amazon_connector.spapi.fulfilment_networks import network_of

from . import ledger
from .clock import iso, parse_iso
from .http_types import ApiError, Reply, Request, invalid
from .marketplaces import BY_ID

if TYPE_CHECKING:
	from .server import Simulator

SPEEDS = ("Standard", "Expedited", "Priority")
SCHEDULED = "ScheduledDelivery"  # JP only, with delivery windows: not simulated, but its Hold rule is
HOLD_NOT_SCHEDULED = (
	"Hold is not a valid fulfillmentAction value when the shippingSpeedCategory value is ScheduledDelivery."
)
# (per unit, per order) fee in the marketplace's main unit of currency, by speed (JPY x 100).
FEES = {
	"Standard": (Decimal("5.45"), Decimal("0")),
	"Expedited": (Decimal("8.15"), Decimal("1.00")),
	"Priority": (Decimal("12.40"), Decimal("2.50")),
}
# (days until shipped, days in transit) by speed.
PROMISE = {"Standard": (1, 4), "Expedited": (1, 2), "Priority": (0, 1)}
DEFAULT_DELAYS = (600.0, 1800.0, 3600.0)  # seconds Received, Planning, Processing
CARRIERS = {"NA": ("UPS", "AMZN_US"), "EU": ("DHL", "AMZN_EU")}
REQUIRED_CREATE = ("sellerFulfillmentOrderId", "displayableOrderId", "displayableOrderDate",
	"displayableOrderComment", "shippingSpeedCategory", "destinationAddress", "items")  # fmt: skip
REQUIRED_ADDRESS = ("name", "addressLine1", "postalCode", "countryCode")
OPEN = ("Received", "Planning", "Processing")
NEXT = {"Received": "Planning", "Planning": "Processing", "Processing": "Complete"}
CANCELLABLE = ("New", "Received", "Planning")  # Amazon: cancellable until picking begins
UPDATABLE = CANCELLABLE  # nothing of the order is picked yet
HOLD_DAYS = 14  # Amazon cancels an order left on hold this long
DEFAULT_RETURN_DELAY = 2 * 86400.0  # seconds from a return's request until the unit is processed
AUTHORIZATION_DELAY = 3600.0  # seconds until a late return authorization is given
# Amazon's return reason codes (listReturnReasonCodes' example answer), with German translations.
REASON_CODES = {
	"CR-UNWANTED_ITEM": ("No longer needed/wanted", "Nicht mehr benötigt"),
	"AMZ-PG-BAD-DESC": ("Different from website description", "Weicht von der Beschreibung ab"),
	"CR-DEFECTIVE": ("Defective/Does not work properly", "Defekt"),
	"CR-ORDERED_WRONG_ITEM": ("Accidental order", "Versehentlich bestellt"),
	"CR-FOUND_BETTER_PRICE": ("Better price available", "Besserer Preis verfügbar"),
	"CR-DAMAGED_BY_FC": ("Damaged due to inappropriate packaging", "Durch Verpackung beschädigt"),
	"CR-MISSED_ESTIMATED_DELIVERY": ("Missed estimated delivery date", "Liefertermin verpasst"),
	"CR-MISSING_PARTS": ("Missing parts or accessories", "Teile fehlen"),
	"CR-DAMAGED_BY_CARRIER": ("Damaged during shipping", "Beim Versand beschädigt"),
	"CR-SWITCHEROO": ("Different from what was ordered", "Anderer Artikel als bestellt"),
	"CR-EXTRA_ITEM": ("Arrived in addition to what was ordered", "Zusätzlich geliefert"),
	"CR-UNAUTHORIZED_PURCHASE": ("Unauthorized purchase", "Nicht autorisierter Kauf"),
}
TRANSLATED = ("de", "de-DE", "de_DE")
INVALID_RETURN = {
	"InvalidValues": "The item was not found in a fulfillment order.",
	"DuplicateRequest": "A fulfillment return has already been requested for this item.",
	"NoCompletedShipItems": "The fulfillment order containing this item has not yet shipped.",
	"NoReturnableQuantity": "All item quantity available for return has been allocated to other return items.",
}
# Where returns go, by fulfilment network: (centre, city, state, postal code, country).
RETURN_CENTERS = {
	"NA": ("TUS1", "Phoenix", "AZ", "85043", "US"),
	"EU": ("LEJ1", "Leipzig", "SN", "04435", "DE"),
}


def _digest(text: str) -> int:
	return int(hashlib.sha256(text.encode()).hexdigest()[:12], 16)


class Fulfillment:
	def __init__(
		self,
		sim: Simulator,
		delays: tuple[float, float, float] = DEFAULT_DELAYS,
		validation_delay: float = 0.0,
		return_delay: float = DEFAULT_RETURN_DELAY,
		update_requires_hold: bool = False,
	):
		self.sim = sim
		self.delays = tuple(float(d) for d in delays)
		# Seconds an order stays New before Amazon validates it (0: validated on receipt).
		self.validation_delay = float(validation_delay)
		self.return_delay = float(return_delay)
		self.update_requires_hold = bool(update_requires_hold)
		self.orders: dict[str, dict] = {}  # seller fulfillment order id -> its record
		self.return_ids: set[str] = set()  # every sellerReturnItemId Amazon has taken
		# sellerReturnItemId -> the condition the unit arrives in (tests choose; else Sellable mostly)
		self.return_conditions: dict[str, str] = {}
		self._lock = threading.RLock()

	# -- shared checks ---------------------------------------------------------------------------

	def _body(self, request: Request) -> dict:
		try:
			body = request.json() or {}
		except ValueError:
			raise invalid("The request body is not valid JSON.") from None
		if not isinstance(body, dict):
			raise invalid("The request body must be a JSON object.")
		return body

	def _marketplace(self, body: dict) -> dict:
		marketplace_id = (
			body.get("marketplaceId") or self.sim.world.account["marketplaces"][0]["marketplaceId"]
		)
		marketplace = self.sim.world.marketplace(marketplace_id)
		if marketplace is None:
			raise invalid(f"Invalid marketplaceId: {marketplace_id} is not a marketplace of the seller.")
		return marketplace

	@staticmethod
	def _check_address(address, field: str) -> dict:
		if not isinstance(address, dict):
			raise invalid(f"Missing required field: {field}.")
		missing = [k for k in REQUIRED_ADDRESS if not str(address.get(k) or "").strip()]
		if missing:
			raise invalid(f"Invalid {field}: missing {', '.join(missing)}.")
		return address

	@staticmethod
	def _check_items(items) -> list[dict]:
		if not isinstance(items, list) or not items:
			raise invalid("Missing required field: items.")
		seen = set()
		for item in items:
			if (
				not isinstance(item, dict)
				or not item.get("sellerSku")
				or not item.get("sellerFulfillmentOrderItemId")
			):
				raise invalid("Each item needs a sellerSku and a sellerFulfillmentOrderItemId.")
			quantity = item.get("quantity")
			if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
				raise invalid(
					f"Invalid quantity for sellerSku {item['sellerSku']}: must be a positive integer."
				)
			if item["sellerFulfillmentOrderItemId"] in seen:
				raise invalid(
					f"Duplicate sellerFulfillmentOrderItemId {item['sellerFulfillmentOrderItemId']}."
				)
			seen.add(item["sellerFulfillmentOrderItemId"])
		return items

	def _known(self, marketplace_id: str, sku: str) -> bool:
		pool = self.sim.fba_inventory.pools.get(network_of(marketplace_id), {})
		return sku in pool

	def _served(self, marketplace_id: str, country_code: str) -> bool:
		network = network_of(marketplace_id)
		return any(
			network_of(m.marketplace_id) == network and m.country_code == country_code for m in BY_ID.values()
		)

	def _short(self, marketplace_id: str, items: list[dict]) -> list[dict]:
		"""The items with fewer fulfillable units than asked for (several lines of one SKU add up)."""
		wanted: dict[str, int] = {}
		for item in items:
			wanted[item["sellerSku"]] = wanted.get(item["sellerSku"], 0) + item["quantity"]
		stock = self.sim.fba_inventory
		return [i for i in items if stock.quantity(marketplace_id, i["sellerSku"]) < wanted[i["sellerSku"]]]

	def _money(self, amount: Decimal, currency: str) -> dict:
		scale = Decimal(100) if currency == "JPY" else Decimal(1)
		value = (amount * scale).quantize(Decimal(1) if currency == "JPY" else Decimal("0.01"))
		return {"currencyCode": currency, "value": str(value)}

	def _fees(self, speed: str, units: int, currency: str) -> list[dict]:
		per_unit, per_order = FEES[speed]
		fees = [{"name": "FBAPerUnitFulfillmentFee", "amount": self._money(per_unit * units, currency)}]
		if per_order:
			fees.append({"name": "FBAPerOrderFulfillmentFee", "amount": self._money(per_order, currency)})
		return fees

	# -- getFulfillmentPreview -------------------------------------------------------------------

	def get_fulfillment_preview(self, request: Request) -> Reply:
		body = self._body(request)
		address = self._check_address(body.get("address"), "address")
		items = self._check_items(body.get("items"))
		marketplace = self._marketplace(body)
		marketplace_id = marketplace["marketplaceId"]
		speeds = body.get("shippingSpeedCategories") or list(SPEEDS)
		unknown_speeds = [s for s in speeds if s not in SPEEDS]
		if unknown_speeds:
			raise invalid(f"Invalid shippingSpeedCategories: {', '.join(map(str, unknown_speeds))}.")
		now = self.sim.clock.now()
		order_reasons = (
			[] if self._served(marketplace_id, address["countryCode"]) else ["InvalidDestinationAddress"]
		)
		short = {id(i) for i in self._short(marketplace_id, items)}
		unfulfillable = []
		for item in items:
			reasons = []
			if not self._known(marketplace_id, item["sellerSku"]):
				reasons.append("InvalidSKU")
			elif id(item) in short:
				reasons.append("InventoryUnavailable")
			if reasons:
				unfulfillable.append({"sellerSku": item["sellerSku"], "quantity": item["quantity"],
					"sellerFulfillmentOrderItemId": item["sellerFulfillmentOrderItemId"],
					"itemUnfulfillableReasons": reasons})  # fmt: skip
		units = sum(i["quantity"] for i in items)
		previews = []
		for speed in speeds:
			fulfillable = not unfulfillable and not order_reasons
			preview: dict = {
				"shippingSpeedCategory": speed,
				"isFulfillable": fulfillable,
				"isCODCapable": False,
				"marketplaceId": marketplace_id,
				"unfulfillablePreviewItems": copy.deepcopy(unfulfillable),
			}
			if order_reasons:
				preview["orderUnfulfillableReasons"] = list(order_reasons)
			if fulfillable:
				ship_days, transit = PROMISE[speed]
				shipped = now + timedelta(days=ship_days)
				preview["estimatedShippingWeight"] = {"unit": "POUNDS", "value": str(units)}
				preview["estimatedFees"] = self._fees(speed, units, marketplace["currencyCode"])
				preview["fulfillmentPreviewShipments"] = [
					{
						"earliestShipDate": iso(now),
						"latestShipDate": iso(shipped),
						"earliestArrivalDate": iso(shipped + timedelta(days=max(0, transit - 1))),
						"latestArrivalDate": iso(shipped + timedelta(days=transit)),
						"fulfillmentPreviewItems": [
							{
								"sellerSku": i["sellerSku"],
								"quantity": i["quantity"],
								"sellerFulfillmentOrderItemId": i["sellerFulfillmentOrderItemId"],
								"estimatedShippingWeight": {"unit": "POUNDS", "value": str(i["quantity"])},
								"shippingWeightCalculationMethod": "Package",
							}
							for i in items
						],  # fmt: skip
					}
				]
			previews.append(preview)
		return Reply.json(200, {"payload": {"fulfillmentPreviews": previews}})

	# -- createFulfillmentOrder ------------------------------------------------------------------

	def create_fulfillment_order(self, request: Request) -> Reply:
		body = self._body(request)
		missing = [k for k in REQUIRED_CREATE if body.get(k) in (None, "", [])]
		if missing:
			raise invalid(f"Missing required fields: {', '.join(missing)}.")
		order_id = str(body["sellerFulfillmentOrderId"])
		if len(order_id) > 40 or len(str(body["displayableOrderId"])) > 40:
			raise invalid("sellerFulfillmentOrderId and displayableOrderId may have at most 40 characters.")
		if body.get("fulfillmentAction") == "Hold" and body["shippingSpeedCategory"] == SCHEDULED:
			raise invalid(HOLD_NOT_SCHEDULED)
		if body["shippingSpeedCategory"] not in SPEEDS:
			raise invalid(f"Invalid shippingSpeedCategory: {body['shippingSpeedCategory']}.")
		if body.get("fulfillmentPolicy", "FillOrKill") not in ("FillOrKill", "FillAll", "FillAllAvailable"):
			raise invalid(f"Invalid fulfillmentPolicy: {body.get('fulfillmentPolicy')}.")
		if body.get("fulfillmentAction", "Ship") not in ("Ship", "Hold"):
			raise invalid(f"Invalid fulfillmentAction: {body.get('fulfillmentAction')}.")
		self._check_address(body["destinationAddress"], "destinationAddress")
		items = self._check_items(body["items"])
		marketplace = self._marketplace(body)
		marketplace_id = marketplace["marketplaceId"]
		try:
			placed = parse_iso(str(body["displayableOrderDate"]))
		except ValueError:
			raise invalid(f"Invalid displayableOrderDate: {body['displayableOrderDate']!r}.") from None
		unknown = [i["sellerSku"] for i in items if not self._known(marketplace_id, i["sellerSku"])]
		if unknown:
			raise invalid(
				f"The sellerSku {', '.join(unknown)} is not valid: it has no inventory in the fulfillment "
				f"network of marketplace {marketplace_id}."
			)
		now = self.sim.clock.now()
		with self._lock:
			if order_id in self.orders:
				raise invalid(f"A fulfillment order with sellerFulfillmentOrderId {order_id} already exists.")
			self.orders[order_id] = {
				"request": copy.deepcopy(body),
				"marketplaceId": marketplace_id,
				"currency": marketplace["currencyCode"],
				"placed": placed,
				"received": now,
				"status": "New",
				"updated": now,
				"unfulfillable": {},
				"ordered": {i["sellerFulfillmentOrderItemId"]: i["quantity"] for i in items},
				"cancelled": {},
				"shipments": [],
				"hold": body.get("fulfillmentAction") == "Hold",
				"returns": [],  # the return items, in the order Amazon took them
				"authorizations": [],
			}
			if not self.validation_delay:
				self._validate(self.orders[order_id], now)
		return Reply.json(200, {})

	# -- getFulfillmentOrder / cancelFulfillmentOrder --------------------------------------------

	def _record(self, request: Request) -> dict:
		order_id = request.path_params["sellerFulfillmentOrderId"]
		record = self.orders.get(order_id)
		if record is None:
			raise ApiError(404, "NotFound", f"Fulfillment order {order_id} is not found.")
		return record

	def get_fulfillment_order(self, request: Request) -> Reply:
		with self._lock:
			record = self._record(request)
			now = self.sim.clock.now()
			self._advance(record, now)
			self._advance_returns(record, now)
			return Reply.json(200, {"payload": self._view(record)})

	def cancel_fulfillment_order(self, request: Request) -> Reply:
		with self._lock:
			record = self._record(request)
			now = self.sim.clock.now()
			self._advance(record, now)
			if record["status"] not in CANCELLABLE:
				raise invalid(
					f"Fulfillment order {record['request']['sellerFulfillmentOrderId']} is {record['status']} "
					"and can no longer be cancelled."
				)
			record["status"] = "Cancelled"
			record["updated"] = now
			record["cancelled"] = dict(record["ordered"])
		return Reply.json(200, {})

	# -- updateFulfillmentOrder -----------------------------------------------------------------

	def update_fulfillment_order(self, request: Request) -> Reply:
		body = self._body(request)
		with self._lock:
			record = self._record(request)
			now = self.sim.clock.now()
			self._advance(record, now)
			order_id = record["request"]["sellerFulfillmentOrderId"]
			if record["status"] not in UPDATABLE:
				raise invalid(
					f"Fulfillment order {order_id} is {record['status']} and can no longer be updated."
				)
			if self.update_requires_hold and not record["hold"]:
				raise invalid(
					f"Fulfillment order {order_id} has no order hold on it; only an order on hold can be updated."
				)
			speed = body.get("shippingSpeedCategory")
			action = body.get("fulfillmentAction")
			stays_held = action == "Hold" or (action is None and record["hold"])
			if stays_held and (speed or record["request"]["shippingSpeedCategory"]) == SCHEDULED:
				raise invalid(HOLD_NOT_SCHEDULED)
			if speed is not None and speed not in SPEEDS:
				raise invalid(f"Invalid shippingSpeedCategory: {speed}.")
			if action is not None and action not in ("Ship", "Hold"):
				raise invalid(f"Invalid fulfillmentAction: {action}.")
			if "destinationAddress" in body:
				self._check_address(body["destinationAddress"], "destinationAddress")
			wanted = self._updated_lines(record, body.get("items"))
			with_units = [
				dict(i, quantity=wanted[i["sellerFulfillmentOrderItemId"]])
				for i in record["request"]["items"]
				if wanted[i["sellerFulfillmentOrderItemId"]] > 0
			]
			if not with_units:
				raise invalid(
					f"An update of {order_id} cannot give up every item; cancel the fulfillment order instead."
				)
			short = self._short(record["marketplaceId"], with_units)
			if short:
				raise invalid(
					f"Not enough sellable units of {', '.join(sorted({i['sellerSku'] for i in short}))} for the "
					f"update of {order_id}."
				)
			if speed is not None:
				record["request"]["shippingSpeedCategory"] = speed
			if "destinationAddress" in body:
				record["request"]["destinationAddress"] = copy.deepcopy(body["destinationAddress"])
			for key in ("displayableOrderComment", "notificationEmails"):
				if key in body:
					record["request"][key] = copy.deepcopy(body[key])
			for line_id, units in wanted.items():
				record["ordered"][line_id] = max(record["ordered"][line_id], units)
				record["cancelled"][line_id] = record["ordered"][line_id] - units
			if action == "Ship" and record["hold"]:
				# Released: the status does not change (so neither does statusUpdatedDate), but its
				# time in Received counts from now.
				record["hold"] = False
				record["released"] = now
			elif action == "Hold":
				record["hold"] = True
		return Reply.json(200, {})

	@staticmethod
	def _updated_lines(record: dict, items) -> dict[str, int]:
		"""Units still to ship per line after the update (the lines it leaves out keep theirs)."""
		wanted = {
			line_id: record["ordered"][line_id] - record["cancelled"].get(line_id, 0)
			for line_id in record["ordered"]
		}
		if items is None:
			return wanted
		if not isinstance(items, list):
			raise invalid("items must be a list.")
		skus = {i["sellerFulfillmentOrderItemId"]: i["sellerSku"] for i in record["request"]["items"]}
		for item in items:
			line_id = item.get("sellerFulfillmentOrderItemId") if isinstance(item, dict) else None
			if line_id not in skus:
				raise invalid(
					f"Unknown sellerFulfillmentOrderItemId {line_id!r}: it is not a line of this order."
				)
			if item.get("sellerSku") not in (None, skus[line_id]):
				raise invalid(f"The line {line_id} holds sellerSku {skus[line_id]}, not {item['sellerSku']}.")
			quantity = item.get("quantity")
			if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
				raise invalid(f"Invalid quantity for the line {line_id}: must be a whole number, 0 or more.")
			wanted[line_id] = quantity
		return wanted

	# -- returns ---------------------------------------------------------------------------------

	def list_return_reason_codes(self, request: Request) -> Reply:
		sku = request.param("sellerSku")
		if not sku:
			raise invalid("Missing required parameter: sellerSku.")
		order_id = request.param("sellerFulfillmentOrderId")
		if order_id:
			record = self.orders.get(order_id)
			if record is None:
				raise ApiError(404, "NotFound", f"Fulfillment order {order_id} is not found.")
			marketplace_id = record["marketplaceId"]
		else:
			marketplace_id = self._marketplace({"marketplaceId": request.param("marketplaceId")})[
				"marketplaceId"
			]
		if not self._known(marketplace_id, sku):
			raise invalid(f"The sellerSku {sku} is not valid in marketplace {marketplace_id}.")
		translate = request.param("language") in TRANSLATED
		details = []
		for code, (description, german) in REASON_CODES.items():
			entry = {"returnReasonCode": code, "description": description}
			if translate:
				entry["translatedDescription"] = german
			details.append(entry)
		return Reply.json(200, {"payload": {"reasonCodeDetails": details}})

	def create_fulfillment_return(self, request: Request) -> Reply:
		body = self._body(request)
		items = body.get("items")
		if not isinstance(items, list) or not items:
			raise invalid("Missing required field: items.")
		for item in items:
			missing = [
				k
				for k in (
					"sellerReturnItemId",
					"sellerFulfillmentOrderItemId",
					"amazonShipmentId",
					"returnReasonCode",
				)
				if not isinstance(item, dict) or not item.get(k)
			]
			if missing:
				raise invalid(f"Each return item needs {', '.join(missing)}.")
			if len(str(item["sellerReturnItemId"])) > 80 or len(str(item.get("returnComment") or "")) > 1000:
				raise invalid("sellerReturnItemId may have at most 80 characters, returnComment 1000.")
		with self._lock:
			record = self._record(request)
			now = self.sim.clock.now()
			self._advance(record, now)
			self._advance_returns(record, now)
			shipments = {s["amazonShipmentId"]: s for s in record["shipments"]}
			taken: list[dict] = []
			refused: list[dict] = []
			seen: set[str] = set()
			for item in items:
				code = self._refusal(record, shipments, item, seen, taken)
				seen.add(item["sellerReturnItemId"])
				if code:
					refused.append({"sellerReturnItemId": item["sellerReturnItemId"],
						"sellerFulfillmentOrderItemId": item["sellerFulfillmentOrderItemId"],
						"invalidItemReason": {"invalidItemReasonCode": code, "description": INVALID_RETURN[code]}})  # fmt: skip
					continue
				taken.append({
					"sellerReturnItemId": item["sellerReturnItemId"],
					"sellerFulfillmentOrderItemId": item["sellerFulfillmentOrderItemId"],
					"amazonShipmentId": item["amazonShipmentId"],
					"sellerReturnReasonCode": item["returnReasonCode"],
					"returnComment": item.get("returnComment") or "",
					"status": "New",
					"statusChangedDate": now,
					"requested": now,
					"returnAuthorizationId": "",
				})  # fmt: skip
			answer: dict = {}
			if taken:
				authorization = self._authorize(record, taken, now)
				record["returns"].extend(taken)
				self.return_ids.update(t["sellerReturnItemId"] for t in taken)
				answer["returnItems"] = [self._return_view(t) for t in taken]
				if authorization is not None:
					answer["returnAuthorizations"] = [copy.deepcopy(authorization)]
			if refused:
				answer["invalidReturnItems"] = refused
		return Reply.json(200, {"payload": answer})

	def _refusal(self, record: dict, shipments: dict, item: dict, seen: set[str], taken: list[dict]) -> str:
		"""Amazon's InvalidItemReasonCode for one unit, or "" when it takes the unit."""
		return_id, line_id = item["sellerReturnItemId"], item["sellerFulfillmentOrderItemId"]
		if return_id in self.return_ids or return_id in seen:
			return "DuplicateRequest"
		shipment = shipments.get(item["amazonShipmentId"])
		shipped_units = sum(
			i["quantity"] for i in (shipment or {}).get("fulfillmentShipmentItem", [])
			if i["sellerFulfillmentOrderItemId"] == line_id
		)  # fmt: skip
		if line_id not in record["ordered"] or shipment is None or not shipped_units:
			return "InvalidValues"
		if item["returnReasonCode"] not in REASON_CODES:
			return "InvalidValues"
		if shipment["fulfillmentShipmentStatus"] != "SHIPPED":
			return "NoCompletedShipItems"
		asked = sum(
			1
			for r in record["returns"] + taken
			if r["amazonShipmentId"] == item["amazonShipmentId"]
			and r["sellerFulfillmentOrderItemId"] == line_id
		)
		return "NoReturnableQuantity" if asked >= shipped_units else ""

	def _authorize(self, record: dict, taken: list[dict], now: datetime) -> dict | None:
		"""One return authorization for the units of this request: at once, or (for some orders) an
		hour later, when the units are told about it only in the order's later answers."""
		order_id = record["request"]["sellerFulfillmentOrderId"]
		number = len(record["authorizations"]) + len([r for r in record["returns"] if r.get("late")]) + 1
		center, city, state, postal, country = RETURN_CENTERS.get(
			network_of(record["marketplaceId"]), RETURN_CENTERS["NA"]
		)
		rma = f"D{_digest(order_id + str(number)) % 10**10:010d}RMA"
		authorization = {
			"returnAuthorizationId": f"RMA{_digest(order_id + 'rma' + str(number)) % 10**12:012d}",
			"fulfillmentCenterId": center,
			"returnToAddress": {"name": "Returns Department", "addressLine1": "5333 W. Lower Buckeye Road",
				"city": city, "stateOrRegion": state, "postalCode": postal, "countryCode": country},
			"amazonRmaId": rma,
			"rmaPageURL": f"https://www.amazon.com/gp/orc/rml/{rma}",
		}  # fmt: skip
		late = _digest(order_id) % 3 == 0
		for unit in taken:
			unit["authorization"] = authorization
			unit["late"] = late
			unit["authorized"] = now + timedelta(seconds=AUTHORIZATION_DELAY if late else 0)
			if not late:
				unit["returnAuthorizationId"] = authorization["returnAuthorizationId"]
		if late:
			return None
		record["authorizations"].append(authorization)
		return authorization

	def _advance_returns(self, record: dict, now: datetime) -> None:
		for unit in record["returns"]:
			if unit.get("late") and now >= unit["authorized"]:
				unit["late"] = False
				unit["returnAuthorizationId"] = unit["authorization"]["returnAuthorizationId"]
				if unit["authorization"] not in record["authorizations"]:
					record["authorizations"].append(unit["authorization"])
			# A unit travels under its authorization: it cannot arrive before that was given.
			due = max(unit["requested"] + timedelta(seconds=self.return_delay), unit["authorized"])
			if unit["status"] == "New" and now >= due:
				self._process(record, unit, due)

	def _process(self, record: dict, unit: dict, moment: datetime) -> None:
		"""The unit arrived at the fulfilment centre: in the condition chosen for it, else Sellable
		(one unit in five customer damaged); sellable units are fulfillable again."""
		return_id = unit["sellerReturnItemId"]
		condition = self.return_conditions.pop(
			return_id, "CustomerDamaged" if _digest(return_id) % 5 == 0 else "Sellable"
		)
		unit["status"] = "Processed"
		unit["statusChangedDate"] = moment
		unit["returnReceivedCondition"] = condition
		unit["fulfillmentCenterId"] = unit["authorization"]["fulfillmentCenterId"]
		if _digest(return_id) % 2 == 0:  # Amazon's own reason code comes with some units only
			unit["amazonReturnReasonCode"] = (
				"CR-DEFECTIVE" if condition == "Defective" else unit["sellerReturnReasonCode"]
			)
		sku = next(
			i["sellerSku"] for i in record["request"]["items"]
			if i["sellerFulfillmentOrderItemId"] == unit["sellerFulfillmentOrderItemId"]
		)  # fmt: skip
		self.sim.fba_inventory.receive_return(
			record["marketplaceId"], sku, 1, moment, sellable=condition == "Sellable"
		)

	def receive_returns(self, order_id: str, conditions: dict[str, str] | None = None) -> dict:
		"""The units asked back of an order reach the fulfilment centre at once, each in the condition
		named for it (for tests); the order's view afterwards."""
		with self._lock:
			record = self.orders[order_id]
			now = self.sim.clock.now()
			self.return_conditions.update(conditions or {})
			for unit in record["returns"]:
				unit["authorized"] = min(unit["authorized"], now)
			self._advance_returns(record, now)  # the late authorizations are given
			for unit in record["returns"]:
				if unit["status"] == "New":
					self._process(record, unit, now)
			return self._view(record)

	@staticmethod
	def _return_view(unit: dict) -> dict:
		view = {k: unit[k] for k in ("sellerReturnItemId", "sellerFulfillmentOrderItemId", "amazonShipmentId",
			"sellerReturnReasonCode", "status")}  # fmt: skip
		view["statusChangedDate"] = iso(unit["statusChangedDate"])
		for key in ("returnComment", "amazonReturnReasonCode", "returnAuthorizationId", "returnReceivedCondition",
			"fulfillmentCenterId"):  # fmt: skip
			if unit.get(key):
				view[key] = unit[key]
		return view

	# -- the lifecycle ---------------------------------------------------------------------------

	def advance(self, order_id: str, until: str = "Complete") -> dict:
		"""Move an order on at once, step by step, until `until` or a final status (for tests)."""
		with self._lock:
			record = self.orders[order_id]
			if record["status"] == "New":
				self._validate(record, self.sim.clock.now())
			while record["status"] in NEXT and record["status"] != until and not record["hold"]:
				self._step(record, self.sim.clock.now())
			return self._view(record)

	@staticmethod
	def _active(record: dict) -> list[dict]:
		"""The order's lines with the units still to ship (a line given up entirely is left out)."""
		lines = []
		for item in record["request"]["items"]:
			line_id = item["sellerFulfillmentOrderItemId"]
			wanted = record["ordered"][line_id] - record["cancelled"].get(line_id, 0)
			if wanted > 0:
				lines.append(dict(item, quantity=wanted))
		return lines

	def _validate(self, record: dict, moment: datetime) -> None:
		"""Amazon's check on receipt: an address it can reach and enough sellable units in its records."""
		items = self._active(record)
		country = record["request"]["destinationAddress"]["countryCode"]
		valid = self._served(record["marketplaceId"], country) and not self._short(
			record["marketplaceId"], items
		)
		record["status"] = "Received" if valid else "Invalid"
		record["updated"] = moment

	def _advance(self, record: dict, now: datetime) -> None:
		if record["status"] == "New":
			due = record["received"] + timedelta(seconds=self.validation_delay)
			if now < due:
				return
			self._validate(record, due)
		if record["hold"]:
			# An order on hold waits for Ship; Amazon cancels it when it waits too long.
			due = record["received"] + timedelta(days=HOLD_DAYS)
			if record["status"] in CANCELLABLE and now >= due:
				record["status"], record["updated"] = "Cancelled", due
				record["cancelled"] = dict(record["ordered"])
			return
		while record["status"] in NEXT:
			since = max(record["updated"], record.get("released") or record["updated"])
			due = since + timedelta(seconds=self.delays[OPEN.index(record["status"])])
			if now < due:
				return
			self._step(record, due)

	def _step(self, record: dict, moment: datetime) -> None:
		status = NEXT[record["status"]]
		items = self._active(record)
		marketplace_id = record["marketplaceId"]
		if status == "Processing":
			short = self._short(marketplace_id, items)
			if short:  # the pickers found too few sellable units: FillOrKill, nothing ships
				record["unfulfillable"] = {i["sellerFulfillmentOrderItemId"]: i["quantity"] for i in short}
				status = "Unfulfillable"
			else:
				record["shipments"] = self._plan_shipments(record)
		elif status == "Complete":
			status = self._ship(record, moment)
		record["status"] = status
		record["updated"] = moment

	def _plan_shipments(self, record: dict) -> list[dict]:
		order_id = record["request"]["sellerFulfillmentOrderId"]
		items = self._active(record)
		groups = [items[:1], items[1:]] if len(items) > 1 else [items]
		return [
			{
				"amazonShipmentId": f"T{_digest(order_id + str(n)) % 10**9:09d}",
				"fulfillmentCenterId": ("PHX3", "ONT8", "LEJ1")[_digest(order_id) % 3],
				"fulfillmentShipmentStatus": "PENDING",
				"fulfillmentShipmentItem": [
					{
						"sellerSku": i["sellerSku"],
						"sellerFulfillmentOrderItemId": i["sellerFulfillmentOrderItemId"],
						"quantity": i["quantity"],
						"packageNumber": n + 1,
					}
					for i in group
				],  # fmt: skip
			}
			for n, group in enumerate(groups)
		]

	def _ship(self, record: dict, moment: datetime) -> str:
		"""Each planned shipment leaves, unless its units went missing after picking began: Amazon then
		cancels that shipment (CANCELLED_BY_FULFILLER) and ships the rest. Complete,
		CompletePartialled or Unfulfillable."""
		request = record["request"]
		order_id = request["sellerFulfillmentOrderId"]
		marketplace_id = record["marketplaceId"]
		network = network_of(marketplace_id)
		carrier, own_network = CARRIERS.get(network, ("DHL", "AMZN"))
		# Some orders go by Amazon's own delivery network, which gives only Amazon's tracking number.
		by_amazon = _digest(order_id) % 2 == 1
		transit = PROMISE[request["shippingSpeedCategory"]][1]
		shipped_units = 0
		for shipment in record["shipments"]:
			lines = shipment["fulfillmentShipmentItem"]
			if self._short(marketplace_id, lines):
				shipment["fulfillmentShipmentStatus"] = "CANCELLED_BY_FULFILLER"
				for line in lines:
					record["unfulfillable"][line["sellerFulfillmentOrderItemId"]] = line["quantity"]
				continue
			package: dict = {
				"packageNumber": lines[0]["packageNumber"],
				"estimatedArrivalDate": iso(moment + timedelta(days=transit)),
			}
			if by_amazon:
				package["carrierCode"] = own_network
				package["amazonFulfillmentTrackingNumber"] = (
					f"TBA{_digest(shipment['amazonShipmentId']) % 10**12:012d}"
				)
			else:
				package["carrierCode"] = carrier
				package["trackingNumber"] = f"1Z{_digest(shipment['amazonShipmentId']) % 10**16:016d}"
			shipment["fulfillmentShipmentStatus"] = "SHIPPED"
			shipment["shippingDate"] = iso(moment)
			shipment["estimatedArrivalDate"] = iso(moment + timedelta(days=transit))
			shipment["fulfillmentShipmentPackage"] = [package]
			for line in lines:
				self.sim.fba_inventory.ship(marketplace_id, line["sellerSku"], line["quantity"], moment)
				shipped_units += line["quantity"]
		if not shipped_units:
			return "Unfulfillable"
		self._post_fees(record, moment, shipped_units)
		return "CompletePartialled" if record["unfulfillable"] else "Complete"

	def _post_fees(self, record: dict, moment: datetime, units: int) -> None:
		request = record["request"]
		currency = record["currency"]
		fees = []
		for fee in self._fees(request["shippingSpeedCategory"], units, currency):
			value = Decimal(fee["amount"]["value"])
			fees.append({"FeeType": fee["name"], "FeeAmount": ledger.currency_amount(-value, currency)})
		self.sim.add_financial_event(
			{
				"AmazonOrderId": request["sellerFulfillmentOrderId"],
				"FeeReason": "MultiChannelFulfillment",
				"FeeDescription": "Multi-Channel Fulfillment fees",
				"SellerSKU": self._active(record)[0]["sellerSku"],
				"FeeList": fees,
			},
			"ServiceFeeEventList",
			posted_date=moment + self.sim.fee_delay,
		)

	# -- the view --------------------------------------------------------------------------------

	def _view(self, record: dict) -> dict:
		request = record["request"]
		order: dict = {
			"sellerFulfillmentOrderId": request["sellerFulfillmentOrderId"],
			"marketplaceId": record["marketplaceId"],
			"displayableOrderId": request["displayableOrderId"],
			"displayableOrderDate": iso(record["placed"]),
			"displayableOrderComment": request["displayableOrderComment"],
			"shippingSpeedCategory": request["shippingSpeedCategory"],
			"destinationAddress": copy.deepcopy(request["destinationAddress"]),
			"fulfillmentAction": "Hold" if record["hold"] else "Ship",
			"fulfillmentPolicy": request.get("fulfillmentPolicy", "FillOrKill"),
			"receivedDate": iso(record["received"]),
			"fulfillmentOrderStatus": record["status"],
			"statusUpdatedDate": iso(record["updated"]),
		}
		if request.get("notificationEmails"):
			order["notificationEmails"] = list(request["notificationEmails"])
		items = []
		for item in request["items"]:
			line_id = item["sellerFulfillmentOrderItemId"]
			entry = {
				"sellerSku": item["sellerSku"],
				"sellerFulfillmentOrderItemId": line_id,
				"quantity": record["ordered"][line_id],
				"cancelledQuantity": record["cancelled"].get(line_id, 0),
				"unfulfillableQuantity": record["unfulfillable"].get(line_id, 0),
			}
			if record["status"] in OPEN:
				ship_days, transit = PROMISE[request["shippingSpeedCategory"]]
				entry["estimatedShipDate"] = iso(record["received"] + timedelta(days=ship_days))
				entry["estimatedArrivalDate"] = iso(record["received"] + timedelta(days=ship_days + transit))
			items.append(entry)
		payload = {
			"fulfillmentOrder": order,
			"fulfillmentOrderItems": items,
			"returnItems": [self._return_view(r) for r in record["returns"]],
			"returnAuthorizations": copy.deepcopy(record["authorizations"]),
		}
		if record["shipments"]:
			payload["fulfillmentShipments"] = copy.deepcopy(record["shipments"])
		return payload
