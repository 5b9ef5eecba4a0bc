"""What ERPNext can sell of each merchant-fulfilled SKU, and what Amazon was last told.

Available = the Item's actual quantity minus its reserved quantity (open Sales Orders) in the
account's Warehouse, minus the account's safety buffer, never below zero, in whole units (a part
unit cannot be sold). Only Amazon Item mappings whose fulfilment channel is MERCHANT are listed:
the quantity of an Amazon-fulfilled (FBA) offer is Amazon's own and is never pushed. What Amazon
accepted is kept on the mapping (`stock_pushed_qty`, `stock_pushed_at`); Amazon's refusal is shown
there too (`stock_push_error`) until a later push is accepted.
"""

from __future__ import annotations

import math

import frappe
from frappe.utils import cint, flt, now_datetime

from ..core.drafts.stock import MerchantStock
from .context import AdapterContext

MAPPING_DOCTYPE = "Amazon Item"
MERCHANT = "MERCHANT"


class StockPush:
	def __init__(self, ctx: AdapterContext):
		self.ctx = ctx

	def merchant_stock(self) -> list[MerchantStock]:
		mappings = frappe.get_all(
			MAPPING_DOCTYPE,
			filters={"amazon_account": self.ctx.account, "fulfillment_channel": MERCHANT},
			fields=["marketplace_id", "sku", "item_code", "stock_pushed_qty", "stock_pushed_at"],
			order_by="marketplace_id asc, sku asc",
		)
		if not mappings:
			return []
		warehouse = self.ctx.warehouse
		bins = {
			row.item_code: row
			for row in frappe.get_all(
				"Bin",
				filters={"warehouse": warehouse, "item_code": ["in", list({m.item_code for m in mappings})]},
				fields=["item_code", "actual_qty", "reserved_qty"],
			)
		}
		buffer = cint(frappe.db.get_value("Amazon Settings", self.ctx.account, "stock_safety_buffer"))
		stock = []
		for mapping in mappings:
			held = bins.get(mapping.item_code)
			free = flt(held.actual_qty) - flt(held.reserved_qty) if held else 0.0
			available = max(0, math.floor(free) - buffer)
			last = cint(mapping.stock_pushed_qty) if mapping.stock_pushed_at else None
			stock.append(
				MerchantStock(mapping.marketplace_id, mapping.sku, mapping.item_code, available, last)
			)
		return stock

	def _mapping(self, marketplace_id: str, sku: str) -> str | None:
		return frappe.db.get_value(
			MAPPING_DOCTYPE,
			{"amazon_account": self.ctx.account, "marketplace_id": marketplace_id, "sku": sku},
			"name",
		)

	def pushed(self, marketplace_id: str, sku: str, quantity: int) -> None:
		name = self._mapping(marketplace_id, sku)
		if name:
			frappe.db.set_value(
				MAPPING_DOCTYPE,
				name,
				{
					"stock_pushed_qty": int(quantity),
					"stock_pushed_at": now_datetime(),
					"stock_push_error": "",
				},
				update_modified=False,
			)

	def rejected(self, marketplace_id: str, sku: str, quantity: int, message: str) -> None:
		name = self._mapping(marketplace_id, sku)
		if name:
			text = f"{now_datetime():%Y-%m-%d %H:%M}: Amazon refused quantity {int(quantity)}: {message}"
			frappe.db.set_value(MAPPING_DOCTYPE, name, "stock_push_error", text[:1000], update_modified=False)
