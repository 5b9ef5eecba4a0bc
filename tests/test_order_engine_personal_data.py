"""Buyer names and street addresses come with Orders 2026-01-01 per the app's roles, without any
Restricted Data Token; orders imported without them are completed once Amazon sends them."""

from __future__ import annotations

import copy
from datetime import date, timedelta

from test_order_engine_simulator import item_creator

from amazon_connector.core.engine.orders import OrderSync
from amazon_connector.core.engine.windows import CHECKPOINT_KIND, OrderCheckpoint
from amazon_connector.core.preview import PreviewErp
from amazon_connector.core.settings import SyncSettings
from amazon_connector.simulator.connect import account_config, marketplace_configs, scaled_clock
from amazon_connector.spapi.client import SpApiSession
from amazon_connector.spapi.source import SpApiSource


def run_orders(sim, *, personal_data: bool, port: PreviewErp | None = None) -> tuple[PreviewErp, object]:
	clock, sleep = scaled_clock(sim.clock.time_scale)
	session = SpApiSession(account_config(sim.account, sim.base_url, "pii-test"), clock=clock, sleep=sleep)
	settings = SyncSettings(
		account_key="pii-test",
		after_date=(sim.now() - timedelta(days=60)).date(),
		marketplaces=marketplace_configs(sim.account),
		request_personal_data=personal_data,
	)
	port = port or PreviewErp("pii-test")
	report = OrderSync(
		SpApiSource(session), port, settings, item_resolver=item_creator(port), now=sim.now
	).run()
	return port, report


def street_lines(port: PreviewErp) -> list[str]:
	return [
		record["draft"].shipping_address.address_line1
		for record in port.sales_orders.values()
		if record["draft"].shipping_address is not None
	]


def world_with_streets(world: dict) -> dict:
	world = copy.deepcopy(world)
	assert any(
		(o.get("recipient") or {}).get("deliveryAddress", {}).get("addressLine1") for o in world["orders"]
	), "the generated world should carry street addresses to hide"
	return world


def test_with_the_roles_orders_carry_street_addresses_and_no_token_is_asked_for(make_simulator, sim_world):
	sim = make_simulator(world=world_with_streets(sim_world))
	port, report = run_orders(sim, personal_data=True)
	assert report.failed == 0
	assert port.sales_orders and all(street_lines(port))
	assert "createRestrictedDataToken" not in sim.stats()["calls"]


def test_an_account_that_does_not_import_buyer_data_stores_none_though_amazon_sends_it(
	make_simulator, sim_world
):
	sim = make_simulator(world=world_with_streets(sim_world))
	port, report = run_orders(sim, personal_data=False)
	assert report.failed == 0 and port.sales_orders
	assert not any(street_lines(port))
	assert not any(record["draft"].customer.email for record in port.sales_orders.values())


def test_without_the_roles_orders_import_and_are_completed_once_the_roles_are_granted(
	make_simulator, sim_world
):
	world = world_with_streets(sim_world)
	world["account"]["roles"] = []
	sim = make_simulator(world=world)
	port, report = run_orders(sim, personal_data=True)
	assert report.failed == 0 and port.sales_orders
	assert not any(street_lines(port))
	assert any("needs Amazon's roles" in message for message in report.messages)
	waiting = OrderCheckpoint.from_dict(port.get_checkpoint(CHECKPOINT_KIND)).awaiting_personal_data
	assert set(waiting) == set(port.sales_orders) - {
		o for o, r in port.sales_orders.items() if r["docstatus"] == 2
	}

	# Still no roles: one order is looked at, then the look stops for the run.
	calls = sim.stats()["calls"].get("getOrder", 0)
	run_orders(sim, personal_data=True, port=port)
	assert sim.stats()["calls"].get("getOrder", 0) - calls == 1

	sim.world.account["roles"] = ["Direct-to-Consumer Shipping"]
	runs = 0
	while (
		OrderCheckpoint.from_dict(port.get_checkpoint(CHECKPOINT_KIND)).awaiting_personal_data and runs < 10
	):
		_, later = run_orders(sim, personal_data=True, port=port)
		assert later.failed == 0
		runs += 1
	assert all(street_lines(port)) and len(street_lines(port)) == len(waiting)
	assert any("filled in" in m for m in later.messages)


def test_settings_default_asks_for_nothing():
	assert SyncSettings(account_key="x", after_date=date(2026, 1, 1)).request_personal_data is False
