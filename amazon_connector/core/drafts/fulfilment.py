"""Multi-Channel Fulfillment records: an order of another channel that Amazon is asked to ship from
the seller's FBA stock, and what Amazon says about it (a preview, the order's status, its shipments).

Plain records, no Amazon shapes: `core.mapping.fulfilment` turns a draft into Amazon's request
bodies and Amazon's answers into these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

# Amazon's ShippingSpeedCategory values a seller picks from (ScheduledDelivery needs delivery windows
# that only some marketplaces offer, so it is not offered).
SHIPPING_SPEEDS = ("Standard", "Expedited", "Priority")
# Amazon's model: "Hold is not a valid fulfillmentAction value when the shippingSpeedCategory value is
# ScheduledDelivery".
SCHEDULED_DELIVERY = "ScheduledDelivery"

# Amazon's FulfillmentAction values: Ship now, or put an order hold on it (Amazon validates the order
# and reserves its units, and ships nothing until an update says Ship).
SHIP, HOLD = "Ship", "Hold"
# Amazon's model (FulfillmentPolicy): "Hold orders are automatically canceled after 14 days".
HOLD_DAYS = 14

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
# updateFulfillmentOrder: Amazon describes it for an order with an order hold on it, and nothing of an
# order can change once picking has begun (Processing); the connector asks only before that and
# shows Amazon's refusal when Amazon will not take the change.
UPDATABLE_STATUSES = (NEW, RECEIVED, PLANNING)
# An order whose units have left can be returned (createFulfillmentReturn), for what Amazon shipped.
RETURNABLE_STATUSES = (COMPLETE, COMPLETE_PARTIALLED)
# FulfillmentReturnItemStatus: New until the fulfilment centre has processed the unit, then Processed.
RETURN_NEW, RETURN_PROCESSED = "New", "Processed"
# ReturnItemDisposition: only Sellable units are fulfillable again (the FBA warehouse holds those).
SELLABLE = "Sellable"


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
	hold: bool = False  # sent with an order hold on it (fulfillmentAction Hold), released later


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


@dataclass(frozen=True)
class OrderedLine:
	"""A line of the fulfilment order as Amazon holds it: what it was asked for and what it gave up."""

	sku: str
	quantity: int
	cancelled: int = 0

	@property
	def wanted(self) -> int:
		"""Units Amazon is still to ship (or shipped) on this line."""
		return max(0, self.quantity - self.cancelled)


@dataclass(frozen=True)
class ReturnItemState:
	"""One unit of a return (Amazon's ReturnItem: a return is asked for, and processed, unit by unit)."""

	seller_return_item_id: str
	line_id: str
	amazon_shipment_id: str
	status: str  # New, Processed
	reason_code: str = ""  # the seller's reason
	amazon_reason_code: str = ""  # the fulfilment centre's, when it gave one
	condition: str = ""  # Sellable, Defective, CustomerDamaged, ... once Processed (may be absent)
	authorization_id: str = ""  # may be absent (the authorization comes later)
	status_changed: datetime | None = None

	@property
	def processed(self) -> bool:
		return self.status == RETURN_PROCESSED

	@property
	def sellable(self) -> bool:
		return self.condition == SELLABLE


@dataclass(frozen=True)
class ReturnAuthorization:
	"""Where the buyer sends the units: Amazon's RMA, its label page and the fulfilment centre."""

	authorization_id: str
	amazon_rma_id: str
	rma_page_url: str
	fulfillment_center_id: str
	address: str  # one line

	def text(self) -> str:
		return f"RMA {self.amazon_rma_id}: send to {self.address} (label: {self.rma_page_url})"


@dataclass(frozen=True)
class InvalidReturnItem:
	seller_return_item_id: str
	line_id: str
	code: str  # InvalidValues, DuplicateRequest, NoCompletedShipItems, NoReturnableQuantity
	description: str


@dataclass(frozen=True)
class ReturnReason:
	code: str
	description: str


@dataclass(frozen=True)
class ReturnLine:
	"""Units of one shipped line that the buyer sends back, with the seller's reason."""

	line_id: str
	amazon_shipment_id: str
	units: int
	reason_code: str
	comment: str = ""


@dataclass
class ReturnResult:
	"""Amazon's answer to createFulfillmentReturn."""

	accepted: list[ReturnItemState] = field(default_factory=list)
	invalid: list[InvalidReturnItem] = field(default_factory=list)
	authorizations: list[ReturnAuthorization] = field(default_factory=list)


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
	# What Amazon holds of the order (an update compares the Sales Order with these).
	shipping_speed: str = ""
	address: FulfilmentAddress | None = None
	lines: dict[str, OrderedLine] = field(default_factory=dict)  # line id -> the line at Amazon
	returns: list[ReturnItemState] = field(default_factory=list)
	authorizations: list[ReturnAuthorization] = field(default_factory=list)
	action: str = ""  # Amazon's fulfillmentAction (Ship, Hold); optional in the model
	received: datetime | None = None  # when Amazon received the order

	@property
	def final(self) -> bool:
		return self.status in FINAL_STATUSES

	@property
	def refused(self) -> bool:
		return self.status in REFUSED_STATUSES

	@property
	def held(self) -> bool:
		"""Amazon keeps the order on hold: validated (or about to be), its units reserved, nothing
		shipping until it is released. An order Amazon ended is not held, whatever its action says."""
		return self.action == HOLD and self.status in UPDATABLE_STATUSES

	@property
	def hold_ends(self) -> datetime | None:
		"""When Amazon cancels the order if it is still on hold (14 days after receiving it)."""
		if not self.held or self.received is None:
			return None
		return self.received + timedelta(days=HOLD_DAYS)

	@property
	def returns_open(self) -> bool:
		"""Units asked back that Amazon has not processed yet."""
		return any(not r.processed for r in self.returns)


@dataclass(frozen=True)
class FulfilmentChange:
	"""What an update asks of Amazon: only what differs from the order Amazon holds."""

	seller_fulfillment_order_id: str
	shipping_speed: str = ""  # the new speed, "" when unchanged
	address: FulfilmentAddress | None = None  # the new address, None when unchanged
	quantities: dict[str, int] = field(default_factory=dict)  # line id -> new units (0: line given up)
	skus: dict[str, str] = field(default_factory=dict)  # line id -> its SKU (sent with the line)
	release: bool = False  # the order on hold is released: fulfillmentAction Ship

	@property
	def empty(self) -> bool:
		return not self.release and not self.shipping_speed and self.address is None and not self.quantities

	def describe(self) -> str:
		parts = ["released to ship"] if self.release else []
		if self.shipping_speed:
			parts.append(f"shipping speed {self.shipping_speed}")
		if self.address is not None:
			parts.append(f"address {self.address.name}, {self.address.line1}, {self.address.postal_code}")
		for line_id, units in sorted(self.quantities.items()):
			sku = self.skus.get(line_id) or line_id
			parts.append(
				f"{sku}: {units} unit{'s' if units != 1 else ''}" if units else f"{sku}: line given up"
			)
		return "; ".join(parts)
