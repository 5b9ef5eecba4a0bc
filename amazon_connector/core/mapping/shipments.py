"""A shipping document of a merchant-fulfilled Amazon order -> the package confirmShipment sends.

Amazon wants, per package: a numeric package reference unique within the order, a carrier code
from its list (or "Other" with the carrier's name), the tracking number, the ship date, and the
order items with the units in this package. A document that ships part of the order confirms just
those items and units (Amazon then reports the order PARTIALLY_SHIPPED); rows of the same order
item are added up; rows that are not Amazon order items (an insert, a free gift) are left out.

The carrier is looked up in the user's mapping by name or alias, case and spacing ignored; a
carrier the mapping does not know goes as "Other" with its own name, which Amazon accepts. What
cannot be sent (no carrier, no tracking number, part units, an Amazon-fulfilled order) is refused
here with a sentence naming the document, before Amazon is asked.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..drafts.shipments import CarrierCode, DeliveryView, ShipmentDraft

OTHER = "Other"
MERCHANT = "MERCHANT"


class ShipmentNotSendable(ValueError):
	"""The document cannot be confirmed to Amazon as it is; the message names it and says why."""


def _key(name: str) -> str:
	return " ".join((name or "").split()).casefold()


class CarrierMap:
	"""The user's carrier mapping, looked up by carrier name or alias."""

	def __init__(self, entries: Iterable[CarrierCode]):
		self._by_name: dict[str, CarrierCode] = {}
		for entry in entries:
			for name in (entry.name, *entry.aliases):
				if _key(name):
					self._by_name.setdefault(_key(name), entry)

	def code_for(self, carrier: str) -> tuple[str, str]:
		"""(Amazon carrier code, carrier name to send with it: only with "Other")."""
		entry = self._by_name.get(_key(carrier))
		if entry is None:  # a carrier the mapping does not know: Amazon takes "Other" with its name
			return OTHER, " ".join(carrier.split())
		if entry.amazon_code == OTHER:
			return OTHER, entry.amazon_name or entry.name
		return entry.amazon_code, ""


def shipment_from_delivery(view: DeliveryView, carriers: CarrierMap) -> ShipmentDraft:
	"""The package of `view`; raises ShipmentNotSendable naming the document."""
	where = f"Delivery Note {view.name}"
	if not view.amazon_order_id or not view.marketplace_id:
		raise ShipmentNotSendable(f"{where} is not for an Amazon order of a known marketplace.")
	if view.fulfillment_channel != MERCHANT:
		raise ShipmentNotSendable(
			f"{where}: Amazon order {view.amazon_order_id} is fulfilled by Amazon, which confirms its "
			"shipments itself."
		)
	if not view.carrier.strip():
		raise ShipmentNotSendable(f"{where}: choose the carrier (Amazon Carrier) before Amazon can be told.")
	if not view.tracking_number.strip():
		raise ShipmentNotSendable(f"{where}: enter the carrier's tracking number.")
	if not view.package_reference_id.isdigit() or int(view.package_reference_id) <= 0:
		raise ShipmentNotSendable(
			f"{where}: package number {view.package_reference_id!r} must be a positive whole number."
		)
	units: dict[str, float] = {}
	for line in view.lines:
		if line.order_item_id:
			units[line.order_item_id] = units.get(line.order_item_id, 0.0) + float(line.quantity)
	lines = []
	for order_item_id, quantity in units.items():
		if quantity != int(quantity):
			raise ShipmentNotSendable(
				f"{where}: {quantity:g} units of Amazon order item {order_item_id}; Amazon takes whole units."
			)
		if quantity > 0:
			lines.append((order_item_id, int(quantity)))
	if not lines:
		raise ShipmentNotSendable(f"{where} ships no item of Amazon order {view.amazon_order_id}.")
	code, name = carriers.code_for(view.carrier)
	return ShipmentDraft(
		delivery_note=view.name,
		amazon_order_id=view.amazon_order_id,
		marketplace_id=view.marketplace_id,
		package_reference_id=view.package_reference_id,
		carrier_code=code,
		carrier_name=name,
		tracking_number=view.tracking_number.strip(),
		ship_date=view.shipped_at,
		lines=tuple(lines),
		shipping_method=view.shipping_method,
	)
