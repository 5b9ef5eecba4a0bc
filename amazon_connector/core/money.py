"""Money as Decimal, rounded to the currency's minor unit (JPY has none, BHD has three)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# ISO 4217 currencies whose minor unit is not two digits. Everything else has two.
_MINOR_UNITS = {
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
	"RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}  # fmt: skip


class MoneyError(ValueError):
	"""An amount Amazon sent that is not a number, or not a believable one."""


# ERPNext keeps amounts as decimal(21, 9): twelve digits before the point. Nothing Amazon sells or
# charges comes near; a value beyond it is garbage (a corrupted report cell, an overflowed field) and
# must fail its own record, by name, not a rounding or a database write somewhere further on.
MAX_AMOUNT = Decimal(10) ** 12
# Quantities: an order line or a listing of a billion units is equally unbelievable.
MAX_QUANTITY = 10**9


def minor_units(currency: str) -> int:
	return _MINOR_UNITS.get((currency or "").upper(), 2)


def quantum(currency: str) -> Decimal:
	return Decimal(1).scaleb(-minor_units(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
	try:
		return check_amount(Decimal(amount)).quantize(quantum(currency), rounding=ROUND_HALF_UP)
	except InvalidOperation as exc:  # more digits than Decimal's precision holds
		raise MoneyError(f"not a believable amount: {amount}") from exc


def check_amount(amount: Decimal) -> Decimal:
	"""`amount` if it is a finite number ERPNext can store; MoneyError otherwise."""
	if not amount.is_finite():
		raise MoneyError(f"not an amount: {amount}")
	if abs(amount) >= MAX_AMOUNT:
		raise MoneyError(f"not a believable amount: {amount} (beyond {MAX_AMOUNT:,})")
	return amount


def parse_quantity(value) -> int:
	"""A count of units as Amazon sends it (a number, or a string such as "3" or "3.0"): a whole,
	non-negative number below MAX_QUANTITY, or MoneyError naming the value."""
	if isinstance(value, bool) or value is None or value == "":
		raise MoneyError(f"not a quantity: {value!r}")
	try:
		number = Decimal(str(value).strip())
	except InvalidOperation as exc:
		raise MoneyError(f"not a quantity: {value!r}") from exc
	if not number.is_finite() or number != number.to_integral_value() or not 0 <= number < MAX_QUANTITY:
		raise MoneyError(f"not a believable quantity: {value!r}")
	return int(number)


def parse_amount(value, currency: str = "") -> Decimal:
	"""Amazon sends amounts as strings ("10.00") or numbers; never go through float."""
	if value is None or value == "":
		raise MoneyError("missing amount")
	try:
		amount = Decimal(str(value))
	except InvalidOperation as exc:
		raise MoneyError(f"not an amount: {value!r}") from exc
	if not amount.is_finite():
		raise MoneyError(f"not an amount: {value!r}")
	if abs(amount) >= MAX_AMOUNT:
		raise MoneyError(f"not a believable amount: {value!r}")
	return amount


# JSON numbers written from binary floats carry noise far below any currency's unit
# (12.990000000000002); it is not money.
FLOAT_NOISE = Decimal("1e-9")


def without_float_noise(amount: Decimal, currency: str) -> Decimal:
	"""12.990000000000002 -> 12.99; an amount finer than the currency's unit by more than noise
	(0.333 USD) is kept as Amazon wrote it."""
	rounded = round_money(amount, currency)
	return rounded if abs(amount - rounded) < FLOAT_NOISE else amount


def money_of(money: dict | None) -> tuple[Decimal, str] | None:
	"""(amount, currency) of an Amazon Money object (2026-01-01 `amount`/`currencyCode`, or
	Finances v0 `CurrencyAmount`/`CurrencyCode`), or None when absent."""
	if not money:
		return None
	if "currencyCode" in money or "amount" in money:
		currency = money.get("currencyCode") or ""
		return parse_amount(money.get("amount"), currency), currency
	if "CurrencyCode" in money or "CurrencyAmount" in money:
		currency = money.get("CurrencyCode") or ""
		return parse_amount(money.get("CurrencyAmount"), currency), currency
	raise MoneyError(f"not a Money object: {sorted(money)}")
