"""What the adapter needs from one Amazon Settings record, read once per port.

The record is read as it is when the port is built (a sync run); a user changing the settings
mid-run affects the next run. Password fields are never read here: the adapter needs none.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import frappe
from frappe import _

from .errors import AdapterError

# Amazon Settings.item_code_policy values (see the schema); the core uses the same strings.
ITEM_CODE_FROM_SKU = "SKU"
ITEM_CODE_FROM_ASIN = "ASIN"
ITEM_CODE_FROM_FIELD = "Item Field"


@dataclass(frozen=True)
class MarketplaceRow:
	marketplace_id: str
	currency: str = ""
	price_list: str = ""
	country_code: str = ""
	marketplace_name: str = ""
	enabled: bool = True


@dataclass(frozen=True)
class AdapterContext:
	account: str  # Amazon Settings name
	company: str
	company_currency: str
	warehouse: str
	fba_warehouse: str
	item_group: str
	price_list: str
	customer_group: str
	territory: str
	customer_type: str
	account_group: str
	clearing_account: str
	item_code_policy: str
	item_code_field: str
	update_prices: bool
	submit_orders: bool
	marketplaces: dict[str, MarketplaceRow] = field(default_factory=dict)

	def marketplace(self, marketplace_id: str) -> MarketplaceRow | None:
		return self.marketplaces.get(marketplace_id)

	def price_list_for(self, marketplace_id: str, drafted: str = "") -> str:
		"""The marketplace row's price list, else the draft's, else the settings' default."""
		row = self.marketplace(marketplace_id)
		return (row.price_list if row else "") or drafted or self.price_list


def context_of(settings_doc) -> AdapterContext:
	"""Read an Amazon Settings document (or its name) into an AdapterContext."""
	if isinstance(settings_doc, str):
		settings_doc = frappe.get_doc("Amazon Settings", settings_doc)
	get = settings_doc.get
	company = get("company")
	if not company:
		raise AdapterError(_("Amazon Settings {0} has no company").format(settings_doc.name))
	marketplaces = {}
	for row in get("marketplaces") or []:
		if not row.get("marketplace_id"):
			continue
		marketplaces[row.marketplace_id] = MarketplaceRow(
			marketplace_id=row.marketplace_id,
			currency=row.get("currency") or "",
			price_list=row.get("price_list") or "",
			country_code=(row.get("country_code") or "").upper(),
			marketplace_name=row.get("marketplace_name") or "",
			enabled=_check(row.get("enabled"), True),
		)
	return AdapterContext(
		account=settings_doc.name,
		company=company,
		company_currency=frappe.get_cached_value("Company", company, "default_currency"),
		warehouse=get("warehouse") or "",
		fba_warehouse=get("fba_warehouse") or get("warehouse") or "",
		item_group=get("item_group") or "",
		price_list=get("price_list") or "",
		customer_group=get("customer_group") or "",
		territory=get("territory") or "",
		customer_type=get("customer_type") or "Individual",
		account_group=get("account_group") or "",
		clearing_account=get("clearing_account") or "",
		item_code_policy=get("item_code_policy") or ITEM_CODE_FROM_SKU,
		item_code_field=get("item_code_field") or "",
		update_prices=_check(get("update_prices"), True),
		submit_orders=_check(get("submit_orders"), True),
		marketplaces=marketplaces,
	)


def _check(value, default: bool) -> bool:
	"""A Check field's value; None (field missing on an older record) means its default."""
	return default if value is None else bool(int(value))
