"""Finances 2024-06-19 transactions -> what to book, one plan per transaction.

Amounts are the seller's point of view, as in v0 (+ = Amazon pays the seller, - = Amazon keeps);
a booked line is the negation (+ = debit, the seller's cost). Breakdowns are recursive; only the
leaves are money (a parent's amount is the sum of its children). They come at transaction level
(an array, or, as in the model's own example, an object holding `breakdowns`) or, without those,
per item (`items[].breakdowns`); the leaves must add up to `totalAmount`, to the cent, or the
transaction is refused with both figures (and retried by the engine later).

What a transaction becomes:
- tied to an order (ORDER_ID; Shipment, Refund, GuaranteeClaim, Chargeback, ...): a FeeEntryDraft
  keyed "txn:<transactionId>", booked like every fee entry (one account per fee type under the
  configured group, withheld taxes on the withheld-tax accounts the order's tax rows use):
  Amazon's fees ("Expenses" leaves: Commission, FBAPerUnitFulfillmentFee, ...), the tax it
  withholds ("MarketplaceFacilitator..." leaves), chargebacks and points. The sale side ("Sales",
  "Promotions": what the buyer paid) is on the Sales Order and its invoice, and is kept on the
  draft as `sale_amounts`; a refund's sale side is what the credit note gives back, recorded.
  Without any breakdown (transaction or items), a shipment's total is its sale (`bare_sale`): with
  invoices off that is all; with them on, the invoice put the buyer's gross on clearing and Amazon
  pays the net total, so the engine adds the difference (what the ERP holds for the order less the
  total) to the fee entry on "Amazon Fees Without Breakdown" (`add_fees_without_breakdown`); a
  refund's, claim's or chargeback's total is booked whole on its "... Without Breakdown" account
  (`NOT_ITEMISED_ACCOUNT_LABELS`): a credit note cannot be made from a net total, and its money
  must still reach Amazon Clearing.
- not tied to an order (ServiceFee, ProductAdsPayment, Adjustment, reimbursements, reserves,
  coupons, deals, liquidations, ...): an AccountEntryDraft keyed "txn:<transactionId>", each
  leaf on its account (see `transaction_accounts`), balanced on Amazon Clearing.
- `Transfer` (the payout): booked by its settlement, from clearing to the bank; not here.
- DEFERRED: Amazon holds the money until the maturity date. Its fee entry is booked as usual and
  its whole total moves from Amazon Clearing to "Amazon Deferred" ("txn:<id>:deferred"); once
  Amazon shows it RELEASED / DEFERRED_RELEASED the total moves back ("txn:<id>:released"). So
  Amazon Clearing holds only what Amazon will pay out in a settlement.
A transaction without `transactionId` (the model has it optional) is keyed by a digest of what it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from ..drafts.fees import (
	CATEGORY_CHARGEBACK,
	CATEGORY_FEE,
	CATEGORY_POINTS,
	CATEGORY_WITHHELD_TAX,
	FeeEntryDraft,
	FeeLineDraft,
	UnpostedFinanceEvent,
)
from ..drafts.transactions import HOME_BESIDE_CLEARING, HOME_FEE_GROUP, AccountEntryDraft, AccountLineDraft
from ..money import MoneyError, parse_amount, without_float_noise
from ..timestamps import TimestampError, parse_timestamp
from .account_labels import (
	FEE_ACCOUNT_LABELS,
	WITHHELD_TAX_LABELS,
	account_label,
	type_in_label,
	withheld_tax_name,
)
from .fee_keys import event_key, fingerprint_json
from .transaction_accounts import (
	BREAKDOWN_ACCOUNT_LABELS,
	DEFERRED_ACCOUNT_LABEL,
	FEES_NOT_ITEMISED_ACCOUNT_LABEL,
	NOT_ITEMISED_ACCOUNT_LABELS,
	RESERVE_ACCOUNT_LABEL,
	TRANSFER_TYPES,
	transaction_account_label,
)

KEY_PREFIX = "txn:"
DEFERRED, RELEASED, DEFERRED_RELEASED = "DEFERRED", "RELEASED", "DEFERRED_RELEASED"
REVERSALS = ("Refund", "GuaranteeClaim", "Chargeback")
SETTLEMENT_IDENTIFIERS = ("SETTLEMENT_ID", "FINANCIAL_EVENT_GROUP_ID")
# Top-level breakdowns that are what the buyer paid (the Sales Order's side), as Amazon names them.
SALE_GROUPS = {
	"sales",
	"promotions",
	"promotion",
	"productcharges",
	"product charges",
	"shipping",
	"giftwrap",
}
SALE_LEAVES = {"principal", "principle", "tax", "shippingcharge", "shippingtax", "giftwrap", "giftwraptax",
	"product charges", "productcharges", "shipping", "promotion", "promotions"}  # fmt: skip
STATUSES = (DEFERRED, RELEASED, DEFERRED_RELEASED)
_CURRENCY_CODE = re.compile(r"[A-Z]{3}")
# Transaction types that carry many kinds of money, each named by its breakdown type.
MANY_KINDS_TYPES = ("ServiceFee", "Adjustment")
CHARGEBACK_TYPES = ("ShippingChargeback", "GiftwrapChargeback", "CODChargeback")
POINTS_TYPES = ("CostOfPointsGranted", "CostOfPointsReturned")


class TransactionError(ValueError):
	"""A transaction that cannot be booked as it stands; the message names it."""


@dataclass(frozen=True)
class Leaf:
	path: tuple[str, ...]  # breakdown types from the top, the leaf's own last
	amount: Decimal  # as Amazon reported it (seller's point of view)
	sku: str = ""
	currency: str = ""  # as Amazon named it on the leaf ("" when it did not)

	@property
	def type(self) -> str:
		return self.path[-1]


@dataclass
class TransactionPlan:
	key: str  # "txn:<transactionId>"
	transaction_id: str
	transaction_type: str
	status: str  # upper case: DEFERRED, RELEASED, DEFERRED_RELEASED
	currency: str
	total: Decimal
	posted_date: datetime
	amazon_order_id: str = ""
	settlement_id: str = ""
	marketplace_id: str = ""
	maturity_date: datetime | None = None
	fee_draft: FeeEntryDraft | None = None
	account_draft: AccountEntryDraft | None = None
	deferral: AccountEntryDraft | None = None  # clearing -> Amazon Deferred
	release: AccountEntryDraft | None = None  # Amazon Deferred -> clearing
	unposted: list[UnpostedFinanceEvent] = field(default_factory=list)
	unknown_type: bool = False
	is_transfer: bool = False
	figures: dict[str, Decimal] = field(default_factory=dict)  # reconciliation lines, seller's view
	sale: Decimal = Decimal(0)  # the buyer's money, which the invoices (not these entries) bring
	bare_sale: bool = False  # an order's sale without any breakdown: its total is net of Amazon's fees

	@property
	def v0_key_prefix(self) -> str:
		"""What the v0 feed's key of the same event starts with (order, type, posted second): lets a
		switched-over install see that v0 booked this money already."""
		return event_key(self.amazon_order_id, self.transaction_type, self.posted_date, "")

	@property
	def entries(self) -> list:
		return [d for d in (self.fee_draft, self.account_draft, self.deferral, self.release) if d is not None]


def _money(value, where: str) -> tuple[Decimal, str]:
	if not isinstance(value, dict):
		raise TransactionError(f"{where}: not a Currency object")
	currency = str(value.get("currencyCode") or "").strip().upper()
	try:
		return without_float_noise(parse_amount(value.get("currencyAmount"), currency), currency), currency
	except MoneyError as exc:
		raise TransactionError(f"{where}: {exc}") from None


def breakdown_list(value) -> list:
	"""The model types `breakdowns` as an array; its own example nests one in an object."""
	if value is None:
		return []
	if isinstance(value, dict):
		return breakdown_list(value.get("breakdowns"))
	if isinstance(value, list):
		return value
	raise TransactionError(f"breakdowns is a {type(value).__name__}, not a list")


def leaves(breakdowns, path: tuple[str, ...] = (), sku: str = "") -> list[Leaf]:
	"""The money of a breakdown tree: its leaves. A breakdown without an amount (the model has it
	optional) adds nothing; one whose children add nothing is a leaf of its own amount."""
	found = []
	for node in breakdown_list(breakdowns):
		if not isinstance(node, dict):
			raise TransactionError(f"breakdown under {'/'.join(path) or 'the transaction'} is not an object")
		name = str(node.get("breakdownType") or "Unnamed")
		inner = leaves(node.get("breakdowns"), path + (name,), sku)
		if inner:
			found += inner
			continue
		amount = node.get("breakdownAmount")
		if amount is None or (isinstance(amount, dict) and amount.get("currencyAmount") in (None, "")):
			continue
		value, currency = _money(amount, f"breakdown {'/'.join(path + (name,))}")
		found.append(Leaf(path + (name,), value, sku, currency))
	return found


def transaction_leaves(transaction: dict) -> list[Leaf]:
	"""The transaction's money, leaf by leaf: transaction-level breakdowns, else the items'."""
	top = leaves(transaction.get("breakdowns"))
	if top:
		return top
	found = []
	for item in transaction.get("items") or []:
		if not isinstance(item, dict):
			raise TransactionError(f"an item is a {type(item).__name__}, not an object")
		sku = next(
			(c.get("sku") for c in item.get("contexts") or [] if isinstance(c, dict) and c.get("sku")), ""
		)
		found += leaves(item.get("breakdowns"), sku=sku or item.get("description") or "")
	return found


def related_identifier(transaction: dict, name: str) -> str:
	"""The value of the transaction's related identifier `name` (ORDER_ID, SETTLEMENT_ID, ...), or ""."""
	for related in transaction.get("relatedIdentifiers") or []:
		if isinstance(related, dict) and related.get("relatedIdentifierName") == name:
			return str(related.get("relatedIdentifierValue") or "")
	return ""


def _maturity(transaction: dict) -> datetime | None:
	for context in transaction.get("contexts") or []:
		if isinstance(context, dict) and context.get("maturityDate"):
			return parse_timestamp(context["maturityDate"])
	return None


def transaction_key(transaction: dict) -> str:
	transaction_id = transaction.get("transactionId")
	if transaction_id:
		return f"{KEY_PREFIX}{transaction_id}"
	identity = {k: transaction.get(k) for k in ("transactionType", "postedDate", "totalAmount", "items",
		"breakdowns", "description")}  # fmt: skip
	identity["order"] = related_identifier(transaction, "ORDER_ID")
	return f"{KEY_PREFIX}~{fingerprint_json(identity)}"


def _sale_side(leaf: Leaf) -> bool:
	top = leaf.path[0].lower()
	return top in SALE_GROUPS or (len(leaf.path) == 1 and leaf.type.lower() in SALE_LEAVES)


def _withheld(leaf: Leaf) -> bool:
	if any("facilitator" in p.lower() or "withheld" in p.lower() for p in leaf.path[:-1]):
		return True
	return withheld_tax_name(leaf.type) in WITHHELD_TAX_LABELS


def order_category(leaf: Leaf) -> str | None:
	"""The fee-entry category of a leaf of an order transaction; None for the sale side."""
	if _withheld(leaf):
		return CATEGORY_WITHHELD_TAX
	if _sale_side(leaf):
		return None
	if leaf.type in CHARGEBACK_TYPES:
		return CATEGORY_CHARGEBACK
	if leaf.type in POINTS_TYPES:
		return CATEGORY_POINTS
	return CATEGORY_FEE


def figure_of(leaf: Leaf, transaction_type: str, has_order: bool) -> str:
	"""The reconciliation line a leaf counts on."""
	if not has_order:
		label = _account_leaf_label(leaf, transaction_type)[0]
		return "reserve" if label == RESERVE_ACCOUNT_LABEL else f"other:{label}"
	category = order_category(leaf)
	if category is None:
		return "refunds" if transaction_type in REVERSALS else "sales"
	if category == CATEGORY_WITHHELD_TAX:
		return "taxes_withheld"
	return f"fee:{account_label(leaf.type, category)}"


def _account_leaf_label(leaf: Leaf, transaction_type: str) -> tuple[str, str]:
	label = BREAKDOWN_ACCOUNT_LABELS.get(leaf.type) or FEE_ACCOUNT_LABELS.get(leaf.type)
	if not label:
		label = transaction_account_label(transaction_type)[0]
		if transaction_type in MANY_KINDS_TYPES and leaf.type not in (transaction_type, "Unnamed"):
			# A service fee or adjustment of a kind not in the tables: an account of its own beside
			# the type's, never the type's account shared with every other unknown kind.
			label = f"{label} ({type_in_label(leaf.type)})"
	home = HOME_BESIDE_CLEARING if label == RESERVE_ACCOUNT_LABEL else HOME_FEE_GROUP
	return label, home


def map_transaction(transaction: dict) -> TransactionPlan:
	"""One transaction -> its plan. Raises TransactionError (naming the transaction) when it cannot be
	booked as it stands: money that is not a number, breakdowns that do not add up to the total."""
	if not isinstance(transaction, dict):
		raise TransactionError(f"a transaction is a {type(transaction).__name__}, not an object")
	key = transaction_key(transaction)
	name = f"transaction {transaction.get('transactionId') or key}"
	try:
		return _plan(transaction, key)
	except (TransactionError, TimestampError, TypeError, ValueError, AttributeError) as exc:
		raise TransactionError(f"{name} ({transaction.get('transactionType') or 'untyped'}): {exc}") from None


def _plan(transaction: dict, key: str) -> TransactionPlan:
	transaction_type = str(transaction.get("transactionType") or "")
	found = transaction_leaves(transaction)
	given = transaction.get("totalAmount")
	if found and (given is None or (isinstance(given, dict) and given.get("currencyAmount") in (None, ""))):
		# The model has the total (and its amount) optional; the leaves are the money then.
		total = sum((leaf.amount for leaf in found), Decimal(0))
		named = str((given or {}).get("currencyCode") or "").strip().upper()
		currency = named or next((leaf.currency for leaf in found if leaf.currency), "")
	else:
		total, currency = _money(transaction.get("totalAmount"), "totalAmount")
	if not _CURRENCY_CODE.fullmatch(currency):
		raise TransactionError(
			f"its currency {currency!r} is not an ISO 4217 code"
			if currency
			else "Amazon named no currency for its total"
		)
	if other := sorted({leaf.currency for leaf in found if leaf.currency and leaf.currency != currency}):
		raise TransactionError(f"its total is in {currency}, some breakdowns in {', '.join(other)}")
	posted = parse_timestamp(transaction.get("postedDate"))
	if posted is None:
		raise TransactionError("no postedDate")
	status = str(transaction.get("transactionStatus") or RELEASED).strip().upper()
	if status not in STATUSES:
		# Booked as released, money Amazon does not pay out yet would sit on Amazon Clearing; refused,
		# the transaction is read again on later runs.
		raise TransactionError(
			f"its status {status!r} is none of those the connector books ({', '.join(STATUSES)})"
		)
	order_id = related_identifier(transaction, "ORDER_ID")
	plan = TransactionPlan(
		key=key,
		transaction_id=str(transaction.get("transactionId") or ""),
		transaction_type=transaction_type,
		status=status,
		currency=currency,
		total=total,
		posted_date=posted,
		amazon_order_id=order_id,
		settlement_id=next(
			(v for n in SETTLEMENT_IDENTIFIERS if (v := related_identifier(transaction, n))), ""
		),
		marketplace_id=(transaction.get("sellingPartnerMetadata") or {}).get("marketplaceId")
		or (transaction.get("marketplaceDetails") or {}).get("marketplaceId")
		or "",
		maturity_date=_maturity(transaction),
	)
	if transaction_type in TRANSFER_TYPES:
		plan.is_transfer = True
		plan.figures["deposit"] = -total
		return plan
	if found:
		added = sum((leaf.amount for leaf in found), Decimal(0))
		if added != total:
			raise TransactionError(
				f"its breakdowns add up to {added} {currency}, its total is {total} {currency}"
			)
	for leaf in found:
		line = figure_of(leaf, transaction_type, bool(order_id))
		plan.figures[line] = plan.figures.get(line, Decimal(0)) + leaf.amount
		if order_id and order_category(leaf) is None:
			plan.sale += leaf.amount
	if not found:
		# No breakdown at all: a shipment's money is its sale (no fee to book); a reversal's is booked
		# whole (see the module's text); the rest is the type's.
		line = ("refunds" if transaction_type in REVERSALS else "sales") if order_id else "other"
		plan.figures[line] = total
		if order_id and transaction_type not in REVERSALS:
			plan.sale = total
			plan.bare_sale = bool(total)
	if order_id and not found and transaction_type in REVERSALS:
		_not_itemised_entry(plan, transaction)
	elif order_id:
		_order_entries(plan, transaction, found)
	else:
		_account_entry(plan, transaction, found)
	_deferral(plan)
	return plan


def _order_entries(plan: TransactionPlan, transaction: dict, found: list[Leaf]) -> None:
	booked: dict[tuple[str, str], Decimal] = {}
	skus: dict[tuple[str, str], list[str]] = {}
	sale: dict[str, Decimal] = {}
	if not found and plan.total:
		# No breakdown: all of it is the sale side (no fee to book), kept like a breakdown would be.
		sale[plan.transaction_type or "Total"] = plan.total
	for leaf in found:
		category = order_category(leaf)
		if category is None:
			sale[leaf.type] = sale.get(leaf.type, Decimal(0)) + leaf.amount
			continue
		group = (category, leaf.type)
		booked[group] = booked.get(group, Decimal(0)) - leaf.amount
		if leaf.sku and leaf.sku not in skus.setdefault(group, []):
			skus[group].append(leaf.sku)
	lines = [
		FeeLineDraft(
			fee_type=fee_type,
			category=category,
			amount=amount,
			account_label=account_label(fee_type, category),
			remark=f"{plan.transaction_type} transaction"
			+ (
				f" (SKU {', '.join(skus[(category, fee_type)][:5])})"
				if skus.get((category, fee_type))
				else ""
			),
		)
		for (category, fee_type), amount in booked.items()
		if amount
	]
	plan.fee_draft = FeeEntryDraft(
		amazon_order_id=plan.amazon_order_id,
		event_key=plan.key,
		currency=plan.currency,
		posted_date=plan.posted_date,
		lines=lines,
		marketplace_id=plan.marketplace_id,
		event_type=plan.transaction_type,
		marketplace_name=(transaction.get("marketplaceDetails") or {}).get("marketplaceName") or "",
		remark=f"Amazon transaction {plan.transaction_id or plan.key} ({plan.transaction_type}, "
		f"{transaction.get('description') or 'no description'}, posted {transaction.get('postedDate')}).",
		sale_amounts=sale,
		settlement_id=plan.settlement_id,
	)
	if plan.transaction_type in REVERSALS and sale:
		plan.unposted.append(
			UnpostedFinanceEvent(
				event_type=plan.transaction_type,
				amazon_id=plan.amazon_order_id,
				currency=plan.currency,
				amount=sum(sale.values(), Decimal(0)),
				posted_date=plan.posted_date,
				details={"transactionId": plan.transaction_id, **{k: str(v) for k, v in sale.items()}},
				event_key=f"{plan.key}:sale",
				reason=f"{plan.transaction_type}: its fees are booked; the amount returned to the buyer is the "
				"credit note's.",
				amazon_order_id=plan.amazon_order_id,
			)
		)


def add_fees_without_breakdown(plan: TransactionPlan, on_clearing: Decimal) -> None:
	"""A sale without breakdowns whose order's invoices put `on_clearing` on Amazon Clearing: the part
	Amazon kept (on_clearing - its net total) is booked on its own account, on the transaction's fee
	entry (keyed by the transaction, so once), and the settlement ties out."""
	if not plan.bare_sale or plan.fee_draft is None:
		return
	kept = on_clearing - plan.total
	if not kept or any(
		line.account_label == FEES_NOT_ITEMISED_ACCOUNT_LABEL for line in plan.fee_draft.lines
	):
		return
	order = plan.amazon_order_id
	plan.fee_draft.lines.append(
		FeeLineDraft(
			fee_type=plan.transaction_type or "Untyped",
			category=CATEGORY_FEE,
			amount=kept,
			account_label=FEES_NOT_ITEMISED_ACCOUNT_LABEL,
			remark=f"{plan.transaction_type} of order {order} without breakdown: invoiced {on_clearing} "
			f"{plan.currency}, Amazon pays {plan.total} {plan.currency}",
		)
	)
	plan.fee_draft.remark += (
		f" It came without a breakdown: the order {order}'s invoices put {on_clearing} {plan.currency} on "
		f"the clearing account, Amazon pays {plan.total} {plan.currency}; the {kept} {plan.currency} it "
		f"kept (fees and withheld taxes, not itemised) is on {FEES_NOT_ITEMISED_ACCOUNT_LABEL}."
	)
	plan.figures[f"fee:{FEES_NOT_ITEMISED_ACCOUNT_LABEL}"] = -kept
	plan.figures["sales"] = plan.figures.get("sales", Decimal(0)) + kept


def _not_itemised_entry(plan: TransactionPlan, transaction: dict) -> None:
	"""A refund-like transaction with no breakdown: its whole total on its own account."""
	label = (
		NOT_ITEMISED_ACCOUNT_LABELS.get(plan.transaction_type)
		or transaction_account_label(plan.transaction_type)[0]
	)
	units = [
		f"{c.get('sku')} x {c.get('quantityShipped')}" if c.get("quantityShipped") else str(c.get("sku"))
		for item in transaction.get("items") or []
		if isinstance(item, dict)
		for c in item.get("contexts") or []
		if isinstance(c, dict) and c.get("sku")
	]
	what = f" (SKU {', '.join(units[:5])})" if units else ""
	plan.fee_draft = FeeEntryDraft(
		amazon_order_id=plan.amazon_order_id,
		event_key=plan.key,
		currency=plan.currency,
		posted_date=plan.posted_date,
		lines=[
			FeeLineDraft(
				fee_type=plan.transaction_type or "Untyped",
				category=CATEGORY_FEE,
				amount=-plan.total,
				account_label=label,
				remark=f"{plan.transaction_type} without breakdown{what}",
			)
		]
		if plan.total
		else [],
		marketplace_id=plan.marketplace_id,
		event_type=plan.transaction_type,
		marketplace_name=(transaction.get("marketplaceDetails") or {}).get("marketplaceName") or "",
		remark=f"Amazon transaction {plan.transaction_id or plan.key} ({plan.transaction_type}, "
		f"{transaction.get('description') or 'no description'}, posted {transaction.get('postedDate')}) "
		f"came without a breakdown: its total {plan.total} {plan.currency} is on {label}, since no credit "
		"note can be made from a net total. When you credit the buyer (Sales Invoice: Create > Return / "
		"Credit Note), move the credit note's amount from there.",
		settlement_id=plan.settlement_id,
	)


def _account_entry(plan: TransactionPlan, transaction: dict, found: list[Leaf]) -> None:
	label, known = transaction_account_label(plan.transaction_type)
	plan.unknown_type = not known
	lines: dict[tuple[str, str], AccountLineDraft] = {}
	for leaf in found or [Leaf((plan.transaction_type or "Untyped",), plan.total)]:
		leaf_label, home = (
			_account_leaf_label(leaf, plan.transaction_type) if found else (label, HOME_FEE_GROUP)
		)
		if leaf_label == RESERVE_ACCOUNT_LABEL:
			home = HOME_BESIDE_CLEARING
		line = lines.setdefault((leaf_label, home), AccountLineDraft(leaf_label, Decimal(0), home, ""))
		line.amount -= leaf.amount
		names = "/".join(leaf.path)
		if names not in line.remark:
			line.remark = f"{line.remark}, {names}" if line.remark else names
	plan.account_draft = AccountEntryDraft(
		entry_key=plan.key,
		transaction_type=plan.transaction_type,
		currency=plan.currency,
		posted_date=plan.posted_date,
		lines=[line for line in lines.values() if line.amount],
		settlement_id=plan.settlement_id,
		marketplace_id=plan.marketplace_id,
		remark=f"Amazon {plan.transaction_type or 'untyped'} transaction {plan.transaction_id or plan.key}: "
		f"{transaction.get('description') or 'no description'}, posted {transaction.get('postedDate')}.",
	)


def _deferral(plan: TransactionPlan) -> None:
	deferred = plan.status in (DEFERRED, DEFERRED_RELEASED) or (
		plan.status == RELEASED and plan.maturity_date is not None
	)
	if not deferred or not plan.total:
		return

	def move(suffix: str, amount: Decimal, what: str) -> AccountEntryDraft:
		return AccountEntryDraft(
			entry_key=f"{plan.key}:{suffix}",
			transaction_type=plan.transaction_type,
			currency=plan.currency,
			posted_date=plan.posted_date
			if suffix == "deferred"
			else (plan.maturity_date or plan.posted_date),
			lines=[AccountLineDraft(DEFERRED_ACCOUNT_LABEL, amount, HOME_BESIDE_CLEARING, what)],
			settlement_id=plan.settlement_id if suffix == "released" else "",
			amazon_order_id=plan.amazon_order_id,
			marketplace_id=plan.marketplace_id,
			remark=f"Amazon {what} of transaction {plan.transaction_id or plan.key}"
			+ (f" (order {plan.amazon_order_id})" if plan.amazon_order_id else "")
			+ (f", maturity {plan.maturity_date:%Y-%m-%d}" if plan.maturity_date else "")
			+ ".",
		)

	plan.deferral = move("deferred", plan.total, "deferral")
	if plan.status != DEFERRED:
		plan.release = move("released", -plan.total, "release")
