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
from amazon_connector.spapi.errors import AccessDeniedError, AuthError
from amazon_connector.spapi.source import SpApiSource


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


def test_the_search_token_is_reused_until_near_expiry_then_renewed():
	from amazon_connector.core.engine.personal_data import PersonalDataToken

	now = [0.0]
	issued = []

	def create(order_id):
		issued.append(order_id)
		return {"restrictedDataToken": f"rdt-{len(issued)}", "expiresIn": 3600}

	tokens = PersonalDataToken(TokenSource(create), clock=lambda: now[0])
	assert tokens.token() == "rdt-1"
	now[0] = 3000.0  # still more than five minutes of life left
	assert tokens.token() == "rdt-1"
	now[0] = 3350.0  # inside the last five minutes: renewed before Amazon would refuse it
	assert tokens.token() == "rdt-2"
	assert tokens.for_order("111-0000000-0000001") == "rdt-3"  # a token names one resource
	assert issued == [None, None, "111-0000000-0000001"]


def test_a_refused_token_is_not_asked_for_again():
	from amazon_connector.core.engine.personal_data import PersonalDataToken

	calls = []

	def refuse(order_id):
		calls.append(order_id)
		raise AccessDeniedError(
			"Access to requested resource is denied.", operation="createRestrictedDataToken"
		)

	tokens = PersonalDataToken(TokenSource(refuse))
	assert tokens.token() is None and tokens.for_order("X") is None and tokens.token() is None
	assert calls == [None]
	assert "denied" in tokens.refusal


def test_a_bad_login_is_not_taken_for_a_missing_role():
	"""A refresh token LWA refuses fails the token request too; that is no refusal of personal data
	(the log must not send the user after the restricted-data role), and the next call asks again."""
	from amazon_connector.core.engine.personal_data import PersonalDataToken

	calls = []

	def bad_login(order_id):
		calls.append(order_id)
		raise AuthError("Login with Amazon refused the refresh token (invalid_grant).", operation="lwaToken")

	tokens = PersonalDataToken(TokenSource(bad_login))
	assert tokens.token() is None and tokens.token() is None
	assert tokens.refusal is None
	assert calls == [None, None]


class TokenSource:
	"""The one call of the Amazon source a token needs: createRestrictedDataToken."""

	def __init__(self, create):
		self.create_orders_rdt = create
