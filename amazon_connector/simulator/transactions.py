"""Finances 2024-06-19 transactions made from the world's Finances v0 events: the same money, two shapes.

Every v0 event becomes one transaction whose `totalAmount` is the sum of the event's amounts and
whose recursive `breakdowns` carry the same amounts under Amazon's 2024 grouping: "Sales" (what
the buyer paid: Principal, Tax, ShippingCharge, ...), "Promotions", "Expenses" > "AmazonFees"
(Commission, FBAPerUnitFulfillmentFee, ...), "Tax" > "MarketplaceFacilitator" (the tax Amazon
withholds). Events not broken into components (reimbursements, reserves, service fees, ...)
carry one breakdown of their type. The optional shapes occur, chosen by a stable hash: some
transactions carry breakdowns only per item (`items[].breakdowns`), none at transaction level;
some carry them only at transaction level, their items with a total and no breakdowns; some
account-level ones carry no breakdown at all, and so do some refunds and shipments (one order in
five: only the net total, with or without their items' totals and SKUs).

Deferred transactions: a merchant-fulfilled shipment whose order id hashes into the deferred
tenth is held by Amazon's delivery-date policy (DD7): until its maturity date it is DEFERRED, with
a DeferredContext, and belongs to no settlement; after it, DEFERRED_RELEASED, in the settlement
open on its maturity date. v0 shows the same events as it always has.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from decimal import Decimal

from .clock import iso
from .marketplaces import BY_ID

DEFERRAL = timedelta(days=7)
_SALE_LISTS = ("ItemChargeList", "ItemChargeAdjustmentList", "OrderChargeList", "OrderChargeAdjustmentList")
_FEE_LISTS = ("ItemFeeList", "ItemFeeAdjustmentList", "ShipmentFeeList", "ShipmentFeeAdjustmentList",
	"OrderFeeList", "OrderFeeAdjustmentList", "FeeList")  # fmt: skip
_PROMOTION_LISTS = ("PromotionList", "PromotionAdjustmentList")
_ITEM_LISTS = ("ShipmentItemList", "ShipmentItemAdjustmentList")
# The field holding an event's total, for events not broken into components (first present wins).
_TOTAL_FIELDS = ("TransactionAmount", "AdjustmentAmount", "TotalExpense", "ReimbursedAmount", "TotalAmount", "totalAmount",
	"transactionValue", "WithheldAmount", "RecoveryAmount", "LoanAmount", "TransferAmount", "Amount",
	"ChargeAmount", "FeeAmount")  # fmt: skip
# What names the kind of an account-level event (its single breakdown).
_KIND_FIELDS = ("feeType", "AdjustmentType", "FeeReason", "TransactionType", "ChargeType", "RetrochargeEventType",
	"DebtRecoveryType", "SourceBusinessEventType", "paymentEventId")  # fmt: skip
_DESCRIPTIONS = {"Shipment": "Order Payment", "Refund": "Refund Order", "ServiceFee": "Service Fee",
	"ProductAdsPayment": "Advertising", "Adjustment": "Adjustment", "CouponPayment": "Coupon Redemption Fee",
	"SellerDealPayment": "Deal Fee", "GuaranteeClaim": "A-to-z Guarantee Claim", "Chargeback": "Chargeback",
	"RemovalShipment": "Removal Order", "FBALiquidation": "Liquidation Proceeds", "Transfer": "Disbursement"}  # fmt: skip


def _hash(*parts) -> int:
	return int.from_bytes(hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()[:4], "big")


def _money(amount: Decimal, currency: str) -> dict:
	return {"currencyAmount": float(amount), "currencyCode": currency}


def _amount(value: dict) -> tuple[Decimal, str]:
	return Decimal(str(value.get("CurrencyAmount", 0))), value.get("CurrencyCode", "")


def transaction_id(list_name: str, event: dict) -> str:
	body = json.dumps([list_name, event], sort_keys=True)
	return "sim-" + hashlib.sha256(body.encode()).hexdigest()[:32]


def is_deferred(list_name: str, event: dict, order: dict | None) -> bool:
	"""Merchant-fulfilled shipments of one order in ten are held until their maturity date."""
	if list_name != "ShipmentEventList" or not order:
		return False
	return order_defers(event.get("AmazonOrderId"), (order.get("fulfillment") or {}).get("fulfilledBy"))


def order_defers(order_id, fulfilled_by) -> bool:
	"""Whether Amazon holds the shipments of this order (see `is_deferred`)."""
	return fulfilled_by != "AMAZON" and _hash("deferred", order_id) % 10 == 0


class _Tree:
	"""Breakdown nodes keyed by their path; leaves hold amounts; parents' amounts are their sums."""

	def __init__(self, currency: str):
		self.currency = currency
		self.leaves: dict[tuple[str, ...], Decimal] = {}

	def add(self, path: tuple[str, ...], amount: Decimal) -> None:
		self.leaves[path] = self.leaves.get(path, Decimal(0)) + amount

	@property
	def total(self) -> Decimal:
		return sum(self.leaves.values(), Decimal(0))

	def render(self, depth: int = 0, leaves: list | None = None) -> list[dict]:
		leaves = list(self.leaves.items()) if leaves is None else leaves
		children: dict[str, list] = {}
		for path, amount in leaves:
			if len(path) > depth:
				children.setdefault(path[depth], []).append((path, amount))
		return [
			{
				"breakdownType": name,
				"breakdownAmount": _money(sum((a for _, a in below), Decimal(0)), self.currency),
				"breakdowns": self.render(depth + 1, below),
			}
			for name, below in children.items()
		]


def _item_tree(entry: dict, currency: str) -> _Tree:
	tree = _Tree(currency)
	for list_name in _SALE_LISTS:
		for charge in entry.get(list_name) or []:
			amount, _ = _amount(charge["ChargeAmount"])
			tree.add(("Sales", charge["ChargeType"]), amount)
	for list_name in _PROMOTION_LISTS:
		for promotion in entry.get(list_name) or []:
			amount, _ = _amount(promotion["PromotionAmount"])
			tree.add(("Promotions", promotion.get("PromotionType") or "Promotion"), amount)
	for list_name in _FEE_LISTS:
		for fee in entry.get(list_name) or []:
			amount, _ = _amount(fee["FeeAmount"])
			tree.add(("Expenses", "AmazonFees", fee["FeeType"]), amount)
	for withheld in entry.get("ItemTaxWithheldList") or []:
		for charge in withheld.get("TaxesWithheld") or []:
			amount, _ = _amount(charge["ChargeAmount"])
			tree.add(("Tax", "MarketplaceFacilitator", charge["ChargeType"]), amount)
	return tree


def _first_currency(value) -> str:
	if isinstance(value, dict):
		if "CurrencyCode" in value:
			return value["CurrencyCode"]
		for inner in value.values():
			found = _first_currency(inner)
			if found:
				return found
	if isinstance(value, list):
		for inner in value:
			found = _first_currency(inner)
			if found:
				return found
	return ""


def _event_trees(list_name: str, event: dict) -> tuple[_Tree, list[tuple[dict, _Tree]]]:
	"""The breakdown tree of one v0 event, and each of its items' own (the item entry, its tree)."""
	event_type = list_name[: -len("EventList")] if list_name.endswith("EventList") else list_name
	currency = _first_currency(event)
	tree = _Tree(currency)
	item_trees = []
	for item_list in _ITEM_LISTS:
		for entry in event.get(item_list) or []:
			item_tree = _item_tree(entry, currency)
			for path, amount in item_tree.leaves.items():
				tree.add(path, amount)
			item_trees.append((entry, item_tree))
	for list_name_inner in _FEE_LISTS:  # ServiceFee and the like: fees at event level
		for fee in event.get(list_name_inner) or []:
			amount, _ = _amount(fee["FeeAmount"])
			tree.add(("Expenses", "AmazonFees", fee["FeeType"]), amount)
	if not tree.leaves:
		total_field = next((f for f in _TOTAL_FIELDS if isinstance(event.get(f), dict)), None)
		if total_field:
			amount, currency = _amount(event[total_field])
			tree.currency = currency
			kind = next((str(event[f]) for f in _KIND_FIELDS if event.get(f)), event_type)
			tree.add((kind,), amount)
		else:  # several amounts and no total (FBALiquidation: proceeds and fee): each is a breakdown
			for name, value in event.items():
				if isinstance(value, dict) and "CurrencyAmount" in value:
					amount, currency = _amount(value)
					tree.currency = currency
					tree.add((name,), amount)
	return tree, item_trees


def transaction_total(list_name: str, event: dict) -> Decimal:
	"""The `totalAmount` the event's transaction shows (what it adds to its settlement's balance)."""
	tree, _ = _event_trees(list_name, event)
	return Decimal(str(float(tree.total)))  # as served: a JSON number


def to_transaction(
	list_name: str,
	event: dict,
	*,
	seller_id: str,
	order: dict | None,
	now: datetime,
	posted: datetime,
	group_of,
) -> dict:
	"""The 2024-06-19 transaction of one v0 event, as Amazon would show it at `now`.

	`group_of(moment)` names the settlement (financial event group) open at a moment."""
	event_type = list_name[: -len("EventList")] if list_name.endswith("EventList") else list_name
	currency = _first_currency(event)
	marketplace_id = (order or {}).get("salesChannel", {}).get("marketplaceId") or event.get(
		"MarketplaceId", ""
	)
	marketplace = BY_ID.get(marketplace_id)
	tree, item_trees = _event_trees(list_name, event)
	items = []
	for entry, item_tree in item_trees:
		related = []
		if entry.get("OrderAdjustmentItemId"):
			related.append(
				{
					"itemRelatedIdentifierName": "ORDER_ADJUSTMENT_ITEM_ID",
					"itemRelatedIdentifierValue": entry["OrderAdjustmentItemId"],
				}
			)
		item = {
			"description": entry.get("SellerSKU", ""),
			"totalAmount": _money(item_tree.total, currency),
			"breakdowns": item_tree.render(),
			"contexts": [
				{
					"contextType": "ProductContext",
					"sku": entry.get("SellerSKU", ""),
					"quantityShipped": int(entry.get("QuantityShipped") or 0),
					"fulfillmentNetwork": "AFN"
					if (order or {}).get("fulfillment", {}).get("fulfilledBy") == "AMAZON"
					else "MFN",
				}
			],
		}
		if related:
			item["relatedIdentifiers"] = related
		items.append(item)
	related = []
	order_id = event.get("AmazonOrderId")
	if order_id:
		related.append({"relatedIdentifierName": "ORDER_ID", "relatedIdentifierValue": order_id})
	if event_type == "Refund":
		related.append(
			{
				"relatedIdentifierName": "REFUND_ID",
				"relatedIdentifierValue": transaction_id(list_name, event)[4:16],
			}
		)
	deferred = is_deferred(list_name, event, order)
	maturity = posted + DEFERRAL
	status = "RELEASED"
	contexts = []
	if deferred:
		status = "DEFERRED" if now < maturity else "DEFERRED_RELEASED"
		contexts.append(
			{"contextType": "DeferredContext", "deferralReason": "DD7", "maturityDate": iso(maturity)}
		)
	group = group_of(maturity if deferred else posted) if status != "DEFERRED" else None
	if group:
		related.append({"relatedIdentifierName": "FINANCIAL_EVENT_GROUP_ID", "relatedIdentifierValue": group})
		related.append({"relatedIdentifierName": "SETTLEMENT_ID", "relatedIdentifierValue": group})
	transaction = {
		"sellingPartnerMetadata": {
			"sellingPartnerId": seller_id,
			"accountType": "Standard Orders",
			"marketplaceId": marketplace_id,
		},
		"relatedIdentifiers": related,
		"transactionType": event_type,
		"transactionId": transaction_id(list_name, event),
		"transactionStatus": status,
		"description": _DESCRIPTIONS.get(event_type, event_type),
		"postedDate": iso(posted),
		"totalAmount": _money(tree.total, tree.currency),
	}
	if marketplace:
		transaction["marketplaceDetails"] = {
			"marketplaceId": marketplace_id,
			"marketplaceName": marketplace.name,
		}
	if items:
		transaction["items"] = items
	if contexts:
		transaction["contexts"] = contexts
	# An order's transactions take their shape from the order (stable however the world is dated);
	# the others from their id.
	shape_key = f"{order_id}:{event_type}" if order_id else transaction["transactionId"]
	shape = _hash("shape", shape_key) % 4
	bare = _hash("breakdowns", shape_key) % (3 if event_type == "Refund" else 5) == 0
	if event_type in ("Refund", "Shipment") and bare:
		# A refund or shipment with no breakdown anywhere: its total (net of a shipment's fees) and its
		# items' totals, SKUs and units, or, for some, no items either, are all Amazon shows.
		for item in items:
			item.pop("breakdowns", None)
		if _hash("refund-items", order_id) % 2:
			transaction.pop("items", None)
		return transaction
	# Both shapes the model allows: breakdowns at transaction level, or only per item / none at all.
	if not (items and shape == 0) and not (not items and shape == 1 and len(tree.leaves) == 1):
		transaction["breakdowns"] = tree.render()
	if items and shape == 2:
		# The third: breakdowns at transaction level, items with their totals only.
		for item in items:
			del item["breakdowns"]
	return transaction


def transfer_transaction(group: dict, seller_id: str) -> dict:
	"""The disbursement of a closed settlement: its total leaves Amazon's balance for the bank."""
	amount, currency = _amount(group["OriginalTotal"])
	group_id = group["FinancialEventGroupId"]
	return {
		"sellingPartnerMetadata": {"sellingPartnerId": seller_id, "accountType": "Standard Orders"},
		"relatedIdentifiers": [
			{"relatedIdentifierName": "FINANCIAL_EVENT_GROUP_ID", "relatedIdentifierValue": group_id},
			{"relatedIdentifierName": "SETTLEMENT_ID", "relatedIdentifierValue": group_id},
			{"relatedIdentifierName": "DISBURSEMENT_ID", "relatedIdentifierValue": f"D{group_id[-8:]}"},
		],
		"transactionType": "Transfer",
		"transactionId": f"sim-transfer-{group_id}",
		"transactionStatus": "RELEASED",
		"description": _DESCRIPTIONS["Transfer"],
		"postedDate": group["FundTransferDate"],
		"totalAmount": _money(-amount, currency),
		"contexts": [
			{
				"contextType": "PaymentsContext",
				"paymentType": "Disbursement",
				"paymentMethod": "BANK",
				"paymentReference": group.get("TraceId", ""),
				"paymentDate": group["FundTransferDate"],
			}
		],
	}
