"""Orders v0 confirmShipment: a merchant confirms a package, and the order moves as Amazon moves it.

The package's items and quantities are checked against what is still unshipped; the order becomes
PARTIALLY_SHIPPED or SHIPPED, carries the package (carrier, tracking number) in its `packages`, and
its lastUpdatedTime moves, so the next searchOrders shows the change. Refused as Amazon refuses:
a package reference that is not a positive number, carrier code Other without a carrier name, an
unknown order (404), an Amazon-fulfilled, cancelled or pending order, an unknown order item, more
units than are left to ship, a package reference used before, and any order a test names in
`refusals` (order id -> message).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .clock import iso
from .http_types import ApiError, Reply, Request, invalid

if TYPE_CHECKING:
	from .server import Simulator


def awaiting_shipment(world: dict) -> dict:
	"""Edit a generated world so that every merchant order it has shipped waits for its shipment
	instead (unshipped, no packages): the orders a seller's shipment confirmations are for."""
	for order in world["orders"]:
		fulfillment = order["fulfillment"]
		if fulfillment["fulfilledBy"] == "MERCHANT" and fulfillment["fulfillmentStatus"] == "SHIPPED":
			fulfillment["fulfillmentStatus"] = "UNSHIPPED"
			order.pop("packages", None)
			for item in order["orderItems"]:
				item["fulfillment"] = {"quantityFulfilled": 0, "quantityUnfulfilled": item["quantityOrdered"]}
	return world


class Shipments:
	def __init__(self, sim: Simulator):
		self.sim = sim
		self.refusals: dict[str, str] = {}
		self.confirmed: list[dict] = []  # every accepted package, as sent

	def confirm_shipment(self, request: Request) -> Reply:
		order_id = request.path_params["orderId"]
		try:
			body = request.json() or {}
		except ValueError:
			raise invalid("The request body is not valid JSON.") from None
		package = body.get("packageDetail") or {}
		missing = [k for k in ("packageReferenceId", "carrierCode", "trackingNumber", "shipDate", "orderItems")
			if not package.get(k)]  # fmt: skip
		if not body.get("marketplaceId") or missing:
			raise invalid(
				f"Missing required fields: {', '.join(['marketplaceId'] * (not body.get('marketplaceId')) + missing)}."
			)
		reference = str(package["packageReferenceId"])
		if not reference.isdigit() or int(reference) <= 0:
			raise invalid(
				f"packageReferenceId {reference!r} is not valid: only positive numeric values are supported."
			)
		if package["carrierCode"] == "Other" and not package.get("carrierName"):
			raise invalid("carrierName is required when carrierCode is Other.")
		world = self.sim.world
		with world.lock:
			order = world.order(order_id)
			if order is None:
				raise ApiError(404, "NotFound", f"Order {order_id} is not found.")
			if order_id in self.refusals:
				raise invalid(self.refusals[order_id])
			if order["salesChannel"].get("marketplaceId") != body["marketplaceId"]:
				raise invalid(f"Order {order_id} is not an order of marketplace {body['marketplaceId']}.")
			fulfillment = order.get("fulfillment") or {}
			if fulfillment.get("fulfilledBy") != "MERCHANT":
				raise invalid(
					f"Order {order_id} is fulfilled by Amazon; only merchant-fulfilled orders are confirmed."
				)
			status = fulfillment.get("fulfillmentStatus")
			if status not in ("UNSHIPPED", "PARTIALLY_SHIPPED"):
				raise invalid(f"Order {order_id} is {status}; only unshipped orders can be confirmed.")
			references = {str(p.get("packageReferenceId")) for p in order.get("packages") or []}
			if str(package["packageReferenceId"]) in references:
				raise invalid(
					f"Package {package['packageReferenceId']} of order {order_id} was confirmed before."
				)
			items = {i["orderItemId"]: i for i in order["orderItems"]}
			for line in package["orderItems"]:
				item = items.get(line.get("orderItemId"))
				if item is None or item.get("cancellation"):
					raise invalid(
						f"Order item {line.get('orderItemId')} is not an open item of order {order_id}."
					)
				left = int(item["quantityOrdered"]) - int(
					(item.get("fulfillment") or {}).get("quantityFulfilled") or 0
				)
				quantity = line.get("quantity")
				if not isinstance(quantity, int) or not 0 < quantity <= left:
					raise invalid(
						f"Order item {item['orderItemId']}: quantity {quantity} is more than the {left} left to ship."
					)
			now = self.sim.clock.now()
			for line in package["orderItems"]:
				item = items[line["orderItemId"]]
				done = int((item.get("fulfillment") or {}).get("quantityFulfilled") or 0) + line["quantity"]
				item["fulfillment"] = dict(item.get("fulfillment") or {}, quantityFulfilled=done,
					quantityUnfulfilled=int(item["quantityOrdered"]) - done)  # fmt: skip
			order.setdefault("packages", []).append(
				{
					"packageReferenceId": str(package["packageReferenceId"]),
					"createdTime": iso(now),
					"packageStatus": {"status": "SHIPPED"},
					"carrier": package.get("carrierName") or package["carrierCode"],
					"shipTime": package["shipDate"],
					"trackingNumber": package["trackingNumber"],
					"packageItems": [
						{"orderItemId": x["orderItemId"], "quantity": x["quantity"]}
						for x in package["orderItems"]
					],
				}
			)
			open_items = [i for i in order["orderItems"] if not i.get("cancellation")]
			shipped = all(
				i["fulfillment"].get("quantityUnfulfilled", 1) == 0 for i in open_items if "fulfillment" in i
			)
			fulfillment["fulfillmentStatus"] = "SHIPPED" if shipped else "PARTIALLY_SHIPPED"
			order["lastUpdatedTime"] = iso(now)
			world.save_order(order)
			self.confirmed.append({"orderId": order_id, **package})
		return Reply(204, b"", "application/json")
