"""`ErpNextPort`: the sync core's ERP port (`core.ports.ErpPort`) for one Amazon Settings record.

Build one per run: `ErpNextPort(settings_doc)` (a document or its name). It reads the settings once,
never commits (the job runner commits between batches), and wraps each record in a savepoint
through `record_scope`.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from decimal import Decimal

from ..core.drafts import FeeEntryDraft, ItemDraft, RefundDraft, SalesOrderDraft
from ..core.drafts.fulfilment import FulfilmentState
from ..core.drafts.listings import ListingHealth, OfferPrice
from ..core.drafts.shipments import CarrierCode, DeliveryView, ShipmentDraft
from ..core.drafts.stock import FbaQuantities, FbaStockChange, MerchantStock
from ..core.drafts.transactions import AccountEntryDraft, SettlementDraft, SettlementMember
from ..core.ports import Outcome, SalesOrderState, StockReconciled
from . import carriers, state
from .accounts import Accounts
from .context import AdapterContext, context_of
from .customers import Customers
from .fee_entries import FeeEntries
from .fulfilment import Fulfilment
from .inventory import FbaStock
from .items import Items
from .listings import Listings
from .refunds import Refunds
from .sales_invoices import SalesInvoices
from .sales_orders import SalesOrders
from .settlements import AccountEntries, Settlements
from .shipments import Shipments
from .stock_push import StockPush


class ErpNextPort:
	def __init__(self, settings_doc):
		self.ctx: AdapterContext = context_of(settings_doc)
		self.accounts = Accounts(self.ctx.company, self.ctx.account_group, self.ctx.clearing_account)
		self.customers = Customers(self.ctx)
		self.items = Items(self.ctx)
		self.sales_orders = SalesOrders(self.ctx, self.accounts, self.customers, self.items.item_for_sku)
		self.fee_entries = FeeEntries(self.ctx, self.accounts, self.sales_orders)
		self.sales_invoices = SalesInvoices(self.ctx, self.accounts, self.items.item_for_sku)
		self.refunds = Refunds(self.ctx, self.sales_invoices)
		self.account_entries = AccountEntries(self.fee_entries)
		self.settlements = Settlements(
			self.ctx,
			self.accounts,
			self.fee_entries,
			{currency: bank for currency, bank in self.ctx.settlement_bank_accounts if currency and bank},
		)
		self.checkpoints = state.Checkpoints(self.ctx.account)
		self.fba = FbaStock(self.ctx)
		self.stock_push = StockPush(self.ctx)
		self.fulfilment = Fulfilment(self.ctx)
		self.shipments = Shipments(self.ctx)
		self.listings = Listings(self.ctx, self.items)

	# -- ItemsPort -------------------------------------------------------------------------------
	def upsert_item(self, draft: ItemDraft) -> Outcome:
		return self.items.upsert_item(draft)

	def item_for_sku(self, marketplace_id: str, sku: str) -> str | None:
		return self.items.item_for_sku(marketplace_id, sku)

	# -- OrdersPort ------------------------------------------------------------------------------
	def sales_order_state(self, amazon_order_id: str) -> SalesOrderState | None:
		return self.sales_orders.state(amazon_order_id)

	def upsert_sales_order(self, draft: SalesOrderDraft) -> Outcome:
		return self.sales_orders.upsert(draft)

	def cancel_sales_order(self, amazon_order_id: str, reason: str) -> Outcome:
		return self.sales_orders.cancel(amazon_order_id, reason)

	# -- FeesPort --------------------------------------------------------------------------------
	def posted_fee_event_keys(self, amazon_order_id: str) -> set[str]:
		return self.fee_entries.posted_event_keys(amazon_order_id)

	def post_fee_entry(self, draft: FeeEntryDraft) -> Outcome:
		return self.fee_entries.post(draft)

	def orders_awaiting_fees(self, shipped_before: datetime) -> list[str]:
		return self.sales_orders.orders_awaiting_fees(shipped_before)

	# -- InventoryPort ---------------------------------------------------------------------------
	def fba_stock(self) -> dict[str, float]:
		return self.fba.quantities()

	def set_fba_quantities(self, marketplace_id: str, sku: str, quantities: FbaQuantities) -> Outcome:
		return self.fba.show(marketplace_id, sku, quantities)

	def reconcile_fba_stock(self, changes: list[FbaStockChange]) -> StockReconciled:
		return self.fba.reconcile(changes)

	# -- InvoicesPort ----------------------------------------------------------------------------
	def orders_awaiting_invoice(self) -> list[str]:
		return self.sales_invoices.orders_awaiting_invoice()

	def invoice_order(self, amazon_order_id: str) -> Outcome:
		return self.sales_invoices.invoice_order(amazon_order_id)

	# -- RefundsPort -----------------------------------------------------------------------------
	def post_refund(self, draft: RefundDraft) -> Outcome:
		return self.refunds.post(draft)

	def held_refunds_ready(self) -> list[str]:
		return self.refunds.ready()

	def apply_held_refund(self, refund_key: str) -> Outcome:
		return self.refunds.apply(refund_key)

	# -- StockPushPort ---------------------------------------------------------------------------
	def merchant_stock(self) -> list[MerchantStock]:
		return self.stock_push.merchant_stock()

	def mark_stock_pushed(self, marketplace_id: str, sku: str, quantity: int) -> None:
		self.stock_push.pushed(marketplace_id, sku, quantity)

	def mark_stock_rejected(self, marketplace_id: str, sku: str, quantity: int, message: str) -> None:
		self.stock_push.rejected(marketplace_id, sku, quantity, message)

	# -- ListingsPort ----------------------------------------------------------------------------
	def listings_to_check(self, marketplace_ids: list[str], limit: int) -> list[tuple[str, str]]:
		return self.listings.to_check(marketplace_ids, limit)

	def set_listing_health(self, marketplace_id: str, sku: str, health: ListingHealth) -> Outcome:
		return self.listings.set_health(marketplace_id, sku, health)

	def offer_prices(self) -> list[OfferPrice]:
		return self.listings.offer_prices()

	def mark_price_pushed(self, marketplace_id: str, sku: str, price) -> None:
		self.listings.price_pushed(marketplace_id, sku, price)

	def mark_price_rejected(self, marketplace_id: str, sku: str, price, message: str) -> None:
		self.listings.price_rejected(marketplace_id, sku, price, message)

	# -- ShipmentsPort ---------------------------------------------------------------------------
	def pending_shipments(self) -> list[DeliveryView]:
		return self.shipments.pending()

	def carrier_codes(self) -> list[CarrierCode]:
		return carriers.carrier_codes()

	def mark_shipment_confirmed(self, draft: ShipmentDraft) -> None:
		self.shipments.confirmed(draft)

	def mark_shipment_failed(self, delivery_note: str, message: str, *, final: bool) -> None:
		self.shipments.failed(delivery_note, message, final=final)

	# -- TransactionsPort ------------------------------------------------------------------------
	def post_account_entry(self, draft: AccountEntryDraft) -> Outcome:
		return self.account_entries.post(draft)

	def booked_entry_keys(self, keys: list[str]) -> set[str]:
		return self.account_entries.booked(keys)

	def order_sale_on_clearing(self, amazon_order_id: str) -> tuple[str, Decimal]:
		return self.settlements.vouchers.order_sale_on_clearing(amazon_order_id)

	def sale_sides_missing(self, members: list[SettlementMember]) -> list[str]:
		return self.settlements.sale_sides_missing(members)

	def settlement_done(self, settlement_id: str) -> bool:
		return self.settlements.done(settlement_id)

	def book_settlement(self, draft: SettlementDraft) -> Outcome:
		return self.settlements.book(draft)

	# -- StatePort -------------------------------------------------------------------------------
	# -- FulfilmentPort --------------------------------------------------------------------------
	def open_fulfilment_orders(self) -> list[str]:
		return self.fulfilment.open_orders()

	def apply_fulfilment_state(self, state: FulfilmentState) -> Outcome:
		return self.fulfilment.apply_state(state)

	def flag_fulfilment(self, seller_fulfillment_order_id: str, message: str) -> None:
		self.fulfilment.flag(seller_fulfillment_order_id, message)

	def get_checkpoint(self, kind: str) -> dict | None:
		return self.checkpoints.get(kind)

	def set_checkpoint(self, kind: str, value: dict) -> None:
		self.checkpoints.set(kind, value)

	def record_scope(self, kind: str, amazon_id: str) -> AbstractContextManager:
		return state.record_scope(kind, amazon_id, on_rollback=self._forget)

	def exclusive(self, kind: str) -> AbstractContextManager:
		# Every run through this port is started by the runner, which holds the account's lock
		# (`locks.AccountLock`, across processes) for the whole run: nothing more to hold here.
		return nullcontext()

	def _forget(self) -> None:
		"""Drop what the adapter remembers of records whose rows a rollback just removed."""
		self.accounts.forget()
		self.customers.forget()
		self.items.forget()
		self.sales_orders.forget()
