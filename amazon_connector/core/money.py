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
	"""An amount Amazon sent that is not a number."""


def minor_units(currency: str) -> int:
	return _MINOR_UNITS.get((currency or "").upper(), 2)


def quantum(currency: str) -> Decimal:
	return Decimal(1).scaleb(-minor_units(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
	return Decimal(amount).quantize(quantum(currency), rounding=ROUND_HALF_UP)


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
	return amount


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
