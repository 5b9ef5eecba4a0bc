"""Multi-Channel Fulfillment records: an order of another channel that Amazon is asked to ship from
the seller's FBA stock, and what Amazon says about it (a preview, the order's status, its shipments).

Plain records, no Amazon shapes: `core.mapping.fulfilment` turns a draft into Amazon's request
bodies and Amazon's answers into these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

# Amazon's ShippingSpeedCategory values a seller picks from (ScheduledDelivery needs delivery windows
# that only some marketplaces offer, so it is not offered).
SHIPPING_SPEEDS = ("Standard", "Expedited", "Priority")

# Amazon's FulfillmentOrderStatus values (Fulfillment Outbound 2020-07-01).
RECEIVED, PLANNING, PROCESSING = "Received", "Planning", "Processing"
COMPLETE, COMPLETE_PARTIALLED = "Complete", "CompletePartialled"
CANCELLED, UNFULFILLABLE, INVALID, NEW = "Cancelled", "Unfulfillable", "Invalid", "New"
# After these Amazon changes nothing more: the status is no longer read.
FINAL_STATUSES = (COMPLETE, COMPLETE_PARTIALLED, CANCELLED, UNFULFILLABLE, INVALID)
# Amazon's own words: "The seller can cancel a fulfillment order that has a status of Received /
# Planning" (and New, before validation); from Processing on it cannot.
CANCELLABLE_STATUSES = (NEW, RECEIVED, PLANNING)
# Statuses in which Amazon ships nothing of the order at all: the Sales Order needs a person.
REFUSED_STATUSES = (UNFULFILLABLE, INVALID)


@dataclass(frozen=True)
class FulfilmentAddress:
	name: str
	line1: str
	postal_code: str
	country_code: str
	line2: str = ""
	line3: str = ""
	city: str = ""
	district: str = ""
	state: str = ""
	phone: str = ""


@dataclass(frozen=True)
class FulfilmentLine:
	sku: str  # the seller SKU of the item in Amazon's fulfilment network
	line_id: str  # sellerFulfillmentOrderItemId: the Sales Order row, so shipments map back to it
	quantity: int
	item_code: str = ""


@dataclass(frozen=True)
class FulfilmentOrderDraft:
	"""What Amazon is asked to ship, made from one Sales Order (`source` names it in messages)."""

	source: str
	seller_fulfillment_order_id: str
	displayable_order_id: str
	displayable_order_date: datetime
	displayable_order_comment: str
	shipping_speed: str
	address: FulfilmentAddress
	lines: tuple[FulfilmentLine, ...]
	marketplace_id: str = ""
	notification_emails: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fee:
	name: str  # Amazon's fee name: FBAPerUnitFulfillmentFee, FBAPerOrderFulfillmentFee, ...
	amount: Decimal
	currency: str


@dataclass(frozen=True)
class UnfulfillableItem:
	sku: str
	line_id: str
	quantity: int
	reasons: tuple[str, ...] = ()  # Amazon's codes, e.g. InvalidSKU, InventoryUnavailable


@dataclass
class FulfilmentPreview:
	"""One shipping speed of a getFulfillmentPreview answer."""

	shipping_speed: str
	fulfillable: bool
	fees: list[Fee] = field(default_factory=list)
	earliest_ship: datetime | None = None
	latest_ship: datetime | None = None
	earliest_arrival: datetime | None = None
	latest_arrival: datetime | None = None
	unfulfillable: list[UnfulfillableItem] = field(default_factory=list)
	order_reasons: tuple[str, ...] = ()  # Amazon's codes, e.g. InvalidDestinationAddress

	def total_fees(self) -> dict[str, Decimal]:
		"""Amazon's estimated fees per currency (an answer never mixes currencies in practice)."""
		totals: dict[str, Decimal] = {}
		for fee in self.fees:
			totals[fee.currency] = totals.get(fee.currency, Decimal(0)) + fee.amount
		return totals


@dataclass(frozen=True)
class TrackedPackage:
	number: int
	carrier: str
	tracking_number: str  # the carrier's number, else Amazon's own tracking number; "" when neither


@dataclass
class FulfilmentShipment:
	amazon_shipment_id: str
	status: str  # PENDING, SHIPPED, CANCELLED_BY_FULFILLER, CANCELLED_BY_SELLER
	shipped_on: datetime | None
	quantities: dict[str, int]  # line id -> units in this shipment
	packages: list[TrackedPackage] = field(default_factory=list)

	@property
	def shipped(self) -> bool:
		return self.status == "SHIPPED"

	def tracking_text(self) -> str:
		"""One line per package: "<carrier> <tracking number>"."""
		return "\n".join(
			f"{p.carrier} {p.tracking_number}".strip()
			for p in self.packages
			if p.carrier or p.tracking_number
		)


@dataclass
class FulfilmentState:
	"""A fulfilment order as Amazon reports it now."""

	seller_fulfillment_order_id: str
	status: str
	status_updated: datetime | None
	shipments: list[FulfilmentShipment] = field(default_factory=list)
	unfulfillable: list[UnfulfillableItem] = field(default_factory=list)
	cancelled: dict[str, int] = field(default_factory=dict)  # line id -> units cancelled
	message: str = ""  # what a person should know (a refusal, units Amazon could not ship)

	@property
	def final(self) -> bool:
		return self.status in FINAL_STATUSES

	@property
	def refused(self) -> bool:
		return self.status in REFUSED_STATUSES
