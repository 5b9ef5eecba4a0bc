"""Shipment confirmation from the ERP's side: a shipping document of a merchant order becomes the
package Amazon's model wants (items, units, carrier code, tracking number, ship date), a partial
shipment confirms only its part, what cannot be sent is refused naming the document, and the
engine against the simulator confirms, flags Amazon's refusals with Amazon's message, leaves
throttled confirmations pending and confirms them on the next run."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import jsonschema
import pytest
from fixtures_simulator import paced_session

from amazon_connector.core.drafts.shipments import CarrierCode, DeliveryLine, DeliveryView
from amazon_connector.core.engine.shipments import ShipmentConfirmation
from amazon_connector.core.mapping.shipments import CarrierMap, ShipmentNotSendable, shipment_from_delivery
from amazon_connector.core.preview import PreviewErp
from amazon_connector.core.settings import MarketplaceConfig, SyncSettings
from amazon_connector.simulator import generate_world
from amazon_connector.simulator.shipments import awaiting_shipment
from amazon_connector.spapi.source import SpApiSource

US = "ATVPDKIKX0DER"
SHIPPED_AT = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
CARRIERS = CarrierMap(
	[
		CarrierCode("UPS", "UPS", aliases=("United Parcel Service",)),
		CarrierCode("Royal Mail", "Royal Mail", aliases=("RM Tracked 48",)),
		CarrierCode("Local Courier Ltd", "Other", amazon_name="Speedy Local"),
	]
)


def view(**changes) -> DeliveryView:
	fields = dict(
		name="MAT-DN-0001",
		amazon_order_id="111-1111111-1111111",
		marketplace_id=US,
		fulfillment_channel="MERCHANT",
		shipped_at=SHIPPED_AT,
		carrier="UPS",
		tracking_number=" 1Z999AA10123456784 ",
		package_reference_id="1",
		lines=(DeliveryLine("ITEM-A", "10001", 2.0), DeliveryLine("ITEM-B", "10002", 1.0)),
	)
	fields.update(changes)
	return DeliveryView(**fields)


# -- mapping -------------------------------------------------------------------------------------


def test_a_delivery_becomes_the_package_amazon_wants(load_model):
	draft = shipment_from_delivery(view(), CARRIERS)
	assert (draft.carrier_code, draft.carrier_name, draft.tracking_number) == (
		"UPS",
		"",
		"1Z999AA10123456784",
	)
	assert draft.lines == (("10001", 2), ("10002", 1))
	assert draft.ship_date == SHIPPED_AT
	model = load_model("orders-v0.json")
	body = {
		"marketplaceId": draft.marketplace_id,
		"packageDetail": {
			"packageReferenceId": draft.package_reference_id,
			"carrierCode": draft.carrier_code,
			"trackingNumber": draft.tracking_number,
			"shipDate": draft.ship_date.isoformat().replace("+00:00", "Z"),
			"orderItems": [{"orderItemId": i, "quantity": q} for i, q in draft.lines],
		},
	}
	schema = dict(model["definitions"]["ConfirmShipmentRequest"], definitions=model["definitions"])
	jsonschema.Draft4Validator(schema).validate(body)


def test_a_partial_delivery_confirms_only_its_items_and_units():
	partial = view(
		lines=(
			DeliveryLine("ITEM-A", "10001", 1.0),
			DeliveryLine("ITEM-A", "10001", 2.0),  # the same order item on two rows (two batches)
			DeliveryLine("LEAFLET", "", 1.0),  # not an Amazon order item: not Amazon's business
		)
	)
	assert shipment_from_delivery(partial, CARRIERS).lines == (("10001", 3),)


@pytest.mark.parametrize(
	"carrier, code, name",
	[
		("united  parcel SERVICE", "UPS", ""),  # an alias, whatever its case and spacing
		("RM Tracked 48", "Royal Mail", ""),
		("Local Courier Ltd", "Other", "Speedy Local"),  # mapped to Other, with the name to send
		("Bob's Vans", "Other", "Bob's Vans"),  # unknown: Other with its own name, which Amazon takes
	],
)
def test_carriers_map_to_amazon_codes_with_other_as_the_fallback(carrier, code, name):
	draft = shipment_from_delivery(view(carrier=carrier), CARRIERS)
	assert (draft.carrier_code, draft.carrier_name) == (code, name)


@pytest.mark.parametrize(
	"changes, reason",
	[
		({"carrier": " "}, "choose the carrier"),
		({"tracking_number": ""}, "tracking number"),
		({"fulfillment_channel": "AMAZON"}, "fulfilled by Amazon"),
		({"lines": (DeliveryLine("ITEM-A", "10001", 1.5),)}, "whole units"),
		({"lines": (DeliveryLine("LEAFLET", "", 1.0),)}, "ships no item"),
		({"package_reference_id": "DN-1"}, "positive whole number"),
		({"amazon_order_id": ""}, "not for an Amazon order"),
	],
)
def test_what_cannot_be_sent_is_refused_naming_the_document(changes, reason):
	with pytest.raises(ShipmentNotSendable, match=reason) as refused:
		shipment_from_delivery(view(**changes), CARRIERS)
	assert "MAT-DN-0001" in str(refused.value)


# -- the engine against the simulator --------------------------------------------------------------


@pytest.fixture(scope="module")
def world():
	return awaiting_shipment(generate_world(seed=23, orders=60, marketplaces="US"))


def unshipped_orders(sim, count: int) -> list[dict]:
	orders = [
		o
		for o in (sim.world.order(i) for i in sim.world.orders)
		if o["fulfillment"]["fulfilledBy"] == "MERCHANT"
		and o["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED"
		and not any(i.get("cancellation") for i in o["orderItems"])
	]
	assert len(orders) >= count
	return orders[:count]


def delivery_of(order: dict, name: str, **changes) -> DeliveryView:
	lines = tuple(
		DeliveryLine(i["product"]["sellerSku"], i["orderItemId"], float(i["quantityOrdered"]))
		for i in order["orderItems"]
	)
	fields = dict(
		name=name,
		amazon_order_id=order["orderId"],
		marketplace_id=order["salesChannel"]["marketplaceId"],
		fulfillment_channel="MERCHANT",
		shipped_at=datetime.now(timezone.utc) - timedelta(hours=2),
		carrier="UPS",
		tracking_number=f"1Z{name[-4:]}",
		package_reference_id="1",
		lines=lines,
	)
	fields.update(changes)
	return DeliveryView(**fields)


def run_engine(sim, erp: PreviewErp):
	settings = SyncSettings(
		account_key="Ship Seller", after_date=date(2026, 1, 1), marketplaces=(MarketplaceConfig(US),)
	)
	with paced_session(sim, "Ship Seller") as session:
		return ShipmentConfirmation(SpApiSource(session), erp, settings).run()


def preview_with(deliveries: list[DeliveryView]) -> PreviewErp:
	erp = PreviewErp("Ship Seller")
	erp.carriers = [CarrierCode("UPS", "UPS")]
	for delivery in deliveries:
		erp.deliveries[delivery.name] = {"view": delivery, "status": "Pending", "message": ""}
	return erp


def test_pending_deliveries_are_confirmed_and_refusals_flagged_with_amazons_message(make_simulator, world):
	sim = make_simulator(world)
	good, refused, partial = unshipped_orders(sim, 3)
	sim.shipments.refusals[refused["orderId"]] = "The tracking number is not valid for carrier UPS."
	first = partial["orderItems"][0]
	erp = preview_with(
		[
			delivery_of(good, "DN-0001"),
			delivery_of(refused, "DN-0002"),
			delivery_of(partial, "DN-0003", lines=(DeliveryLine("X", first["orderItemId"], 1.0),)),
			delivery_of(good, "DN-0004", carrier=""),  # not sendable: never reaches Amazon
		]
	)
	report = run_engine(sim, erp)
	status = {name: entry["status"] for name, entry in erp.deliveries.items()}
	assert status == {
		"DN-0001": "Confirmed",
		"DN-0002": "Failed",
		"DN-0003": "Confirmed",
		"DN-0004": "Failed",
	}
	assert "The tracking number is not valid for carrier UPS." in erp.deliveries["DN-0002"]["message"]
	assert "choose the carrier" in erp.deliveries["DN-0004"]["message"]
	assert report.counts["updated"] == 2 and report.counts["failed"] == 2
	assert {f.amazon_id for f in report.failures} == {
		f"DN-0002 ({refused['orderId']})",
		f"DN-0004 ({good['orderId']})",
	}
	assert report.api_calls["confirmShipment"] == 3
	assert sim.world.order(good["orderId"])["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
	expected_partial = (
		"SHIPPED"
		if sum(int(i["quantityOrdered"]) for i in partial["orderItems"]) == 1
		else "PARTIALLY_SHIPPED"
	)
	assert sim.world.order(partial["orderId"])["fulfillment"]["fulfillmentStatus"] == expected_partial
	assert sim.world.order(refused["orderId"])["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED"
	# A second run has nothing left to send: confirmed and refused notes wait for no one.
	again = run_engine(sim, erp)
	assert again.api_calls.get("confirmShipment", 0) == 0


def test_a_confirmation_amazon_keeps_throttling_stays_pending_and_goes_next_run(make_simulator, world):
	sim = make_simulator(
		world, faults={"script": [{"operation": "confirmShipment", "fault": "throttle", "count": 40}]}
	)
	(order,) = unshipped_orders(sim, 1)
	erp = preview_with([delivery_of(order, "DN-0009")])
	first = run_engine(sim, erp)
	assert erp.deliveries["DN-0009"]["status"] == "Pending"
	assert "tried again" in erp.deliveries["DN-0009"]["message"]
	assert first.counts["failed"] == 1
	assert sim.world.order(order["orderId"])["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED"
	sim.faults.script.clear()
	second = run_engine(sim, erp)
	assert erp.deliveries["DN-0009"]["status"] == "Confirmed", erp.deliveries["DN-0009"]["message"]
	assert second.counts["updated"] == 1
	assert sim.world.order(order["orderId"])["fulfillment"]["fulfillmentStatus"] == "SHIPPED"


def test_a_throttled_confirmation_is_retried_within_the_run(make_simulator, world):
	sim = make_simulator(
		world, faults={"script": [{"operation": "confirmShipment", "fault": "throttle", "count": 2}]}
	)
	(order,) = unshipped_orders(sim, 1)
	erp = preview_with([delivery_of(order, "DN-0010")])
	report = run_engine(sim, erp)
	assert erp.deliveries["DN-0010"]["status"] == "Confirmed"
	assert sim.stats()["throttled"]["confirmShipment"] == 2
	assert report.counts["updated"] == 1
