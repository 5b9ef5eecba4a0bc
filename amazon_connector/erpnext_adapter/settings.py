"""The one reader of an Amazon Settings record: `read_settings` turns it into plain, typed data.

Every caller reads the record through here (the runner, the scheduler, the buttons, the port's
context, the marketplace merge), and what the framework-free layers want is derived from it:
- `sync_settings`: the engines' `core.settings.SyncSettings`;
- `account_config`: the access layer's `spapi.account.AccountConfig`, with the Password fields read
  by `get_password()` here, at the point of use (nothing else in the app reads them; the record
  itself holds no secret);
- `erpnext_adapter.context.context_of`: what the ERPNext adapter books with.

The record is read as it is when it is read (a sync run reads it once); a user changing the
settings mid-run affects the next run. A Check field that an older record lacks (None) reads as
the DocType's default.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import frappe
from frappe import _
from frappe.utils import cint, get_datetime, getdate
from frappe.utils.data import get_system_timezone

from ..core.settings import (
	ITEM_CODE_FROM_SKU,
	UNKNOWN_SKU_CREATE,
	MarketplaceConfig,
	SyncSettings,
)
from ..spapi.account import PRODUCTION, AccountConfig, RemoteEndpointRefused

SETTINGS_DOCTYPE = "Amazon Settings"


@dataclass(frozen=True)
class MarketplaceRow:
	"""One row of the settings' marketplace table."""

	marketplace_id: str
	currency: str = ""
	price_list: str = ""
	country_code: str = ""  # as Amazon names it (UK, not GB), upper case
	marketplace_name: str = ""
	enabled: bool = True
	# VAT set-up (see `tax_setup`): percent rates as entered (None when empty), the template to take
	# them from, and the company's own Output VAT account.
	vat_rate: Decimal | None = None
	reduced_vat_rate: Decimal | None = None
	taxes_and_charges_template: str = ""
	output_vat_account: str = ""

	@property
	def vat_rates(self) -> tuple[Decimal, ...]:
		"""The rates set up (standard first, then reduced), for the core's mapping."""
		return tuple(rate for rate in (self.vat_rate, self.reduced_vat_rate) if rate is not None)


@dataclass(frozen=True)
class AmazonSettings:
	"""An Amazon Settings record (one seller authorization) without its secrets."""

	name: str
	enabled: bool
	# Amazon
	region: str
	environment: str
	endpoint_url: str
	lwa_client_id: str
	seller_id: str
	# ERPNext
	company: str
	warehouse: str
	fba_warehouse: str
	item_group: str
	price_list: str
	customer_group: str
	territory: str
	customer_type: str
	account_group: str
	clearing_account: str
	# What to import
	after_date: date | None
	item_code_policy: str
	item_code_field: str
	unknown_sku_policy: str
	update_prices: bool
	submit_orders: bool
	request_personal_data: bool
	sync_fees: bool
	# Buyer data is removed this many days after shipment (0: kept); see erpnext_adapter.retention.
	personal_data_retention_days: int
	# How many recent days a dry run reads (0: from the after date, as a real run would).
	dry_run_days: int
	# Orders older than a week from Amazon's order reports (core.engine.order_history)
	order_history_from_reports: bool
	# Which finances feed books Amazon's money, and from when (see core.engine.transactions)
	finances_api: str
	transactions_from: datetime | None
	settlement_bank_accounts: tuple[tuple[str, str], ...]  # (currency, bank account)
	# When
	product_sync_frequency: str
	order_sync_frequency: str
	last_product_sync: datetime | None
	last_order_sync: datetime | None
	last_fee_sync: datetime | None
	marketplaces: tuple[MarketplaceRow, ...] = ()
	# FBA stock mirror
	fba_inventory_frequency: str = "Hourly"
	last_fba_inventory_sync: datetime | None = None
	fba_fallback_valuation_rate: float = 0.0
	# Multi-Channel Fulfillment: orders go to Amazon on hold unless the sender chooses to ship
	send_mcf_orders_on_hold: bool = False
	# Invoices and credit notes (see erpnext_adapter.sales_invoices)
	make_sales_invoices: bool = False
	invoice_from_date: date | None = None  # only orders shipped on or after it are invoiced
	# Stock to Amazon
	push_stock: bool = False
	stock_safety_buffer: int = 0
	stock_push_frequency: str = "Every 5 Minutes"
	last_stock_push: datetime | None = None
	# Prices to Amazon and listings health
	push_prices: bool = False
	last_price_push: datetime | None = None
	listing_health_frequency: str = "Daily"
	last_listing_health_check: datetime | None = None

	def marketplace(self, marketplace_id: str) -> MarketplaceRow | None:
		return next((m for m in self.marketplaces if m.marketplace_id == marketplace_id), None)


def settings_doc(account):
	"""The Amazon Settings document of `account` (a name or the document itself)."""
	if isinstance(account, str):
		return frappe.get_doc(SETTINGS_DOCTYPE, account)
	return account


def enabled_accounts() -> list[str]:
	"""Names of the enabled Amazon Settings records, in name order."""
	return frappe.get_all(SETTINGS_DOCTYPE, filters={"enabled": 1}, pluck="name", order_by="name asc")


def read_settings(account) -> AmazonSettings:
	"""The record of `account` (a name or the document) as typed data."""
	doc = settings_doc(account)
	get = doc.get
	return AmazonSettings(
		name=doc.name,
		enabled=_check(get("enabled"), True),
		region=get("region") or "",
		environment=get("environment") or PRODUCTION,
		endpoint_url=_text(get("endpoint_url")),
		lwa_client_id=_text(get("lwa_client_id")),
		seller_id=_text(get("seller_id")),
		company=get("company") or "",
		warehouse=get("warehouse") or "",
		fba_warehouse=get("fba_warehouse") or "",
		item_group=get("item_group") or "",
		price_list=get("price_list") or "",
		customer_group=get("customer_group") or "",
		territory=get("territory") or "",
		customer_type=get("customer_type") or "Individual",
		account_group=get("account_group") or "",
		clearing_account=get("clearing_account") or "",
		after_date=getdate(get("after_date")) if get("after_date") else None,
		item_code_policy=get("item_code_policy") or ITEM_CODE_FROM_SKU,
		item_code_field=get("item_code_field") or "",
		unknown_sku_policy=get("unknown_sku_policy") or UNKNOWN_SKU_CREATE,
		# With prices pushed from ERPNext, Amazon's prices must not overwrite the price list.
		update_prices=_check(get("update_prices"), True) and not _check(get("push_prices"), False),
		submit_orders=_check(get("submit_orders"), True),
		request_personal_data=_check(get("request_personal_data"), True),
		# A record older than the field reads Amazon's 30 days, as a new record has them.
		personal_data_retention_days=30
		if get("personal_data_retention_days") is None
		else max(0, cint(get("personal_data_retention_days"))),
		dry_run_days=7 if get("dry_run_days") is None else max(0, cint(get("dry_run_days"))),
		sync_fees=_check(get("sync_fees"), True),
		order_history_from_reports=_check(get("order_history_from_reports"), True),
		# A record older than the field: v0 until its patch (or the user) switches it.
		finances_api=get("finances_api") or "v0",
		transactions_from=_moment(get("transactions_from")),
		settlement_bank_accounts=tuple(
			(row.get("currency") or "", row.get("bank_account") or "")
			for row in get("settlement_bank_accounts") or []
		),
		product_sync_frequency=get("product_sync_frequency") or "Never",
		order_sync_frequency=get("order_sync_frequency") or "Never",
		last_product_sync=_moment(get("last_product_sync")),
		last_order_sync=_moment(get("last_order_sync")),
		last_fee_sync=_moment(get("last_fee_sync")),
		fba_inventory_frequency=get("fba_inventory_frequency") or "Hourly",
		last_fba_inventory_sync=_moment(get("last_fba_inventory_sync")),
		fba_fallback_valuation_rate=float(get("fba_fallback_valuation_rate") or 0),
		send_mcf_orders_on_hold=_check(get("send_mcf_orders_on_hold"), False),
		push_stock=_check(get("push_stock"), False),
		stock_safety_buffer=int(get("stock_safety_buffer") or 0),
		stock_push_frequency=get("stock_push_frequency") or "Every 5 Minutes",
		last_stock_push=_moment(get("last_stock_push")),
		push_prices=_check(get("push_prices"), False),
		last_price_push=_moment(get("last_price_push")),
		listing_health_frequency=get("listing_health_frequency") or "Daily",
		last_listing_health_check=_moment(get("last_listing_health_check")),
		marketplaces=tuple(
			MarketplaceRow(
				marketplace_id=row.get("marketplace_id") or "",
				currency=row.get("currency") or "",
				price_list=row.get("price_list") or "",
				country_code=(row.get("country_code") or "").upper(),
				marketplace_name=row.get("marketplace_name") or "",
				enabled=_check(row.get("enabled"), True),
				vat_rate=_percent(row.get("vat_rate")),
				reduced_vat_rate=_percent(row.get("reduced_vat_rate")),
				taxes_and_charges_template=row.get("taxes_and_charges_template") or "",
				output_vat_account=row.get("output_vat_account") or "",
			)
			for row in get("marketplaces") or []
		),
		# Off when the field is missing (a record read before migrate): never start booking unasked.
		make_sales_invoices=_check(get("make_sales_invoices"), False),
		invoice_from_date=getdate(get("invoice_from_date")) if get("invoice_from_date") else None,
	)


def account_config(account) -> AccountConfig:
	"""The access layer's view of the account, secrets included (read here, at the point of use)."""
	doc = settings_doc(account)
	settings = read_settings(doc)
	client_secret = doc.get_password("lwa_client_secret", raise_exception=False)
	refresh_token = doc.get_password("refresh_token", raise_exception=False)
	if not client_secret or not refresh_token:
		frappe.throw(
			_("Amazon Settings {0} has no LWA client secret or refresh token; enter both and save.").format(
				frappe.bold(settings.name)
			),
			title=_("Missing Credentials"),
		)
	try:
		return AccountConfig(
			key=settings.name,
			region=settings.region,
			client_id=settings.lwa_client_id,
			client_secret=client_secret.strip(),
			refresh_token=refresh_token.strip(),
			environment=settings.environment,
			endpoint_url=settings.endpoint_url,
			seller_id=settings.seller_id,
			# Checked again on use: the record may predate the rule, or have been written around validate.
			allow_remote_endpoint=remote_endpoint_allowed(doc.modified_by),
		)
	except RemoteEndpointRefused:
		frappe.throw(
			_(
				"Amazon Settings {0} has a custom endpoint that is not on this server; the credentials are not "
				"sent there. Use a local address (localhost, 127.0.0.1) or Production."
			).format(frappe.bold(settings.name)),
			title=_("Endpoint Not Allowed"),
		)


def remote_endpoint_allowed(user: str | None) -> bool:
	"""A custom endpoint off this machine only on a developer-mode site, set by a System Manager."""
	return bool(cint(frappe.conf.get("developer_mode"))) and "System Manager" in frappe.get_roles(user)


def sync_settings(account, **extra) -> SyncSettings:
	"""The record's sync options; `extra` adds engine options (e.g. report polling for a simulator)."""
	settings = account if isinstance(account, AmazonSettings) else read_settings(account)
	return SyncSettings(
		account_key=settings.name,
		after_date=getdate(settings.after_date),
		marketplaces=tuple(
			MarketplaceConfig(
				marketplace_id=row.marketplace_id,
				country=row.country_code,
				currency=row.currency,
				price_list=row.price_list or settings.price_list,
				enabled=row.enabled,
				vat_rates=row.vat_rates,
			)
			for row in settings.marketplaces
		),
		item_code_policy=settings.item_code_policy,
		item_code_field=settings.item_code_field,
		item_group=settings.item_group,
		stock_uom=frappe.db.get_single_value("Stock Settings", "stock_uom") or "Nos",
		unknown_sku_policy=settings.unknown_sku_policy,
		update_prices=settings.update_prices,
		submit_orders=settings.submit_orders,
		request_personal_data=settings.request_personal_data,
		seller_id=settings.seller_id,
		extra={
			"time_zone": get_system_timezone(),
			"company": settings.company,
			"order_history_from_reports": settings.order_history_from_reports,
			"finances_api": settings.finances_api,
			**_cutover(settings.transactions_from),
			**extra,
		},
	)


def _percent(value) -> Decimal | None:
	"""A Percent field as a Decimal; empty or 0 means "not set up" (no VAT-inclusive marketplace has a
	standard rate of 0 %; zero-rated items take 0 % from their Item Tax Template)."""
	if not value:
		return None
	return Decimal(str(value)).normalize()


def _check(value, default: bool) -> bool:
	"""A Check field's value; None (field missing on an older record) means its default."""
	return default if value is None else bool(int(value))


def _text(value) -> str:
	# Identifiers pasted from Seller Central or the developer console often carry stray spaces.
	return (value or "").strip()


def _cutover(moment: datetime | None) -> dict:
	"""The cut-over instant for the engine, aware: a Datetime field is in the site's time zone."""
	if not moment:
		return {}
	from zoneinfo import ZoneInfo

	aware = moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(get_system_timezone()))
	return {"transactions_from": aware.isoformat()}


def _moment(value) -> datetime | None:
	return get_datetime(value) if value else None
