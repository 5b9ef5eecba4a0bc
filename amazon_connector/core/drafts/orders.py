"""Drafts for orders: one SalesOrderDraft per Amazon order.

Invariant kept by the mapping: sum(line.amount) + sum(charge.amount for charges not included in
the rate) == grand_total, to the currency's minor unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal


@dataclass
class CustomerDraft:
	key: str  # stable identity: per buyer when Amazon identifies one, else per marketplace
	customer_name: str
	email: str = ""
	company_name: str = ""
	is_business: bool = False


@dataclass
class AddressDraft:
	key: str  # stable identity used to reuse one Address for identical deliveries
	address_line1: str = ""
	address_line2: str = ""
	city: str = ""
	state: str = ""
	postal_code: str = ""
	country_code: str = ""  # ISO 3166 alpha-2
	phone: str = ""
	name: str = ""


@dataclass
class SalesOrderLineDraft:
	order_item_id: str
	sku: str
	qty: Decimal  # quantity still ordered (ordered minus cancelled)
	rate: Decimal  # per unit, in the order currency
	amount: Decimal  # qty * rate, rounded to the currency
	asin: str = ""
	title: str = ""
	cancelled_qty: Decimal = Decimal(0)


@dataclass
class ChargeDraft:
	kind: str  # shipping, gift_wrap, discount, tax, facilitator_tax, other
	description: str
	amount: Decimal  # signed: discounts are negative
	included_in_rate: bool = False  # VAT already inside the line rates (EU/UK/JP prices)
	collected_by: str = "SELLER"  # SELLER or MARKETPLACE (marketplace facilitator)


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
	lines: list[SalesOrderLineDraft]
	grand_total: Decimal
	charges: list[ChargeDraft] = field(default_factory=list)
	shipping_address: AddressDraft | None = None
	delivery_date: date | None = None
	is_business: bool = False
	is_prime: bool = False
	replaced_order_id: str = ""
	buyer_po: str = ""
	is_cancelled: bool = False
