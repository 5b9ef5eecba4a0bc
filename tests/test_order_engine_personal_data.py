"""Buyer names and street addresses come with a Restricted Data Token, and only then."""

from __future__ import annotations

import copy
from datetime import date, timedelta

from test_order_engine_simulator import item_creator

from amazon_connector.core.engine.orders import OrderSync
from amazon_connector.core.preview import PreviewErp
from amazon_connector.core.settings import SyncSettings
from amazon_connector.simulator.connect import account_config, marketplace_configs, scaled_clock
from amazon_connector.spapi.client import SpApiSession


def run_orders(sim, *, personal_data: bool) -> tuple[PreviewErp, object]:
	clock, sleep = scaled_clock(sim.clock.time_scale)
	session = SpApiSession(account_config(sim.account, sim.base_url, "pii-test"), clock=clock, sleep=sleep)
	settings = SyncSettings(
		account_key="pii-test",
		after_date=(sim.now() - timedelta(days=60)).date(),
		marketplaces=marketplace_configs(sim.account),
		request_personal_data=personal_data,
	)
	port = PreviewErp("pii-test")
	report = OrderSync(session, port, settings, item_resolver=item_creator(port), now=sim.now).run()
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


def test_with_a_token_orders_carry_street_addresses(make_simulator, sim_world):
	sim = make_simulator(world=world_with_streets(sim_world))
	port, report = run_orders(sim, personal_data=True)
	assert report.failed == 0
	assert port.sales_orders and all(street_lines(port))
	assert sim.stats()["calls"].get("createRestrictedDataToken", 0) >= 1


def test_without_asking_amazon_gives_no_street_and_no_token_is_requested(make_simulator, sim_world):
	sim = make_simulator(world=world_with_streets(sim_world))
	port, report = run_orders(sim, personal_data=False)
	assert report.failed == 0 and port.sales_orders
	assert not any(street_lines(port))
	assert "createRestrictedDataToken" not in sim.stats()["calls"]


def test_an_app_without_the_role_still_imports_every_order_and_says_why(make_simulator, sim_world):
	world = world_with_streets(sim_world)
	world["account"]["restrictedDataRole"] = False
	sim = make_simulator(world=world)
	with_role, _ = run_orders(make_simulator(world=world_with_streets(sim_world)), personal_data=True)
	port, report = run_orders(sim, personal_data=True)
	assert report.failed == 0
	assert set(port.sales_orders) == set(with_role.sales_orders)
	assert not any(street_lines(port))
	assert any("restricted-data role" in message for message in report.messages)
	# Refused once (the client retries a 403 once with a fresh access token), then not asked again
	# for the run's other windows.
	assert len(report.windows) > 1
	assert sim.stats()["calls"]["createRestrictedDataToken"] <= 2


def test_settings_default_asks_for_nothing():
	assert SyncSettings(account_key="x", after_date=date(2026, 1, 1)).request_personal_data is False
