"""A refund-like transaction of Finances 2024-06-19 (Refund, GuaranteeClaim, Chargeback) -> the
buyer's side of it per item, as the invoices' RefundDraft (the credit note books it).

The fees and withheld tax of the same transaction are its fee entry's (`mapping.transactions`);
here only what goes back to the buyer: principal, tax, shipping, gift wrap, promotions taken back,
other charges. The refund key does not depend on the feed (`mapping.refunds.refund_key`), so a
refund the v0 feed stored is recognised.
"""

from __future__ import annotations

from decimal import Decimal

from ..drafts.refunds import CHARGEBACK, GUARANTEE_CLAIM, REFUND, RefundDraft, RefundLineDraft
from ..money import MoneyError, parse_quantity
from .fee_keys import KeyNumbering
from .refunds import refund_key
from .transactions import Leaf, TransactionError, TransactionPlan, leaves, order_category

REFUND_TYPES = (REFUND, GUARANTEE_CLAIM, CHARGEBACK)
SOURCE_PREFIX = "finances-2024-06-19:"

# Refund breakdown leaf -> RefundLineDraft field (the buyer's credit is minus Amazon's amount).
_REFUND_FIELDS = {"principal": "principal", "principle": "principal", "tax": "tax", "shippingcharge": "shipping",
	"shipping": "shipping", "shippingtax": "shipping_tax", "giftwrap": "gift_wrap", "giftwraptax": "gift_wrap_tax"}  # fmt: skip


def refund_drafts(plan: TransactionPlan, transaction: dict) -> list[RefundDraft]:
	"""The buyer's side of a refund, per item, for the credit note; [] for any other transaction."""
	if plan.transaction_type not in REFUND_TYPES or not plan.amazon_order_id:
		return []
	items = transaction.get("items") or []
	lines = _lines(items)
	if not lines:  # items without breakdowns of their own: the transaction's breakdowns are the money
		only = items[0] if len(items) == 1 and isinstance(items[0], dict) else {}
		lines = _lines([{**only, "breakdowns": transaction.get("breakdowns")}])
	if not lines:
		return []
	credited = sum((line.total for line in lines), Decimal(0))
	sale = sum((plan.fee_draft.sale_amounts.values() if plan.fee_draft else ()), Decimal(0))
	if credited != -sale:
		raise TransactionError(
			f"transaction {plan.transaction_id or plan.key} ({plan.transaction_type}): its items give back "
			f"{credited} {plan.currency} to the buyer, its breakdowns {-sale} {plan.currency}"
		)
	key = KeyNumbering()(refund_key(plan.amazon_order_id, plan.transaction_type, plan.posted_date, lines))
	return [
		RefundDraft(
			refund_key=key,
			amazon_order_id=plan.amazon_order_id,
			posted_date=plan.posted_date,
			currency=plan.currency,
			lines=lines,
			kind=plan.transaction_type,
			marketplace_name=(transaction.get("marketplaceDetails") or {}).get("marketplaceName") or "",
			source=f"{SOURCE_PREFIX}{plan.transaction_id or plan.key}",
		)
	]


def _lines(items: list) -> list[RefundLineDraft]:
	lines = []
	for item in items:
		if not isinstance(item, dict):
			continue  # map_transaction refuses such a transaction before it gets here
		context = next((c for c in item.get("contexts") or [] if isinstance(c, dict) and c.get("sku")), {})
		line = RefundLineDraft(sku=context.get("sku") or item.get("description") or "")
		line.quantity = _quantity(context.get("quantityShipped"))
		adjustment = [
			r.get("itemRelatedIdentifierValue")
			for r in item.get("relatedIdentifiers") or []
			if isinstance(r, dict) and r.get("itemRelatedIdentifierName") == "ORDER_ADJUSTMENT_ITEM_ID"
		]
		line.adjustment_item_id = str(adjustment[0] or "") if adjustment else ""
		for leaf in leaves(item.get("breakdowns")):
			_credit(line, leaf)
		if line.total or line.other:
			lines.append(line)
	return lines


def _quantity(value) -> Decimal:
	"""Units given back as Amazon counts them (its sign kept); 0 when it does not tell a believable one:
	the credit note's amounts still hold."""
	try:
		negative = isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0
		units = Decimal(parse_quantity(-value if negative else (value or 0)))
	except MoneyError:
		return Decimal(0)
	return -units if negative else units


def _credit(line: RefundLineDraft, leaf: Leaf) -> None:
	if order_category(leaf) is not None:
		return  # fees and withheld tax: the fee entry's
	top = leaf.path[0].lower()
	if top in ("promotions", "promotion"):
		line.promotion -= leaf.amount
		return
	name = _REFUND_FIELDS.get(leaf.type.lower())
	if name:
		setattr(line, name, getattr(line, name) - leaf.amount)
	else:
		line.other[leaf.type] = line.other.get(leaf.type, 0) - leaf.amount
