"""Changes to a Multi-Channel Fulfillment order after it was sent (updateFulfillmentOrder) against the
simulator: only what differs from Amazon's order is sent (speed, address, units per line, a line
given up), the shipments that follow carry the new units, and Amazon's refusals (an order it is
picking, an order without an order hold where Amazon insists on one, units it does not have) come
back with Amazon's words. Requests and answers are checked against Amazon's model."""

from __future__ import annotations

from dataclasses import replace

import pytest
from fixtures_simulator import paced_session
from test_fulfilment import BASE, US, draft, order_view, raw, schema_of, valid

from amazon_connector.core.drafts.fulfilment import FulfilmentAddress, FulfilmentChange
from amazon_connector.core.engine import fulfilment
from amazon_connector.core.engine.fulfilment import NotUpdatable, refusal_message
from amazon_connector.core.mapping.fulfilment import (
	FulfilmentDraftError,
	create_request,
	read_fulfilment_order,
)
from amazon_connector.core.mapping.fulfilment_changes import change_between, update_request
from amazon_connector.simulator import generate_world
from amazon_connector.spapi.errors import InvalidInputError
from amazon_connector.spapi.source import SpApiSource

ORDER = f"{BASE}/{{sellerFulfillmentOrderId}}"
MOVED = FulfilmentAddress(
	name="Jane Doe", line1="77 Pine St", city="Portland", state="OR", postal_code="97201", country_code="US"
)


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


def sent(source, name: str, **options):
	order = draft(name, **options)
	fulfilment.send(source, order)
	return order


def test_only_what_differs_is_sent_and_the_body_follows_the_model(sim, source, load_model):
	order = sent(source, "SO-U1")
	state = read_fulfilment_order(source.get_fulfillment_order(order.seller_fulfillment_order_id))
	assert change_between(order, state).empty
	changed = replace(order, shipping_speed="Priority", address=MOVED, lines=order.lines[:1])
	change = change_between(changed, state)
	assert change.shipping_speed == "Priority" and change.address == MOVED
	assert change.quantities == {"row-2": 0}  # the cap's row was taken off the Sales Order
	body = valid(schema_of(load_model, ORDER, "put"), update_request(change, US))
	assert set(body) == {"marketplaceId", "shippingSpeedCategory", "destinationAddress", "items"}
	assert body["items"] == [{"sellerSku": "MCF-CAP", "sellerFulfillmentOrderItemId": "row-2", "quantity": 0}]
	only_speed = update_request(change_between(replace(order, shipping_speed="Expedited"), state))
	assert only_speed == {"shippingSpeedCategory": "Expedited"}
	with pytest.raises(ValueError, match="nothing to update"):
		update_request(FulfilmentChange("SO-U1"))


def test_an_update_changes_what_amazon_ships(sim, source, load_model):
	order = sent(source, "SO-U2", lines=(("MCF-MUG", 3), ("MCF-CAP", 1)))
	lowered = replace(
		order, shipping_speed="Expedited", address=MOVED, lines=(replace(order.lines[0], quantity=1),)
	)
	state, change = fulfilment.update(source, lowered)
	assert change.describe() == (
		"shipping speed Expedited; address Jane Doe, 77 Pine St, 97201; MCF-MUG: 1 unit; MCF-CAP: line given up"
	)
	assert state.status == "Received" and state.shipping_speed == "Expedited" and state.address == MOVED
	assert {i: (line.quantity, line.cancelled) for i, line in state.lines.items()} == {
		"row-1": (3, 2),
		"row-2": (1, 1),
	}
	assert state.cancelled == {"row-1": 2, "row-2": 1}
	again, nothing = fulfilment.update(source, lowered)
	assert nothing.empty and sim.stats()["calls"]["updateFulfillmentOrder"] == 1  # nothing new: not sent
	raised = replace(lowered, lines=(replace(order.lines[0], quantity=2),))
	state, _ = fulfilment.update(source, raised)
	assert state.lines["row-1"].wanted == 2 and state.lines["row-1"].cancelled == 1
	payload = sim.fulfillment.advance(order.seller_fulfillment_order_id)
	done = read_fulfilment_order(payload)
	assert done.status == "Complete" and [s.quantities for s in done.shipments] == [{"row-1": 2}]
	assert sim.fba_inventory.quantity(US, "MCF-MUG") == 8 and sim.fba_inventory.quantity(US, "MCF-CAP") == 4
	view = order_view(sim, load_model, order.seller_fulfillment_order_id)
	assert view["fulfillmentOrder"]["shippingSpeedCategory"] == "Expedited"
	assert view["fulfillmentOrder"]["destinationAddress"]["addressLine1"] == "77 Pine St"
	answer = raw(sim, "PUT", f"{BASE}/SO-U2", {"shippingSpeedCategory": "Priority"})
	assert answer.status_code == 400  # Complete: too late
	valid(schema_of(load_model, ORDER, "put", "400"), answer.json())


def test_rows_an_update_cannot_carry_are_named_before_amazon_is_asked(sim, source):
	order = sent(source, "SO-U3", lines=(("MCF-MUG", 1),))
	added = replace(
		order, lines=order.lines + (replace(order.lines[0], line_id="row-9", item_code="ITEM-NEW"),)
	)
	with pytest.raises(FulfilmentDraftError) as caught:
		fulfilment.update(source, added)
	assert "item ITEM-NEW was added after the order went to Amazon" in str(caught.value)
	other = replace(order, lines=(replace(order.lines[0], sku="MCF-CAP", item_code="ITEM-CAP"),))
	with pytest.raises(FulfilmentDraftError, match="now holds item ITEM-CAP"):
		fulfilment.update(source, other)
	assert sim.stats()["calls"].get("updateFulfillmentOrder", 0) == 0


def test_amazon_refuses_an_update_once_it_is_picking_and_says_so(sim, source, load_model):
	order = sent(source, "SO-U4")
	sim.fulfillment.advance(order.seller_fulfillment_order_id, "Processing")
	with pytest.raises(NotUpdatable) as caught:
		fulfilment.update(source, replace(order, shipping_speed="Priority"))
	assert "is Processing" in str(caught.value) and "takes no change" in str(caught.value)
	body = update_request(FulfilmentChange(order.seller_fulfillment_order_id, shipping_speed="Priority"))
	with pytest.raises(InvalidInputError) as refused:
		source.update_fulfillment_order(order.seller_fulfillment_order_id, body)
	message = refusal_message(refused.value)
	assert message.startswith("Amazon refused the request [InvalidInput]")
	assert "Processing and can no longer be updated" in message
	answer = raw(sim, "PUT", f"{BASE}/{order.seller_fulfillment_order_id}", body)
	valid(schema_of(load_model, ORDER, "put", "400"), answer.json())


def test_amazon_refuses_units_it_does_not_have_and_lines_it_does_not_know(sim, source, load_model):
	order = sent(source, "SO-U5", lines=(("MCF-CAP", 1),))
	with pytest.raises(InvalidInputError) as caught:
		fulfilment.update(source, replace(order, lines=(replace(order.lines[0], quantity=9),)))
	assert "Not enough sellable units of MCF-CAP" in refusal_message(caught.value)
	unknown = raw(
		sim, "PUT", f"{BASE}/SO-U5", {"items": [{"sellerFulfillmentOrderItemId": "row-7", "quantity": 1}]}
	)
	assert unknown.status_code == 400 and "row-7" in unknown.json()["errors"][0]["message"]
	valid(schema_of(load_model, ORDER, "put", "400"), unknown.json())
	nothing_left = raw(
		sim, "PUT", f"{BASE}/SO-U5", {"items": [{"sellerFulfillmentOrderItemId": "row-1", "quantity": 0}]}
	)
	assert (
		nothing_left.status_code == 400
		and "cancel the fulfillment order" in nothing_left.json()["errors"][0]["message"]
	)
	state = read_fulfilment_order(order_view(sim, load_model, "SO-U5"))
	assert state.lines["row-1"].wanted == 1  # refused updates change nothing


def test_where_amazon_updates_only_held_orders_its_refusal_comes_back_and_a_hold_is_released(
	make_simulator, world, load_model
):
	sim = make_simulator(world, mcf_update_requires_hold=True)
	sim.set_fba_quantities(US, "MCF-MUG", fulfillable=10)
	with paced_session(sim, "Hold") as session:
		source = SpApiSource(session)
		order = sent(source, "SO-H1", lines=(("MCF-MUG", 2),))
		with pytest.raises(InvalidInputError) as caught:
			fulfilment.update(source, replace(order, shipping_speed="Priority"))
		assert "has no order hold on it" in refusal_message(caught.value)
		held = draft("SO-H2", lines=(("MCF-MUG", 2),))
		body = dict(create_request(held), fulfillmentAction="Hold")
		valid(schema_of(load_model, BASE, "post"), body)
		source.create_fulfillment_order(body)
		sim.advance_clock(5 * 3600)
		state = read_fulfilment_order(source.get_fulfillment_order("SO-H2"))
		assert state.status == "Received"  # on hold: Amazon waits
		state, _ = fulfilment.update(source, replace(held, lines=(replace(held.lines[0], quantity=1),)))
		assert state.lines["row-1"].wanted == 1
		source.update_fulfillment_order("SO-H2", {"fulfillmentAction": "Ship"})
		view = order_view(sim, load_model, "SO-H2")
		assert view["fulfillmentOrder"]["fulfillmentAction"] == "Ship"
		sim.advance_clock(3 * 3600)
		done = read_fulfilment_order(source.get_fulfillment_order("SO-H2"))
	assert done.status == "Complete" and [s.quantities for s in done.shipments] == [{"row-1": 1}]
	assert sim.stats()["throttled"].get("updateFulfillmentOrder", 0) == 0
