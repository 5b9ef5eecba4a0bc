"""GET_MERCHANT_LISTINGS_ALL_DATA parsing: charsets, localized headers, odd rows, prices."""

from __future__ import annotations

import codecs
import gzip
from decimal import Decimal

import pytest

from amazon_connector.core.mapping.listings_report import (
	ListingsReportError,
	PriceError,
	charset_of,
	decode_report,
	english_column,
	parse_listings_report,
	parse_price,
)

# The English header of a current report (US/UK/DE with an English Seller Central).
HEADER = (
	"item-name\titem-description\tlisting-id\tseller-sku\tprice\tquantity\topen-date\timage-url\t"
	"item-is-marketplace\tproduct-id-type\tzshop-shipping-fee\titem-note\titem-condition\tzshop-category1\t"
	"zshop-browse-path\tzshop-storefront-feature\tasin1\tasin2\tasin3\twill-ship-internationally\t"
	"expedited-shipping\tzshop-boldface\tproduct-id\tbid-for-featured-placement\tadd-delete\t"
	"pending-quantity\tfulfillment-channel\tmerchant-shipping-group\tstatus"
)
COLUMNS = HEADER.split("\t")


def line(**values) -> str:
	"""One report line with the given columns (underscores for dashes), the rest empty."""
	cells = {c: "" for c in COLUMNS}
	for key, value in values.items():
		cells[key.replace("_", "-")] = value
	return "\t".join(cells[c] for c in COLUMNS)


def report(*lines: str, header: str = HEADER, newline: str = "\n") -> str:
	return newline.join((header, *lines)) + newline


def test_english_report_utf8():
	text = report(
		line(item_name="Hardside Carry-On Spinner", listing_id="0101ABC", seller_sku="GM-ZDPI-9B4E", price="100.00",
			quantity="5", open_date="2021-02-01 10:00:00 PST", product_id_type="1", asin1="B071VG5N9D",
			product_id="B071VG5N9D", fulfillment_channel="DEFAULT", status="Active", item_condition="11"),
		line(item_name="Café crème mug ☕", seller_sku="MUG-1", price="12.5", asin1="B000000001",
			fulfillment_channel="AMAZON_NA", status="Inactive"),
	)  # fmt: skip
	parsed = parse_listings_report(text.encode("utf-8"), "UTF-8", country="US", currency="USD")
	assert parsed.errors == [] and parsed.encoding == "utf-8"
	first, second = parsed.rows
	assert (first.sku, first.asin, first.price, first.quantity) == (
		"GM-ZDPI-9B4E",
		"B071VG5N9D",
		Decimal("100.00"),
		5,
	)
	assert (first.fulfillment_channel, first.status, first.product_id_type) == ("MERCHANT", "Active", "ASIN")
	assert first.line == 2 and first.listing_id == "0101ABC"
	assert second.item_name == "Café crème mug ☕"
	assert (second.price, second.fulfillment_channel, second.status) == (
		Decimal("12.50"),
		"AMAZON",
		"Inactive",
	)
	assert "zshop-boldface" in parsed.unknown_columns and "seller-sku" not in parsed.unknown_columns


def test_cp1252_accents_with_javas_charset_name():
	text = report(
		line(
			item_name="Crème brûlée Förmchen – 4 Stück €", seller_sku="DE-1", price="9,99", asin1="B0000000DE"
		)
	)
	parsed = parse_listings_report(text.encode("cp1252"), "Cp1252", country="DE", currency="EUR")
	row = parsed.rows[0]
	assert row.item_name == "Crème brûlée Förmchen – 4 Stück €"
	assert row.price == Decimal("9.99")
	assert parsed.encoding == "cp1252"


def test_cp1252_without_declared_charset_is_detected():
	text = report(line(item_name="Pâté à l'œuf", seller_sku="FR-1"))
	parsed = parse_listings_report(text.encode("cp1252"), None, country="FR")
	assert parsed.rows[0].item_name == "Pâté à l'œuf"


def test_japanese_windows_31j_with_japanese_headers():
	# A Japanese Seller Central writes the header in Japanese (and has no asin1 column in older files).
	header = "\t".join(
		["商品名", "出品ID", "出品者SKU", "価格", "数量", "出品日", "商品IDタイプ", "コンディション説明", "コンディション",
		 "国外へ配送可", "迅速な配送", "商品ID", "在庫数", "フルフィルメント・チャンネル", "merchant-shipping-group", "ステータス"]
	)  # fmt: skip
	row = "\t".join(
		["①番 ステンレス製 水筒 ㈱テスト 500ml", "0315ABCDEF", "JP-BOTTLE-1", "1,980", "7", "2019/03/15 16:22:10 JST", "1",
		 "", "11", "", "", "B07JPTEST1", "", "AMAZON_JP", "", "Active"]
	)  # fmt: skip
	content = (header + "\r\n" + row + "\r\n").encode("cp932")
	with pytest.raises(UnicodeDecodeError):
		content.decode("utf-8")  # the point of the test: not UTF-8
	parsed = parse_listings_report(content, "windows-31j", country="JP", currency="JPY")
	assert parsed.errors == []
	listing = parsed.rows[0]
	assert listing.item_name == "①番 ステンレス製 水筒 ㈱テスト 500ml"  # Microsoft's extensions survive
	assert (listing.sku, listing.asin, listing.price) == ("JP-BOTTLE-1", "B07JPTEST1", Decimal("1980"))
	assert (listing.fulfillment_channel, listing.status, listing.quantity) == ("AMAZON", "Active", 7)


def test_japanese_report_without_declared_charset_falls_back_by_country():
	content = report(line(item_name="日本語の商品", seller_sku="JP-2")).encode("cp932")
	assert parse_listings_report(content, None, country="JP").rows[0].item_name == "日本語の商品"


def test_wrong_declared_charset_falls_back():
	content = report(line(item_name="日本語の商品", seller_sku="JP-3")).encode("cp932")
	parsed = parse_listings_report(content, "UTF-8", country="JP")
	assert parsed.rows[0].item_name == "日本語の商品" and parsed.encoding == "cp932"


def test_utf8_labelled_cp1252_is_read_as_utf8():
	content = report(line(item_name="Café crème", seller_sku="FR-2")).encode("utf-8")
	parsed = parse_listings_report(content, "Cp1252", country="FR")
	assert parsed.rows[0].item_name == "Café crème" and parsed.encoding == "utf-8"


@pytest.mark.parametrize("bom, codec", [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le")])
def test_byte_order_mark(bom, codec):
	content = bom + report(line(item_name="Ünïcode", seller_sku="BOM-1")).encode(codec)
	parsed = parse_listings_report(content, "Cp1252")  # the BOM wins over a wrong declaration
	assert parsed.columns[0] == "item-name"
	assert parsed.rows[0].item_name == "Ünïcode"


def test_gzip_is_for_the_access_layer_bytes_given_here_are_plain():
	# The access layer decompresses; should compressed bytes slip through, the report fails loudly.
	content = gzip.compress(report(line(seller_sku="GZ-1")).encode("utf-8"))
	with pytest.raises(ListingsReportError):
		parse_listings_report(content, None)
	assert parse_listings_report(gzip.decompress(content), None).rows[0].sku == "GZ-1"


def test_odd_rows():
	good = line(item_name="Good", seller_sku="OK-1", price="5.00")
	too_many = line(item_name="Tab\tin title", seller_sku="SHIFTED") + "\tmore"
	extra_empty = line(item_name="Extra empty columns", seller_sku="OK-2") + "\t\t"
	no_sku = line(item_name="No SKU", price="3.00")
	short = "\t".join(["Short row", "", "L1", "OK-3", "7.00"])  # trailing columns missing
	split = line(
		item_name="Split", item_description="first line\nsecond line\n\nlast line", seller_sku="OK-4"
	)
	duplicate = line(item_name="Again", seller_sku="OK-1")
	text = report(
		good,
		"",
		too_many,
		extra_empty,
		"   ",
		no_sku,
		short,
		HEADER,
		split,
		duplicate,
		"\t\t\t",
		newline="\r\n",
	)
	parsed = parse_listings_report(text.encode("utf-8"))
	assert [r.sku for r in parsed.rows] == ["OK-1", "OK-2", "OK-3", "OK-4"]
	by_sku = {r.sku: r for r in parsed.rows}
	assert by_sku["OK-3"].price == Decimal("7.00") and by_sku["OK-3"].status == ""
	assert by_sku["OK-4"].description == "first line\nsecond line\n\nlast line"
	assert by_sku["OK-4"].line == 10
	problems = {(p.line, p.sku): p.message for p in parsed.errors}
	assert set(problems) == {(4, ""), (7, ""), (14, "OK-1")}
	assert "values for" in problems[(4, "")]  # a shifted row is never half-read
	assert "no seller SKU" in problems[(7, "")]
	assert "first on line 2" in problems[(14, "OK-1")]
	assert all(str(p).startswith(f"line {p.line}") for p in parsed.errors)


def test_quoted_file():
	header = "\t".join(f'"{c}"' for c in COLUMNS)
	cells = {c: '""' for c in COLUMNS}
	cells["item-name"] = '"12"" Vinyl, ""Best of"""'
	cells["seller-sku"] = '"VINYL-12"'
	cells["item-description"] = '"two\nlines"'
	text = header + "\n" + "\t".join(cells[c] for c in COLUMNS) + "\n"
	row = parse_listings_report(text.encode("utf-8")).rows[0]
	assert (row.sku, row.item_name, row.description) == ("VINYL-12", '12" Vinyl, "Best of"', "two\nlines")


def test_unquoted_quotes_are_kept():
	text = report(line(item_name='"Best" mug 12" wide', seller_sku="Q-1"))
	assert parse_listings_report(text.encode("utf-8")).rows[0].item_name == '"Best" mug 12" wide'


@pytest.mark.parametrize(
	"header, english",
	[
		("seller-sku", "seller-sku"), ("Händler-SKU", "seller-sku"), ("sku-vendeur", "seller-sku"),
		("SKU venditore", "seller-sku"), ("出品者SKU", "seller-sku"), ("卖家 SKU", "seller-sku"),
		("seller-sku (satıcı sku)", "seller-sku"), ("ASIN 1", "asin1"), ("fulfilment-channel", "fulfillment-channel"),
		("Versender", "fulfillment-channel"), ("Artikelbezeichnung", "item-name"), ("商品名", "item-name"),
		("  Status ", "status"), ("Business Price", "business-price"),
	],
)  # fmt: skip
def test_localized_headers(header, english):
	assert english_column(header) == english


def test_german_report_reads_like_the_english_one():
	header = "\t".join(
		["Artikelbezeichnung", "Artikelbeschreibung", "Angebotsnummer", "Händler-SKU", "Preis", "Menge", "Erstellungsdatum",
		 "Produkt-ID-Typ", "Artikelzustand", "ASIN 1", "Produkt-ID", "Versender", "Status"]
	)  # fmt: skip
	row = "\t".join(["Kaffeebecher", "", "0101DE", "DE-MUG", "1.234,50", "2", "15.03.2019 10:12:40 MEZ", "4", "11",
		"B0000000D1", "4006381333931", "AMAZON_EU", "Aktiv"])  # fmt: skip
	parsed = parse_listings_report(
		(header + "\n" + row).encode("cp1252"), "Cp1252", country="DE", currency="EUR"
	)
	listing = parsed.rows[0]
	assert (listing.sku, listing.asin, listing.price) == ("DE-MUG", "B0000000D1", Decimal("1234.50"))
	assert (listing.product_id, listing.product_id_type) == ("4006381333931", "EAN")
	assert (listing.status, listing.fulfillment_channel) == ("Active", "AMAZON")


def test_report_without_sku_column_is_refused():
	with pytest.raises(ListingsReportError, match="seller-sku"):
		parse_listings_report(b"foo\tbar\n1\t2\n")
	with pytest.raises(ListingsReportError, match="empty"):
		parse_listings_report(b"\n\n  \n")


def test_bad_price_keeps_the_row_and_warns():
	text = report(line(seller_sku="P-1", price="call us"), line(seller_sku="P-2", price="-3.00"))
	parsed = parse_listings_report(text.encode("utf-8"), currency="USD")
	assert [r.price for r in parsed.rows] == [None, None]
	assert [w.sku for w in parsed.warnings] == ["P-1", "P-2"]


@pytest.mark.parametrize(
	"raw, currency, amount",
	[
		("12.99", "USD", "12.99"), ("12,99", "EUR", "12.99"), ("1,980", "JPY", "1980"), ("1.980", "JPY", "1980"),
		("1.234,56", "EUR", "1234.56"), ("1,234.56", "USD", "1234.56"), ("1,234,567", "USD", "1234567.00"),
		("¥1,980", "JPY", "1980"), ("20", "GBP", "20.00"), ("12.345", "BHD", "12.345"), ("", "USD", None),
	],
)  # fmt: skip
def test_parse_price(raw, currency, amount):
	expected = Decimal(amount) if amount is not None else None
	result = parse_price(raw, currency)
	assert result == expected
	if expected is not None:
		assert str(result) == amount


def test_parse_price_refuses_garbage():
	with pytest.raises(PriceError):
		parse_price("n/a", "USD")


def test_charset_of_content_type():
	assert charset_of("text/plain;charset=Cp1252") == "Cp1252"
	assert charset_of('text/plain; charset="windows-31j"') == "windows-31j"
	assert charset_of("text/plain") is None


def test_latin1_last_resort_never_loses_the_report():
	# Bytes that are neither UTF-8 nor windows-1252 (0x81 is undefined there) still decode.
	text, codec = decode_report(b"item-name\tseller-sku\nA\x81B\tX-1\n", None, country="US")
	assert codec in ("cp932", "latin-1") and "X-1" in text
