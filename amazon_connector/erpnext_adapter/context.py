"""What the adapter needs from one Amazon Settings record, read once per port.

Read through `settings.read_settings`, the app's one reader of the record, as it is when the port
is built (a sync run); a user changing the settings mid-run affects the next run. The adapter
needs no secret.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import frappe
from frappe import _

from .errors import AdapterError
from .settings import AmazonSettings, MarketplaceRow, read_settings


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
	"""Read an Amazon Settings document (or its name, or the record read already) into an AdapterContext."""
	settings = settings_doc if isinstance(settings_doc, AmazonSettings) else read_settings(settings_doc)
	if not settings.company:
		raise AdapterError(_("Amazon Settings {0} has no company").format(settings.name))
	return AdapterContext(
		account=settings.name,
		company=settings.company,
		company_currency=frappe.get_cached_value("Company", settings.company, "default_currency"),
		warehouse=settings.warehouse,
		fba_warehouse=settings.fba_warehouse or settings.warehouse,
		item_group=settings.item_group,
		price_list=settings.price_list,
		customer_group=settings.customer_group,
		territory=settings.territory,
		customer_type=settings.customer_type,
		account_group=settings.account_group,
		clearing_account=settings.clearing_account,
		item_code_policy=settings.item_code_policy,
		item_code_field=settings.item_code_field,
		update_prices=settings.update_prices,
		submit_orders=settings.submit_orders,
		marketplaces={row.marketplace_id: row for row in settings.marketplaces if row.marketplace_id},
	)
