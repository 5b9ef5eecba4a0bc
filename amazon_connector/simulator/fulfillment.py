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


def _digest(text: str) -> int:
	return int(hashlib.sha256(text.encode()).hexdigest()[:12], 16)


class Fulfillment:
	def __init__(
		self,
		sim: Simulator,
		delays: tuple[float, float, float] = DEFAULT_DELAYS,
		validation_delay: float = 0.0,
	):
		self.sim = sim
		self.delays = tuple(float(d) for d in delays)
		# Seconds an order stays New before Amazon validates it (0: validated on receipt).
		self.validation_delay = float(validation_delay)
		self.orders: dict[str, dict] = {}  # seller fulfillment order id -> its record
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
		if body["shippingSpeedCategory"] not in SPEEDS:
			raise invalid(f"Invalid shippingSpeedCategory: {body['shippingSpeedCategory']}.")
		if body.get("fulfillmentPolicy", "FillOrKill") not in ("FillOrKill", "FillAll", "FillAllAvailable"):
			raise invalid(f"Invalid fulfillmentPolicy: {body.get('fulfillmentPolicy')}.")
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
				"cancelled": {},
				"shipments": [],
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
			self._advance(record, self.sim.clock.now())
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
			record["cancelled"] = {
				i["sellerFulfillmentOrderItemId"]: i["quantity"] for i in record["request"]["items"]
			}
		return Reply.json(200, {})

	# -- the lifecycle ---------------------------------------------------------------------------

	def advance(self, order_id: str, until: str = "Complete") -> dict:
		"""Move an order on at once, step by step, until `until` or a final status (for tests)."""
		with self._lock:
			record = self.orders[order_id]
			if record["status"] == "New":
				self._validate(record, self.sim.clock.now())
			while record["status"] in NEXT and record["status"] != until:
				self._step(record, self.sim.clock.now())
			return self._view(record)

	def _validate(self, record: dict, moment: datetime) -> None:
		"""Amazon's check on receipt: an address it can reach and enough sellable units in its records."""
		items = record["request"]["items"]
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
		while record["status"] in NEXT:
			due = record["updated"] + timedelta(seconds=self.delays[OPEN.index(record["status"])])
			if now < due:
				return
			self._step(record, due)

	def _step(self, record: dict, moment: datetime) -> None:
		status = NEXT[record["status"]]
		items = record["request"]["items"]
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
		items = record["request"]["items"]
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
				"SellerSKU": request["items"][0]["sellerSku"],
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
			"fulfillmentAction": request.get("fulfillmentAction", "Ship"),
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
				"quantity": item["quantity"],
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
			"returnItems": [],
			"returnAuthorizations": [],
		}
		if record["shipments"]:
			payload["fulfillmentShipments"] = copy.deepcopy(record["shipments"])
		return payload
