"""The in-memory ERP port: what a run would create or change, without an ERP.

Used by the framework-free tests, the demo and dry runs. It keeps the same contract as the
ERPNext adapter, including record scopes that undo one record's writes when it fails.
"""

from __future__ import annotations

import copy
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from decimal import Decimal

from ..drafts import FeeEntryDraft, ItemDraft, RefundDraft, SalesOrderDraft
from ..drafts.fulfilment import FulfilmentState, ReturnResult
from ..drafts.listings import ListingHealth, OfferPrice
from ..drafts.shipments import CarrierCode, DeliveryView, ShipmentDraft
from ..drafts.stock import FbaQuantities, FbaStockChange, MerchantStock
from ..drafts.transactions import AccountEntryDraft, SettlementDraft, SettlementMember
from ..engine.settlements import DONE, settlement_status
from ..ports import (
	SALE_INVOICED,
	SALE_OUTSIDE,
	SALE_TO_INVOICE,
	ErpPort,
	InventoryPort,
	Outcome,
	SalesOrderState,
	StockPushPort,
	StockReconciled,
	SyncLocked,
)

_MISSING = object()

# Amazon statuses after which fees are expected.
_SHIPPED = {"SHIPPED", "PARTIALLY_SHIPPED", "DELIVERED"}
# Amazon statuses after which the order is invoiced (see core.engine.invoices).
_FULLY_SHIPPED = {"SHIPPED", "DELIVERED"}


class _FeeEntries(dict):
	"""event key -> FeeEntryDraft, with the keys of each order indexed: the fee sync asks for one
	order's keys per order, and a scan of every entry would make a run quadratic in its orders.
	(Record scopes undo with item assignment and pop, which keep the index.)"""

	def __init__(self):
		super().__init__()
		self.by_order: dict[str, set[str]] = {}

	def __setitem__(self, key, entry) -> None:
		if key in self:
			self._unindex(key)
		super().__setitem__(key, entry)
		self.by_order.setdefault(entry.amazon_order_id, set()).add(key)

	def __delitem__(self, key) -> None:
		self._unindex(key)
		super().__delitem__(key)

	def pop(self, key, *default):
		if key in self:
			self._unindex(key)
		return super().pop(key, *default)

	def _unindex(self, key) -> None:
		keys = self.by_order.get(self[key].amazon_order_id)
		if keys is not None:
			keys.discard(key)
			if not keys:
				del self.by_order[self[key].amazon_order_id]


class PreviewErp:
	"""An ERP made of dicts, bound to one Amazon account."""

	def __init__(self, account_key: str = "preview"):
		self.account_key = account_key
		self.items: dict[str, dict] = {}  # item code -> {"draft": ItemDraft, "prices": {mkt: (price, cur)}}
		self.item_map: dict[tuple[str, str], str] = {}  # (marketplace, sku) -> item code
		self.sales_orders: dict[str, dict] = {}  # amazon order id -> {"draft", "docstatus", "history"}
		self.fee_entries = _FeeEntries()  # event key -> FeeEntryDraft
		self.invoices: dict[str, dict] = {}  # amazon order id -> {"grand_total", "currency", "posting"}
		self.credit_notes: dict[str, RefundDraft] = {}  # refund key -> draft (booked)
		self.held_refunds: dict[str, RefundDraft] = {}  # refund key -> draft (waiting for the invoice)
		self.account_entries: dict[str, AccountEntryDraft] = {}  # entry key -> draft
		self.settlements: dict[str, dict] = {}  # settlement id -> {"draft", "status"}
		self.checkpoints: dict[str, dict] = {}
		self.fba_warehouse: dict[str, float] = {}  # item code -> quantity in the FBA warehouse
		self.fba_quantities: dict[tuple[str, str], FbaQuantities] = {}  # (marketplace, sku) -> Amazon's
		self.stock_documents: list[list[FbaStockChange]] = []  # each reconciliation's changes
		# (marketplace, sku) of merchant-fulfilled listings -> {"item_code", "available", "last_pushed", "rejected"}
		self.merchant_listings: dict[tuple[str, str], dict] = {}
		# seller fulfillment order id -> {"status", "message", "deliveries": {Amazon shipment id: record},
		# "returns": {seller return item id: condition once received, "" while on its way}}
		self.fulfilment_orders: dict[str, dict] = {}
		# delivery note -> {"view": DeliveryView, "status": Pending/Confirmed/Failed, "message", "draft"}
		self.deliveries: dict[str, dict] = {}
		self.carriers: list[CarrierCode] = []
		# (marketplace, sku) -> ListingHealth as last checked, in the order checked (oldest first)
		self.listing_health: dict[tuple[str, str], ListingHealth] = {}
		# (marketplace, sku) -> {"item_code", "price", "currency", "last_pushed", "rejected"}
		self.offer_price_list: dict[tuple[str, str], dict] = {}
		self._undo: list | None = None  # (container, key, previous value) while inside a record scope
		self._held: set[str] = set()  # kinds of run holding this account's lock

	def _remember(self, container: dict, key) -> None:
		"""Keep what `container[key]` was, so that a failing record can be undone like a savepoint."""
		if self._undo is not None:
			previous = copy.deepcopy(container[key]) if key in container else _MISSING
			self._undo.append((container, key, previous))

	# -- items ---------------------------------------------------------------------------
	def item_for_sku(self, marketplace_id: str, sku: str) -> str | None:
		code = self.item_map.get((marketplace_id, sku))
		if code:
			return code
		# One Item serves a SKU in every marketplace.
		return next((c for (_, s), c in self.item_map.items() if s == sku), None)

	def upsert_item(self, draft: ItemDraft) -> Outcome:
		# The Item's content and each marketplace's listing are compared apart: a SKU sold in two
		# marketplaces is one Item with two listings, not an Item flipping between them.
		key = (draft.marketplace_id, draft.sku)
		code = self.item_for_sku(draft.marketplace_id, draft.sku) or draft.item_code
		self._remember(self.items, code)
		self._remember(self.item_map, key)
		existing = self.items.get(code)
		price = (draft.price, draft.currency) if draft.price is not None else None
		if existing is None:
			self.items[code] = {
				"draft": draft,
				"prices": {draft.marketplace_id: price} if price else {},
				"listings": {draft.marketplace_id: draft.listing_fields()},
			}
			self.item_map[key] = code
			return Outcome.CREATED
		changed = key not in self.item_map
		self.item_map[key] = code
		listings = existing["listings"]
		if listings.get(draft.marketplace_id) != draft.listing_fields():
			listings[draft.marketplace_id] = draft.listing_fields()
			changed = True
		current_price = existing["prices"].get(draft.marketplace_id)
		# With price updates switched off, a missing price is still created, never changed.
		if price and current_price != price and (draft.price_update or current_price is None):
			existing["prices"][draft.marketplace_id] = price
			changed = True
		if existing["draft"].item_fields() != draft.item_fields():
			existing["draft"] = draft
			changed = True
		return Outcome.UPDATED if changed else Outcome.UNCHANGED

	# -- orders --------------------------------------------------------------------------
	def sales_order_state(self, amazon_order_id: str) -> SalesOrderState | None:
		record = self.sales_orders.get(amazon_order_id)
		if not record:
			return None
		draft = record["draft"]
		return SalesOrderState(amazon_order_id, draft.last_updated, record["docstatus"], draft.amazon_status)

	def upsert_sales_order(self, draft: SalesOrderDraft) -> Outcome:
		self._remember(self.sales_orders, draft.amazon_order_id)
		record = self.sales_orders.get(draft.amazon_order_id)
		if record is None:
			docstatus = 1 if draft.submit else 0
			self.sales_orders[draft.amazon_order_id] = {"draft": draft, "docstatus": docstatus, "history": []}
			return Outcome.CREATED
		if record["docstatus"] == 2:
			return Outcome.UNCHANGED
		if asdict(record["draft"]) == asdict(draft):
			return Outcome.UNCHANGED
		record["history"].append(record["draft"].amazon_status)
		record["draft"] = draft
		if draft.submit and record["docstatus"] == 0:
			record["docstatus"] = 1
		return Outcome.UPDATED

	def cancel_sales_order(self, amazon_order_id: str, reason: str) -> Outcome:
		self._remember(self.sales_orders, amazon_order_id)
		record = self.sales_orders.get(amazon_order_id)
		if record is None or record["docstatus"] == 2:
			return Outcome.UNCHANGED
		record["docstatus"] = 2
		record["cancel_reason"] = reason
		return Outcome.CANCELLED

	# -- fees ----------------------------------------------------------------------------
	def posted_fee_event_keys(self, amazon_order_id: str) -> set[str]:
		return set(self.fee_entries.by_order.get(amazon_order_id, ()))

	def post_fee_entry(self, draft: FeeEntryDraft) -> Outcome:
		if draft.event_key in self.fee_entries:
			return Outcome.UNCHANGED
		self._remember(self.fee_entries, draft.event_key)
		self.fee_entries[draft.event_key] = draft
		return Outcome.CREATED

	def orders_awaiting_fees(self, shipped_before: datetime) -> list[str]:
		with_fees = self.fee_entries.by_order
		return sorted(
			order_id
			for order_id, record in self.sales_orders.items()
			if record["docstatus"] != 2
			and record["draft"].amazon_status in _SHIPPED
			and record["draft"].last_updated < shipped_before
			and order_id not in with_fees
		)

	# -- account-level money and settlements -------------------------------------------------
	def post_account_entry(self, draft: AccountEntryDraft) -> Outcome:
		if draft.entry_key in self.account_entries or draft.entry_key in self.fee_entries:
			return Outcome.UNCHANGED
		if not any(line.amount for line in draft.lines):
			return Outcome.SKIPPED
		self._remember(self.account_entries, draft.entry_key)
		self.account_entries[draft.entry_key] = draft
		return Outcome.CREATED

	def booked_entry_keys(self, keys: list[str]) -> set[str]:
		return {k for k in keys if k in self.fee_entries or k in self.account_entries}

	def settlement_done(self, settlement_id: str) -> bool:
		return (self.settlements.get(settlement_id) or {}).get("status") in DONE

	def order_sale_on_clearing(self, amazon_order_id: str) -> tuple[str, Decimal]:
		"""As the adapter with invoices on: an invoiced order's grand total, a submitted order's to come."""
		invoice = self.invoices.get(amazon_order_id)
		if invoice is not None and invoice.get("grand_total") is not None:
			return SALE_INVOICED, Decimal(str(invoice["grand_total"]))
		if invoice is not None or (self.sales_orders.get(amazon_order_id) or {}).get("docstatus") == 1:
			return SALE_TO_INVOICE, Decimal(0)
		return SALE_OUTSIDE, Decimal(0)

	def sale_sides_missing(self, members: list[SettlementMember]) -> list[str]:
		"""As the adapter with invoices on: a submitted order's sale waits for its invoice, and an
		invoiced order's refund for its credit note."""
		missing = []
		for member in members:
			order_id = member.amazon_order_id
			if not member.sale or not order_id:
				continue
			if member.refund_key:
				if order_id in self.invoices and member.refund_key not in self.credit_notes:
					missing.append(f"credit note of refund {member.refund_key}")
			elif (self.sales_orders.get(order_id) or {}).get(
				"docstatus"
			) == 1 and order_id not in self.invoices:
				missing.append(f"invoice of order {order_id}")
		return missing

	def book_settlement(self, draft: SettlementDraft) -> Outcome:
		"""The adapter's rules (see ports.TransactionsPort), with the deposit kept on the record."""
		record = self.settlements.get(draft.settlement_id)
		if record and record["status"] in DONE:
			return Outcome.UNCHANGED
		self._remember(self.settlements, draft.settlement_id)
		status, outcome = settlement_status(draft)
		self.settlements[draft.settlement_id] = {"draft": draft, "status": status}
		return outcome

	# -- invoices and refunds ------------------------------------------------------------
	def orders_awaiting_invoice(self) -> list[str]:
		return sorted(
			order_id
			for order_id, record in self.sales_orders.items()
			if record["docstatus"] == 1
			and record["draft"].amazon_status in _FULLY_SHIPPED
			and order_id not in self.invoices
		)

	def invoice_order(self, amazon_order_id: str) -> Outcome:
		if amazon_order_id in self.invoices:
			return Outcome.UNCHANGED
		draft = self.sales_orders[amazon_order_id]["draft"]
		self._remember(self.invoices, amazon_order_id)
		self.invoices[amazon_order_id] = {
			"grand_total": draft.grand_total,
			"currency": draft.currency,
			"posting": draft.shipped_at,
		}
		return Outcome.CREATED

	def post_refund(self, draft: RefundDraft) -> Outcome:
		if draft.refund_key in self.credit_notes or draft.refund_key in self.held_refunds:
			return Outcome.UNCHANGED
		if draft.amazon_order_id not in self.invoices:
			self._remember(self.held_refunds, draft.refund_key)
			self.held_refunds[draft.refund_key] = draft
			return Outcome.HELD
		self._remember(self.credit_notes, draft.refund_key)
		self.credit_notes[draft.refund_key] = draft
		return Outcome.CREATED

	def held_refunds_ready(self) -> list[str]:
		return sorted(
			key for key, draft in self.held_refunds.items() if draft.amazon_order_id in self.invoices
		)

	def apply_held_refund(self, refund_key: str) -> Outcome:
		draft = self.held_refunds.get(refund_key)
		if draft is None:
			return Outcome.UNCHANGED
		self._remember(self.held_refunds, refund_key)
		self._remember(self.credit_notes, refund_key)
		del self.held_refunds[refund_key]
		self.credit_notes[refund_key] = draft
		return Outcome.CREATED

	# -- FBA stock -----------------------------------------------------------------------
	def fba_stock(self) -> dict[str, float]:
		mapped = set(self.item_map.values())
		return {code: qty for code, qty in self.fba_warehouse.items() if qty and code in mapped}

	def set_fba_quantities(self, marketplace_id: str, sku: str, quantities: FbaQuantities) -> Outcome:
		key = (marketplace_id, sku)
		if key not in self.item_map:
			return Outcome.SKIPPED
		if self.fba_quantities.get(key) == quantities:
			return Outcome.UNCHANGED
		self._remember(self.fba_quantities, key)
		self.fba_quantities[key] = quantities
		return Outcome.UPDATED

	def reconcile_fba_stock(self, changes: list[FbaStockChange]) -> StockReconciled:
		result = StockReconciled(document=f"PREVIEW-RECO-{len(self.stock_documents) + 1}")
		for change in changes:
			self._remember(self.fba_warehouse, change.item_code)
			self.fba_warehouse[change.item_code] = float(change.target)
			result.applied.append(change.item_code)
		self.stock_documents.append(list(changes))
		return result

	# -- stock to Amazon -----------------------------------------------------------------
	def merchant_stock(self) -> list[MerchantStock]:
		return [
			MerchantStock(
				marketplace_id, sku, entry["item_code"], int(entry["available"]), entry.get("last_pushed")
			)
			for (marketplace_id, sku), entry in sorted(self.merchant_listings.items())
		]

	def mark_stock_pushed(self, marketplace_id: str, sku: str, quantity: int) -> None:
		self._remember(self.merchant_listings, (marketplace_id, sku))
		entry = self.merchant_listings[(marketplace_id, sku)]
		entry.update(last_pushed=int(quantity), rejected="")

	def mark_stock_rejected(self, marketplace_id: str, sku: str, quantity: int, message: str) -> None:
		self._remember(self.merchant_listings, (marketplace_id, sku))
		self.merchant_listings[(marketplace_id, sku)]["rejected"] = message

	# -- Multi-Channel Fulfillment -------------------------------------------------------
	def open_fulfilment_orders(self) -> list[str]:
		return sorted(
			i
			for i, r in self.fulfilment_orders.items()
			if not FulfilmentState(i, r["status"], None).final or "" in r.get("returns", {}).values()
		)

	def note_return(self, seller_fulfillment_order_id: str, result: ReturnResult) -> None:
		"""The units Amazon accepted for return (what the Sales Order's return button keeps)."""
		record = self.fulfilment_orders[seller_fulfillment_order_id]
		for unit in result.accepted:
			record.setdefault("returns", {})[unit.seller_return_item_id] = ""

	def apply_fulfilment_state(self, state: FulfilmentState) -> Outcome:
		order_id = state.seller_fulfillment_order_id
		self._remember(self.fulfilment_orders, order_id)
		record = self.fulfilment_orders.setdefault(order_id, {"status": "", "message": "", "deliveries": {}})
		new = [s for s in state.shipments if s.shipped and s.amazon_shipment_id not in record["deliveries"]]
		asked = record.setdefault("returns", {})
		received = [r for r in state.returns if r.processed and asked.get(r.seller_return_item_id) == ""]
		if (
			record["status"] == state.status
			and record["message"] == state.message
			and not new
			and not received
		):
			return Outcome.UNCHANGED
		record["status"], record["message"] = state.status, state.message
		record["held"] = state.held
		for unit in received:
			asked[unit.seller_return_item_id] = unit.condition or "received"
		for shipment in new:
			record["deliveries"][shipment.amazon_shipment_id] = {
				"quantities": dict(shipment.quantities),
				"tracking": shipment.tracking_text(),
			}
		return Outcome.FLAGGED if state.refused else Outcome.UPDATED

	def flag_fulfilment(self, seller_fulfillment_order_id: str, message: str) -> None:
		self._remember(self.fulfilment_orders, seller_fulfillment_order_id)
		record = self.fulfilment_orders.setdefault(
			seller_fulfillment_order_id, {"status": "", "message": "", "deliveries": {}}
		)
		record["message"] = message

	# -- listings health and prices -----------------------------------------------------
	def listings_to_check(self, marketplace_ids: list[str], limit: int) -> list[tuple[str, str]]:
		listed = sorted({key for key in self.item_map if key[0] in marketplace_ids})
		never = [key for key in listed if key not in self.listing_health]
		checked = [key for key in self.listing_health if key in listed]  # oldest check first
		return (never + checked)[:limit]

	def set_listing_health(self, marketplace_id: str, sku: str, health: ListingHealth) -> Outcome:
		key = (marketplace_id, sku)
		self._remember(self.listing_health, key)
		before = self.listing_health.pop(key, None)
		self.listing_health[key] = health  # moves to the end: checked most recently
		return Outcome.UNCHANGED if before == health else Outcome.UPDATED

	def offer_prices(self) -> list[OfferPrice]:
		return [
			OfferPrice(m, sku, e["item_code"], e["price"], e["currency"], e.get("last_pushed"))
			for (m, sku), e in sorted(self.offer_price_list.items())
		]

	def mark_price_pushed(self, marketplace_id: str, sku: str, price) -> None:
		self._remember(self.offer_price_list, (marketplace_id, sku))
		self.offer_price_list[(marketplace_id, sku)].update(last_pushed=price, rejected="")

	def mark_price_rejected(self, marketplace_id: str, sku: str, price, message: str) -> None:
		self._remember(self.offer_price_list, (marketplace_id, sku))
		self.offer_price_list[(marketplace_id, sku)]["rejected"] = message

	# -- shipment confirmation -----------------------------------------------------------
	def pending_shipments(self) -> list[DeliveryView]:
		return [entry["view"] for _, entry in sorted(self.deliveries.items()) if entry["status"] == "Pending"]

	def carrier_codes(self) -> list[CarrierCode]:
		return list(self.carriers)

	def mark_shipment_confirmed(self, draft: ShipmentDraft) -> None:
		self._remember(self.deliveries, draft.delivery_note)
		self.deliveries[draft.delivery_note].update(status="Confirmed", message="", draft=draft)

	def mark_shipment_failed(self, delivery_note: str, message: str, *, final: bool) -> None:
		self._remember(self.deliveries, delivery_note)
		self.deliveries[delivery_note].update(status="Failed" if final else "Pending", message=message)

	# -- state ---------------------------------------------------------------------------
	def get_checkpoint(self, kind: str) -> dict | None:
		value = self.checkpoints.get(kind)
		return copy.deepcopy(value) if value is not None else None

	def set_checkpoint(self, kind: str, value: dict) -> None:
		self.checkpoints[kind] = copy.deepcopy(value)

	@contextmanager
	def exclusive(self, kind: str):
		# One run at a time per account, whatever its kind: products, orders and fees share data.
		if self._held:
			raise SyncLocked(
				f"A {', '.join(sorted(self._held))} sync of {self.account_key} is already running"
			)
		self._held.add(kind)
		try:
			yield
		finally:
			self._held.discard(kind)

	@contextmanager
	def record_scope(self, kind: str, amazon_id: str):
		outer, self._undo = self._undo, []
		try:
			yield
		except BaseException:
			for container, key, previous in reversed(self._undo):
				if previous is _MISSING:
					container.pop(key, None)
				else:
					container[key] = previous
			raise
		finally:
			if outer is not None:
				outer.extend(self._undo)  # a nested scope's writes belong to the outer one too
			self._undo = outer


def _preview_is_an_erp_port(preview: PreviewErp) -> tuple[ErpPort, InventoryPort, StockPushPort]:
	# Never called: the type checker (mypy, see pyproject.toml) fails here when the preview drifts
	# from the ERP ports it implements.
	return preview, preview, preview
