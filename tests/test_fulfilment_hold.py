"""Multi-Channel Fulfillment orders sent on hold (fulfillmentAction Hold) against the simulator: Amazon
validates a held order and reserves its units but ships nothing; an update while held keeps the hold;
the release (updateFulfillmentOrder with fulfillmentAction Ship, carrying what else differs) ships
the order as the Sales Order stands, counting Amazon's steps from the release; Hold with the
ScheduledDelivery speed is refused before Amazon is asked; the status stage reads a held order as
held, never as failed or refused. Requests and answers are checked against Amazon's model."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from fixtures_simulator import paced_session
from test_fulfilment import BASE, US, draft, order_view, raw, schema_of, valid

from amazon_connector.core.drafts.fulfilment import FulfilmentChange
from amazon_connector.core.engine import fulfilment
from amazon_connector.core.engine.fulfilment import FulfilmentStatusSync, NotHeld
from amazon_connector.core.mapping.fulfilment import (
	FulfilmentDraftError,
	create_request,
	read_fulfilment_order,
)
from amazon_connector.core.mapping.fulfilment_changes import change_between, update_request
from amazon_connector.core.preview import PreviewErp
from amazon_connector.core.settings import SyncSettings
from amazon_connector.simulator import generate_world
from amazon_connector.spapi.source import SpApiSource

ORDER = f"{BASE}/{{sellerFulfillmentOrderId}}"
AFTER_ALL_STEPS = 3 * 3600  # past Received, Planning and Processing (600 + 1800 + 3600 s)


@pytest.fixture(scope="module")
def world():
	return generate_world(seed=41, orders=20, marketplaces="US")


@pytest.fixture
def sim(make_simulator, world):
	# Amazon documents updateFulfillmentOrder for held orders; this simulator insists on it.
	sim = make_simulator(world, mcf_update_requires_hold=True)
	sim.set_fba_quantities(US, "MCF-MUG", fulfillable=10)
	sim.set_fba_quantities(US, "MCF-CAP", fulfillable=4)
	return sim


@pytest.fixture
def source(sim):
	with paced_session(sim, "MCF Hold") as session:
		yield SpApiSource(session)


def held(name: str, **options):
	return replace(draft(name, **options), hold=True)


def test_a_held_order_is_sent_with_hold_and_waits_in_received(sim, source, load_model):
	order = held("SO-HOLD1", lines=(("MCF-MUG", 2),))
	body = valid(schema_of(load_model, BASE, "post"), create_request(order))
	assert body["fulfillmentAction"] == "Hold"
	assert create_request(draft("SO-SHIP"))["fulfillmentAction"] == "Ship"
	state = fulfilment.send(source, order)
	assert state.status == "Received" and state.action == "Hold" and state.held and not state.final
	assert state.hold_ends == state.received + timedelta(days=14)
	assert (
		state.message.startswith("On hold at Amazon") and state.hold_ends.date().isoformat() in state.message
	)
	sim.advance_clock(AFTER_ALL_STEPS)
	view = order_view(sim, load_model, "SO-HOLD1")
	assert view["fulfillmentOrder"]["fulfillmentOrderStatus"] == "Received"
	assert view["fulfillmentOrder"]["fulfillmentAction"] == "Hold"
	assert "fulfillmentShipments" not in view
	assert sim.fba_inventory.quantity(US, "MCF-MUG") == 10  # nothing shipped


def test_an_update_while_held_keeps_the_hold(sim, source, load_model):
	order = held("SO-HOLD2")
	fulfilment.send(source, order)
	faster = replace(order, shipping_speed="Priority", lines=(replace(order.lines[0], quantity=1),))
	state, change = fulfilment.update(source, faster)
	assert not change.release and "fulfillmentAction" not in update_request(change)
	assert change.describe() == "shipping speed Priority; MCF-MUG: 1 unit; MCF-CAP: line given up"
	assert state.held and state.shipping_speed == "Priority" and state.lines["row-1"].wanted == 1
	assert state.message.startswith("On hold at Amazon")
	view = order_view(sim, load_model, "SO-HOLD2")
	assert view["fulfillmentOrder"]["fulfillmentAction"] == "Hold"


def test_the_release_ships_the_order_as_it_stands_counting_from_the_release(sim, source, load_model):
	order = held("SO-HOLD3", lines=(("MCF-MUG", 3), ("MCF-CAP", 1)))
	fulfilment.send(source, order)
	sim.advance_clock(AFTER_ALL_STEPS)  # held the while: Amazon's steps have not begun
	before = order_view(sim, load_model, "SO-HOLD3")["fulfillmentOrder"]["statusUpdatedDate"]
	changed = replace(order, lines=(replace(order.lines[0], quantity=2), order.lines[1]))
	state = read_fulfilment_order(source.get_fulfillment_order("SO-HOLD3"))
	change = change_between(changed, state, release=True)
	body = valid(schema_of(load_model, ORDER, "put"), update_request(change, US))
	assert body == {
		"marketplaceId": US,
		"fulfillmentAction": "Ship",
		"items": [{"sellerSku": "MCF-MUG", "sellerFulfillmentOrderItemId": "row-1", "quantity": 2}],
	}
	assert update_request(change_between(order, state, release=True)) == {"fulfillmentAction": "Ship"}
	released, change = fulfilment.release(source, changed)
	assert change.describe() == "released to ship; MCF-MUG: 2 units"
	assert released.status == "Received" and released.action == "Ship" and not released.held
	assert released.hold_ends is None and "On hold" not in released.message
	view = order_view(sim, load_model, "SO-HOLD3")
	assert view["fulfillmentOrder"]["statusUpdatedDate"] == before  # the status did not change
	sim.advance_clock(AFTER_ALL_STEPS)
	done = read_fulfilment_order(source.get_fulfillment_order("SO-HOLD3"))
	assert done.status == "Complete" and {k: v for s in done.shipments for k, v in s.quantities.items()} == {
		"row-1": 2,
		"row-2": 1,
	}
	assert sim.fba_inventory.quantity(US, "MCF-MUG") == 8 and sim.fba_inventory.quantity(US, "MCF-CAP") == 3
	assert sim.stats()["calls"]["updateFulfillmentOrder"] == 1


def test_an_order_not_on_hold_is_not_released(sim, source):
	shipping = draft("SO-HOLD4", lines=(("MCF-MUG", 1),))
	fulfilment.send(source, shipping)
	with pytest.raises(NotHeld) as caught:
		fulfilment.release(source, shipping)
	assert "SO-HOLD4 is not on hold (Received, Ship)" in str(caught.value)
	assert caught.value.state.status == "Received"
	order = held("SO-HOLD5", lines=(("MCF-MUG", 1),))
	fulfilment.send(source, order)
	fulfilment.release(source, order)
	with pytest.raises(NotHeld):  # released already
		fulfilment.release(source, order)
	cancelled = held("SO-HOLD6", lines=(("MCF-MUG", 1),))
	fulfilment.send(source, cancelled)
	ended = fulfilment.cancel(source, cancelled.seller_fulfillment_order_id)
	assert ended.status == "Cancelled" and ended.action == "Hold" and not ended.held
	with pytest.raises(NotHeld, match="Cancelled"):
		fulfilment.release(source, cancelled)
	assert sim.stats()["calls"]["updateFulfillmentOrder"] == 1
	assert FulfilmentChange("X", release=True).describe() == "released to ship"
	assert not FulfilmentChange("X", release=True).empty


def test_hold_with_scheduled_delivery_is_refused_naming_the_order_before_amazon_is_asked(
	sim, source, load_model
):
	order = held("SO-HOLD7", lines=(("MCF-MUG", 1),), speed="ScheduledDelivery")
	with pytest.raises(FulfilmentDraftError) as caught:
		fulfilment.send(source, order)
	message = str(caught.value)
	assert message.startswith("Sales Order SO-HOLD7 cannot be sent to Amazon")
	assert "no order hold at the ScheduledDelivery speed" in message and "not one of" not in message
	assert sim.stats()["calls"].get("createFulfillmentOrder", 0) == 0
	# Amazon itself refuses the same body (its model's rule), with the model's error shape.
	body = dict(create_request(draft("SO-HOLD7", lines=(("MCF-MUG", 1),))), fulfillmentAction="Hold")
	body["shippingSpeedCategory"] = "ScheduledDelivery"
	valid(schema_of(load_model, BASE, "post"), body)
	refused = raw(sim, "POST", BASE, body)
	assert refused.status_code == 400
	valid(schema_of(load_model, BASE, "post", "400"), refused.json())
	assert "Hold is not a valid fulfillmentAction" in refused.json()["errors"][0]["message"]
	fulfilment.send(source, held("SO-HOLD8", lines=(("MCF-MUG", 1),)))
	kept = raw(sim, "PUT", f"{BASE}/SO-HOLD8", {"shippingSpeedCategory": "ScheduledDelivery"})
	assert kept.status_code == 400 and "ScheduledDelivery" in kept.json()["errors"][0]["message"]


def test_the_status_stage_reads_a_held_order_as_held_not_failed(sim, source):
	erp = PreviewErp("MCF Hold")
	waiting, released, forgotten = held("SO-HS1"), held("SO-HS2"), held("SO-HS3", lines=(("MCF-MUG", 1),))
	for order in (waiting, released, forgotten):
		erp.apply_fulfilment_state(fulfilment.send(source, order))
	settings = SyncSettings(account_key="MCF Hold", after_date=date(2026, 1, 1))
	sim.advance_clock(AFTER_ALL_STEPS)
	report = FulfilmentStatusSync(source, erp, settings).run()
	assert not report.failures and report.counts.get("flagged", 0) == 0
	assert report.counts.get("failed", 0) == 0 and report.counts["unchanged"] == 3
	assert any("3 on hold at Amazon until released" in m for m in report.messages), report.messages
	assert all(erp.fulfilment_orders[o.seller_fulfillment_order_id]["held"] for o in (waiting, released))
	assert erp.open_fulfilment_orders() == ["SO-HS1", "SO-HS2", "SO-HS3"]
	fulfilment.release(source, released)
	sim.advance_clock(AFTER_ALL_STEPS)
	report = FulfilmentStatusSync(source, erp, settings).run()
	record = erp.fulfilment_orders["SO-HS2"]
	assert record["status"] == "Complete" and not record["held"] and len(record["deliveries"]) == 2
	assert report.counts["updated"] == 1 and any("2 on hold" in m for m in report.messages)
	sim.advance_clock(15 * 86400)  # Amazon cancels an order left on hold 14 days
	FulfilmentStatusSync(source, erp, settings).run()
	assert (
		erp.fulfilment_orders["SO-HS3"]["status"] == "Cancelled"
		and not erp.fulfilment_orders["SO-HS3"]["held"]
	)
	assert erp.open_fulfilment_orders() == []
