"""An Amazon Settings record as the framework-free layers want it.

`account_config` reads the Password fields with `get_password()` here, at the point of use, and
returns an AccountConfig whose repr hides them; nothing else in the app reads them.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import cint, getdate
from frappe.utils.data import get_system_timezone

from ..core.settings import MarketplaceConfig, SyncSettings
from ..spapi.account import PRODUCTION, AccountConfig

SETTINGS_DOCTYPE = "Amazon Settings"


def settings_doc(account):
	"""The Amazon Settings document of `account` (a name or the document itself)."""
	if isinstance(account, str):
		return frappe.get_doc(SETTINGS_DOCTYPE, account)
	return account


def account_config(doc) -> AccountConfig:
	doc = settings_doc(doc)
	client_secret = doc.get_password("lwa_client_secret", raise_exception=False)
	refresh_token = doc.get_password("refresh_token", raise_exception=False)
	if not client_secret or not refresh_token:
		frappe.throw(
			_("Amazon Settings {0} has no LWA client secret or refresh token; enter both and save.").format(
				frappe.bold(doc.name)
			),
			title=_("Missing Credentials"),
		)
	return AccountConfig(
		key=doc.name,
		region=doc.region,
		client_id=(doc.lwa_client_id or "").strip(),
		client_secret=client_secret.strip(),
		refresh_token=refresh_token.strip(),
		environment=doc.environment or PRODUCTION,
		endpoint_url=(doc.endpoint_url or "").strip(),
		seller_id=(doc.seller_id or "").strip(),
	)


def sync_settings(doc, **extra) -> SyncSettings:
	"""The record's sync options; `extra` adds engine options (e.g. report polling for a simulator)."""
	doc = settings_doc(doc)
	marketplaces = tuple(
		MarketplaceConfig(
			marketplace_id=row.marketplace_id,
			country=(row.country_code or "").upper(),
			currency=row.currency or "",
			price_list=row.price_list or doc.price_list or "",
			enabled=bool(cint(row.enabled)),
		)
		for row in doc.marketplaces
	)
	return SyncSettings(
		account_key=doc.name,
		after_date=getdate(doc.after_date),
		marketplaces=marketplaces,
		item_code_policy=doc.item_code_policy or "SKU",
		item_code_field=doc.item_code_field or "",
		item_group=doc.item_group or "",
		stock_uom=frappe.db.get_single_value("Stock Settings", "stock_uom") or "Nos",
		unknown_sku_policy=doc.unknown_sku_policy or "Create Item",
		update_prices=bool(cint(doc.update_prices)),
		submit_orders=bool(cint(doc.submit_orders)),
		request_personal_data=bool(cint(doc.request_personal_data)),
		seller_id=doc.seller_id or "",
		extra={"time_zone": get_system_timezone(), "company": doc.company, **extra},
	)
