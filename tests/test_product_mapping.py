"""Listings and catalog items -> ItemDrafts, on Amazon's own examples and Amazon-shaped fixtures."""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from decimal import Decimal

import jsonschema
import pytest

from amazon_connector.core.drafts import BarcodeDraft, ItemDraft
from amazon_connector.core.drafts.items import CONTROL_FIELDS, LISTING_FIELDS
from amazon_connector.core.mapping import catalog
from amazon_connector.core.mapping.listings_report import ListingRow
from amazon_connector.core.mapping.products import (
	ITEM_CODE_FROM_FIELD,
	ListingMappingError,
	build_item_draft,
	catalog_from_listings_item,
	listing_row_from_listings_item,
	report_or_catalog_name,
	with_item_fields_of,
)
from amazon_connector.core.settings import ITEM_CODE_FROM_ASIN, MarketplaceConfig, SyncSettings

US = MarketplaceConfig("ATVPDKIKX0DER", "US", "USD", "Amazon US")
CA = MarketplaceConfig("A2EUQ1WTGCTBG2", "CA", "CAD", "Amazon CA")
JP = MarketplaceConfig("A1VC38T7YXB528", "JP", "JPY", "Amazon JP")


def settings(**overrides) -> SyncSettings:
	values = dict(account_key="Test Seller", after_date=date(2024, 1, 1), marketplaces=(US, CA, JP))
	values.update(overrides)
	return SyncSettings(**values)


def sandbox_example(model: dict, path: str, operation: str = "get") -> dict:
	return model["paths"][path][operation]["responses"]["200"]["x-amzn-api-sandbox"]["static"][0]["response"]


def schema_validator(model: dict, definition: str):
	"""A validator for one of the model's definitions, resolving its #/definitions references."""
	schema = {"$ref": f"#/definitions/{definition}", "definitions": model["definitions"]}
	return jsonschema.Draft4Validator(schema)


@pytest.fixture(scope="module")
def catalog_model(load_model):
	return load_model("catalog-items-2022-04-01.json")


@pytest.fixture(scope="module")
def samsung(catalog_model):
	return sandbox_example(catalog_model, "/catalog/2022-04-01/items/{asin}")


def item(asin: str, marketplace_id: str = US.marketplace_id, **datasets) -> dict:
	"""A hand-written Catalog Items 2022-04-01 Item."""
	result = {"asin": asin}
	for dataset, entry in datasets.items():
		key = {"summaries": None, "identifiers": "identifiers", "images": "images", "relationships": "relationships",
			"classifications": "classifications"}.get(dataset)  # fmt: skip
		if dataset == "productTypes":
			result[dataset] = [{"marketplaceId": marketplace_id, "productType": entry}]
		elif key is None:
			result[dataset] = [{"marketplaceId": marketplace_id, **entry}]
		else:
			result[dataset] = [{"marketplaceId": marketplace_id, key: entry}]
	return result


BOOK = item(
	"0306406152",
	summaries={"itemName": "Spacetime Physics", "brand": "W. H. Freeman", "itemClassification": "BASE_PRODUCT"},
	identifiers=[{"identifierType": "ISBN", "identifier": "0306406152"}, {"identifierType": "EAN", "identifier": "9780306406157"}],
	productTypes="ABIS_BOOK",
	classifications=[{"displayName": "Physics", "classificationId": "14545", "parent": {"displayName": "Science", "classificationId": "75"}}],
	images=[{"variant": "PT01", "link": "https://m.media-amazon.com/images/I/back.jpg", "height": 2000, "width": 2000},
		{"variant": "MAIN", "link": "https://m.media-amazon.com/images/I/small.jpg", "height": 500, "width": 400},
		{"variant": "MAIN", "link": "https://m.media-amazon.com/images/I/large.jpg", "height": 1500, "width": 1200}],
)  # fmt: skip
PARENT = item(
	"B0PARENT01",
	summaries={"itemName": "T-shirt (all sizes)", "brand": "Acme", "itemClassification": "VARIATION_PARENT"},
	relationships=[{"type": "VARIATION", "childAsins": ["B0CHILD001", "B0CHILD002"],
		"variationTheme": {"attributes": ["size"], "theme": "SIZE_NAME"}}],
)  # fmt: skip
CHILD = item(
	"B0CHILD001",
	summaries={"itemName": "T-shirt, size M", "brand": "Acme <Apparel>", "itemClassification": "BASE_PRODUCT", "size": "M"},
	relationships=[{"type": "VARIATION", "parentAsins": ["B0PARENT01"]}],
	identifiers=[{"identifierType": "UPC", "identifier": "036000291452"}, {"identifierType": "GTIN", "identifier": "12345"}],
)  # fmt: skip
JAPANESE = item(
	"B07JPTEST1",
	JP.marketplace_id,
	summaries={"itemName": "ステンレス製 水筒 500ml", "brand": "サーモス"},
	identifiers=[{"identifierType": "JAN", "identifier": "4562344350013"}],
)


@pytest.mark.parametrize("fixture", [BOOK, PARENT, CHILD, JAPANESE])
def test_hand_written_fixtures_follow_the_model(catalog_model, fixture):
	schema_validator(catalog_model, "Item").validate(fixture)


def test_model_example_is_valid_against_its_own_schema(catalog_model, samsung):
	schema_validator(catalog_model, "Item").validate(samsung)


def row(sku="SKU-1", asin="", **values) -> ListingRow:
	return ListingRow(line=2, sku=sku, asin=asin, **values)


def test_model_example_catalog_item(samsung):
	listing = row("QN82-TV", "B07N4M94X4", price=Decimal("1299.99"), status="Active", fulfillment_channel="MERCHANT",
		listing_id="0101X")  # fmt: skip
	draft = build_item_draft(listing, samsung, US, settings())
	assert draft.item_code == "QN82-TV" and draft.asin == "B07N4M94X4"
	assert draft.item_name == samsung["summaries"][0]["itemName"]
	assert draft.brand == "SAMSUNG"
	assert draft.image_url == "https://m.media-amazon.com/images/I/91uohwV+k3L.jpg"  # the largest MAIN image
	assert (draft.product_type, draft.classification) == ("TELEVISION", "QLED TVs")
	assert draft.parent_asin == "B08J7TQ9FL"
	# EAN, GTIN (the same number) and UPC: two barcodes
	assert draft.barcodes == [BarcodeDraft("0887276302195", "EAN"), BarcodeDraft("887276302195", "UPC-A")]
	assert (draft.price, draft.currency, draft.price_list) == (Decimal("1299.99"), "USD", "Amazon US")
	assert (draft.listing_status, draft.fulfillment_channel, draft.listing_id) == (
		"Active",
		"MERCHANT",
		"0101X",
	)
	assert "Samsung QN82Q60RAFXZA" in draft.description


def test_model_search_example_is_not_a_variation_parent(catalog_model):
	found = sandbox_example(catalog_model, "/catalog/2022-04-01/items")["items"][0]
	assert not catalog.is_variation_parent(found, US.marketplace_id)
	assert catalog.is_variation_parent(PARENT, US.marketplace_id)
	assert catalog.parent_asin(CHILD, US.marketplace_id) == "B0PARENT01"


def test_book_isbns_image_and_classification():
	draft = build_item_draft(row("BOOK-1", "0306406152"), BOOK, US, settings())
	assert draft.barcodes == [BarcodeDraft("0306406152", "ISBN-10"), BarcodeDraft("9780306406157", "EAN")]
	assert draft.image_url.endswith("/large.jpg")
	assert draft.classification == "Physics" and draft.product_type == "ABIS_BOOK"
	assert draft.asin == "0306406152"


def test_variation_child_keeps_good_barcodes_drops_bad_ones_with_a_warning():
	warnings: list[str] = []
	draft = build_item_draft(row("TS-M", "B0CHILD001"), CHILD, US, settings(), warnings=warnings)
	assert draft.barcodes == [BarcodeDraft("036000291452", "UPC-A")]
	assert draft.brand == "Acme Apparel"  # "<" and ">" are not allowed in a Brand's name
	assert draft.parent_asin == "B0PARENT01"
	assert len(warnings) == 1 and "TS-M" in warnings[0] and "GTIN" in warnings[0]


def test_japanese_item_and_yen_price():
	draft = build_item_draft(row("JP-1", "B07JPTEST1", price=Decimal("1980")), JAPANESE, JP, settings())
	assert (draft.item_name, draft.brand) == ("ステンレス製 水筒 500ml", "サーモス")
	assert draft.barcodes == [BarcodeDraft("4562344350013", "EAN")]
	assert (draft.price, draft.currency) == (Decimal("1980"), "JPY")


def test_report_title_wins_and_long_titles_fit_erpnext():
	title = "Deluxe " + " ".join(["stainless steel water bottle"] * 10)
	draft = build_item_draft(row("LONG-1", item_name=title), None, US, settings())
	assert len(draft.item_name) <= 140
	assert draft.item_name.endswith("…") and draft.item_name.startswith("Deluxe stainless")
	assert draft.description == title  # the full title is kept in the description


POLISH_PUZZLE = item("B0PUZZLE01", summaries={"itemName": "Złota Łyżka Wooden Puzzle Set", "brand": "Drewno"})


def test_a_report_title_that_lost_letters_to_its_charset_takes_the_catalogues_name():
	lossy = "Złota Łyżka Wooden Puzzle Set".encode("cp1252", errors="replace").decode("cp1252")
	assert lossy == "Z?ota ?y?ka Wooden Puzzle Set"  # what a Cp1252 report holds
	draft = build_item_draft(row("PUZ-1", "B0PUZZLE01", item_name=lossy), POLISH_PUZZLE, US, settings())
	assert draft.item_name == "Złota Łyżka Wooden Puzzle Set"
	assert draft.description == "Złota Łyżka Wooden Puzzle Set"


@pytest.mark.parametrize(
	("report_title", "catalog_title", "expected"),
	[
		("Why? Because Puzzle", "Why? Because Puzzle", "Why? Because Puzzle"),  # a real question mark
		("Puzzle, 100 pieces?", "Puzzle, 100 pieces!", "Puzzle, 100 pieces?"),  # "?" for a character it has
		("My own title?", "Złota Łyżka Wooden Puzzle Set", "My own title?"),  # the seller's own title wins
		("Z?ota ?y?ka", "Złota Łyżka Wooden Puzzle Set", "Z?ota ?y?ka"),  # not the same text
		("", "Złota Łyżka", "Złota Łyżka"),
	],
)
def test_only_charset_losses_give_way_to_the_catalogue(report_title, catalog_title, expected):
	assert report_or_catalog_name(report_title, catalog_title) == expected


def test_no_catalog_item_uses_the_report_alone():
	listing = row("PLAIN-1", "B000000001", item_name="Plain mug", image_url="https://example.com/mug.jpg",
		product_id="036000291452", product_id_type="UPC", description="Holds <b>hot</b> drinks")  # fmt: skip
	draft = build_item_draft(listing, None, US, settings())
	assert (draft.item_name, draft.brand, draft.image_url) == ("Plain mug", "", "https://example.com/mug.jpg")
	assert draft.barcodes == [BarcodeDraft("036000291452", "UPC-A")]
	assert draft.description == "Holds <b>hot</b> drinks"


def test_plain_text_description_is_escaped():
	draft = build_item_draft(
		row("D-1", item_name="Ruler", description="length < 30 cm\nwood & steel"), None, US, settings()
	)
	assert draft.description == "length &lt; 30 cm<br>wood &amp; steel"


def test_item_code_policies():
	listing = row("SKU-9", "B0CHILD001")
	assert build_item_draft(listing, None, US, settings()).item_code == "SKU-9"
	assert (
		build_item_draft(listing, None, US, settings(item_code_policy=ITEM_CODE_FROM_ASIN)).item_code
		== "B0CHILD001"
	)
	no_asin = row("SKU-10")
	assert (
		build_item_draft(no_asin, None, US, settings(item_code_policy=ITEM_CODE_FROM_ASIN)).item_code
		== "SKU-10"
	)
	by_field = settings(item_code_policy=ITEM_CODE_FROM_FIELD, item_code_field="amazon_sku")
	draft = build_item_draft(listing, None, US, by_field)
	assert (draft.item_code, draft.match_item_field) == ("SKU-9", "amazon_sku")
	with pytest.raises(ValueError, match="policy"):
		build_item_draft(listing, None, US, settings(item_code_policy="Random"))


def test_settings_for_item_group_and_stock():
	custom = settings(item_group="Amazon Products", is_stock_item=False, stock_uom="Unit")
	draft = build_item_draft(row("G-1"), None, US, custom)
	assert (draft.item_group, draft.is_stock_item, draft.uom) == ("Amazon Products", False, "Unit")


@pytest.mark.parametrize(
	"listing, fragment",
	[
		(row("BAD<SKU>"), "'<' or '>'"),
		(row("TAB\tSKU"), "control characters"),
		(row("X" * 141), "longer than 140"),
		(row("MOJIBAKE-1", item_name="Caf\ufffd cr\ufffdme"), "wrong charset"),
		(row("INVISIBLE-1", item_name="\u200b\x07"), "no printable"),
		(row("BADUPC-1", product_id="036000291453", product_id_type="UPC"), "check digit"),
		(row("", item_name="No SKU"), "no SKU"),
	],
)
def test_bad_rows_raise_naming_the_sku(listing, fragment):
	with pytest.raises(ListingMappingError, match=fragment) as caught:
		build_item_draft(listing, None, US, settings())
	assert caught.value.sku == listing.sku
	if listing.sku:
		assert listing.sku[:20] in str(caught.value)


def test_item_and_listing_fields_partition_the_draft():
	names = {f.name for f in fields(ItemDraft)}
	draft = build_item_draft(row("P-1", "B000000001", price=Decimal("5")), None, US, settings())
	item_part, listing_part = draft.item_fields(), draft.listing_fields()
	assert set(item_part) | set(listing_part) | set(CONTROL_FIELDS) == names
	assert not set(item_part) & set(LISTING_FIELDS)
	assert listing_part["price"] == Decimal("5.00")


def test_other_marketplace_keeps_its_listing_and_takes_the_item_content():
	us = build_item_draft(
		row("S-1", "B07N4M94X4", price=Decimal("10"), status="Active"), BOOK, US, settings()
	)
	ca = build_item_draft(
		row("S-1", "B07N4M94X4", item_name="Other title", price=Decimal("13"), status="Inactive"),
		None,
		CA,
		settings(),
	)
	merged = with_item_fields_of(ca, us)
	assert merged.item_fields() == us.item_fields()
	assert (merged.marketplace_id, merged.price, merged.currency, merged.listing_status) == (
		CA.marketplace_id, Decimal("13.00"), "CAD", "Inactive")  # fmt: skip


@pytest.fixture(scope="module")
def listings_model(load_model):
	return load_model("listings-items-2021-08-01.json")


def test_listings_item_model_example(listings_model, catalog_model):
	example = sandbox_example(listings_model, "/listings/2021-08-01/items/{sellerId}/{sku}")
	us_row = listing_row_from_listings_item(example, US)
	assert (us_row.sku, us_row.asin, us_row.price, us_row.status) == (
		"GM-ZDPI-9B4E", "B071VG5N9D", Decimal("100.00"), "Active")  # fmt: skip
	assert us_row.fulfillment_channel == "MERCHANT"
	ca_row = listing_row_from_listings_item(example, CA)
	assert (ca_row.price, ca_row.status) == (Decimal("130.00"), "Inactive")  # no BUYABLE status in CA
	stand_in = catalog_from_listings_item(example, US.marketplace_id)
	schema_validator(catalog_model, "Item").validate(stand_in)  # the stand-in is a catalog Item
	draft = build_item_draft(us_row, stand_in, US, settings())
	assert (draft.item_name, draft.product_type) == ("Hardside Carry-On Spinner Suitcase Luggage", "LUGGAGE")
	assert draft.image_url == "https://www.example.com/luggage.png"


def test_listings_item_attributes_give_barcode_and_brand(listings_model):
	listing_item = {
		"sku": "ATTR-1",
		"summaries": [
			{
				"marketplaceId": US.marketplace_id,
				"asin": "B000000002",
				"productType": "DRINKING_CUP",
				"itemName": "Mug",
				"status": ["BUYABLE"],
				"createdDate": "2024-01-02T00:00:00Z",
				"lastUpdatedDate": "2024-02-03T00:00:00Z",
			}
		],
		"attributes": {
			"brand": [{"value": "Acme", "marketplace_id": US.marketplace_id}],
			"externally_assigned_product_identifier": [
				{"type": "ean", "value": "4006381333931", "marketplace_id": US.marketplace_id}
			],
		},
		"offers": [
			{
				"marketplaceId": US.marketplace_id,
				"offerType": "B2C",
				"price": {"currencyCode": "USD", "amount": "7.5"},
			}
		],
		"fulfillmentAvailability": [{"fulfillmentChannelCode": "AMAZON_NA", "quantity": 3}],
	}
	schema_validator(listings_model, "Item").validate(listing_item)
	listing = listing_row_from_listings_item(listing_item, US)
	draft = build_item_draft(
		listing, catalog_from_listings_item(listing_item, US.marketplace_id), US, settings()
	)
	assert (draft.brand, draft.price, draft.fulfillment_channel) == ("Acme", Decimal("7.50"), "AMAZON")
	assert draft.barcodes == [BarcodeDraft("4006381333931", "EAN")]
