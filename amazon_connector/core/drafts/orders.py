"""Drafts for orders: one SalesOrderDraft per Amazon order.

Invariants kept by the mapping (`core.mapping.orders`), to the currency's minor unit:

- every line: amount == qty * rate, and rate has the currency's minor unit (never more decimals);
- sum(line.amount) + sum(charge.amount for charges not included in the rate) == grand_total;
- grand_total == what the buyer paid Amazon for the order (Amazon's own order total).

A line Amazon priced at an amount the quantity does not divide (10.00 for 3) is split into two
lines of the same order item (2 x 3.33 and 1 x 3.34): see `SalesOrderLineDraft.key`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

# ChargeDraft.kind
SHIPPING = "shipping"
GIFT_WRAP = "gift_wrap"
DISCOUNT = "discount"
TAX = "tax"  # collected by the seller (the seller owes it to the tax authority)
FACILITATOR_TAX = "facilitator_tax"  # collected and remitted by Amazon (marketplace facilitator)
OTHER = "other"  # cash-on-delivery fee, Amazon's OTHER category, delivery tips

# Amazon fulfillment statuses of an order shipped in full (a PARTIALLY_SHIPPED order is invoiced
# part by part; see core.mapping.shipment_parts).
FULLY_SHIPPED = ("SHIPPED", "DELIVERED")

# ChargeDraft.collected_by
SELLER = "SELLER"
MARKETPLACE = "MARKETPLACE"

# ChargeDraft.tax_role: whose tax a tax row is, and so which kind of account it is booked on.
OUTPUT_VAT = "output_vat"  # VAT/GST inside the prices, owed by the seller (the seller's Output VAT)
SALES_TAX = "sales_tax"  # tax added on top of the prices, owed by the seller
FACILITATOR_VAT = "facilitator_vat"  # VAT inside the prices, collected by Amazon (deemed supplier)
FACILITATOR_SALES_TAX = "facilitator_sales_tax"  # tax on top, collected by Amazon (US states, ...)

# SalesOrderLineDraft.charges keys: the item's own gross components besides its price.
COMPONENT_SHIPPING = "SHIPPING"
COMPONENT_GIFT_WRAP = "GIFT_WRAP"
COMPONENT_COD_FEE = "COD_FEE"
COMPONENT_OTHER = "OTHER"
COMPONENT_DISCOUNT = "DISCOUNT"  # "DISCOUNT" or "DISCOUNT:<what it applies to>", negative


@dataclass
class CustomerDraft:
	key: str  # stable identity: per buyer when Amazon identifies one, else per marketplace
	customer_name: str
	email: str = ""
	company_name: str = ""
	is_business: bool = False
	is_marketplace_customer: bool = False  # the one customer standing for a marketplace's buyers
	tax_id: str = ""  # a business buyer's VAT (or other tax) registration number


@dataclass
class AddressDraft:
	key: str  # stable identity used to reuse one Address for identical deliveries
	address_line1: str = ""  # empty without a Restricted Data Token: the adapter needs a placeholder
	address_line2: str = ""
	city: str = ""
	state: str = ""
	postal_code: str = ""
	country_code: str = ""  # ISO 3166 alpha-2
	phone: str = ""
	name: str = ""
	company_name: str = ""
	county: str = ""
	address_type: str = ""  # RESIDENTIAL, COMMERCIAL, PICKUP_POINT


@dataclass
class SalesOrderLineDraft:
	order_item_id: str
	sku: str
	qty: Decimal  # quantity still ordered (ordered minus cancelled)
	rate: Decimal  # per unit, in the order currency, at the currency's minor unit
	amount: Decimal  # qty * rate, exactly
	asin: str = ""
	title: str = ""
	cancelled_qty: Decimal = Decimal(0)
	item_code: str = ""  # the ERP item, filled in by the engine from the product mapping
	# Identity of the line within the order: the order item id, or "<order item id>/2" for the
	# second part of a line split so that each part has a rate at the currency's minor unit.
	key: str = ""
	# Tax Amazon reports for this line (the part's share), whether inside the rate or added on top.
	tax: Decimal = Decimal(0)
	tax_included: bool = False
	tax_collected_by: str = SELLER
	# The line's tax rate in percent (20 for 20 %): derived from Amazon's figures, or the rate the
	# VAT was taken out at (`core.mapping.vat`); None while unknown.
	tax_rate: Decimal | None = None
	# False when Amazon's proceeds carried no TAX breakdown for the item although its price includes
	# VAT: the VAT is inside the amounts and must be taken out at the item's rate.
	tax_reported: bool = True
	# The item's own gross components besides its price (COMPONENT_* keys -> amount), on the item's
	# first line only: what VAT is taken out of, at the item's rate, when Amazon reports none.
	charges: dict[str, Decimal] = field(default_factory=dict)
	qty_shipped: Decimal = Decimal(0)
	condition: str = ""  # NEW, USED, ... as Amazon says
	promotion_ids: tuple[str, ...] = ()
	is_gift: bool = False
	gift_message: str = ""


@dataclass
class ChargeDraft:
	kind: str  # shipping, gift_wrap, discount, tax, facilitator_tax, other
	description: str
	amount: Decimal  # signed: discounts are negative
	included_in_rate: bool = False  # VAT already inside the line rates (EU/UK/JP prices)
	collected_by: str = SELLER  # SELLER or MARKETPLACE (marketplace facilitator)
	# What a tax or discount applies to, from Amazon's detailed breakdown: ITEM, SHIPPING, GIFT_WRAP,
	# COD_FEE, OTHER, DISCOUNT (the VAT inside a promotion discount); empty when Amazon gave no detail.
	applies_to: str = ""
	# Tax rows: the rate in percent (20 for 20 %), None when unknown.
	rate: Decimal | None = None
	# Tax rows: the ERP account the settings name for this tax (the marketplace's Output VAT account);
	# empty means the adapter's own account for the row's tax_role.
	account: str = ""
	# Tax rows: the amount's parts by order item id (sum == amount), for item-wise tax detail.
	per_item: dict[str, Decimal] = field(default_factory=dict)

	@property
	def is_tax(self) -> bool:
		return self.kind in (TAX, FACILITATOR_TAX)

	@property
	def tax_role(self) -> str:
		"""OUTPUT_VAT, SALES_TAX, FACILITATOR_VAT or FACILITATOR_SALES_TAX; "" for other charges."""
		if not self.is_tax:
			return ""
		if self.kind == FACILITATOR_TAX or self.collected_by == MARKETPLACE:
			return FACILITATOR_VAT if self.included_in_rate else FACILITATOR_SALES_TAX
		return OUTPUT_VAT if self.included_in_rate else SALES_TAX


@dataclass
class PackageDraft:
	"""A shipment of a merchant-fulfilled order, as Amazon records it."""

	reference: str
	status: str = ""
	carrier: str = ""
	tracking_number: str = ""
	shipping_service: str = ""
	ship_time: datetime | None = None
	items: dict[str, int] = field(default_factory=dict)  # order item id -> quantity


@dataclass
class SalesOrderDraft:
	amazon_order_id: str
	marketplace_id: str
	currency: str
	purchase_date: datetime  # timezone-aware, UTC
	last_updated: datetime  # timezone-aware, UTC
	amazon_status: str  # Amazon's fulfillment status, e.g. UNSHIPPED, SHIPPED, CANCELLED
	fulfilled_by: str  # AMAZON or MERCHANT
	customer: CustomerDraft
	lines: list[SalesOrderLineDraft]  # only lines with a quantity still ordered
	grand_total: Decimal
	charges: list[ChargeDraft] = field(default_factory=list)
	shipping_address: AddressDraft | None = None
	delivery_date: date | None = None  # promised delivery, in the settings' time zone, >= transaction_date
	is_business: bool = False
	is_prime: bool = False
	replaced_order_id: str = ""  # the order this one replaces (REPLACEMENT/EXCHANGE_ORIGINAL_ID)
	buyer_tax_id: str = ""  # the business buyer's VAT (or other tax) registration number
	buyer_po: str = ""
	is_cancelled: bool = False
	cancellation_reason: str = ""  # who cancelled on Amazon and why, when Amazon says
	# Header facts the adapter needs besides the above.
	transaction_date: date | None = None  # purchase date in the settings' time zone
	price_list: str = ""  # the marketplace's selling price list
	marketplace_name: str = ""
	seller_order_id: str = ""  # Amazon's SELLER_ORDER_ID alias, if any
	fulfillment_service_level: str = ""
	programs: tuple[str, ...] = ()
	associated_orders: dict[str, str] = field(default_factory=dict)  # order id -> association type
	# Submit on import: Amazon has accepted the order (payment authorised) and the settings say so.
	submit: bool = False
	# Lines cancelled in full: kept for the record, never lines of the Sales Order.
	cancelled_lines: list[SalesOrderLineDraft] = field(default_factory=list)
	packages: list[PackageDraft] = field(default_factory=list)
	# Human-readable facts a person may need (cancellation requested, points granted, ...).
	remarks: list[str] = field(default_factory=list)

	@property
	def po_no(self) -> str:
		"""The customer's purchase order number: the business buyer's PO, else the Amazon order id."""
		return self.buyer_po or self.amazon_order_id

	@property
	def net_total(self) -> Decimal:
		return sum((line.amount for line in self.lines), Decimal(0))

	@property
	def added_charges_total(self) -> Decimal:
		return sum((c.amount for c in self.charges if not c.included_in_rate), Decimal(0))

	@property
	def shipped_at(self) -> datetime | None:
		"""When the whole order had shipped, or None while it has not: the latest package's ship time
		(merchant orders), else Amazon's last update of the order it reports shipped (Amazon gives
		no ship time for orders it fulfils; the adapter keeps the first one it saw)."""
		if (self.amazon_status or "").upper() not in FULLY_SHIPPED:
			return None
		times = [package.ship_time for package in self.packages if package.ship_time]
		return max(times) if times else self.last_updated

	@property
	def total_qty(self) -> Decimal:
		return sum((line.qty for line in self.lines), Decimal(0))
