"""Amazon marketplaces the simulator knows: ids, currencies, languages, taxes, report charsets.

Report charsets follow what sellers observe on real GET_MERCHANT_LISTINGS_ALL_DATA downloads:
the Content-Type says ``charset=Cp1252`` (Java's name for windows-1252) for the North American and
European marketplaces, and Japanese listings come in windows-31j (Microsoft's Shift_JIS, Python's
cp932). Characters outside the charset arrive as ``?``, as they do from Amazon. A world can override
the charset per marketplace (``reportCharset``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Marketplace:
	code: str  # the short name used on the command line (US, UK, ...)
	marketplace_id: str
	country_code: str  # ISO 3166 alpha-2 (the UK is GB)
	currency: str
	name: str
	domain: str
	language: str
	region: str  # NA, EU or FE
	vat_inclusive: bool  # prices shown to buyers include VAT / consumption tax
	vat_rate: Decimal  # standard rate where prices include it
	report_charset: str
	order_prefixes: tuple[str, ...]


MARKETPLACES: dict[str, Marketplace] = {
	m.code: m
	for m in (
		Marketplace("US", "ATVPDKIKX0DER", "US", "USD", "Amazon.com", "www.amazon.com", "en_US", "NA", False,
			Decimal("0"), "Cp1252", ("111", "112", "113", "114")),
		Marketplace("CA", "A2EUQ1WTGCTBG2", "CA", "CAD", "Amazon.ca", "www.amazon.ca", "en_CA", "NA", False,
			Decimal("0"), "Cp1252", ("701", "702")),
		Marketplace("MX", "A1AM78C64UM0Y8", "MX", "MXN", "Amazon.com.mx", "www.amazon.com.mx", "es_MX", "NA",
			True, Decimal("0.16"), "Cp1252", ("701", "702")),
		Marketplace("UK", "A1F83G8C2ARO7P", "GB", "GBP", "Amazon.co.uk", "www.amazon.co.uk", "en_GB", "EU", True,
			Decimal("0.20"), "Cp1252", ("202", "203", "204", "206")),
		Marketplace("DE", "A1PA6795UKMFR9", "DE", "EUR", "Amazon.de", "www.amazon.de", "de_DE", "EU", True,
			Decimal("0.19"), "Cp1252", ("302", "303", "304", "306")),
		Marketplace("FR", "A13V1IB3VIYZZH", "FR", "EUR", "Amazon.fr", "www.amazon.fr", "fr_FR", "EU", True,
			Decimal("0.20"), "Cp1252", ("402", "403", "404", "405")),
		Marketplace("IT", "APJ6JRA9NG5V4", "IT", "EUR", "Amazon.it", "www.amazon.it", "it_IT", "EU", True,
			Decimal("0.22"), "Cp1252", ("402", "403", "404", "405")),
		Marketplace("ES", "A1RKKUPIHCS9HS", "ES", "EUR", "Amazon.es", "www.amazon.es", "es_ES", "EU", True,
			Decimal("0.21"), "Cp1252", ("402", "403", "404", "405")),
		Marketplace("JP", "A1VC38T7YXB528", "JP", "JPY", "Amazon.co.jp", "www.amazon.co.jp", "ja_JP", "FE", True,
			Decimal("0.10"), "windows-31j", ("249", "250", "503")),
	)
}  # fmt: skip

# Reduced VAT rates of the marketplaces whose prices include VAT, for the goods that get one (books,
# food: "reduced-rate goods", see `pricing.vat_rate_of`): the UK zero-rates them, Germany has 7 %.
REDUCED_VAT_RATES: dict[str, Decimal] = {
	"MX": Decimal("0"),
	"UK": Decimal("0"),
	"DE": Decimal("0.07"),
	"FR": Decimal("0.055"),
	"IT": Decimal("0.10"),
	"ES": Decimal("0.10"),
	"JP": Decimal("0.08"),
}

BY_ID: dict[str, Marketplace] = {m.marketplace_id: m for m in MARKETPLACES.values()}


def by_code(code: str) -> Marketplace:
	try:
		return MARKETPLACES[code.upper()]
	except KeyError:
		known = ", ".join(MARKETPLACES)
		raise ValueError(f"Unknown marketplace {code!r}; the simulator knows {known}") from None


# Marketplaces whose orders carry the VAT inside their prices in a TAX breakdown by default; the
# others (UK, JP, ... as in Amazon's own examples) carry none. A world says it per marketplace
# (`vatBreakdown` on the account's marketplace), so both shapes can be had anywhere.
VAT_BREAKDOWN_BY_DEFAULT = {"DE"}


def account_marketplace(m: Marketplace, vat_breakdown: bool | None = None) -> dict:
	"""A marketplace as the world's account lists it."""
	return {
		"vatBreakdown": m.code in VAT_BREAKDOWN_BY_DEFAULT if vat_breakdown is None else vat_breakdown,
		"marketplaceId": m.marketplace_id,
		"code": m.code,
		"name": m.name,
		"countryCode": m.country_code,
		"currencyCode": m.currency,
		"languageCode": m.language,
		"domainName": m.domain,
		"region": m.region,
		"reportCharset": m.report_charset,
	}
