"""The dry run's ERP port: what a run would create, update or leave unchanged in ERPNext, without
writing to it.

`ComparingPreview` is the in-memory preview (`core.preview.PreviewErp`) that reads ERPNext through the
adapter before it answers: an Item, Sales Order, fee entry, account entry, settlement, invoice or
refund ERPNext already has is compared with it (unchanged, or updated), not reported as new. Its
writes stay in memory, so that later records of the same run see them (an Item created for an
order's SKU). Checkpoints stay in memory too: a dry run reads its own window and never moves the
account's checkpoints.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import frappe

from ..core.drafts import FeeEntryDraft, ItemDraft, RefundDraft, SalesOrderDraft
from ..core.drafts.transactions import AccountEntryDraft, SettlementDraft
from ..core.ports import Outcome, SalesOrderState
from ..core.preview import PreviewErp
from .port import ErpNextPort
from .refunds import DOCTYPE as REFUND_DOCTYPE


class ComparingPreview(PreviewErp):
	def __init__(self, settings_doc):
		super().__init__(settings_doc.name)
		self.erp = ErpNextPort(settings_doc)
		self.unchanged: set[str] = set()  # item codes kept in memory only to be found again, not changed

	# -- items -----------------------------------------------------------------------------------
	def item_for_sku(self, marketplace_id: str, sku: str) -> str | None:
		return super().item_for_sku(marketplace_id, sku) or self.erp.item_for_sku(marketplace_id, sku)

	def upsert_item(self, draft: ItemDraft) -> Outcome:
		if (draft.marketplace_id, draft.sku) in self.item_map:
			return super().upsert_item(draft)  # seen earlier in this dry run
		outcome = self.erp.items.compare(draft)
		super().upsert_item(draft)
		if outcome is Outcome.UNCHANGED:
			self.unchanged.add(self.item_for_sku(draft.marketplace_id, draft.sku) or draft.item_code)
		return outcome

	# -- orders ----------------------------------------------------------------------------------
	def sales_order_state(self, amazon_order_id: str) -> SalesOrderState | None:
		return super().sales_order_state(amazon_order_id) or self.erp.sales_order_state(amazon_order_id)

	def upsert_sales_order(self, draft: SalesOrderDraft) -> Outcome:
		stored = None if draft.amazon_order_id in self.sales_orders else self._stored(draft.amazon_order_id)
		outcome = super().upsert_sales_order(draft)
		if stored is None:
			return outcome
		# The engine asks only when Amazon changed the order since ERPNext's copy: an update, unless
		# ERPNext's is cancelled (then it stays as it is).
		self.sales_orders[draft.amazon_order_id]["docstatus"] = stored.docstatus
		return Outcome.UNCHANGED if stored.docstatus == 2 else Outcome.UPDATED

	def cancel_sales_order(self, amazon_order_id: str, reason: str) -> Outcome:
		if amazon_order_id not in self.sales_orders:
			stored = self._stored(amazon_order_id)
			if stored is not None:
				return Outcome.UNCHANGED if stored.docstatus == 2 else Outcome.CANCELLED
		return super().cancel_sales_order(amazon_order_id, reason)

	def _stored(self, amazon_order_id: str) -> SalesOrderState | None:
		return self.erp.sales_order_state(amazon_order_id)

	# -- fees, account entries, settlements --------------------------------------------------------
	def posted_fee_event_keys(self, amazon_order_id: str) -> set[str]:
		return super().posted_fee_event_keys(amazon_order_id) | self.erp.posted_fee_event_keys(
			amazon_order_id
		)

	def post_fee_entry(self, draft: FeeEntryDraft) -> Outcome:
		if draft.event_key in self.erp.posted_fee_event_keys(draft.amazon_order_id):
			return Outcome.UNCHANGED
		return super().post_fee_entry(draft)

	def orders_awaiting_fees(self, shipped_before: datetime) -> list[str]:
		return sorted(
			set(super().orders_awaiting_fees(shipped_before))
			| set(self.erp.orders_awaiting_fees(shipped_before))
		)

	def post_account_entry(self, draft: AccountEntryDraft) -> Outcome:
		if self.erp.booked_entry_keys([draft.entry_key]):
			return Outcome.UNCHANGED
		return super().post_account_entry(draft)

	def booked_entry_keys(self, keys: list[str]) -> set[str]:
		return super().booked_entry_keys(keys) | self.erp.booked_entry_keys(keys)

	def settlement_booked(self, settlement_id: str) -> bool:
		return super().settlement_booked(settlement_id) or self.erp.settlement_booked(settlement_id)

	def book_settlement(self, draft: SettlementDraft) -> Outcome:
		if self.erp.settlement_booked(draft.settlement_id):
			return Outcome.UNCHANGED
		return super().book_settlement(draft)

	# -- invoices and refunds ----------------------------------------------------------------------
	def order_sale_on_clearing(self, amazon_order_id: str) -> tuple[str, Decimal]:
		if amazon_order_id in self.invoices or amazon_order_id in self.sales_orders:
			return super().order_sale_on_clearing(amazon_order_id)
		return self.erp.order_sale_on_clearing(amazon_order_id)

	def orders_awaiting_invoice(self) -> list[str]:
		waiting = set(super().orders_awaiting_invoice()) | set(self.erp.orders_awaiting_invoice())
		return sorted(waiting - set(self.invoices))

	def invoice_order(self, amazon_order_id: str) -> Outcome:
		if amazon_order_id in self.invoices or amazon_order_id in self.sales_orders:
			return super().invoice_order(amazon_order_id)
		# An order ERPNext has and this dry run did not read: it would be invoiced as it stands there.
		self._remember(self.invoices, amazon_order_id)
		self.invoices[amazon_order_id] = {"grand_total": None, "currency": None, "posting": None}
		return Outcome.CREATED

	def post_refund(self, draft: RefundDraft) -> Outcome:
		if frappe.db.exists(REFUND_DOCTYPE, {"refund_key": draft.refund_key}):
			return Outcome.UNCHANGED
		if draft.amazon_order_id not in self.invoices and frappe.db.exists(
			"Sales Invoice", {"amazon_invoice_key": draft.amazon_order_id, "docstatus": 1}
		):
			self._remember(self.invoices, draft.amazon_order_id)
			self.invoices[draft.amazon_order_id] = {"grand_total": None, "currency": None, "posting": None}
		return super().post_refund(draft)

	# -- FBA stock ---------------------------------------------------------------------------------
	def fba_stock(self) -> dict[str, float]:
		return {**self.erp.fba_stock(), **super().fba_stock()}
