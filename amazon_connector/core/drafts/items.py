"""Drafts for products: one ItemDraft per (marketplace, SKU) listing."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class BarcodeDraft:
	code: str
	barcode_type: str  # an Item Barcode type ERPNext accepts: "UPC-A", "EAN", "ISBN-13", ...


@dataclass
class ItemDraft:
	sku: str
	marketplace_id: str
	item_code: str  # chosen by the item code policy (SKU by default)
	item_name: str  # within ERPNext's 140 characters
	asin: str = ""
	description: str = ""
	brand: str = ""
	image_url: str = ""
	product_type: str = ""
	barcodes: list[BarcodeDraft] = field(default_factory=list)
	price: Decimal | None = None
	currency: str = ""
	listing_status: str = ""  # Active / Inactive, as the listings report says
	fulfillment_channel: str = ""  # MERCHANT or AMAZON
	parent_asin: str = ""
	is_stock_item: bool = True
	uom: str = "Nos"
