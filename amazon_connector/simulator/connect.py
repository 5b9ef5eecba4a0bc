"""How a client connects to a running simulator: an account pointed at it, its marketplaces as sync
settings, and a clock that runs at the simulator's pace.

The demo, the benchmark, the bench command's simulator mode and the tests all connect this way.
"""

from __future__ import annotations

import time

from amazon_connector.core.settings import MarketplaceConfig
from amazon_connector.spapi.account import CUSTOM, AccountConfig


def credentials(world_account: dict) -> dict:
	"""A world's account (Amazon-style camelCase keys) as the snake_case view `Simulator.account` gives."""
	return {
		"client_id": world_account["clientId"],
		"client_secret": world_account["clientSecret"],
		"refresh_token": world_account["refreshToken"],
		"seller_id": world_account["sellerId"],
		"region": world_account["region"],
		"marketplaces": [dict(m) for m in world_account["marketplaces"]],
	}


def account_config(account: dict, base_url: str, key: str = "Amazon Simulator", **overrides) -> AccountConfig:
	"""An account with the simulator's credentials (`Simulator.account`) and a custom endpoint at it."""
	values = {
		"key": key,
		"region": account.get("region") or "NA",
		"client_id": account["client_id"],
		"client_secret": account["client_secret"],
		"refresh_token": account["refresh_token"],
		"environment": CUSTOM,
		"endpoint_url": base_url,
		"seller_id": account.get("seller_id") or "",
	}
	values.update(overrides)
	return AccountConfig(**values)


def marketplace_configs(account: dict, price_list=None) -> tuple[MarketplaceConfig, ...]:
	"""The account's marketplaces as sync settings; `price_list(marketplace)` names each one's list."""
	return tuple(
		MarketplaceConfig(
			marketplace_id=m["marketplaceId"],
			country=m["countryCode"],
			currency=m["currencyCode"],
			price_list=price_list(m) if price_list else "",
		)
		for m in account["marketplaces"]
	)


def scaled_clock(time_scale: float):
	"""A monotonic clock and a sleep that run `time_scale` times faster than the wall clock.

	The client paces itself by Amazon's published rates in Amazon's seconds; run against a simulator
	whose clock has the same scale, it shows real pacing without real waiting.
	"""
	origin = time.monotonic()

	def clock() -> float:
		return origin + (time.monotonic() - origin) * time_scale

	def sleep(seconds: float) -> None:
		time.sleep(max(0.0, seconds) / time_scale)

	return clock, sleep
