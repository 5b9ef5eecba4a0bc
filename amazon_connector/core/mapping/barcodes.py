"""Product barcodes (UPC, EAN, ISBN, GTIN): checked, and typed as ERPNext's Item Barcode accepts them.

ERPNext v15 offers these Item Barcode types and, on save, checks some of them with the
`barcodenumber` library: "EAN" is checked as EAN-8 or EAN-13 by its length, "ISBN-10" and
"ISBN-13" with the ISBN rules, "GTIN" as 13 digits only, "UPC-A" and "GS1" not at all. So:
- 12 digits            -> "UPC-A"   (check digit verified here, since ERPNext does not)
- 8 or 13 digits       -> "EAN"     (a 978/979 number Amazon calls an ISBN -> "ISBN-13")
- ISBN-10 (may end X)  -> "ISBN-10"
- 14 digits (GTIN-14)  -> with a leading 0 it is the same number as the 13-digit EAN, so it
                          becomes that EAN; otherwise (a case-pack GTIN) "GS1", because ERPNext's
                          "GTIN" only accepts 13 digits.
Anything else is not a barcode we can give a correct type to, and raises BarcodeError.
"""

from __future__ import annotations

import re

from ..drafts import BarcodeDraft

UPC_A = "UPC-A"
EAN = "EAN"
ISBN_10 = "ISBN-10"
ISBN_13 = "ISBN-13"
GS1 = "GS1"

# Amazon's names for identifiers that are not barcodes.
_NOT_BARCODES = {"ASIN", "SKU", "SELLER_SKU", "MPN", "FNSKU"}
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015]")


class BarcodeError(ValueError):
	"""A product identifier that is not a valid UPC, EAN, ISBN or GTIN."""


def gs1_check_digit(body: str) -> int:
	"""The GS1 (UPC/EAN/GTIN) check digit of the digits before it: weights 3,1,3,... from the right."""
	total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
	return (10 - total % 10) % 10


def is_valid_gs1(code: str) -> bool:
	return code.isdigit() and len(code) in (8, 12, 13, 14) and gs1_check_digit(code[:-1]) == int(code[-1])


def is_valid_isbn10(code: str) -> bool:
	if len(code) != 10 or not code[:9].isdigit() or not (code[9].isdigit() or code[9] == "X"):
		return False
	total = sum((10 - i) * int(d) for i, d in enumerate(code[:9]))
	total += 10 if code[9] == "X" else int(code[9])
	return total % 11 == 0


def normalize(value: str) -> str:
	"""Drop spaces and hyphens (ISBNs are often printed as 978-3-16-148410-0)."""
	return _SEPARATORS.sub("", str(value or "")).upper()


def is_barcode_type(declared: str) -> bool:
	"""Whether an identifier type Amazon names (UPC, EAN, ISBN, GTIN, JAN, ASIN, ...) is a barcode."""
	return bool(declared) and declared.strip().upper() not in _NOT_BARCODES


def classify(value: str, declared: str = "") -> BarcodeDraft:
	"""The barcode with the ERPNext type it validates as. `declared` is Amazon's identifier type;
	the digits decide (Amazon's own files call EANs UPCs), it only separates ISBN-13 from EAN."""
	code = normalize(value)
	declared = (declared or "").strip().upper()
	if not code:
		raise BarcodeError("empty barcode")
	if len(code) == 10:
		if is_valid_isbn10(code):
			return BarcodeDraft(code, ISBN_10)
		raise BarcodeError(f"{value!r} is not a valid ISBN-10")
	if not code.isdigit():
		raise BarcodeError(f"{value!r} is not a UPC, EAN, ISBN or GTIN (not all digits)")
	if len(code) not in (8, 12, 13, 14):
		raise BarcodeError(f"{value!r} is not a UPC, EAN, ISBN or GTIN ({len(code)} digits)")
	if not is_valid_gs1(code):
		raise BarcodeError(f"{value!r} has a wrong check digit")
	if len(code) == 14:
		if code.startswith("0"):
			return classify(code[1:], declared)
		return BarcodeDraft(code, GS1)
	if len(code) == 12:
		return BarcodeDraft(code, UPC_A)
	if len(code) == 13 and declared.startswith("ISBN") and code[:3] in ("978", "979"):
		return BarcodeDraft(code, ISBN_13)
	return BarcodeDraft(code, EAN)
