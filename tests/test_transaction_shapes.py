"""Finances 2024-06-19 transactions of every shape the model allows, drawn from its own `Transaction`
definition: breakdowns present, absent, empty or nested, at transaction level or only per item;
relatedIdentifiers with or without an order, a settlement, or a name the model lists that we do not
use; statuses the model names and ones it does not; optional amounts missing or null; currencies with
0, 2 and 3 minor units; fee and transaction types not in our tables.

The contract: each transaction becomes a plan or a TransactionError naming it (nothing else escapes,
so one transaction never stops the others); a plan books exactly Amazon's total (its entries and its
reconciliation figures add up to `totalAmount`, to the last digit Amazon gave); an unknown type is on
an account of its own, never shared with another type.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from model_payloads import AMOUNTS, CURRENCIES, TIMES, UNDOCUMENTED, one_in, payloads

from amazon_connector.core.drafts.fees import CATEGORY_CHARGEBACK, CATEGORY_FEE, CATEGORY_WITHHELD_TAX
from amazon_connector.core.mapping.account_labels import (
	FEE_ACCOUNT_LABELS,
	WITHHELD_TAX_LABELS,
	account_label,
	withheld_tax_name,
)
from amazon_connector.core.mapping.transaction_accounts import (
	TRANSACTION_ACCOUNT_LABELS,
	transaction_account_label,
)
from amazon_connector.core.mapping.transaction_refunds import refund_drafts
from amazon_connector.core.mapping.transactions import (
	DEFERRED,
	DEFERRED_RELEASED,
	RELEASED,
	TransactionError,
	map_transaction,
)

SETTINGS = settings(
	max_examples=150, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
TRANSACTION_TYPES = st.sampled_from(
	[
		*TRANSACTION_ACCOUNT_LABELS,
		"Transfer",
		"Shipment",
		"Refund",
		"Refund",
		"BrandNewType",
		"Brand/New Type",
		"",
	]
)
BREAKDOWN_TYPES = st.sampled_from(
	[
		"Sales", "ProductCharges", "Principal", "Tax", "Shipping", "Promotions", "Expenses", "AmazonFees",
		"Commission", "FBAPerUnitFulfillmentFee", "MarketplaceFacilitator",
		"MarketplaceFacilitatorVAT-Principal", "TCS-CGST", "ShippingChargeback", "CostOfPointsGranted",
		"ReserveEvent", "FBAInventoryReimbursement", "NewFeeNobodyHasSeen", "New Fee (2027)", "手数料",
		"配送料", "",
	]
)  # fmt: skip
# Most transactions name their order (or their settlement); the model lists more names.
RELATED = st.fixed_dictionaries(
	{
		"relatedIdentifierName": st.sampled_from(
			["ORDER_ID", "ORDER_ID", "SETTLEMENT_ID", "FINANCIAL_EVENT_GROUP_ID", "REFUND_ID", UNDOCUMENTED]
		),
		"relatedIdentifierValue": st.sampled_from(["302-1111111-2222222"] * 3 + ["S-1", ""]),
	}
)
STATUSES = st.sampled_from(
	[DEFERRED, RELEASED, DEFERRED_RELEASED, "released", "Deferred", "PENDING", UNDOCUMENTED, ""]
)


def _transactions(model: dict):
	return payloads(
		model,
		"Transaction",
		overrides={
			"transactionType": TRANSACTION_TYPES,
			"transactionStatus": st.one_of(st.none(), STATUSES),
			"transactionId": st.one_of(
				st.none(), st.just(""), st.text("0123456789ABC-", min_size=1, max_size=12)
			),
			"breakdownType": st.one_of(st.none(), BREAKDOWN_TYPES),
			"postedDate": TIMES,
			"maturityDate": st.one_of(st.none(), TIMES),
			"relatedIdentifierValue": st.sampled_from(["302-1111111-2222222", "S-1", ""]),
			"relatedIdentifiers": st.lists(RELATED, max_size=3),
			# as a JSON parser hands them over: floats (the client's), or exact decimals
			"currencyAmount": st.one_of(AMOUNTS, AMOUNTS.map(float)),
		},
		often=(
			"totalAmount",
			"postedDate",
			"breakdownAmount",
			"currencyAmount",
			"currencyCode",
			"breakdowns",
			"breakdownType",
			"transactionType",
			"transactionStatus",
			"relatedIdentifiers",
		),  # fmt: skip
		depth=7,
	)


def _walk(node, seen: list):
	"""Every Currency object of a document."""
	if isinstance(node, dict):
		if "currencyAmount" in node or "currencyCode" in node:
			seen.append(node)
		for value in node.values():
			_walk(value, seen)
	elif isinstance(node, list):
		for value in node:
			_walk(value, seen)
	return seen


def _leaf_sum(breakdowns) -> tuple[Decimal, bool]:
	"""The sum of a breakdown tree's leaves (a parent is the sum of its children), and whether it had any."""
	total, any_leaf = Decimal(0), False
	for node in breakdowns or []:
		if not isinstance(node, dict):
			continue
		children = node.get("breakdowns")
		if children:
			inner, found = _leaf_sum(children)
			if found:
				node["breakdownAmount"] = {**(node.get("breakdownAmount") or {}), "currencyAmount": inner}
				total, any_leaf = total + inner, True
				continue
		amount = (node.get("breakdownAmount") or {}).get("currencyAmount")
		if amount is not None:
			total, any_leaf = total + Decimal(str(amount)), True
	return total, any_leaf


def _consistent(transaction: dict, data) -> str:
	"""Make the drawn transaction's money hang together the way Amazon's does (one currency; each
	parent the sum of its children; the total the sum of the leaves), most of the time."""
	currency = data.draw(CURRENCIES)
	for money in _walk(transaction, []):
		if not data.draw(one_in(20)):  # one in twenty keeps its own currency
			money["currencyCode"] = currency
	top, found = _leaf_sum(transaction.get("breakdowns"))
	if not found:
		top = Decimal(0)
		for item in transaction.get("items") or []:
			if isinstance(item, dict):
				added, item_found = _leaf_sum(item.get("breakdowns"))
				top += added
				found = found or item_found
	if found and not data.draw(one_in(10)):  # one in ten keeps a total that disagrees
		transaction["totalAmount"] = {"currencyAmount": top, "currencyCode": currency}
	return currency, top


def _booked(plan) -> Decimal:
	"""What a plan books for its transaction, in Amazon's sign (the seller's point of view)."""
	if plan.fee_draft is not None:
		fees = sum((line.amount for line in plan.fee_draft.lines), Decimal(0))
		return sum(plan.fee_draft.sale_amounts.values(), Decimal(0)) - fees
	return -sum((line.amount for line in plan.account_draft.lines), Decimal(0))


@pytest.fixture(scope="module")
def finances(load_model):
	return load_model("finances-2024-06-19.json")


def test_every_model_shaped_transaction_is_booked_exactly_or_refused_by_name(finances):
	@SETTINGS
	@given(_transactions(finances), st.data())
	def check(transaction, data):
		currency, leaves_sum = _consistent(transaction, data)
		try:
			plan = map_transaction(transaction)
		except TransactionError as exc:
			if transaction.get("transactionId"):
				assert transaction["transactionId"] in str(exc)
			else:
				assert "txn:~" in str(exc)
			return
		given_total = transaction.get("totalAmount") or {}
		amount = given_total.get("currencyAmount")
		total = Decimal(str(amount)) if amount not in (None, "") else leaves_sum
		assert plan.total == total
		assert len(plan.currency) == 3 and plan.currency.isalpha() and plan.currency.isupper()
		if given_total.get("currencyCode"):
			assert plan.currency == given_total["currencyCode"].upper()
		if plan.is_transfer:
			assert plan.entries == []
			return
		assert sum(plan.figures.values(), Decimal(0)) == total
		assert _booked(plan) == total
		for entry in plan.entries:
			assert entry.currency == plan.currency
			for line in getattr(entry, "lines", []):
				assert isinstance(line.amount, Decimal)
		assert plan.status in (DEFERRED, RELEASED, DEFERRED_RELEASED)
		if plan.status == DEFERRED and total:
			assert plan.deferral is not None and plan.release is None
			assert sum((line.amount for line in plan.deferral.lines), Decimal(0)) == total
		if plan.fee_draft is not None:
			_one_account_per_type(plan.fee_draft.lines, lambda line: (line.account_label, line.fee_type))
		try:
			refunds = refund_drafts(plan, transaction)
		except TransactionError as exc:  # items that disagree with the breakdowns: refused by name
			assert (transaction.get("transactionId") or plan.key) in str(exc)
			return
		if refunds:
			assert (
				plan.transaction_type in ("Refund", "GuaranteeClaim", "Chargeback") and plan.amazon_order_id
			)
			# the credit note gives back exactly the sale side Amazon reversed
			assert sum((r.total for r in refunds), Decimal(0)) == -sum(plan.fee_draft.sale_amounts.values())

	check()


def _one_account_per_type(lines, label_and_type):
	"""A fallback account ("Amazon Other ... (<type>)") holds one type only."""
	types_of: dict[str, set] = {}
	for line in lines:
		label, kind = label_and_type(line)
		types_of.setdefault(label, set()).add(kind)
	for label, kinds in types_of.items():
		if label.startswith("Amazon Other"):
			assert len(kinds) == 1, f"{label} holds {sorted(kinds)}"


TYPE_NAMES = st.one_of(
	st.text(max_size=80), st.sampled_from(["手数料", "配送料", "Brand/New", "BrandNew", "x" * 61, "x" * 62])
)


@SETTINGS
@given(TYPE_NAMES, TYPE_NAMES)
def test_two_unknown_types_never_share_an_account(one, other):
	assume(one.strip() != other.strip())
	for category in (CATEGORY_FEE, CATEGORY_WITHHELD_TAX, CATEGORY_CHARGEBACK):
		if one in FEE_ACCOUNT_LABELS or other in FEE_ACCOUNT_LABELS:
			continue
		if category == CATEGORY_WITHHELD_TAX and withheld_tax_name(one) == withheld_tax_name(other):
			continue  # components of one tax share its account on purpose
		if {withheld_tax_name(one), withheld_tax_name(other)} & set(WITHHELD_TAX_LABELS):
			continue
		assert account_label(one, category) != account_label(other, category)
	if one not in TRANSACTION_ACCOUNT_LABELS and other not in TRANSACTION_ACCOUNT_LABELS:
		assert transaction_account_label(one)[0] != transaction_account_label(other)[0]


def test_an_unknown_type_that_reads_well_keeps_its_plain_name():
	assert account_label("NewFeeNobodyHasSeen", CATEGORY_FEE) == "Amazon Other Fees (NewFeeNobodyHasSeen)"
	assert transaction_account_label("BrandNewType") == ("Amazon Other Transactions (BrandNewType)", False)
	assert account_label("手数料", CATEGORY_FEE).startswith("Amazon Other Fees (~")


def _node(kind: str, amount: str, *children) -> dict:
	money = {"currencyAmount": float(amount), "currencyCode": "EUR"}
	return {"breakdownType": kind, "breakdownAmount": money, "breakdowns": list(children)}


def _refund(**overrides) -> dict:
	refund = {
		"relatedIdentifiers": [{"relatedIdentifierName": "ORDER_ID", "relatedIdentifierValue": "302-7"}],
		"transactionType": "Refund",
		"transactionId": "R-1",
		"postedDate": "2026-05-02T10:00:00Z",
		"totalAmount": {"currencyAmount": -18.0, "currencyCode": "EUR"},
		"breakdowns": [
			_node("Sales", "-20.00", _node("Principal", "-16.81"), _node("Tax", "-3.19")),
			_node("Expenses", "2.00", _node("Commission", "2.00")),
		],
		"items": [
			{
				"description": "SKU-7",
				"totalAmount": {"currencyAmount": -18.0, "currencyCode": "EUR"},
				"contexts": [{"contextType": "ProductContext", "sku": "SKU-7", "quantityShipped": 1}],
			}
		],
	}
	refund.update(overrides)
	return refund


def test_a_refund_whose_items_carry_no_breakdowns_is_credited_from_the_transactions():
	refund = _refund()
	plan = map_transaction(refund)
	assert plan.fee_draft.sale_amounts == {"Principal": Decimal("-16.81"), "Tax": Decimal("-3.19")}
	(draft,) = refund_drafts(plan, refund)
	(line,) = draft.lines
	assert (line.sku, line.quantity, line.principal, line.tax) == (
		"SKU-7",
		1,
		Decimal("16.81"),
		Decimal("3.19"),
	)


def test_items_that_give_back_other_money_than_the_breakdowns_are_refused_by_name():
	refund = _refund()
	refund["items"][0]["breakdowns"] = [_node("Principal", "-10.00")]
	with pytest.raises(TransactionError, match="R-1.*give back 10.00 EUR.*20.00 EUR"):
		refund_drafts(map_transaction(refund), refund)


def test_a_status_amazon_has_not_documented_is_refused_not_booked_as_released():
	with pytest.raises(TransactionError, match="R-1.*'PENDING'"):
		map_transaction(_refund(transactionStatus="Pending"))
	assert map_transaction(_refund(transactionStatus="deferred_released")).status == DEFERRED_RELEASED


def test_a_total_without_an_amount_is_its_breakdowns_and_leaves_without_one_are_zero():
	refund = _refund(totalAmount={"currencyCode": "EUR"})
	refund["breakdowns"].append({"breakdownType": "Goodwill", "breakdownAmount": {"currencyCode": "EUR"}})
	assert map_transaction(refund).total == Decimal("-18.00")
	with pytest.raises(TransactionError, match="R-1.*in EUR, some breakdowns in USD"):
		map_transaction(
			_refund(
				breakdowns=[
					_node("Sales", "-18.00")
					| {"breakdownAmount": {"currencyAmount": -18, "currencyCode": "USD"}}
				]
			)
		)


def test_float_noise_in_a_json_number_is_not_money():
	shipment = _refund(
		transactionType="Shipment", totalAmount={"currencyAmount": 15.3, "currencyCode": "EUR"}
	)
	shipment["breakdowns"] = [_node("Sales", "17.990000000000002"), _node("Commission", "-2.69")]
	plan = map_transaction(shipment)
	assert plan.fee_draft.sale_amounts == {"Sales": Decimal("17.99")}


def test_a_service_fee_or_adjustment_of_an_unknown_kind_has_an_account_of_its_own():
	def account(kind: str, leaf: str) -> list[str]:
		transaction = {
			"transactionType": kind,
			"transactionId": f"{kind}-1",
			"postedDate": "2026-05-02T10:00:00Z",
			"totalAmount": {"currencyAmount": -0.89, "currencyCode": "EUR"},
			"breakdowns": [_node("Expenses", "-0.89", _node("AmazonFees", "-0.89", _node(leaf, "-0.89")))],
		}
		return [line.account_label for line in map_transaction(transaction).account_draft.lines]

	assert account("ServiceFee", "LowInventoryLevelFee") == ["Amazon Service Fees (LowInventoryLevelFee)"]
	assert account("ServiceFee", "InboundPlacementFee") == ["Amazon Service Fees (InboundPlacementFee)"]
	assert account("Adjustment", "WAREHOUSE_DAMAGE") == ["Amazon Account Adjustments (WAREHOUSE_DAMAGE)"]
	assert account("ServiceFee", "Subscription") == ["Amazon Subscription Fees"]
	assert account("ProductAdsPayment", "charge") == ["Amazon Advertising"]  # one kind of money: its type's
