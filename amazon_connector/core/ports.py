"""The ERP port: the few things the sync core needs from an ERP, bound to one Amazon account.

Two implementations: the ERPNext adapter (`amazon_connector.erpnext_adapter`) and the in-memory preview
(`amazon_connector.core.preview`) used by framework-free tests, the demo and dry runs.
"""

from __future__ import annotations

import enum
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from .drafts import FeeEntryDraft, ItemDraft, RefundDraft, SalesOrderDraft
from .drafts.fulfilment import FulfilmentState
from .drafts.listings import ListingHealth, OfferPrice
from .drafts.shipments import CarrierCode, DeliveryView, ShipmentDraft
from .drafts.stock import FbaQuantities, FbaStockChange, MerchantStock
from .drafts.transactions import AccountEntryDraft, SettlementDraft, SettlementMember

# What the ERP holds on clearing for an order's sale (TransactionsPort.order_sale_on_clearing).
SALE_INVOICED, SALE_TO_INVOICE, SALE_OUTSIDE = "invoiced", "to invoice", "outside"


class Outcome(enum.Enum):
	CREATED = "created"
	UPDATED = "updated"
	UNCHANGED = "unchanged"
	SKIPPED = "skipped"
	CANCELLED = "cancelled"
	FLAGGED = "flagged"  # needs a person: e.g. cancelled on Amazon but already delivered
	HELD = "held"  # kept durably until something it needs exists (a refund of an order not invoiced yet)


@dataclass(frozen=True)
class SalesOrderState:
	name: str
	last_updated: datetime | None  # Amazon's lastUpdatedTime as last imported
	docstatus: int  # 0 draft, 1 submitted, 2 cancelled
	amazon_status: str = ""


class ItemsPort(Protocol):
	def upsert_item(self, draft: ItemDraft) -> Outcome: ...

	def item_for_sku(self, marketplace_id: str, sku: str) -> str | None:
		"""The ERP item code an Amazon SKU is mapped to, or None."""


class OrdersPort(Protocol):
	def sales_order_state(self, amazon_order_id: str) -> SalesOrderState | None: ...

	def upsert_sales_order(self, draft: SalesOrderDraft) -> Outcome: ...

	def cancel_sales_order(self, amazon_order_id: str, reason: str) -> Outcome: ...


class FeesPort(Protocol):
	def posted_fee_event_keys(self, amazon_order_id: str) -> set[str]: ...

	def post_fee_entry(self, draft: FeeEntryDraft) -> Outcome: ...

	def orders_awaiting_fees(self, shipped_before: datetime) -> list[str]:
		"""Amazon order ids imported and shipped before the given time that have no fee entry yet."""


class InvoicesPort(Protocol):
	def orders_awaiting_invoice(self) -> list[str]:
		"""Amazon order ids shipped on Amazon whose Sales Order should have, and has not, a Sales Invoice."""

	def invoice_order(self, amazon_order_id: str) -> Outcome:
		"""Make and submit the order's Sales Invoice (and its payment from Amazon), once."""


class RefundsPort(Protocol):
	def post_refund(self, draft: RefundDraft) -> Outcome:
		"""Book one Amazon refund as a credit note against the order's invoice, exactly once per
		`draft.refund_key`: CREATED (credit note made), UNCHANGED (booked or held before and
		nothing new), HELD (stored durably; the order has no invoice yet: applied when it has).
		Raises for a refund that cannot be booked (the record is kept and named in the error)."""

	def held_refunds_ready(self) -> list[str]:
		"""Refund keys of held refunds whose order has a submitted Sales Invoice now."""

	def apply_held_refund(self, refund_key: str) -> Outcome:
		"""Book a held refund (as `post_refund` would now): CREATED, or UNCHANGED if booked meanwhile."""


@dataclass
class StockReconciled:
	"""What the ERP did with a list of stock changes: the document that made them, the items it
	changed, and each item it could not change with the reason."""

	document: str = ""
	applied: list[str] = field(default_factory=list)
	failed: dict[str, str] = field(default_factory=dict)


class InventoryPort(Protocol):
	def item_for_sku(self, marketplace_id: str, sku: str) -> str | None: ...

	def fba_stock(self) -> dict[str, float]:
		"""Item code -> quantity now in the account's FBA warehouse, for the items of the account's
		Amazon SKUs that have stock there. Raises when the account has no FBA warehouse of its own."""

	def set_fba_quantities(self, marketplace_id: str, sku: str, quantities: FbaQuantities) -> Outcome:
		"""Show Amazon's quantities on the SKU's mapping (SKIPPED when the SKU has none there)."""

	def reconcile_fba_stock(self, changes: list[FbaStockChange]) -> StockReconciled:
		"""Bring the FBA warehouse to each change's target in one stock document; an item that cannot
		be changed is left out and named with its reason, the others go through."""


class TransactionsPort(Protocol):
	def post_account_entry(self, draft: AccountEntryDraft) -> Outcome:
		"""Book account-level money (or a deferral move) once per `draft.entry_key`: CREATED or UNCHANGED."""

	def booked_entry_keys(self, keys: list[str]) -> set[str]:
		"""Which of these fee-entry / account-entry keys the ERP holds (booked or cancelled on purpose)."""

	def order_sale_on_clearing(self, amazon_order_id: str) -> tuple[str, Decimal]:
		"""What the ERP holds on the clearing account for this order's sale: (SALE_INVOICED, the amount
		its invoices' payments put there, in the order's currency), (SALE_TO_INVOICE, 0) while the ERP
		will put it there but has not yet, or (SALE_OUTSIDE, 0) when the ERP leaves the buyer's money to
		the seller (invoices off, billed by hand)."""

	def sale_sides_missing(self, members: list[SettlementMember]) -> list[str]:
		"""What of these settlement members' sale sides (the buyer's money: the invoice's payment, the
		credit note's refund payment) is not on the clearing account yet although the ERP books it
		there (the order is invoiced, or is to be invoiced, by the connector); one line per member,
		naming it. Sale sides the ERP leaves to the seller (invoices off, billed by hand) are not
		missing."""

	def settlement_done(self, settlement_id: str) -> bool:
		"""True once the settlement is settled for good: its deposit booked, or it began before the
		connector books Amazon's money (`settlements.DONE`)."""

	def book_settlement(self, draft: SettlementDraft) -> Outcome:
		"""Record the settlement (a durable row with both figures) and, when it is closed, all its
		transactions are booked and its total agrees, book the deposit and mark every voucher of its
		members with the settlement id (its clearing balance is then 0.00): CREATED. FLAGGED when the
		totals differ, SKIPPED while open or waiting, UNCHANGED when booked before."""


class StockPushPort(Protocol):
	def merchant_stock(self) -> list[MerchantStock]:
		"""Every merchant-fulfilled SKU of the account (never an FBA one) with its available quantity."""

	def mark_stock_pushed(self, marketplace_id: str, sku: str, quantity: int) -> None:
		"""Amazon accepted `quantity` for the SKU: remember it (the next push compares with it)."""

	def mark_stock_rejected(self, marketplace_id: str, sku: str, quantity: int, message: str) -> None:
		"""Amazon refused the quantity: show its message on the SKU's mapping."""


class FulfilmentPort(Protocol):
	def open_fulfilment_orders(self) -> list[str]:
		"""The seller fulfillment order ids of the account's orders sent to Amazon whose status can
		still change (not Complete, Cancelled, Unfulfillable or Invalid as last read), and of those
		with units asked back that Amazon has not reported received yet."""

	def apply_fulfilment_state(self, state: FulfilmentState) -> Outcome:
		"""Show Amazon's status and message on the order; deliver each shipment Amazon shipped that is
		not delivered yet (once per Amazon shipment id, with its tracking); take back the returned
		units Amazon processed (once per return item). UNCHANGED when nothing is new, FLAGGED when
		Amazon refused the order, UPDATED otherwise."""

	def flag_fulfilment(self, seller_fulfillment_order_id: str, message: str) -> None:
		"""Show a failure to read the order's status (e.g. Amazon does not know it) on the order."""


class ListingsPort(Protocol):
	def listings_to_check(self, marketplace_ids: list[str], limit: int) -> list[tuple[str, str]]:
		"""(marketplace, SKU) of up to `limit` of the account's listings, checked longest ago first."""

	def set_listing_health(self, marketplace_id: str, sku: str, health: ListingHealth) -> Outcome:
		"""Show the listing's status and issues on its mapping: UPDATED, or UNCHANGED."""

	def offer_prices(self) -> list[OfferPrice]:
		"""Every SKU of the account with a price on its marketplace's price list, and the price
		Amazon last accepted."""

	def mark_price_pushed(self, marketplace_id: str, sku: str, price) -> None:
		"""Amazon accepted the price: remember it (the next push compares with it)."""

	def mark_price_rejected(self, marketplace_id: str, sku: str, price, message: str) -> None:
		"""Amazon refused the price: show its message on the SKU's mapping."""


class ShipmentsPort(Protocol):
	def pending_shipments(self) -> list[DeliveryView]:
		"""The account's submitted shipping documents of Amazon orders waiting to be confirmed."""

	def carrier_codes(self) -> list[CarrierCode]:
		"""The user's carrier mapping (ERPNext carrier names -> Amazon carrier codes)."""

	def mark_shipment_confirmed(self, draft: ShipmentDraft) -> None:
		"""Amazon accepted the package: the document is confirmed."""

	def mark_shipment_failed(self, delivery_note: str, message: str, *, final: bool) -> None:
		"""The package was not confirmed: show why. `final`: Amazon refused it (it waits for the user's
		retry); otherwise it stays pending and the next run tries again."""


class StatePort(Protocol):
	def get_checkpoint(self, kind: str) -> dict | None: ...

	def set_checkpoint(self, kind: str, value: dict) -> None: ...

	def record_scope(self, kind: str, amazon_id: str) -> AbstractContextManager:
		"""Wrap the work on one record: on an exception, undo only this record's writes."""

	def exclusive(self, kind: str) -> AbstractContextManager:
		"""Hold the account's lock for a run of `kind`; raise `SyncLocked` if another run holds it."""


class SyncLocked(RuntimeError):
	"""Another run of the same account already holds the lock."""


class ErpPort(
	ItemsPort,
	OrdersPort,
	FeesPort,
	InvoicesPort,
	RefundsPort,
	TransactionsPort,
	InventoryPort,
	StockPushPort,
	FulfilmentPort,
	ShipmentsPort,
	ListingsPort,
	StatePort,
	Protocol,
):
	"""Everything the engine uses, bound to one Amazon account."""
