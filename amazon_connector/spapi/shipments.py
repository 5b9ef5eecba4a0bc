"""Orders v0 confirmShipment: tell Amazon a merchant-fulfilled order (or part of it) has shipped.

Orders 2026-01-01 has no write operations, so shipment confirmation stays on Orders v0 (not
deprecated for this operation; 2 requests/s, burst 10). One call confirms one package: its
reference, carrier code (Amazon's list; "Other" with a carrier name for the rest), tracking
number, ship date and the order items with the quantity in this package, so a partial shipment is
a package with part of the items. Amazon answers 204 without a body, or 400 naming what it refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from amazon_connector.spapi._params import iso8601
from amazon_connector.spapi.apis import OrdersV0Api

OTHER_CARRIER = "Other"


@dataclass(frozen=True)
class PackageLine:
	order_item_id: str
	quantity: int


def confirm_shipment(
	session,
	order_id: str,
	marketplace_id: str,
	*,
	package_reference_id: str,
	carrier_code: str,
	tracking_number: str,
	ship_date: datetime,
	lines: Iterable[PackageLine],
	carrier_name: str = "",
	shipping_method: str = "",
) -> None:
	"""Confirm one package; raises the access layer's typed error (InvalidInputError for a 400)."""
	lines = list(lines)
	if not order_id or not marketplace_id:
		raise ValueError("confirm_shipment needs the Amazon order id and its marketplace")
	if not lines or any(int(line.quantity) <= 0 for line in lines):
		raise ValueError(f"Order {order_id}: a package needs order items with positive quantities")
	if not carrier_code or not tracking_number:
		raise ValueError(f"Order {order_id}: a package needs a carrier code and a tracking number")
	if carrier_code == OTHER_CARRIER and not carrier_name:
		raise ValueError(f"Order {order_id}: carrier code Other needs the carrier's name")
	package: dict = {
		"packageReferenceId": str(package_reference_id),
		"carrierCode": carrier_code,
		"trackingNumber": tracking_number,
		"shipDate": iso8601(ship_date, name="ship_date"),
		"orderItems": [{"orderItemId": line.order_item_id, "quantity": int(line.quantity)} for line in lines],
	}
	if carrier_name:
		package["carrierName"] = carrier_name
	if shipping_method:
		package["shippingMethod"] = shipping_method
	session.call(
		"confirmShipment",
		OrdersV0Api,
		"confirm_shipment",
		order_id,
		marketplaceId=marketplace_id,
		packageDetail=package,
	)
