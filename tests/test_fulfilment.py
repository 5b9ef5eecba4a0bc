"""Multi-Channel Fulfillment against the simulator: a preview with fees and dates, an order that goes
Received -> Planning -> Processing -> Complete with its shipments and tracking, cancellation (and
Amazon's refusal once it is Processing), orders Amazon refuses (unknown SKU), cannot validate
(Invalid) or cannot fulfil (Unfulfillable), usage plans, the status stage on the preview ERP, and
MCF fees in both finance feeds. Requests and answers are checked against Amazon's model."""

from __future__ import annotations

from datetime import date, datetime, timezone

import httpx
import jsonschema
import pytest
from fixtures_simulator import paced_session

from amazon_connector.core.drafts.fulfilment import (
	FulfilmentAddress,
	FulfilmentLine,
	FulfilmentOrderDraft,
)
from amazon_connector.core.engine import fulfilment
from amazon_connector.core.engine.fulfilment import FulfilmentStatusSync, refusal_message
from amazon_connector.core.mapping.fees import map_financial_events
from amazon_connector.core.mapping.fulfilment import (
	FulfilmentDraftError,
	create_request,
	fulfilment_order_id,
	preview_request,
	preview_summary,
	read_fulfilment_order,
)
from amazon_connector.core.mapping.transactions import map_transaction
from amazon_connector.core.preview import PreviewErp
from amazon_connector.core.settings import SyncSettings
from amazon_connector.simulator import generate_world
from amazon_connector.simulator.fulfillment import FEES
from amazon_connector.spapi import transactions
from amazon_connector.spapi.errors import InvalidInputError, NotFoundError
from amazon_connector.spapi.retry import RetryPolicy
from amazon_connector.spapi.source import SpApiSource

MODEL = "fulfillment-outbound-2020-07-01.json"
US = "ATVPDKIKX0DER"
BASE = "/fba/outbound/2020-07-01/fulfillmentOrders"


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


def draft(
	name="SO-0001", *, lines=(("MCF-MUG", 2), ("MCF-CAP", 1)), speed="Standard", country="US", attempt=1
):
	return FulfilmentOrderDraft(
		source=f"Sales Order {name}",
		seller_fulfillment_order_id=fulfilment_order_id(name, attempt),
		displayable_order_id=name,
		displayable_order_date=datetime(2026, 11, 30, 9, 30, tzinfo=timezone.utc),
		displayable_order_comment="Thank you for your order",
		shipping_speed=speed,
		address=FulfilmentAddress(
			name="Jane Doe",
			line1="1 Main St",
			city="Seattle",
			state="WA",
			postal_code="98101",
			country_code=country,
		),
		lines=tuple(
			FulfilmentLine(sku, f"row-{n}", qty, f"ITEM-{sku}") for n, (sku, qty) in enumerate(lines, 1)
		),
		marketplace_id=US,
	)


def schema_of(load_model, path: str, method: str, status: str | None = None) -> jsonschema.Draft4Validator:
	model = load_model(MODEL)
	operation = model["paths"][path][method]
	if status is None:
		schema = next(p for p in operation["parameters"] if p["in"] == "body")["schema"]
	else:
		schema = operation["responses"][status]["schema"]
	return jsonschema.Draft4Validator(
		dict(schema, definitions=model["definitions"]),
		format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER,
	)


def valid(validator: jsonschema.Draft4Validator, body) -> dict:
	errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
	assert not errors, errors[:5]
	return body


def raw(sim, method: str, path: str, body=None) -> httpx.Response:
	headers = {"x-amz-access-token": sim.access_token()}
	return httpx.request(method, f"{sim.base_url}{path}", json=body, headers=headers)


def test_requests_follow_the_model(load_model):
	valid(schema_of(load_model, f"{BASE}/preview", "post"), preview_request(draft()))
	body = valid(schema_of(load_model, BASE, "post"), create_request(draft()))
	assert body["fulfillmentPolicy"] == "FillOrKill"
	assert [i["sellerFulfillmentOrderItemId"] for i in body["items"]] == ["row-1", "row-2"]
	assert body["displayableOrderDate"] == "2026-11-30T09:30:00Z"


def test_a_sales_order_that_cannot_be_sent_is_named_with_what_is_missing():
	bad = draft(lines=(("", 1), ("MCF-CAP", 0)))
	bad = FulfilmentOrderDraft(**{**bad.__dict__, "address": FulfilmentAddress("", "", "", "usa")})
	with pytest.raises(FulfilmentDraftError) as caught:
		create_request(bad)
	message = str(caught.value)
	assert message.startswith("Sales Order SO-0001 cannot be sent to Amazon")
	for part in ("recipient's name", "postal code", "two-letter", "no Amazon SKU", "positive whole number"):
		assert part in message


def test_fulfillment_order_ids_fit_amazons_limits():
	assert fulfilment_order_id("SAL-ORD-2026-00001") == "SAL-ORD-2026-00001"
	assert fulfilment_order_id("SAL ORD/7", 2) == "SAL-ORD-7-2"
	long = fulfilment_order_id("X" * 60, 3)
	assert len(long) == 40 and long.endswith("-3")


def test_preview_shows_fees_and_dates_per_speed(sim, source, load_model):
	previews = fulfilment.preview(source, draft())
	assert [p.shipping_speed for p in previews] == ["Standard", "Expedited", "Priority"]
	assert all(p.fulfillable for p in previews)
	standard, _, priority = previews
	assert [f.name for f in standard.fees] == ["FBAPerUnitFulfillmentFee"]  # one fee, or two:
	assert [f.name for f in priority.fees] == ["FBAPerUnitFulfillmentFee", "FBAPerOrderFulfillmentFee"]
	assert standard.total_fees() == {"USD": 3 * FEES["Standard"][0]}
	assert priority.total_fees()["USD"] > standard.total_fees()["USD"] > 0
	assert standard.earliest_arrival <= standard.latest_arrival
	assert priority.latest_arrival < standard.latest_arrival
	assert "fees" in preview_summary(standard) and "arrives" in preview_summary(standard)
	answer = raw(sim, "POST", f"{BASE}/preview", preview_request(draft()))
	valid(schema_of(load_model, f"{BASE}/preview", "post", "200"), answer.json())
	assert sim.stats()["calls"]["getFulfillmentPreview"] == 2


def test_preview_of_an_order_amazon_cannot_fulfil_gives_amazons_reasons(sim, source, load_model):
	previews = fulfilment.preview(source, draft(lines=(("NO-SUCH-SKU", 1), ("MCF-CAP", 9))))
	assert not any(p.fulfillable for p in previews)
	standard = previews[0]
	assert standard.fees == [] and standard.latest_arrival is None  # absent, never zero
	assert {i.sku: i.reasons for i in standard.unfulfillable} == {
		"NO-SUCH-SKU": ("InvalidSKU",),
		"MCF-CAP": ("InventoryUnavailable",),
	}
	summary = preview_summary(standard)
	assert (
		"not fulfillable" in summary
		and "does not know this SKU" in summary
		and "InventoryUnavailable" in summary
	)
	abroad = fulfilment.preview(source, draft(country="DE"))[0]
	assert not abroad.fulfillable and abroad.order_reasons == ("InvalidDestinationAddress",)
	answer = raw(sim, "POST", f"{BASE}/preview", preview_request(draft(lines=(("NO-SUCH-SKU", 1),))))
	valid(schema_of(load_model, f"{BASE}/preview", "post", "200"), answer.json())


def test_an_order_goes_through_amazons_statuses_to_complete_with_tracking(sim, source, load_model):
	order = draft()
	state = fulfilment.send(source, order)
	assert state.status == "Received" and not state.shipments
	answer_schema = schema_of(load_model, f"{BASE}/{{sellerFulfillmentOrderId}}", "get", "200")
	seen = []
	for _ in range(12):
		answer = raw(sim, "GET", f"{BASE}/{order.seller_fulfillment_order_id}")
		state = read_fulfilment_order(valid(answer_schema, answer.json())["payload"])
		if not seen or seen[-1] != state.status:
			seen.append(state.status)
		if state.final:
			break
		sim.advance_clock(900)
	assert seen == ["Received", "Planning", "Processing", "Complete"]
	assert len(state.shipments) == 2  # two lines, two shipments
	assert {line: qty for s in state.shipments for line, qty in s.quantities.items()} == {
		"row-1": 2,
		"row-2": 1,
	}
	assert all(s.shipped and s.shipped_on and s.packages for s in state.shipments)
	assert all(p.tracking_number and p.carrier for s in state.shipments for p in s.packages)
	assert sim.fba_inventory.quantity(US, "MCF-MUG") == 8 and sim.fba_inventory.quantity(US, "MCF-CAP") == 3
	assert state.message == ""


def test_both_tracking_shapes_are_read(sim, source):
	numbers = {}
	for n in range(1, 9):
		order = draft(f"SO-T{n}", lines=(("MCF-MUG", 1),))
		fulfilment.send(source, order)
		payload = sim.fulfillment.advance(order.seller_fulfillment_order_id)
		package = payload["fulfillmentShipments"][0]["fulfillmentShipmentPackage"][0]
		shape = "carrier" if "trackingNumber" in package else "amazon"
		numbers[shape] = read_fulfilment_order(payload).shipments[0].packages[0].tracking_number
	assert set(numbers) == {"carrier", "amazon"}
	assert numbers["carrier"].startswith("1Z") and numbers["amazon"].startswith("TBA")


def test_cancel_while_planning_and_amazons_refusal_once_processing(sim, source, load_model):
	first, second = draft("SO-C1", lines=(("MCF-MUG", 1),)), draft("SO-C2", lines=(("MCF-MUG", 1),))
	fulfilment.send(source, first)
	fulfilment.send(source, second)
	sim.fulfillment.advance(first.seller_fulfillment_order_id, "Planning")
	cancelled = fulfilment.cancel(source, first.seller_fulfillment_order_id)
	assert cancelled.status == "Cancelled" and cancelled.cancelled == {"row-1": 1}
	assert "cancelled at Amazon" in cancelled.message
	sim.fulfillment.advance(second.seller_fulfillment_order_id, "Processing")
	with pytest.raises(InvalidInputError) as caught:
		fulfilment.cancel(source, second.seller_fulfillment_order_id)
	assert "Processing and can no longer be cancelled" in refusal_message(caught.value)
	refused = raw(sim, "PUT", f"{BASE}/{second.seller_fulfillment_order_id}/cancel")
	assert refused.status_code == 400
	valid(schema_of(load_model, f"{BASE}/{{sellerFulfillmentOrderId}}/cancel", "put", "400"), refused.json())
	done = raw(sim, "PUT", f"{BASE}/{first.seller_fulfillment_order_id}/cancel")
	assert done.status_code == 400  # a cancelled order cannot be cancelled again
	assert sim.fba_inventory.quantity(US, "MCF-MUG") == 10


def test_amazon_refuses_an_unknown_sku_and_says_which(sim, source, load_model):
	with pytest.raises(InvalidInputError) as caught:
		fulfilment.send(source, draft(lines=(("NO-SUCH-SKU", 1),)))
	message = refusal_message(caught.value)
	assert message.startswith("Amazon refused the request [InvalidInput]") and "NO-SUCH-SKU" in message
	account = sim.account
	assert account["client_secret"] not in message and account["refresh_token"] not in message
	refused = raw(sim, "POST", BASE, create_request(draft("SO-X", lines=(("NO-SUCH-SKU", 1),))))
	valid(schema_of(load_model, BASE, "post", "400"), refused.json())
	again = draft("SO-0002")
	fulfilment.send(source, again)
	with pytest.raises(InvalidInputError, match="already exists"):
		fulfilment.send(source, again)
	with pytest.raises(NotFoundError) as unknown:
		source.get_fulfillment_order("NEVER-SENT")
	assert "does not know this order" in refusal_message(unknown.value)


def test_orders_amazon_cannot_validate_or_fulfil(sim, source):
	invalid = fulfilment.send(source, draft("SO-I", lines=(("MCF-CAP", 5),)))
	assert invalid.status == "Invalid" and invalid.refused and invalid.final
	assert "could not validate" in invalid.message
	order = draft("SO-U", lines=(("MCF-CAP", 3),))
	assert fulfilment.send(source, order).status == "Received"
	sim.set_fba_quantities(US, "MCF-CAP", fulfillable=1)  # units found damaged before picking
	state = read_fulfilment_order(sim.fulfillment.advance(order.seller_fulfillment_order_id))
	assert state.status == "Unfulfillable" and state.refused and not state.shipments
	assert [(i.sku, i.quantity) for i in state.unfulfillable] == [("MCF-CAP", 3)]
	assert "found no sellable stock" in state.message and "MCF-CAP: 3 units" in state.message
	assert sim.fba_inventory.quantity(US, "MCF-CAP") == 1  # nothing shipped


def test_usage_plans_are_enforced_and_the_client_keeps_to_them(make_simulator, world):
	sim = make_simulator(world, limits=True, time_scale=1.0)
	sim.set_fba_quantities(US, "MCF-MUG", fulfillable=10)
	body = preview_request(draft(lines=(("MCF-MUG", 1),)))
	token = sim.access_token()
	with httpx.Client(base_url=sim.base_url, headers={"x-amz-access-token": token}) as http:
		codes = [http.post(f"{BASE}/preview", json=body).status_code for _ in range(32)]
	assert codes[:30] == [200] * 30 and 429 in codes[30:]  # burst 30, then 2 a second
	paced = make_simulator(world, limits=True, time_scale=5.0)
	paced.set_fba_quantities(US, "MCF-MUG", fulfillable=10)
	with paced_session(paced, "Paced") as session:
		for _ in range(36):
			fulfilment.preview(SpApiSource(session), draft(lines=(("MCF-MUG", 1),)))
		assert session.stats()["calls"]["getFulfillmentPreview"] == 36
	assert paced.stats()["throttled"].get("getFulfillmentPreview", 0) == 0


def test_throttled_calls_are_retried(make_simulator, world):
	sim = make_simulator(
		world, faults={"script": [{"operation": "createFulfillmentOrder", "fault": "throttle", "count": 2}]}
	)
	sim.set_fba_quantities(US, "MCF-MUG", fulfillable=10)
	with paced_session(sim, "Retry") as session:
		state = fulfilment.send(SpApiSource(session), draft(lines=(("MCF-MUG", 1),)))
	assert state.status == "Received"
	assert sim.stats()["throttled"]["createFulfillmentOrder"] == 2


def test_the_status_stage_delivers_shipments_once_and_flags_refusals(sim, source):
	erp = PreviewErp("MCF Seller")
	shipped, refused, lost = draft("SO-S"), draft("SO-R", lines=(("MCF-CAP", 9),)), draft("SO-L")
	for order in (shipped, refused):
		erp.apply_fulfilment_state(fulfilment.send(source, order))
	erp.fulfilment_orders[lost.seller_fulfillment_order_id] = {
		"status": "Received",
		"message": "",
		"deliveries": {},
	}
	assert erp.fulfilment_orders[refused.seller_fulfillment_order_id]["status"] == "Invalid"
	assert erp.open_fulfilment_orders() == sorted(
		[shipped.seller_fulfillment_order_id, lost.seller_fulfillment_order_id]
	)
	settings = SyncSettings(account_key="MCF Seller", after_date=date(2026, 1, 1))
	sim.advance_clock(3 * 3600)
	report = FulfilmentStatusSync(source, erp, settings).run()
	record = erp.fulfilment_orders[shipped.seller_fulfillment_order_id]
	assert record["status"] == "Complete" and len(record["deliveries"]) == 2
	assert all(d["tracking"] for d in record["deliveries"].values())
	assert report.counts["updated"] == 1 and report.counts["failed"] == 1
	assert [f.amazon_id for f in report.failures] == [lost.seller_fulfillment_order_id]
	assert "does not know this order" in erp.fulfilment_orders[lost.seller_fulfillment_order_id]["message"]
	again = FulfilmentStatusSync(source, erp, settings).run()
	assert again.counts.get("updated", 0) == 0 and len(record["deliveries"]) == 2
	assert source.stats()["calls"]["getFulfillmentOrder"] == 2 + 2 + 1  # sends, then only open orders


def test_mcf_fees_reach_both_finance_feeds_against_the_order_id(sim, source):
	order = draft("SO-F", lines=(("MCF-MUG", 3),), speed="Priority")
	order_id = order.seller_fulfillment_order_id
	fulfilment.send(source, order)
	sim.fulfillment.advance(order_id)
	sim.advance_clock(3 * 86400)  # the fees post fee_delay after the shipment
	start = datetime(2000, 1, 1, tzinfo=timezone.utc)
	events = [
		event
		for name, event in sim.world.events_posted(start, sim.now())
		if name == "ServiceFeeEventList" and event.get("AmazonOrderId") == order_id
	]
	assert len(events) == 1
	(fee_draft,) = map_financial_events({"ServiceFeeEventList": events}, fallback_posted=sim.now()).drafts
	per_unit, per_order = FEES["Priority"]
	assert fee_draft.amazon_order_id == order_id
	assert {line.fee_type: line.amount for line in fee_draft.lines} == {
		"FBAPerUnitFulfillmentFee": 3 * per_unit,
		"FBAPerOrderFulfillmentFee": per_order,
	}
	pages = transactions.list_transactions(source.session, related_identifier=("ORDER_ID", order_id))
	found = [t for page in pages for t in page]
	assert [t["transactionType"] for t in found] == ["ServiceFee"]
	plan = map_transaction(found[0])
	assert plan.amazon_order_id == order_id and plan.fee_draft is not None
	assert plan.fee_draft.total == fee_draft.total == 3 * per_unit + per_order


def test_an_order_the_erp_cannot_deliver_says_why_and_is_read_again(sim, source):
	class NoStock(PreviewErp):
		def apply_fulfilment_state(self, state):
			if state.shipments:
				raise ValueError(f"{state.seller_fulfillment_order_id}: the FBA warehouse lacks the units")
			return super().apply_fulfilment_state(state)

	erp = NoStock("MCF Seller")
	order = draft("SO-N", lines=(("MCF-MUG", 1),))
	erp.apply_fulfilment_state(fulfilment.send(source, order))
	sim.fulfillment.advance(order.seller_fulfillment_order_id)
	settings = SyncSettings(account_key="MCF Seller", after_date=date(2026, 1, 1))
	report = FulfilmentStatusSync(source, erp, settings).run()
	record = erp.fulfilment_orders[order.seller_fulfillment_order_id]
	assert report.counts["failed"] == 1 and record["status"] == "Received" and not record["deliveries"]
	assert "lacks the units" in record["message"]
	assert erp.open_fulfilment_orders() == [order.seller_fulfillment_order_id]  # tried again next run


def order_view(sim, load_model, order_id: str) -> dict:
	"""getFulfillmentOrder as raw HTTP, checked against the model; its payload."""
	answer = raw(sim, "GET", f"{BASE}/{order_id}")
	return valid(schema_of(load_model, f"{BASE}/{{sellerFulfillmentOrderId}}", "get", "200"), answer.json())[
		"payload"
	]


def test_every_status_answers_as_the_model_says(sim, source, load_model):
	ok = schema_of(load_model, BASE, "post", "200")
	created = raw(sim, "POST", BASE, create_request(draft("SO-V1", lines=(("MCF-MUG", 1),))))
	assert created.status_code == 200 and valid(ok, created.json()) == {}
	cancelled = raw(sim, "PUT", f"{BASE}/SO-V1/cancel")
	valid(
		schema_of(load_model, f"{BASE}/{{sellerFulfillmentOrderId}}/cancel", "put", "200"), cancelled.json()
	)
	fulfilment.send(source, draft("SO-V2", lines=(("MCF-CAP", 9),)))  # Invalid
	fulfilment.send(source, draft("SO-V3", lines=(("MCF-CAP", 2),)))
	sim.set_fba_quantities(US, "MCF-CAP", fulfillable=0)
	sim.fulfillment.advance("SO-V3")  # Unfulfillable
	statuses = {
		i: order_view(sim, load_model, i)["fulfillmentOrder"]["fulfillmentOrderStatus"]
		for i in ("SO-V1", "SO-V2", "SO-V3")
	}
	assert statuses == {"SO-V1": "Cancelled", "SO-V2": "Invalid", "SO-V3": "Unfulfillable"}
	assert order_view(sim, load_model, "SO-V3")["fulfillmentOrderItems"][0]["unfulfillableQuantity"] == 2
	missing = raw(sim, "GET", f"{BASE}/NEVER-SENT")
	valid(schema_of(load_model, f"{BASE}/{{sellerFulfillmentOrderId}}", "get", "404"), missing.json())


def test_a_shipment_whose_units_went_missing_ends_the_order_complete_partialled(sim, source, load_model):
	order = draft("SO-P", lines=(("MCF-MUG", 2), ("MCF-CAP", 2)))
	fulfilment.send(source, order)
	sim.fulfillment.advance(order.seller_fulfillment_order_id, "Processing")
	sim.set_fba_quantities(US, "MCF-CAP", fulfillable=1)  # lost after picking began
	sim.fulfillment.advance(order.seller_fulfillment_order_id)
	state = read_fulfilment_order(order_view(sim, load_model, order.seller_fulfillment_order_id))
	assert state.status == "CompletePartialled" and state.final and not state.refused
	shipped, cancelled = state.shipments
	assert shipped.shipped and shipped.quantities == {"row-1": 2} and shipped.packages
	assert cancelled.status == "CANCELLED_BY_FULFILLER" and not cancelled.packages
	assert [(i.sku, i.quantity) for i in state.unfulfillable] == [("MCF-CAP", 2)]
	assert (
		"shipped part of the order" in state.message
		and f"cancelled shipment(s) {cancelled.amazon_shipment_id}" in state.message
	)
	assert sim.fba_inventory.quantity(US, "MCF-MUG") == 8 and sim.fba_inventory.quantity(US, "MCF-CAP") == 1
	erp = PreviewErp("MCF Seller")
	assert erp.apply_fulfilment_state(state).value == "updated"
	assert list(erp.fulfilment_orders[order.seller_fulfillment_order_id]["deliveries"]) == [
		shipped.amazon_shipment_id
	]


def test_an_order_is_new_until_amazon_validates_it(make_simulator, world, load_model):
	sim = make_simulator(world, mcf_validation_delay=120)
	sim.set_fba_quantities(US, "MCF-MUG", fulfillable=10)
	with paced_session(sim, "Validating") as session:
		source = SpApiSource(session)
		good, bad = draft("SO-G", lines=(("MCF-MUG", 1),)), draft("SO-B", lines=(("MCF-MUG", 99),))
		erp = PreviewErp("Validating")
		for order in (good, bad):
			state = fulfilment.send(source, order)
			assert state.status == "New" and not state.final
			erp.apply_fulfilment_state(state)
		assert order_view(sim, load_model, "SO-G")["fulfillmentOrder"]["fulfillmentOrderStatus"] == "New"
		sim.advance_clock(180)
		report = FulfilmentStatusSync(
			source, erp, SyncSettings(account_key="Validating", after_date=date(2026, 1, 1))
		).run()
	assert {i: r["status"] for i, r in erp.fulfilment_orders.items()} == {
		"SO-G": "Received",
		"SO-B": "Invalid",
	}
	assert report.counts["flagged"] == 1 and "could not validate" in erp.fulfilment_orders["SO-B"]["message"]


def test_amazon_throttling_the_status_reads_ends_the_run_cleanly(make_simulator, world):
	sim = make_simulator(
		world, faults={"script": [{"operation": "getFulfillmentOrder", "fault": "throttle", "count": 1000}]}
	)
	sim.set_fba_quantities(US, "MCF-MUG", fulfillable=10)
	erp = PreviewErp("Busy")
	for n in (1, 2, 3):
		erp.fulfilment_orders[f"SO-Q{n}"] = {"status": "Received", "message": "", "deliveries": {}}
	with paced_session(sim, "Busy", retry=RetryPolicy(max_attempts=2, base_delay=0.01)) as session:
		report = FulfilmentStatusSync(
			SpApiSource(session), erp, SyncSettings(account_key="Busy", after_date=date(2026, 1, 1))
		).run()
	assert report.counts["failed"] == 1 and [f.amazon_id for f in report.failures] == ["SO-Q1"]
	assert "limiting how fast" in report.failures[0].reason
	assert any("2 open fulfilment orders wait for the next run" in m for m in report.messages)
	assert sim.stats()["calls"]["getFulfillmentOrder"] == 2  # the other orders were not asked for
	assert erp.open_fulfilment_orders() == ["SO-Q1", "SO-Q2", "SO-Q3"]
