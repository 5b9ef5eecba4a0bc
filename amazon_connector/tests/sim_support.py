"""Bench-test helpers: a local simulator (127.0.0.1 only) and Amazon Settings records pointed at it."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import frappe

from amazon_connector.runner.options import Runtime
from amazon_connector.simulator import Simulator, generate_world
from amazon_connector.tests import factories as f
from amazon_connector.tests.base import TestCase

TIME_SCALE = 60.0  # simulated seconds per real second: reports are ready in about a second

__all__ = ["TestCase", "start_simulator", "runtime_for", "simulated_settings"]


def start_simulator(orders: int = 12, seed: int = 5, sku_prefix: str = "", **opts) -> Simulator:
	"""A simulator of a small US world; `sku_prefix` gives its SKUs a test's own prefix, so that Items
	other runs left on the site are never this seller's."""
	end = datetime.now(timezone.utc)
	world = generate_world(
		seed=seed, orders=orders, start=end - timedelta(days=10), end=end, marketplaces=("US",)
	)
	if sku_prefix:
		from amazon_connector.tests.e2e_support import prefix_skus

		prefix_skus(world, sku_prefix)
	options = {"time_scale": TIME_SCALE, "limits": False, "token_ttl": 30 * 86400.0, **opts}
	sim = Simulator(world, **options)
	sim.start()
	return sim


def runtime_for(sim: Simulator) -> Runtime:
	from amazon_connector.spapi.client import SpApiSession

	origin = time.monotonic()

	def clock() -> float:
		return origin + (time.monotonic() - origin) * TIME_SCALE

	def sleep(seconds: float) -> None:
		time.sleep(max(0.0, seconds) / TIME_SCALE)

	return Runtime(session_factory=lambda config: SpApiSession(config, clock=clock, sleep=sleep), now=sim.now)


def simulated_settings(sim: Simulator, account_name: str, **overrides):
	"""An Amazon Settings record (factories) whose endpoint and credentials are the simulator's."""
	account = sim.account
	# One record per seller and region (validated): earlier test records give the seller id up.
	for other in frappe.get_all(
		"Amazon Settings", {"seller_id": account["seller_id"], "name": ("!=", account_name)}, pluck="name"
	):
		frappe.db.set_value("Amazon Settings", other, "seller_id", "", update_modified=False)
	doc = f.make_amazon_settings(f.make_company(), account_name=account_name)
	doc.reload()
	doc.update(
		{
			"environment": "Custom Endpoint",
			"endpoint_url": sim.base_url,
			"seller_id": account["seller_id"],
			"lwa_client_id": account["client_id"],
			"lwa_client_secret": account["client_secret"],
			"refresh_token": account["refresh_token"],
			"after_date": (datetime.now(timezone.utc) - timedelta(days=10)).date(),
			**overrides,
		}
	)
	doc.save(ignore_permissions=True)
	return doc
