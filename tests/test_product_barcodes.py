"""Barcodes: check digits, typing as ERPNext's Item Barcode types, and ERPNext's own check passing."""

from __future__ import annotations

import barcodenumber
import pytest

from amazon_connector.core.mapping.barcodes import (
	EAN,
	GS1,
	ISBN_10,
	ISBN_13,
	UPC_A,
	BarcodeError,
	classify,
	gs1_check_digit,
	is_barcode_type,
	is_valid_gs1,
	is_valid_isbn10,
)

# ERPNext v15's Item Barcode "barcode_type" options (erpnext/stock/doctype/item_barcode/item_barcode.json).
ERPNEXT_BARCODE_TYPES = {
	"", "EAN", "UPC-A", "CODE-39", "EAN-12", "EAN-8", "GS1", "GTIN", "ISBN", "ISBN-10", "ISBN-13", "ISSN",
	"JAN", "PZN", "UPC",
}  # fmt: skip


def erpnext_accepts(barcode) -> bool:
	"""What ERPNext v15's Item.validate_barcode does: map the type to barcodenumber's name and check."""
	kind = barcode.barcode_type.upper()
	if kind == "EAN":
		kind = {8: "EAN8", 13: "EAN13"}.get(len(barcode.code), "EAN")
	else:
		kind = {"UPC-A": "UPCA", "CODE-39": "CODE39", "ISBN-10": "ISBN10", "ISBN-13": "ISBN13"}.get(
			kind, kind
		)
	if kind not in barcodenumber.barcodes():
		return True
	return bool(barcodenumber.check_code(kind, barcode.code))


@pytest.mark.parametrize(
	"body, digit",
	[("03600029145", 2), ("400638133393", 1), ("978030640615", 7), ("9638507", 4), ("0088727630219", 5)],
)
def test_gs1_check_digit(body, digit):
	assert gs1_check_digit(body) == digit
	assert is_valid_gs1(body + str(digit))
	assert not is_valid_gs1(body + str((digit + 1) % 10))


def test_isbn10_check_digit_including_x():
	assert is_valid_isbn10("0306406152")
	assert is_valid_isbn10("080442957X")
	assert not is_valid_isbn10("0306406153")
	assert not is_valid_isbn10("03064061X2")


@pytest.mark.parametrize(
	"value, declared, code, kind",
	[
		("036000291452", "UPC", "036000291452", UPC_A),
		("4006381333931", "EAN", "4006381333931", EAN),
		("4006381333931", "UPC", "4006381333931", EAN),  # Amazon's files call EANs UPCs: digits decide
		("96385074", "EAN", "96385074", EAN),  # EAN-8
		("978-0-306-40615-7", "ISBN", "9780306406157", ISBN_13),
		("9780306406157", "EAN", "9780306406157", EAN),
		("0-306-40615-2", "ISBN", "0306406152", ISBN_10),
		("080442957x", "", "080442957X", ISBN_10),
		("00887276302195", "GTIN", "0887276302195", EAN),  # GTIN-14 with a leading 0 is the EAN
		("10887276302192", "GTIN", "10887276302192", GS1),  # a case-pack GTIN-14
		(" 4 006381 333931 ", "JAN", "4006381333931", EAN),
	],
)
def test_classify_types_as_erpnext_accepts(value, declared, code, kind):
	barcode = classify(value, declared)
	assert (barcode.code, barcode.barcode_type) == (code, kind)
	assert barcode.barcode_type in ERPNEXT_BARCODE_TYPES
	assert erpnext_accepts(barcode)


@pytest.mark.parametrize(
	"value, fragment",
	[
		("036000291453", "check digit"),
		("4006381333932", "check digit"),
		("12345", "5 digits"),
		("ABC123456789", "not all digits"),
		("0306406153", "ISBN-10"),
		("", "empty"),
	],
)
def test_classify_rejects_what_is_not_a_barcode(value, fragment):
	with pytest.raises(BarcodeError, match=fragment):
		classify(value, "UPC")


def test_model_example_identifiers_all_pass_erpnext(load_model):
	"""The identifiers in Amazon's own searchCatalogItems example type and validate."""
	model = load_model("catalog-items-2022-04-01.json")
	example = model["paths"]["/catalog/2022-04-01/items"]["get"]["responses"]["200"]["x-amzn-api-sandbox"][
		"static"
	][0]
	identifiers = example["response"]["items"][0]["identifiers"][0]["identifiers"]
	barcodes = [classify(i["identifier"], i["identifierType"]) for i in identifiers]
	assert {b.barcode_type for b in barcodes} == {EAN, UPC_A}
	assert all(erpnext_accepts(b) for b in barcodes)
	# The GTIN and the EAN are the same number: one barcode, not two.
	assert len({b.code for b in barcodes}) == 2


def test_identifier_types_that_are_not_barcodes():
	assert not is_barcode_type("ASIN")
	assert not is_barcode_type("")
	assert is_barcode_type("upc") and is_barcode_type("EAN") and is_barcode_type("GTIN")
