"""Amazon listings (report rows, catalog items, listings items) -> ItemDrafts ERPNext accepts.

Limits applied here are ERPNext v15's: Item name and code are 140-character Data fields, a
document name (item code, brand) may not contain "<" or ">", the description is HTML (Text
Editor), barcodes must pass the Item Barcode checks (see barcodes.py).
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import replace

from ..drafts import BarcodeDraft, ItemDraft
from ..money import money_of, round_money
from ..settings import (
	ITEM_CODE_FROM_ASIN,
	ITEM_CODE_FROM_FIELD,
	ITEM_CODE_FROM_SKU,
	MarketplaceConfig,
	SyncSettings,
)
from . import catalog
from .barcodes import BarcodeError, classify, is_barcode_type
from .listings_report import ListingRow, is_asin, normalize_fulfillment_channel

NAME_LENGTH = 140  # ERPNext Data fields (item_name, item_code, Brand name)
_FORBIDDEN_IN_NAMES = re.compile(r"[<>]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u2028\u2029\ufeff]")
_HTML_TAG = re.compile(
	r"</?(p|br|b|i|u|ul|ol|li|div|span|strong|em|h[1-6]|table|tr|td)\b[^>]*>", re.IGNORECASE
)


class ListingMappingError(ValueError):
	"""A listing that cannot become an Item; the message names the SKU."""

	def __init__(self, sku: str, message: str):
		super().__init__(f"SKU {sku or '(none)'}: {message}")
		self.sku = sku
		self.reason = message


# -- text ------------------------------------------------------------------------------------


def clean_text(value: str) -> str:
	"""One line of text: NFC, no control or invisible characters, single spaces."""
	text = unicodedata.normalize("NFC", value or "")
	text = _CONTROL.sub(" ", text)
	return re.sub(r"\s+", " ", text).strip()


def shorten(text: str, limit: int = NAME_LENGTH) -> str:
	"""Cut at a word boundary when one is near the end, and mark the cut with an ellipsis."""
	if len(text) <= limit:
		return text
	cut = text[: limit - 1]
	space = cut.rfind(" ")
	if space >= limit * 0.7:
		cut = cut[:space]
	return cut.rstrip(" ,;:-|/") + "…"


def item_name_of(sku: str, title: str) -> str:
	name = clean_text(title)
	if "\ufffd" in name:
		# Replacement characters mean the report was decoded in the wrong charset; storing them
		# would put garbage in the Item that later syncs would never repair.
		raise ListingMappingError(sku, f"the title {title[:60]!r} is not readable text (wrong charset?)")
	if not name:
		if title and title.strip():
			raise ListingMappingError(sku, f"the title {title[:60]!r} has no printable characters")
		return sku  # ERPNext does the same when an Item has no name
	return shorten(name)


def description_html(text: str) -> str:
	"""The report's description as HTML: kept when it already is HTML, escaped otherwise."""
	text = (text or "").replace("\x00", "").strip()
	if not text:
		return ""
	if _HTML_TAG.search(text):
		return text
	return html.escape(text, quote=False).replace("\r\n", "\n").replace("\n", "<br>")


def brand_name(value: str) -> str:
	"""A Brand record's name: no "<" or ">" (not allowed in names), within 140 characters."""
	return shorten(clean_text(_FORBIDDEN_IN_NAMES.sub("", value or "")))


def item_code_for(sku: str, asin: str, policy: str) -> str:
	"""The item code a new Item gets under the settings' code policy."""
	if policy == ITEM_CODE_FROM_ASIN:
		code = asin or sku  # a listing Amazon has not given an ASIN yet keeps its SKU
	elif policy in (ITEM_CODE_FROM_SKU, ITEM_CODE_FROM_FIELD, "", None):
		code = sku
	else:
		raise ValueError(f"Unknown item code policy {policy!r}")
	if _FORBIDDEN_IN_NAMES.search(code):
		raise ListingMappingError(
			sku, f"item code {code!r} contains '<' or '>', which ERPNext does not allow"
		)
	if _CONTROL.search(code) or "\t" in code or "\n" in code:
		raise ListingMappingError(sku, f"item code {code!r} contains control characters")
	if len(code) > NAME_LENGTH:
		raise ListingMappingError(sku, f"item code is longer than {NAME_LENGTH} characters")
	return code


# -- barcodes ----------------------------------------------------------------------------------


def barcodes_of(
	row: ListingRow, catalog_item: dict | None, marketplace_id: str, warnings: list[str]
) -> list[BarcodeDraft]:
	"""Barcodes from the report's product-id (the seller's own data: wrong means a bad row) and the
	catalog's identifiers (Amazon's data: a malformed one is left out with a warning)."""
	found: dict[str, BarcodeDraft] = {}
	if row.product_id and row.product_id_type not in ("ASIN", "") and is_barcode_type(row.product_id_type):
		try:
			barcode = classify(row.product_id, row.product_id_type)
		except BarcodeError as exc:
			raise ListingMappingError(row.sku, f"product-id ({row.product_id_type}): {exc}") from exc
		found[barcode.code] = barcode
	for identifier_type, value in catalog.identifiers(catalog_item, marketplace_id):
		if not is_barcode_type(identifier_type):
			continue
		try:
			barcode = classify(value, identifier_type)
		except BarcodeError as exc:
			warnings.append(f"SKU {row.sku}: catalog {identifier_type} left out: {exc}")
			continue
		found.setdefault(barcode.code, barcode)
	return list(found.values())


# -- drafts ----------------------------------------------------------------------------------


def lost_to_charset(report_text: str, catalog_text: str) -> bool:
	"""Whether the listings report's text is the catalogue's with characters lost to its charset.

	The report comes in a legacy charset (Cp1252 in Europe and America), and Amazon writes each
	character the charset lacks as "?": "Złota Łyżka" arrives as "Z?ota ?y?ka". The catalogue's
	JSON is Unicode. Same length, and every difference a "?" in the report where the catalogue has a
	character beyond ASCII (every legacy charset holds ASCII): the catalogue's text is the true one."""
	report_text, catalog_text = (report_text or "").strip(), (catalog_text or "").strip()
	if "?" not in report_text or len(report_text) != len(catalog_text) or report_text == catalog_text:
		return False
	return all(a == b or (a == "?" and ord(b) > 127) for a, b in zip(report_text, catalog_text, strict=True))


def report_or_catalog_name(report_name: str, catalog_name: str) -> str:
	"""The seller's own title from the report wins (it is what they wrote), unless its charset lost
	characters the catalogue still has; without a report title, the catalogue's."""
	if not report_name:
		return catalog_name
	return catalog_name if lost_to_charset(report_name, catalog_name) else report_name


def build_item_draft(
	row: ListingRow,
	catalog_item: dict | None,
	marketplace: MarketplaceConfig,
	settings: SyncSettings,
	*,
	warnings: list[str] | None = None,
) -> ItemDraft:
	"""One listing as an ItemDraft. Raises ListingMappingError (naming the SKU) for a listing that
	cannot become a valid Item; appends to `warnings` what was left out of an otherwise good one."""
	warnings = warnings if warnings is not None else []
	sku = (row.sku or "").strip()
	if not sku:
		raise ListingMappingError("", f"line {row.line} has no SKU")
	mkt = marketplace.marketplace_id
	asin = (row.asin or (catalog_item or {}).get("asin") or "").strip().upper()
	if asin and not is_asin(asin):
		warnings.append(f"SKU {sku}: {asin!r} is not an ASIN; left out")
		asin = ""

	policy = settings.item_code_policy or ITEM_CODE_FROM_SKU
	item_code = item_code_for(sku, asin, policy)
	match_field = ""
	if policy == ITEM_CODE_FROM_FIELD:
		match_field = settings.item_code_field.strip()
		if not match_field:
			raise ValueError("The item code policy 'Item Field' needs the Item field to match on")

	title = report_or_catalog_name(row.item_name, catalog.item_name(catalog_item, mkt))
	item_name = item_name_of(sku, title)
	description = (
		description_html(row.description) or html.escape(clean_text(title), quote=False) or item_name
	)

	price = row.price
	currency = (marketplace.currency or "").upper()
	if price is not None and currency:
		price = round_money(price, currency)

	return ItemDraft(
		sku=sku,
		marketplace_id=mkt,
		item_code=item_code,
		item_name=item_name,
		asin=asin,
		description=description,
		brand=brand_name(catalog.brand(catalog_item, mkt)),
		image_url=catalog.main_image(catalog_item, mkt) or (row.image_url or "").strip(),
		product_type=catalog.product_type(catalog_item, mkt),
		classification=catalog.classification(catalog_item, mkt),
		barcodes=barcodes_of(row, catalog_item, mkt, warnings),
		price=price,
		currency=currency,
		price_list=marketplace.price_list,
		listing_status=row.status,
		fulfillment_channel=row.fulfillment_channel,
		listing_id=row.listing_id,
		parent_asin=catalog.parent_asin(catalog_item, mkt),
		item_group=settings.item_group,
		is_stock_item=settings.is_stock_item,
		uom=settings.stock_uom or "Nos",
		match_item_field=match_field,
	)


def with_item_fields_of(draft: ItemDraft, primary: ItemDraft) -> ItemDraft:
	"""`draft`'s listing (marketplace, price, status, ...) with `primary`'s Item content, so that a
	SKU sold in several marketplaces gets one Item whose content does not flip between them."""
	return replace(
		draft, **primary.item_fields(), item_code=primary.item_code, match_item_field=primary.match_item_field
	)


# -- Listings Items 2021-08-01 (getListingsItem) ---------------------------------------------


def _for_marketplace(entries, marketplace_id: str, key: str = "marketplaceId") -> dict:
	entries = [e for e in entries or [] if isinstance(e, dict)]
	return next((e for e in entries if e.get(key) == marketplace_id), entries[0] if len(entries) == 1 else {})


def _attribute(attributes: dict, name: str, marketplace_id: str) -> list[dict]:
	values = [v for v in (attributes or {}).get(name) or [] if isinstance(v, dict)]
	mine = [v for v in values if v.get("marketplace_id") in (marketplace_id, None)]
	return mine or values


def listing_row_from_listings_item(item: dict, marketplace: MarketplaceConfig) -> ListingRow:
	"""A getListingsItem answer (summaries, attributes, offers, fulfillmentAvailability) read as a
	report row, for SKUs met on orders before any listings report listed them."""
	mkt = marketplace.marketplace_id
	sku = (item.get("sku") or "").strip()
	summary = _for_marketplace(item.get("summaries"), mkt)
	attributes = item.get("attributes") or {}
	offers = [o for o in item.get("offers") or [] if isinstance(o, dict) and o.get("marketplaceId") == mkt]
	offer = next((o for o in offers if o.get("offerType") == "B2C"), offers[0] if offers else None)
	price = None
	offered = money_of(offer.get("price")) if offer else None
	if offered:
		amount, currency = offered
		price = round_money(amount, currency) if currency else amount
	statuses = summary.get("status") or []
	channel = ""
	for availability in item.get("fulfillmentAvailability") or []:
		channel = normalize_fulfillment_channel(availability.get("fulfillmentChannelCode") or "")
		if channel:
			break
	title = summary.get("itemName") or next(
		(v.get("value") for v in _attribute(attributes, "item_name", mkt) if v.get("value")), ""
	)
	description = next(
		(v.get("value") for v in _attribute(attributes, "product_description", mkt) if v.get("value")), ""
	)
	identifier = next(
		(v for v in _attribute(attributes, "externally_assigned_product_identifier", mkt) if v.get("value")),
		None,
	)
	return ListingRow(
		line=0,
		sku=sku,
		asin=(summary.get("asin") or "").upper(),
		item_name=title or "",
		description=description or "",
		price=price,
		product_id=(identifier or {}).get("value", ""),
		product_id_type=((identifier or {}).get("type") or "").upper(),
		fulfillment_channel=channel,
		status="Active" if "BUYABLE" in statuses else ("Inactive" if summary else ""),
		item_condition=summary.get("conditionType") or "",
		image_url=(summary.get("mainImage") or {}).get("link", ""),
	)


def catalog_from_listings_item(item: dict, marketplace_id: str) -> dict:
	"""The parts of a Catalog Items `Item` a getListingsItem answer can stand in for (brand,
	product type, main image), for when the catalog has nothing on the ASIN."""
	summary = _for_marketplace(item.get("summaries"), marketplace_id)
	attributes = item.get("attributes") or {}
	result: dict = {"asin": summary.get("asin") or ""}
	brand = next(
		(v.get("value") for v in _attribute(attributes, "brand", marketplace_id) if v.get("value")), ""
	)
	result["summaries"] = [
		{"marketplaceId": marketplace_id, "brand": brand, "itemName": summary.get("itemName", "")}
	]
	if summary.get("productType"):
		result["productTypes"] = [{"marketplaceId": marketplace_id, "productType": summary["productType"]}]
	image = summary.get("mainImage") or {}
	if image.get("link"):
		result["images"] = [
			{
				"marketplaceId": marketplace_id,
				"images": [
					{
						"variant": "MAIN",
						"link": image["link"],
						"height": image.get("height") or 0,
						"width": image.get("width") or 0,
					}
				],
			}
		]
	return result
