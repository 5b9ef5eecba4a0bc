"""Listings health and offer prices on the Amazon Item mappings of one account.

Health: the status the connector names (Active, Inactive, Incomplete, Ineligible, Ended; see
`core.mapping.listing_health`), Amazon's own statuses and issues, and when the listing was last
checked, which orders the next check (longest ago first, never checked before all).

Prices (opt-in, "Push Prices to Amazon"): the general Item Price (no customer, supplier or batch,
the stock UOM, valid today) of the SKU's Item on its marketplace's price list, in the list's
currency; what Amazon accepted is kept on the mapping (`price_pushed`, `price_pushed_at`), and
Amazon's refusal is shown there (`price_push_error`) until a later push is accepted.
"""

from __future__ import annotations

from decimal import Decimal

import frappe
from frappe.utils import now_datetime

from ..core.drafts.listings import ListingHealth, OfferPrice
from ..core.money import round_money
from ..core.ports import Outcome
from .context import AdapterContext
from .items import Items

MAPPING_DOCTYPE = "Amazon Item"


class Listings:
	def __init__(self, ctx: AdapterContext, items: Items):
		self.ctx = ctx
		self.items = items

	def _mapping(self, marketplace_id: str, sku: str) -> str | None:
		return frappe.db.get_value(
			MAPPING_DOCTYPE,
			{"amazon_account": self.ctx.account, "marketplace_id": marketplace_id, "sku": sku},
			"name",
		)

	# -- health ----------------------------------------------------------------------------------
	def to_check(self, marketplace_ids: list[str], limit: int) -> list[tuple[str, str]]:
		if not marketplace_ids:
			return []
		rows = frappe.get_all(
			MAPPING_DOCTYPE,
			filters={"amazon_account": self.ctx.account, "marketplace_id": ("in", marketplace_ids)},
			fields=["marketplace_id", "sku"],
			# NULL (never checked) sorts first in MariaDB's ascending order.
			order_by="listing_checked asc, marketplace_id asc, sku asc",
			limit_page_length=limit,
		)
		return [(row.marketplace_id, row.sku) for row in rows]

	def set_health(self, marketplace_id: str, sku: str, health: ListingHealth) -> Outcome:
		name = self._mapping(marketplace_id, sku)
		if not name:
			return Outcome.SKIPPED
		values = {
			"listing_health": health.status,
			"amazon_listing_statuses": ", ".join(health.amazon_statuses),
			"listing_issues": health.issues_text(),
		}
		before = frappe.db.get_value(MAPPING_DOCTYPE, name, list(values), as_dict=True) or {}
		changed = any((before.get(k) or "") != v for k, v in values.items())
		frappe.db.set_value(
			MAPPING_DOCTYPE, name, {**values, "listing_checked": now_datetime()}, update_modified=False
		)
		return Outcome.UPDATED if changed else Outcome.UNCHANGED

	# -- prices ----------------------------------------------------------------------------------
	def offer_prices(self) -> list[OfferPrice]:
		enabled = [m.marketplace_id for m in self.ctx.marketplaces if m.enabled]
		if not enabled:
			return []
		mappings = frappe.get_all(
			MAPPING_DOCTYPE,
			filters={"amazon_account": self.ctx.account, "marketplace_id": ("in", enabled)},
			fields=["marketplace_id", "sku", "item_code", "price_pushed", "price_pushed_at"],
			order_by="marketplace_id asc, sku asc",
		)
		prices = []
		for mapping in mappings:
			price_list = self.ctx.price_list_for(mapping.marketplace_id)
			row = self.items.list_price(mapping.item_code, price_list) if price_list else None
			if row is None or not row.currency:
				continue  # no price set in ERPNext: Amazon keeps the one it has
			price = round_money(Decimal(str(row.price_list_rate)), row.currency)
			last = (
				round_money(Decimal(str(mapping.price_pushed)), row.currency)
				if mapping.price_pushed_at
				else None
			)
			prices.append(
				OfferPrice(mapping.marketplace_id, mapping.sku, mapping.item_code, price, row.currency, last)
			)
		return prices

	def price_pushed(self, marketplace_id: str, sku: str, price) -> None:
		name = self._mapping(marketplace_id, sku)
		if name:
			frappe.db.set_value(
				MAPPING_DOCTYPE,
				name,
				{"price_pushed": float(price), "price_pushed_at": now_datetime(), "price_push_error": ""},
				update_modified=False,
			)

	def price_rejected(self, marketplace_id: str, sku: str, price, message: str) -> None:
		name = self._mapping(marketplace_id, sku)
		if name:
			text = f"{now_datetime():%Y-%m-%d %H:%M}: Amazon refused the price {price}: {message}"
			frappe.db.set_value(MAPPING_DOCTYPE, name, "price_push_error", text[:1000], update_modified=False)
