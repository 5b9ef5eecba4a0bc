"""The simulator's Finances 2024-06-19 feed: valid against Amazon's model, the same money as v0,
deferred transactions that release, settlements that add up, and v0 switched off on request."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import timedelta
from decimal import Decimal

import jsonschema
import pytest
from fixtures_simulator import SimHttp

TRANSACTIONS = "/finances/2024-06-19/transactions"
GROUPS = "/finances/v0/financialEventGroups"


def _schema(
	load_model, model_file: str, operation_id: str, status: str = "200"
) -> jsonschema.Draft4Validator:
	model = load_model(model_file)
	operation = next(
		op
		for methods in model["paths"].values()
		for method, op in methods.items()
		if method != "parameters" and op.get("operationId") == operation_id
	)
	schema = dict(operation["responses"][status]["schema"], definitions=model["definitions"])
	return jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


def _all_transactions(http: SimHttp, start: str, **params) -> tuple[list[dict], list[dict]]:
	bodies, transactions, token = [], [], None
	while True:
		query = {"postedAfter": start, **params}
		if token:
			query["nextToken"] = token
		response = http.get(TRANSACTIONS, **query)
		assert response.status_code == 200, response.text
		body = response.json()
		bodies.append(body)
		transactions += body["payload"]["transactions"]
		token = body["payload"].get("nextToken")
		if not token:
			return bodies, transactions


def _v0_events(http: SimHttp, start: str) -> list[tuple[str, dict]]:
	events, token = [], None
	while True:
		query = {"NextToken": token} if token else {"PostedAfter": start, "MaxResultsPerPage": 100}
		body = http.get("/finances/v0/financialEvents", **query).json()
		for name, entries in body["payload"]["FinancialEvents"].items():
			events += [(name, e) for e in entries]
		token = body["payload"].get("NextToken")
		if not token:
			return events


# Per the v0 model: the field that is an event's total, for events that are not lists of components.
V0_TOTALS = {"Adjustment": ("AdjustmentAmount",), "ProductAdsPayment": ("transactionValue",),
	"CouponPayment": ("TotalAmount",), "SellerDealPayment": ("totalAmount",), "SAFETReimbursement": ("ReimbursedAmount",),
	"FBALiquidation": ("LiquidationProceedsAmount", "LiquidationFeeAmount")}  # fmt: skip


def _sum_all(value) -> Decimal:
	if isinstance(value, dict):
		if "CurrencyAmount" in value:
			return Decimal(str(value["CurrencyAmount"]))
		return sum((_sum_all(v) for v in value.values()), Decimal(0))
	if isinstance(value, list):
		return sum((_sum_all(v) for v in value), Decimal(0))
	return Decimal(0)


def _amounts(event: dict, list_name: str = "") -> Decimal:
	"""What a v0 event does to the seller's balance."""
	kind = list_name.removesuffix("EventList")
	if kind in V0_TOTALS:
		return sum((Decimal(str(event[f]["CurrencyAmount"])) for f in V0_TOTALS[kind]), Decimal(0))
	parts = [event.get(k) for k in ("ShipmentItemList", "ShipmentItemAdjustmentList", "FeeList")]
	return sum((_sum_all(p) for p in parts if p), Decimal(0))


def _leaves(breakdowns) -> Decimal:
	total = Decimal(0)
	for node in breakdowns or []:
		children = node.get("breakdowns") or []
		total += _leaves(children) if children else Decimal(str(node["breakdownAmount"]["currencyAmount"]))
	return total


@pytest.fixture
def world_start(sim_world) -> str:
	return sim_world["generated"]["start"]


@pytest.fixture
def http(make_simulator):
	sim = make_simulator(transactions_page_size=40)
	client = SimHttp(sim)
	yield client
	client.close()


def test_every_page_validates_against_the_model(http, load_model, world_start):
	validator = _schema(load_model, "finances-2024-06-19.json", "listTransactions")
	bodies, transactions = _all_transactions(http, world_start)
	assert len(bodies) > 1  # paged
	for body in bodies:
		errors = list(validator.iter_errors(body))
		assert not errors, "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])
	types = Counter(t["transactionType"] for t in transactions)
	for kind in ("Shipment", "Refund", "ServiceFee", "ProductAdsPayment", "Adjustment", "CouponPayment",
		"SellerDealPayment", "SAFETReimbursement", "FBALiquidation", "GuaranteeClaim", "Transfer"):  # fmt: skip
		assert types[kind], f"no {kind} transaction in the world"
	# Both shapes the model allows: with and without transaction-level breakdowns, and refunds with
	# no breakdown anywhere (their items' totals alone; a few, in larger worlds, not even items).
	assert any("breakdowns" in t for t in transactions)
	assert any("breakdowns" not in t and t.get("items") for t in transactions)
	refunds = [t for t in transactions if t["transactionType"] == "Refund"]
	bare = [t for t in refunds if "breakdowns" not in json.dumps(t)]
	assert bare and len(bare) < len(refunds)
	assert any(t.get("items") for t in bare)
	assert any(
		"breakdowns" in t and any("breakdowns" not in i for i in t.get("items") or ()) for t in transactions
	)


def test_each_transaction_adds_up_to_its_total(http, world_start):
	_, transactions = _all_transactions(http, world_start)
	for transaction in transactions:
		total = Decimal(str(transaction["totalAmount"]["currencyAmount"]))
		if "breakdowns" in transaction:
			assert _leaves(transaction["breakdowns"]) == total, transaction["transactionId"]
		if transaction.get("items"):
			items = sum(
				(Decimal(str(i["totalAmount"]["currencyAmount"])) for i in transaction["items"]), Decimal(0)
			)
			assert items == total, transaction["transactionId"]
			for item in transaction["items"]:
				if "breakdowns" in item:
					assert _leaves(item["breakdowns"]) == Decimal(str(item["totalAmount"]["currencyAmount"]))


def test_the_same_money_as_finances_v0(http, world_start):
	_, transactions = _all_transactions(http, world_start)
	events = _v0_events(http, world_start)
	v0 = defaultdict(Decimal)
	for name, event in events:
		v0[_currency_of(event)] += _amounts(event, name)
	new = defaultdict(Decimal)
	for transaction in transactions:
		if transaction["transactionType"] != "Transfer":  # v0 shows payouts as groups, not events
			new[transaction["totalAmount"]["currencyCode"]] += Decimal(
				str(transaction["totalAmount"]["currencyAmount"])
			)
	assert dict(new) == dict(v0)
	assert len(transactions) - sum(t["transactionType"] == "Transfer" for t in transactions) == len(events)


def _currency_of(event) -> str:
	if isinstance(event, dict):
		if "CurrencyCode" in event:
			return event["CurrencyCode"]
		for value in event.values():
			found = _currency_of(value)
			if found:
				return found
	if isinstance(event, list):
		for value in event:
			found = _currency_of(value)
			if found:
				return found
	return ""


def test_settlements_add_up_and_closed_ones_pay_out(http, load_model, world_start):
	validator = _schema(load_model, "finances-v0.json", "listFinancialEventGroups")
	body = http.get(GROUPS, FinancialEventGroupStartedAfter=world_start, MaxResultsPerPage=100).json()
	assert not list(validator.iter_errors(body))
	groups = body["payload"]["FinancialEventGroupList"]
	closed = [g for g in groups if g["ProcessingStatus"] == "Closed"]
	assert len(closed) >= 2 and any(g["ProcessingStatus"] == "Open" for g in groups)
	_, transactions = _all_transactions(http, world_start)
	by_group = defaultdict(list)
	for transaction in transactions:
		for related in transaction["relatedIdentifiers"]:
			if related["relatedIdentifierName"] == "SETTLEMENT_ID":
				by_group[related["relatedIdentifierValue"]].append(transaction)
	reserves = 0
	for group in closed:
		members = by_group[group["FinancialEventGroupId"]]
		transfers = [t for t in members if t["transactionType"] == "Transfer"]
		others = sum(
			(Decimal(str(t["totalAmount"]["currencyAmount"])) for t in members if t not in transfers),
			Decimal(0),
		)
		deposit = Decimal(str(group["OriginalTotal"]["CurrencyAmount"]))
		assert others + Decimal(str(group["BeginningBalance"]["CurrencyAmount"])) == deposit
		if "FundTransferDate" not in group:  # a small negative balance, carried into the next one
			assert not transfers and -20 < deposit < 0
			continue
		(transfer,) = transfers
		assert Decimal(str(transfer["totalAmount"]["currencyAmount"])) == -deposit
		assert transfer["postedDate"] == group["FundTransferDate"]
		reserves += sum(1 for t in members if "Reserve" in str(t.get("breakdowns")))
	assert reserves >= 2  # held in one settlement, released in the next
	# The group's own events (v0, by group id) are the same money as its 2024 transactions.
	group = closed[0]
	events = http.get(f"{GROUPS}/{group['FinancialEventGroupId']}/financialEvents").json()
	v0_total = sum(
		(
			_amounts(e, name)
			for name, entries in events["payload"]["FinancialEvents"].items()
			for e in entries
		),
		Decimal(0),
	)
	assert v0_total == Decimal(str(group["OriginalTotal"]["CurrencyAmount"]))


def test_deferred_transactions_release_at_maturity(make_simulator, world_start):
	sim = make_simulator()
	http = SimHttp(sim)
	try:
		_, before = _all_transactions(http, world_start)
		deferred = [t for t in before if t["transactionStatus"] == "DEFERRED"]
		released = [t for t in before if t["transactionStatus"] == "DEFERRED_RELEASED"]
		assert released, "the world should hold deferred transactions released already"
		for transaction in deferred:
			assert not any(
				r["relatedIdentifierName"] == "SETTLEMENT_ID" for r in transaction["relatedIdentifiers"]
			)
			(context,) = [c for c in transaction["contexts"] if c["contextType"] == "DeferredContext"]
			assert context["maturityDate"] > transaction["postedDate"]
		if deferred:
			sim.advance_clock(timedelta(days=8).total_seconds())
			_, after = _all_transactions(http, world_start)
			status = {t["transactionId"]: t["transactionStatus"] for t in after}
			assert {status[t["transactionId"]] for t in deferred} == {"DEFERRED_RELEASED"}
		only = http.get(TRANSACTIONS, postedAfter=world_start, transactionStatus="DEFERRED_RELEASED").json()
		assert {t["transactionStatus"] for t in only["payload"]["transactions"]} == {"DEFERRED_RELEASED"}
	finally:
		http.close()


def test_amazons_rules_on_the_request(http, world_start):
	assert http.get(TRANSACTIONS).status_code == 400  # no postedAfter, no identifier
	far = http.get(TRANSACTIONS, postedAfter="2000-01-01T00:00:00Z", postedBefore="2001-01-01T00:00:00Z")
	assert far.status_code == 200 and far.json()["payload"]["transactions"] == []  # over 180 days: empty
	assert (
		http.get(TRANSACTIONS, postedAfter=world_start, postedBefore="2999-01-01T00:00:00Z").status_code
		== 400
	)
	first = http.get(TRANSACTIONS, postedAfter=world_start).json()
	token = first["payload"]["nextToken"]
	assert (
		http.get(TRANSACTIONS, postedAfter=world_start, marketplaceId="X", nextToken=token).status_code == 400
	)
	assert (
		http.get(TRANSACTIONS, relatedIdentifierName="SHIPMENT_ID", relatedIdentifierValue="x").status_code
		== 400
	)


def test_transactions_of_one_order(http, sim_world, world_start):
	_, transactions = _all_transactions(http, world_start)
	order_id = next(
		r["relatedIdentifierValue"]
		for t in transactions
		if t["transactionType"] == "Refund"
		for r in t["relatedIdentifiers"]
		if r["relatedIdentifierName"] == "ORDER_ID"
	)
	body = http.get(TRANSACTIONS, relatedIdentifierName="ORDER_ID", relatedIdentifierValue=order_id).json()
	kinds = sorted(t["transactionType"] for t in body["payload"]["transactions"])
	assert "Refund" in kinds and "Shipment" in kinds


@pytest.mark.parametrize("mode", ["events-off", "off"])
def test_finances_v0_switched_off(make_simulator, world_start, mode):
	sim = make_simulator(finances_v0=mode)
	http = SimHttp(sim)
	try:
		assert http.get("/finances/v0/financialEvents", PostedAfter=world_start).status_code == 404
		order_id = sim.world.orders and next(iter(sim.world.orders))
		assert http.get(f"/finances/v0/orders/{order_id}/financialEvents").status_code == 404
		groups = http.get(GROUPS, FinancialEventGroupStartedAfter=world_start).status_code
		assert groups == (404 if mode == "off" else 200)
		assert http.get(TRANSACTIONS, postedAfter=world_start).status_code == 200
		assert http.post("/_sim/finances-v0", {"mode": "on"}).status_code == 200
		assert http.get("/finances/v0/financialEvents", PostedAfter=world_start).status_code == 200
	finally:
		http.close()
