"""The FBA warehouse as Amazon reports it: Stock Reconciliations, and Amazon's quantities per SKU.

Stock is changed only by ERPNext's own Stock Reconciliation (submitted through the ORM), which
books the difference on the company's Stock Adjustment account. A Stock Reconciliation needs a
valuation rate for the stock it sets; the rate of each item is, first hit wins:
1. the item's current valuation rate in the FBA warehouse (stock that is there keeps its value);
2. its valuation rate in another warehouse of the company (the stock it was sent from);
3. the Item's own Valuation Rate field;
4. its price on the standard buying price list (Buying Settings);
5. the account's "Fallback Valuation Rate for FBA Stock".
An item for which none is found is left out and named, with what to set; the others go through.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import flt, now_datetime, nowdate, nowtime

from ..core.drafts.stock import FbaQuantities, FbaStockChange
from ..core.ports import Outcome, StockReconciled
from .context import AdapterContext
from .errors import AdapterError

MAPPING_DOCTYPE = "Amazon Item"
QUANTITY_FIELDS = {
	"fba_fulfillable_qty": "fulfillable",
	"fba_inbound_qty": "inbound",
	"fba_reserved_qty": "reserved",
	"fba_researching_qty": "researching",
	"fba_unfulfillable_qty": "unfulfillable",
}


class FbaStock:
	def __init__(self, ctx: AdapterContext):
		self.ctx = ctx

	# -- where the stock lives -------------------------------------------------------------------
	def warehouse(self) -> str:
		"""The account's FBA warehouse; refused when it is not set apart from the main warehouse,
		since mirroring Amazon's figures into the warehouse you ship from would overwrite its stock."""
		fba = frappe.db.get_value("Amazon Settings", self.ctx.account, "fba_warehouse")
		if not fba or fba == self.ctx.warehouse:
			raise AdapterError(
				_(
					"Amazon Settings {0}: choose an FBA Warehouse of its own (not the main Warehouse) before "
					"mirroring Amazon's FBA stock"
				).format(self.ctx.account)
			)
		company = frappe.db.get_value("Warehouse", fba, "company")
		if company != self.ctx.company:
			raise AdapterError(
				_("FBA Warehouse {0} belongs to {1}, not to {2}").format(fba, company, self.ctx.company)
			)
		return fba

	def mapped_items(self) -> set[str]:
		return set(
			frappe.get_all(
				MAPPING_DOCTYPE,
				filters={"amazon_account": self.ctx.account},
				pluck="item_code",
				distinct=True,
			)
		)

	def quantities(self) -> dict[str, float]:
		warehouse = self.warehouse()
		mapped = self.mapped_items()
		bins = frappe.get_all(
			"Bin",
			filters={"warehouse": warehouse, "actual_qty": ["!=", 0]},
			fields=["item_code", "actual_qty"],
		)
		return {row.item_code: flt(row.actual_qty) for row in bins if row.item_code in mapped}

	# -- Amazon's figures on the mapping ---------------------------------------------------------
	def show(self, marketplace_id: str, sku: str, quantities: FbaQuantities) -> Outcome:
		name = frappe.db.get_value(
			MAPPING_DOCTYPE,
			{"amazon_account": self.ctx.account, "marketplace_id": marketplace_id, "sku": sku},
			"name",
		)
		if not name:
			return Outcome.SKIPPED
		values = {field: getattr(quantities, attr) for field, attr in QUANTITY_FIELDS.items()}
		current = frappe.db.get_value(MAPPING_DOCTYPE, name, list(values), as_dict=True)
		if all(int(current.get(field) or 0) == value for field, value in values.items()):
			frappe.db.set_value(
				MAPPING_DOCTYPE, name, "fba_inventory_checked", now_datetime(), update_modified=False
			)
			return Outcome.UNCHANGED
		values["fba_inventory_checked"] = now_datetime()
		frappe.db.set_value(MAPPING_DOCTYPE, name, values, update_modified=False)
		return Outcome.UPDATED

	# -- the Stock Reconciliation ----------------------------------------------------------------
	def reconcile(self, changes: list[FbaStockChange]) -> StockReconciled:
		warehouse = self.warehouse()
		result = StockReconciled()
		rows = []
		for change in changes:
			try:
				rows.append((change, self._row(change, warehouse)))
			except AdapterError as exc:
				result.failed[change.item_code] = str(exc)
		if not rows:
			return result
		savepoint = "amazon_fba_reconciliation"
		frappe.db.savepoint(savepoint)
		try:
			result.document = self._submit([row for _, row in rows])
			result.applied.extend(change.item_code for change, _ in rows)
			return result
		except Exception:  # one row ERPNext refuses: apply the others one document each, below
			frappe.db.rollback(save_point=savepoint)
		names = []
		for change, row in rows:
			frappe.db.savepoint(savepoint)
			try:
				names.append(self._submit([row]))
				result.applied.append(change.item_code)
			except Exception as exc:
				frappe.db.rollback(save_point=savepoint)
				result.failed[change.item_code] = _error_text(exc)
		result.document = ", ".join(names)
		return result

	def _row(self, change: FbaStockChange, warehouse: str) -> dict:
		item = frappe.db.get_value(
			"Item",
			change.item_code,
			["is_stock_item", "has_serial_no", "has_batch_no", "disabled", "valuation_rate"],
			as_dict=True,
		)
		if not item:
			raise AdapterError(_("Item {0} does not exist").format(change.item_code))
		if not item.is_stock_item:
			raise AdapterError(_("Item {0} is not a stock item").format(change.item_code))
		if item.has_serial_no or item.has_batch_no:
			raise AdapterError(
				_(
					"Item {0} has serial or batch numbers, which Amazon does not report: set its FBA stock by hand"
				).format(change.item_code)
			)
		return {
			"item_code": change.item_code,
			"warehouse": warehouse,
			"qty": change.target,
			"valuation_rate": self.valuation_rate(change.item_code, warehouse, item.valuation_rate),
		}

	def valuation_rate(self, item_code: str, warehouse: str, item_rate=None) -> float:
		rate = flt(
			frappe.db.get_value("Bin", {"item_code": item_code, "warehouse": warehouse}, "valuation_rate")
		)
		if rate > 0:
			return rate
		company_warehouses = frappe.get_all("Warehouse", filters={"company": self.ctx.company}, pluck="name")
		other = frappe.get_all(
			"Bin",
			filters={
				"item_code": item_code,
				"warehouse": ["in", company_warehouses],
				"valuation_rate": [">", 0],
			},
			fields=["valuation_rate"],
			order_by="modified desc",
			limit=1,
		)
		if other:
			return flt(other[0].valuation_rate)
		if flt(item_rate) > 0:
			return flt(item_rate)
		buying_list = frappe.db.get_single_value("Buying Settings", "buying_price_list")
		if buying_list:
			price = frappe.db.get_value(
				"Item Price",
				{"item_code": item_code, "price_list": buying_list, "buying": 1},
				"price_list_rate",
			)
			if flt(price) > 0:
				return flt(price)
		fallback = flt(
			frappe.db.get_value("Amazon Settings", self.ctx.account, "fba_fallback_valuation_rate")
		)
		if fallback > 0:
			return fallback
		raise AdapterError(
			_(
				"No valuation rate for Item {0}: give it a Valuation Rate or a standard buying price, or set "
				"the Fallback Valuation Rate for FBA Stock in Amazon Settings {1}"
			).format(item_code, self.ctx.account)
		)

	def _submit(self, rows: list[dict]) -> str:
		from erpnext.stock.doctype.stock_reconciliation.stock_reconciliation import get_difference_account

		# ERPNext takes the very first stock entry of a site for an opening entry, whose difference must go
		# to a balance-sheet account: then the mirror's first document is an Opening Stock one, on the
		# company's Temporary Opening account, as ERPNext itself proposes for opening stock.
		purpose = (
			"Stock Reconciliation"
			if frappe.db.get_value("Stock Ledger Entry", {}, "name")
			else "Opening Stock"
		)
		doc = frappe.get_doc(
			{
				"doctype": "Stock Reconciliation",
				"company": self.ctx.company,
				"purpose": purpose,
				"expense_account": get_difference_account(purpose, self.ctx.company),
				"posting_date": nowdate(),
				"posting_time": nowtime(),
				"set_posting_time": 1,
				"amazon_account": self.ctx.account,
				"items": rows,
			}
		)
		doc.flags.ignore_permissions = True
		doc.insert()
		doc.submit()
		return doc.name


def _error_text(exc: Exception) -> str:
	text = str(exc) or type(exc).__name__
	return frappe.utils.strip_html(text) if hasattr(frappe.utils, "strip_html") else text
