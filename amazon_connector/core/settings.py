"""What the core needs to know of an Amazon Settings record, as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timezone, tzinfo
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Amazon Settings.item_code_policy and unknown_sku_policy values (the DocType's options).
ITEM_CODE_FROM_SKU = "SKU"
ITEM_CODE_FROM_ASIN = "ASIN"
# Match Items the user already has on one of their fields (`item_code_field`, e.g. a custom field
# holding the SKU); new Items get the SKU as code.
ITEM_CODE_FROM_FIELD = "Item Field"

UNKNOWN_SKU_CREATE = "Create Item"
UNKNOWN_SKU_FAIL = "Fail Order"


@dataclass(frozen=True)
class MarketplaceConfig:
	marketplace_id: str
	country: str = ""  # ISO 3166 alpha-2
	currency: str = ""  # ISO 4217
	price_list: str = ""
	enabled: bool = True
	# VAT set-up of a marketplace whose prices include VAT (percent; standard rate first). Empty: no
	# rate set up, and orders Amazon reports no VAT for are booked gross and flagged.
	vat_rates: tuple[Decimal, ...] = ()

	@property
	def standard_vat_rate(self) -> Decimal | None:
		return self.vat_rates[0] if self.vat_rates else None


@dataclass(frozen=True)
class SyncSettings:
	account_key: str
	after_date: date
	marketplaces: tuple[MarketplaceConfig, ...] = ()
	item_code_policy: str = ITEM_CODE_FROM_SKU
	item_code_field: str = ""  # with the "Item Field" policy: the Item field that holds the SKU
	item_group: str = ""
	is_stock_item: bool = True
	stock_uom: str = "Nos"
	unknown_sku_policy: str = UNKNOWN_SKU_CREATE
	update_prices: bool = True
	submit_orders: bool = True
	# Ask Amazon for a Restricted Data Token so orders carry buyer names and street addresses. Needs
	# the restricted-data role; without it orders still import with city, state, postal code, country.
	request_personal_data: bool = False
	# Backfill windows: each is fetched and checkpointed on its own, newest first.
	order_window_days: int = 7
	# Incremental runs re-read this far behind the last checkpoint, because Amazon's order
	# index is eventually consistent.
	incremental_overlap_minutes: int = 30
	# How long fees are looked for after an order ships before it is reported as still awaiting.
	fee_lookback_days: int = 60
	seller_id: str = ""
	# Engine options by name; "time_zone" is the company's IANA time zone (see `time_zone`).
	extra: dict = field(default_factory=dict)

	@property
	def enabled_marketplaces(self) -> tuple[MarketplaceConfig, ...]:
		return tuple(m for m in self.marketplaces if m.enabled)

	def marketplace(self, marketplace_id: str) -> MarketplaceConfig | None:
		return next((m for m in self.marketplaces if m.marketplace_id == marketplace_id), None)

	@property
	def time_zone(self) -> tzinfo:
		"""The company's time zone, in which the after date and Sales Order dates are meant; UTC when
		the settings name none (or one this system does not know)."""
		try:
			return ZoneInfo((self.extra or {}).get("time_zone") or "UTC")
		except (ZoneInfoNotFoundError, ValueError):
			return timezone.utc
