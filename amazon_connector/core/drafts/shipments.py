"""Drafts of what the ERP tells Amazon about a merchant's shipment: one package of an order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class DeliveryLine:
	"""One row of a shipping document: the Amazon order item it ships and how many units."""

	item_code: str
	order_item_id: str  # "" when the row is not an Amazon order item (a free extra, say)
	quantity: float  # as the document has it; Amazon takes whole units


@dataclass(frozen=True)
class DeliveryView:
	"""What the mapping needs of a submitted shipping document (an ERPNext Delivery Note)."""

	name: str
	amazon_order_id: str
	marketplace_id: str
	fulfillment_channel: str  # the order's: only MERCHANT orders are confirmed by the seller
	shipped_at: datetime
	carrier: str  # the carrier chosen on the document, else its transporter or shipping rule
	tracking_number: str
	package_reference_id: str  # the document's package number within its order
	lines: tuple[DeliveryLine, ...]
	shipping_method: str = ""


@dataclass(frozen=True)
class CarrierCode:
	"""One entry of the carrier mapping: an ERPNext carrier name (and aliases) -> Amazon's code."""

	name: str
	amazon_code: str
	amazon_name: str = ""  # the carrier's name to send with code "Other"
	aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class ShipmentDraft:
	"""One package for Orders v0 confirmShipment."""

	delivery_note: str
	amazon_order_id: str
	marketplace_id: str
	package_reference_id: str
	carrier_code: str
	carrier_name: str  # set with carrier code "Other"
	tracking_number: str
	ship_date: datetime
	lines: tuple[tuple[str, int], ...]  # (Amazon order item id, whole units)
	shipping_method: str = ""
