"""Returns of shipped Multi-Channel Fulfillment orders against the simulator: Amazon's reason codes
per SKU (with and without a translation), a return asked for unit by unit with the seller's ids,
what Amazon accepts (under a return authorization given at once or later) and refuses with its
reason (not shipped yet, more units than shipped, an id used twice, a reason code Amazon does not
have), the units' status coming back until Amazon has processed them (sellable ones fulfillable
again, damaged ones not), the status stage reading such orders until every unit is back, and the
usage plan. Requests and answers are checked against Amazon's model."""

from __future__ import annotations

from datetime import date

import httpx
import pytest
from fixtures_simulator import paced_session
from test_fulfilment import BASE, US, draft, order_view, raw, schema_of, valid

from amazon_connector.core.drafts.fulfilment import ReturnLine
from amazon_connector.core.engine import fulfilment
from amazon_connector.core.engine.fulfilment import FulfilmentStatusSync, refusal_message
from amazon_connector.core.mapping.fulfilment import FulfilmentDraftError, read_fulfilment_order
from amazon_connector.core.mapping.fulfilment_returns import (
	invalid_text,
	return_item_ids,
	return_request,
)
from amazon_connector.core.preview import PreviewErp
from amazon_connector.core.settings import SyncSettings
from amazon_connector.simulator import generate_world
from amazon_connector.simulator.fulfillment import DEFAULT_RETURN_DELAY
from amazon_connector.spapi.errors import InvalidInputError
from amazon_connector.spapi.source import SpApiSource

RETURN = f"{BASE}/{{sellerFulfillmentOrderId}}/return"
REASONS = "/fba/outbound/2020-07-01/returnReasonCodes"


@pytest.fixture(scope="module")
def world():
	return generate_world(seed=41, orders=20, marketplaces="US")


@pytest.fixture
def sim(make_simulator, world):
	sim = make_simulator(world)
	sim.set_fba_quantities(US, "MCF-MUG", fulfillable=10)
	sim.set_fba_quantities(US, "MCF-CAP", fulfillable=4)
	return sim


@pytest.fixture
def source(sim):
	with paced_session(sim, "MCF Seller") as session:
		yield SpApiSource(session)


def shipped(sim, source, name: str, lines=(("MCF-MUG", 2), ("MCF-CAP", 1))):
	"""A fulfilment order Amazon has shipped: its state (two lines ship as two shipments)."""
	order = draft(name, lines=lines)
	fulfilment.send(source, order)
	sim.fulfillment.advance(order.seller_fulfillment_order_id)
	return read_fulfilment_order(source.get_fulfillment_order(order.seller_fulfillment_order_id))


def shipment_of(state, line_id: str) -> str:
	return next(s.amazon_shipment_id for s in state.shipments if line_id in s.quantities)


def test_reason_codes_come_per_sku_with_and_without_a_translation(sim, source, load_model):
	reasons = fulfilment.return_reasons(source, "MCF-MUG", US)
	codes = [r.code for r in reasons]
	assert "CR-DEFECTIVE" in codes and "CR-UNWANTED_ITEM" in codes
	assert (
		dict((r.code, r.description) for r in reasons)["CR-DEFECTIVE"] == "Defective/Does not work properly"
	)
	schema = schema_of(load_model, REASONS, "get", "200")
	headers = {"x-amz-access-token": sim.access_token()}
	plain = httpx.get(
		f"{sim.base_url}{REASONS}", params={"sellerSku": "MCF-MUG", "marketplaceId": US}, headers=headers
	)
	translated = httpx.get(
		f"{sim.base_url}{REASONS}", params={"sellerSku": "MCF-MUG", "language": "de-DE"}, headers=headers
	)
	for answer in (plain, translated):
		valid(schema, answer.json())
	assert all("translatedDescription" not in d for d in plain.json()["payload"]["reasonCodeDetails"])
	assert all(d["translatedDescription"] for d in translated.json()["payload"]["reasonCodeDetails"])
	with pytest.raises(InvalidInputError) as unknown:
		fulfilment.return_reasons(source, "NO-SUCH-SKU", US)
	assert "NO-SUCH-SKU" in refusal_message(unknown.value)
	missing = httpx.get(f"{sim.base_url}{REASONS}", headers=headers)
	assert missing.status_code == 400
	valid(schema_of(load_model, REASONS, "get", "400"), missing.json())


def test_a_return_is_asked_unit_by_unit_and_follows_the_model(load_model):
	lines = [
		ReturnLine("row-1", "T1", 2, "CR-DEFECTIVE", "Cracked handle"),
		ReturnLine("row-2", "T2", 1, "CR-UNWANTED_ITEM"),
	]
	body, owner = return_request("Sales Order SO-1", "MAT-DN-2026-00012", lines)
	valid(schema_of(load_model, RETURN, "put"), body)
	assert [i["sellerReturnItemId"] for i in body["items"]] == ["MAT-DN-2026-00012-1", "MAT-DN-2026-00012-2",
		"MAT-DN-2026-00012-3"]  # fmt: skip
	assert [i["sellerFulfillmentOrderItemId"] for i in body["items"]] == ["row-1", "row-1", "row-2"]
	assert body["items"][0]["returnComment"] == "Cracked handle" and "returnComment" not in body["items"][2]
	assert owner["MAT-DN-2026-00012-3"].line_id == "row-2"
	assert all(len(i) <= 80 for i in return_item_ids("X" * 100, 12))
	with pytest.raises(FulfilmentDraftError) as caught:
		return_request("Sales Order SO-1", "R", [ReturnLine("row-1", "", 0, "")])
	assert "positive whole number" in str(caught.value) and "return reason" in str(caught.value)


def test_amazon_accepts_shipped_units_and_refuses_the_rest_with_its_reason(sim, source, load_model):
	state = shipped(sim, source, "SO-R1")
	order_id = state.seller_fulfillment_order_id
	mug, cap = shipment_of(state, "row-1"), shipment_of(state, "row-2")
	result = fulfilment.request_return(source, order_id, "RET-1", [
		ReturnLine("row-1", mug, 3, "CR-DEFECTIVE"),  # two shipped: the third unit is refused
		ReturnLine("row-2", cap, 1, "NOT-A-CODE"),
		ReturnLine("row-2", mug, 1, "CR-UNWANTED_ITEM"),  # the cap did not travel in the mug's shipment
	])  # fmt: skip
	assert [(u.seller_return_item_id, u.status) for u in result.accepted] == [
		("RET-1-1", "New"),
		("RET-1-2", "New"),
	]
	assert sorted((i.seller_return_item_id, i.code) for i in result.invalid) == [
		("RET-1-3", "NoReturnableQuantity"), ("RET-1-4", "InvalidValues"), ("RET-1-5", "InvalidValues")]  # fmt: skip
	text = invalid_text(result.invalid, {"row-1": "MCF-MUG", "row-2": "MCF-CAP"})
	assert "MCF-MUG: 1 unit, every shipped unit of it is already being returned (NoReturnableQuantity" in text
	assert "MCF-CAP: 2 units, Amazon finds no such item on the fulfilment order (InvalidValues" in text
	again = fulfilment.request_return(
		source, order_id, "RET-1", [ReturnLine("row-1", mug, 1, "CR-DEFECTIVE")]
	)
	assert not again.accepted and [i.code for i in again.invalid] == ["DuplicateRequest"]
	assert "invalidReturnItems" not in raw(sim, "PUT", f"{BASE}/{order_id}/return", {"items": [
		{"sellerReturnItemId": "RAW-1", "sellerFulfillmentOrderItemId": "row-2", "amazonShipmentId": cap,
			"returnReasonCode": "CR-UNWANTED_ITEM"}]}).json()["payload"]  # fmt: skip
	answer = raw(sim, "PUT", f"{BASE}/{order_id}/return", {"items": [
		{"sellerReturnItemId": "RAW-2", "sellerFulfillmentOrderItemId": "row-1", "amazonShipmentId": mug,
			"returnReasonCode": "CR-DEFECTIVE"}]})  # fmt: skip
	valid(schema_of(load_model, RETURN, "put", "200"), answer.json())
	assert [i["invalidItemReason"]["invalidItemReasonCode"] for i in answer.json()["payload"]["invalidReturnItems"]] == [
		"NoReturnableQuantity"]  # fmt: skip
	bad = raw(sim, "PUT", f"{BASE}/{order_id}/return", {"items": [{"sellerReturnItemId": "RAW-3"}]})
	assert bad.status_code == 400
	valid(schema_of(load_model, RETURN, "put", "400"), bad.json())
	unknown = raw(sim, "PUT", f"{BASE}/NEVER-SENT/return", {"items": [
		{"sellerReturnItemId": "RAW-4", "sellerFulfillmentOrderItemId": "row-1", "amazonShipmentId": mug,
			"returnReasonCode": "CR-DEFECTIVE"}]})  # fmt: skip
	assert unknown.status_code == 404
	valid(schema_of(load_model, RETURN, "put", "404"), unknown.json())


def test_an_order_not_shipped_yet_cannot_be_returned(sim, source):
	order = draft("SO-R2", lines=(("MCF-MUG", 1), ("MCF-CAP", 1)))
	fulfilment.send(source, order)
	payload = sim.fulfillment.advance(order.seller_fulfillment_order_id, "Processing")
	pending = payload["fulfillmentShipments"][0]["amazonShipmentId"]
	result = fulfilment.request_return(
		source, order.seller_fulfillment_order_id, "RET-2", [ReturnLine("row-1", pending, 1, "CR-DEFECTIVE")]
	)
	assert not result.accepted and [i.code for i in result.invalid] == ["NoCompletedShipItems"]


def test_both_authorization_shapes_and_the_units_status_coming_back(sim, source, load_model):
	found = {}
	for n in range(1, 10):
		state = shipped(sim, source, f"SO-A{n}", lines=(("MCF-MUG", 1),))
		result = fulfilment.request_return(
			source,
			state.seller_fulfillment_order_id,
			f"RET-A{n}",
			[ReturnLine("row-1", shipment_of(state, "row-1"), 1, "CR-DEFECTIVE")],
		)
		shape = "at once" if result.authorizations else "later"
		found.setdefault(shape, (state.seller_fulfillment_order_id, result))
	assert set(found) == {"at once", "later"}
	now_id, now = found["at once"]
	assert now.accepted[0].authorization_id == now.authorizations[0].authorization_id
	assert now.authorizations[0].rma_page_url and "RMA" in now.authorizations[0].text()
	later_id, later = found["later"]
	assert later.accepted[0].authorization_id == "" and not later.authorizations
	assert read_fulfilment_order(order_view(sim, load_model, later_id)).authorizations == []
	sim.advance_clock(2 * 3600)
	state = read_fulfilment_order(order_view(sim, load_model, later_id))
	assert (
		state.authorizations and state.returns[0].authorization_id == state.authorizations[0].authorization_id
	)
	assert state.returns[0].status == "New" and state.returns_open and state.returns[0].condition == ""
	sim.advance_clock(DEFAULT_RETURN_DELAY)
	state = read_fulfilment_order(order_view(sim, load_model, later_id))
	(unit,) = state.returns
	assert unit.processed and unit.condition in ("Sellable", "CustomerDamaged") and not state.returns_open
	assert "Returns: 1 of 1 units received by Amazon" in state.message


def test_a_unit_is_not_processed_before_amazon_gave_its_authorization(make_simulator, world, load_model):
	sim = make_simulator(world, mcf_return_delay=60.0)
	sim.set_fba_quantities(US, "MCF-MUG", fulfillable=20)
	with paced_session(sim, "Late") as session:
		source = SpApiSource(session)
		for n in range(1, 10):
			state = shipped(sim, source, f"SO-L{n}", lines=(("MCF-MUG", 1),))
			line = ReturnLine("row-1", shipment_of(state, "row-1"), 1, "CR-DEFECTIVE")
			if not fulfilment.request_return(
				source, state.seller_fulfillment_order_id, f"RET-L{n}", [line]
			).authorizations:
				break
		order_id = state.seller_fulfillment_order_id
		sim.advance_clock(120)  # past the return delay, but the authorization is an hour away
		(unit,) = read_fulfilment_order(order_view(sim, load_model, order_id)).returns
		assert unit.status == "New" and unit.authorization_id == ""
		sim.advance_clock(3600)
		state = read_fulfilment_order(order_view(sim, load_model, order_id))
	(unit,) = state.returns
	assert unit.processed and unit.authorization_id == state.authorizations[0].authorization_id


def test_sellable_units_are_fulfillable_again_and_damaged_ones_are_not(sim, source, load_model):
	state = shipped(sim, source, "SO-R3", lines=(("MCF-MUG", 3),))
	order_id = state.seller_fulfillment_order_id
	assert sim.fba_inventory.quantity(US, "MCF-MUG") == 7
	result = fulfilment.request_return(
		source, order_id, "RET-3", [ReturnLine("row-1", shipment_of(state, "row-1"), 3, "CR-DEFECTIVE")]
	)
	# The third unit is processed without a condition (the model leaves returnReceivedCondition optional).
	sim.fulfillment.receive_returns(order_id, {"RET-3-1": "Sellable", "RET-3-2": "Defective", "RET-3-3": ""})
	payload = order_view(sim, load_model, order_id)
	assert [("returnReceivedCondition" in i) for i in payload["returnItems"]] == [True, True, False]
	state = read_fulfilment_order(payload)
	assert {u.seller_return_item_id: u.condition for u in state.returns} == {
		"RET-3-1": "Sellable",
		"RET-3-2": "Defective",
		"RET-3-3": "",
	}
	assert [u.sellable for u in state.returns] == [True, False, False]  # no condition: not counted sellable
	assert all(u.processed and u.status_changed for u in state.returns)
	assert (
		"Returns: 3 of 3 units received by Amazon (1 Defective, 1 Sellable, 1 condition not given)."
		in state.message
	)
	assert sim.fba_inventory.quantity(US, "MCF-MUG") == 8
	assert sim.fba_inventory.quantity(US, "MCF-MUG", "unfulfillable") == 2
	assert {i["fulfillmentCenterId"] for i in payload["returnItems"]} and len(result.accepted) == 3


def test_the_status_stage_reads_shipped_orders_until_their_returns_are_back(sim, source):
	erp = PreviewErp("MCF Seller")
	state = shipped(sim, source, "SO-R4", lines=(("MCF-MUG", 1),))
	order_id = state.seller_fulfillment_order_id
	assert erp.apply_fulfilment_state(state).value == "updated"
	assert erp.open_fulfilment_orders() == []  # Complete, nothing asked back
	result = fulfilment.request_return(
		source, order_id, "RET-4", [ReturnLine("row-1", shipment_of(state, "row-1"), 1, "CR-DEFECTIVE")]
	)
	erp.note_return(order_id, result)
	assert erp.open_fulfilment_orders() == [order_id]
	settings = SyncSettings(account_key="MCF Seller", after_date=date(2026, 1, 1))
	FulfilmentStatusSync(source, erp, settings).run()
	assert erp.fulfilment_orders[order_id]["returns"] == {"RET-4-1": ""}  # still on its way
	sim.advance_clock(DEFAULT_RETURN_DELAY + 60)
	report = FulfilmentStatusSync(source, erp, settings).run()
	assert report.counts["updated"] == 1 and erp.fulfilment_orders[order_id]["returns"]["RET-4-1"]
	assert erp.open_fulfilment_orders() == []
	calls = source.stats()["calls"]["getFulfillmentOrder"]
	FulfilmentStatusSync(source, erp, settings).run()
	assert source.stats()["calls"]["getFulfillmentOrder"] == calls  # every unit back: not read again


def test_return_calls_keep_to_the_usage_plan(make_simulator, world):
	sim = make_simulator(world, limits=True, time_scale=1.0)
	sim.set_fba_quantities(US, "MCF-MUG", fulfillable=10)
	token = sim.access_token()
	with httpx.Client(base_url=sim.base_url, headers={"x-amz-access-token": token}) as http:
		codes = [http.get(REASONS, params={"sellerSku": "MCF-MUG"}).status_code for _ in range(32)]
	assert codes[:30] == [200] * 30 and 429 in codes[30:]
	paced = make_simulator(world, limits=True, time_scale=5.0)
	paced.set_fba_quantities(US, "MCF-MUG", fulfillable=10)
	with paced_session(paced, "Paced") as session:
		source = SpApiSource(session)
		for _ in range(34):
			fulfilment.return_reasons(source, "MCF-MUG", US)
	assert paced.stats()["throttled"].get("listReturnReasonCodes", 0) == 0
