"""Finances 2024-06-19 transactions -> plans: Amazon's own examples from the model, recursive
breakdowns, every type on an account of its own, deferred money, refusals that name the record."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from amazon_connector.core.drafts.transactions import HOME_BESIDE_CLEARING
from amazon_connector.core.mapping.transaction_accounts import (
	DEFERRED_ACCOUNT_LABEL,
	RESERVE_ACCOUNT_LABEL,
	TRANSACTION_ACCOUNT_LABELS,
)
from amazon_connector.core.mapping.transactions import TransactionError, map_transaction

MODEL = "finances-2024-06-19.json"


def _money(amount: str, currency: str = "EUR") -> dict:
	return {"currencyAmount": float(amount), "currencyCode": currency}


def _node(kind: str, amount: str, *children) -> dict:
	return {"breakdownType": kind, "breakdownAmount": _money(amount), "breakdowns": list(children)}


def shipment(**overrides) -> dict:
	transaction = {
		"relatedIdentifiers": [
			{"relatedIdentifierName": "ORDER_ID", "relatedIdentifierValue": "302-1"},
			{"relatedIdentifierName": "SETTLEMENT_ID", "relatedIdentifierValue": "S1"},
		],
		"transactionType": "Shipment",
		"transactionId": "T-1",
		"transactionStatus": "RELEASED",
		"postedDate": "2026-05-02T10:00:00Z",
		"totalAmount": _money("80.15"),
		"breakdowns": [
			_node("Sales", "100.00", _node("Principal", "84.03"), _node("Tax", "15.97")),
			_node(
				"Expenses",
				"-15.50",
				_node(
					"AmazonFees",
					"-15.50",
					_node("Commission", "-12.00"),
					_node("FBAPerUnitFulfillmentFee", "-3.50"),
				),
			),  # fmt: skip
			_node(
				"Tax",
				"-4.35",
				_node(
					"MarketplaceFacilitator", "-4.35", _node("MarketplaceFacilitatorVAT-Principal", "-4.35")
				),
			),
		],
	}
	transaction.update(overrides)
	return transaction


def test_the_models_sandbox_example(load_model):
	model = load_model(MODEL)
	responses = model["paths"]["/finances/2024-06-19/transactions"]["get"]["responses"]
	examples = [e["response"] for e in responses["200"]["x-amzn-api-sandbox"]["static"]]
	assert examples
	for body in examples:
		for transaction in body["payload"]["transactions"]:
			plan = map_transaction(transaction)
			assert plan.amazon_order_id == "8129762527551"
			assert plan.settlement_id == "4MVaHcsAfaYAlwlaPWrXJxrfUiKfYZ2ooWtY7528FUA"
			assert plan.total == Decimal("10") and plan.currency == "USD"
			# No breakdown: nothing to book as a fee; the whole total is the sale (the Sales Order's).
			assert plan.fee_draft.is_empty and plan.figures == {"sales": Decimal("10")}
			assert plan.key.startswith("txn:~")  # no transactionId in this example: a digest keys it


def test_the_models_transaction_example(load_model):
	example = copy.deepcopy(load_model(MODEL)["definitions"]["Transaction"]["example"])
	# Its breakdowns are an object holding the list (the schema says a list): both are read.
	assert isinstance(example["breakdowns"], dict)
	plan = map_transaction(example)
	assert plan.key == "txn:b1qD0oAliFkLiqRyGbmeT0DoS2Z2kHzi7TZ92z-vARI"
	assert plan.status == "RELEASED"  # the example writes "Released"
	assert plan.fee_draft.sale_amounts == {"Product Charges": Decimal("10")}
	example["breakdowns"] = example["breakdowns"]["breakdowns"]
	assert map_transaction(example).fee_draft.sale_amounts == {"Product Charges": Decimal("10")}
	del example["breakdowns"]  # then the items' breakdowns tell: "Product Charges" > "Principle"
	assert map_transaction(example).fee_draft.sale_amounts == {"Principle": Decimal("10")}


def test_order_fees_one_line_per_fee_type_exactly_amazons():
	plan = map_transaction(shipment())
	lines = {line.fee_type: (line.amount, line.account_label, line.category) for line in plan.fee_draft.lines}
	assert lines == {
		"Commission": (Decimal("12.00"), "Amazon Referral Fees", "fee"),
		"FBAPerUnitFulfillmentFee": (Decimal("3.50"), "Amazon FBA Fulfilment Fees", "fee"),
		"MarketplaceFacilitatorVAT-Principal": (
			Decimal("4.35"),
			"Amazon Marketplace Facilitator VAT Withheld",
			"withheld_tax",
		),
	}
	assert plan.fee_draft.event_key == "txn:T-1" and plan.fee_draft.amazon_order_id == "302-1"
	assert plan.fee_draft.total + plan.total == sum(plan.fee_draft.sale_amounts.values())
	assert plan.figures["sales"] == Decimal("100.00") and plan.figures["taxes_withheld"] == Decimal("-4.35")
	assert plan.v0_key_prefix == "302-1:Shipment:20260502T100000Z:"


def test_breakdowns_that_do_not_add_up_are_refused_naming_the_transaction():
	with pytest.raises(TransactionError, match=r"T-1.*add up to 80\.15 EUR, its total is 80\.16 EUR"):
		map_transaction(shipment(totalAmount=_money("80.16")))
	with pytest.raises(TransactionError, match="T-1"):
		map_transaction(shipment(totalAmount={"currencyAmount": "ten", "currencyCode": "EUR"}))


@pytest.mark.parametrize("kind", sorted(TRANSACTION_ACCOUNT_LABELS))
def test_every_known_type_lands_on_its_account(kind):
	transaction = {"transactionType": kind, "transactionId": f"A-{kind}", "postedDate": "2026-05-01T00:00:00Z",
		"totalAmount": _money("-9.99")}  # fmt: skip
	plan = map_transaction(transaction)
	if kind in ("Transfer",):
		return
	(line,) = plan.account_draft.lines
	assert line.account_label == TRANSACTION_ACCOUNT_LABELS[kind]
	assert line.amount == Decimal("9.99") and plan.account_draft.total == Decimal("9.99")
	assert not plan.unknown_type


def test_an_unknown_type_gets_its_own_account():
	plan = map_transaction({"transactionType": "SpaceStorageLevy", "transactionId": "X", "postedDate": "2026-05-01T00:00:00Z",
		"totalAmount": _money("-1.00")})  # fmt: skip
	assert plan.unknown_type
	assert [line.account_label for line in plan.account_draft.lines] == [
		"Amazon Other Transactions (SpaceStorageLevy)"
	]


def test_account_level_breakdowns_use_the_fee_accounts_and_reserves_their_own():
	plan = map_transaction({"transactionType": "ServiceFee", "transactionId": "SF", "postedDate": "2026-05-01T00:00:00Z",
		"totalAmount": _money("-60.00"), "breakdowns": [_node("Expenses", "-60.00", _node("Subscription", "-39.00"),
		_node("FBAStorageFee", "-21.00"))]})  # fmt: skip
	assert {(line.account_label, line.amount) for line in plan.account_draft.lines} == {
		("Amazon Subscription Fees", Decimal("39.00")),
		("Amazon FBA Storage Fees", Decimal("21.00")),
	}
	reserve = map_transaction({"transactionType": "Adjustment", "transactionId": "R", "postedDate": "2026-05-01T00:00:00Z",
		"totalAmount": _money("-12.00"), "breakdowns": [_node("ReserveEvent", "-12.00")]})  # fmt: skip
	(line,) = reserve.account_draft.lines
	assert (line.account_label, line.home, line.amount) == (
		RESERVE_ACCOUNT_LABEL,
		HOME_BESIDE_CLEARING,
		Decimal("12.00"),
	)
	assert reserve.figures == {"reserve": Decimal("-12.00")}
	assert plan.figures == {
		"other:Amazon Subscription Fees": Decimal("-39.00"),
		"other:Amazon FBA Storage Fees": Decimal("-21.00"),
	}


def test_deferred_then_released():
	context = [
		{"contextType": "DeferredContext", "deferralReason": "DD7", "maturityDate": "2026-05-09T10:00:00Z"}
	]
	held = map_transaction(shipment(transactionStatus="DEFERRED", contexts=context))
	assert held.deferral.entry_key == "txn:T-1:deferred" and held.release is None
	(line,) = held.deferral.lines
	assert (line.account_label, line.amount) == (DEFERRED_ACCOUNT_LABEL, Decimal("80.15"))
	released = map_transaction(shipment(transactionStatus="DEFERRED_RELEASED", contexts=context))
	assert released.deferral.entry_key == held.deferral.entry_key  # booked once, whichever run sees it
	assert released.release.total == Decimal("-80.15")
	assert released.release.posted_date.isoformat() == "2026-05-09T10:00:00+00:00"
	assert map_transaction(shipment()).deferral is None


def _bare_refund(with_items: bool) -> dict:
	"""A refund as the model allows it at its barest: a total and no breakdown anywhere."""
	transaction = shipment(transactionType="Refund", transactionId="R-1", totalAmount=_money("-21.40"))
	del transaction["breakdowns"]
	if with_items:
		transaction["items"] = [
			{
				"description": "SKU-1",
				"totalAmount": _money("-21.40"),
				"contexts": [{"contextType": "ProductContext", "sku": "SKU-1", "quantityShipped": 2}],
			}
		]
	return transaction


@pytest.mark.parametrize("with_items", [True, False])
def test_a_refund_without_breakdowns_books_its_total_on_its_own_account(with_items):
	from amazon_connector.core.mapping.transaction_refunds import refund_drafts

	transaction = _bare_refund(with_items)
	plan = map_transaction(transaction)
	# No credit note can be made from a net total: the whole total is booked, off clearing.
	assert refund_drafts(plan, transaction) == []
	[line] = plan.fee_draft.lines
	assert line.account_label == "Amazon Refunds Without Breakdown"
	assert line.amount == Decimal("21.40")  # the seller's cost; clearing is credited the same
	assert plan.fee_draft.total == Decimal("21.40") and not plan.fee_draft.sale_amounts
	assert plan.sale == 0 and not plan.unposted  # nothing left for an invoice or a credit note to bring
	assert plan.figures == {"refunds": Decimal("-21.40")}
	assert ("SKU-1 x 2" in line.remark) is with_items
	assert "Return / Credit Note" in plan.fee_draft.remark


def test_a_refund_with_breakdowns_only_per_item_still_makes_its_credit_note():
	from amazon_connector.core.mapping.transaction_refunds import refund_drafts

	transaction = _bare_refund(True)
	transaction["items"][0]["breakdowns"] = [
		_node("Sales", "-25.00", _node("Principal", "-25.00")),
		_node("Expenses", "3.60", _node("AmazonFees", "3.60", _node("Commission", "3.60"))),
	]
	plan = map_transaction(transaction)
	[draft] = refund_drafts(plan, transaction)
	assert draft.total == Decimal("25.00")
	assert plan.sale == Decimal("-25.00")
	assert [(x.fee_type, x.amount) for x in plan.fee_draft.lines] == [("Commission", Decimal("-3.60"))]


def test_a_shipment_without_breakdowns_is_all_sale():
	transaction = shipment()
	del transaction["breakdowns"]
	plan = map_transaction(transaction)
	assert plan.fee_draft.is_empty and plan.sale == Decimal("80.15")
	assert plan.figures == {"sales": Decimal("80.15")}
