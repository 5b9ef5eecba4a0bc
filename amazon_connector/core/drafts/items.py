"""Drafts for products: one ItemDraft per (marketplace, SKU) listing.

A draft carries two kinds of data:
- item fields: what the ERPNext Item holds (code, name, description, brand, image, barcodes, ...),
  the same for every marketplace the SKU is sold in;
- listing fields: what belongs to the (marketplace, SKU) mapping record and to that marketplace's
  Item Price (ASIN, listing status, fulfillment channel, price, currency, price list).
An adapter compares item fields with the Item and listing fields with the mapping record and price,
so a SKU sold in several marketplaces stays one Item with one price per marketplace.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal


@dataclass(frozen=True)
class BarcodeDraft:
	code: str
	barcode_type: str  # an Item Barcode type ERPNext accepts: "UPC-A", "EAN", "ISBN-13", ...


# Fields of ItemDraft that belong to one marketplace's listing (mapping record, Item Price),
# not to the Item itself.
LISTING_FIELDS = (
	"marketplace_id",
	"asin",
	"listing_id",
	"listing_status",
	"fulfillment_channel",
	"price",
	"currency",
	"price_list",
)

# Fields that steer matching and creation but are not Item content a user edits.
CONTROL_FIELDS = ("sku", "item_code", "match_item_field", "price_update")


@dataclass
class ItemDraft:
	sku: str
	marketplace_id: str
	item_code: str  # chosen by the item code policy (SKU by default); used only when creating
	item_name: str  # within ERPNext's 140 characters
	asin: str = ""
	description: str = ""  # HTML, as ERPNext's Text Editor field keeps it
	brand: str = ""  # the adapter creates the Brand when it does not exist
	image_url: str = ""
	product_type: str = ""  # Amazon product type, e.g. LUGGAGE
	classification: str = ""  # Amazon browse classification (display name)
	barcodes: list[BarcodeDraft] = field(default_factory=list)
	price: Decimal | None = None  # None: Amazon gave no price, leave the Item Price alone
	currency: str = ""
	price_list: str = ""  # the marketplace's selling price list, from the settings
	listing_status: str = ""  # Active / Inactive / Incomplete, as the listings report says
	fulfillment_channel: str = ""  # MERCHANT or AMAZON
	listing_id: str = ""
	parent_asin: str = ""  # the variation parent, when the SKU is a variation child
	item_group: str = ""  # from the settings; empty = the adapter's default
	is_stock_item: bool = True
	uom: str = "Nos"
	# With an "Item field" code policy: the Item field that holds the SKU on Items the user already
	# has (matched on before creating).
	match_item_field: str = ""
	# False when the settings switch price updates off: a missing Item Price is still created,
	# an existing one keeps the user's rate.
	price_update: bool = True

	def item_fields(self) -> dict:
		"""The Item content of this draft: what an ERP compares with, and writes to, the Item."""
		skip = set(LISTING_FIELDS) | set(CONTROL_FIELDS)
		return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in skip}

	def listing_fields(self) -> dict:
		"""The marketplace listing of this draft: the mapping record's and the Item Price's data."""
		return {name: getattr(self, name) for name in ("sku", *LISTING_FIELDS)}
