"""Retrying the failed records of a sync log: which records are read again, and how.

Orders are read again by id, fees (and refunds) by their order; other kinds run their stage again
(products, order windows and invoices are cheap to redo and idempotent, and resume from their
checkpoints or from what the ERP holds).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..core.engine import listing_health, price_push, shipments
from ..core.engine.fulfilment import RECORD_KIND as FULFILMENT_KIND
from ..core.engine.pipeline import (
	FBA_INVENTORY,
	FEES,
	INVOICES,
	LISTING_HEALTH,
	MCF,
	ORDERS,
	PRICE_PUSH,
	PRODUCTS,
	SHIPMENTS,
	STOCK_PUSH,
)
from ..core.engine.products import MARKETPLACE_KIND
from ..core.engine.products import RECORD_KIND as ITEM_KIND
from ..core.engine.report import SyncReport

# The record kinds the engines log (RecordFailure.record_kind).
ORDER_KIND = "order"
FEE_KIND = "fee"
# The 2024-06-19 feed's: a transaction (of an order: read again by it), a settlement or its report.
TRANSACTION_KIND, SETTLEMENT_KINDS = (
	"transaction",
	{"settlement", "settlement report", "settlement report row"},
)
PRODUCT_KINDS = {ITEM_KIND, MARKETPLACE_KIND, "sku", "listing", PRODUCTS}
FEE_KINDS = {FEE_KIND, FEES, TRANSACTION_KIND, *SETTLEMENT_KINDS}
INVOICE_KIND, REFUND_KIND = "invoice", "refund"

# A fee's Amazon id is "<order id> <event key>"; an order's is the order id itself.
AMAZON_ORDER_ID = re.compile(r"\b\d{3}-\d{7}-\d{7}\b")


@dataclass
class RetryPlan:
	order_ids: list[str] = field(default_factory=list)  # read again by id (getOrder)
	fee_order_ids: list[str] = field(default_factory=list)  # fees read again by order
	stages: set[str] = field(default_factory=set)  # stages run again


def plan_retry(rows) -> RetryPlan:
	"""The plan for the given failure rows (`record_kind`, `amazon_id`)."""
	plan = RetryPlan()
	for row in rows:
		kind = (row.record_kind or "").lower()
		found = AMAZON_ORDER_ID.search(row.amazon_id or "")
		if kind == ORDER_KIND and found:
			plan.order_ids.append(found.group(0))
		elif kind in (FEE_KIND, TRANSACTION_KIND) and found:
			plan.fee_order_ids.append(found.group(0))
		elif kind in PRODUCT_KINDS:
			plan.stages.add(PRODUCTS)
		elif kind in FEE_KINDS:
			plan.stages.add(FEES)
		elif kind.startswith("fba_"):  # the FBA mirror's marketplaces, SKUs and stock documents
			plan.stages.add(FBA_INVENTORY)
		elif kind in (INVOICE_KIND, REFUND_KIND, INVOICES):
			# The invoices stage invoices every shipped order still without one and books the held
			# and failed refunds whose invoice exists; a refund's events are read again by its order.
			plan.stages.add(INVOICES)
			if kind == REFUND_KIND and found:
				plan.fee_order_ids.append(found.group(0))
		elif kind.startswith("stock_"):  # SKUs whose quantity Amazon refused or did not get
			plan.stages.add(STOCK_PUSH)
		elif kind == FULFILMENT_KIND:  # the mcf stage reads every open fulfilment order again
			plan.stages.add(MCF)
		elif kind == price_push.SKU_KIND:  # SKUs whose price Amazon refused or did not get
			plan.stages.add(PRICE_PUSH)
		elif kind == listing_health.RECORD_KIND:  # listings whose check failed
			plan.stages.add(LISTING_HEALTH)
		elif kind == shipments.RECORD_KIND:
			# Confirmations Amazon was too busy for are still pending; refused ones wait for the
			# Delivery Note's own "Retry confirmation" after the user's correction.
			plan.stages.add(SHIPMENTS)
		else:  # order windows and anything unknown: the orders stage resumes from its checkpoint
			plan.stages.add(ORDERS)
	plan.order_ids = list(dict.fromkeys(plan.order_ids))
	plan.fee_order_ids = list(dict.fromkeys(plan.fee_order_ids))
	return plan


def merge_reports(into: SyncReport, part: SyncReport) -> None:
	into.counts.update(part.counts)
	into.failures.extend(part.failures)
	into.windows.extend(part.windows)
	into.messages.extend(part.messages)
	into.events.extend(part.events)
