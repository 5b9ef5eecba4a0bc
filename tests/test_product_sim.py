"""ProductSync end to end: the real access layer against the local SP-API simulator (loopback only)."""

from __future__ import annotations

from datetime import date

import pytest

from amazon_connector.core.engine.products import ProductSync
from amazon_connector.core.preview import PreviewErp
from amazon_connector.core.settings import MarketplaceConfig, SyncSettings
from amazon_connector.spapi.source import SpApiSource

# Reports take 2-4 simulated seconds and the simulated clock runs 600x: a run over five
# marketplaces takes well under a second of real time.
FAST = {"time_scale": 600.0, "report_delays": (2.0, 4.0)}
POLL = {"poll_interval": 1.0}


@pytest.fixture
def sim(make_simulator):
	return make_simulator(**FAST)


def open_session(sim, account=None):
	"""A session paced and polling in the simulator's seconds (they run `time_scale` times faster)."""
	from amazon_connector.simulator.connect import account_config, scaled_clock
	from amazon_connector.spapi.client import SpApiSession

	clock, sleep = scaled_clock(sim.clock.time_scale)
	account = account or account_config(sim.account, sim.base_url, "Sim Seller")
	return SpApiSession(account, clock=clock, sleep=sleep)


@pytest.fixture
def session(sim):
	with open_session(sim) as opened:
		yield opened


def sim_marketplaces(sim) -> tuple[MarketplaceConfig, ...]:
	configs = []
	for m in sim.account["marketplaces"]:
		marketplace_id = m.get("marketplace_id") or m["marketplaceId"]
		country = m.get("country") or m.get("countryCode") or ""
		currency = m.get("currency") or m.get("currencyCode") or ""
		configs.append(
			MarketplaceConfig(marketplace_id, country, currency, f"Amazon {country or marketplace_id}")
		)
	return tuple(configs)


def sim_settings(sim, **overrides) -> SyncSettings:
	values = dict(
		account_key="Sim Seller",
		after_date=date(2024, 1, 1),
		marketplaces=sim_marketplaces(sim),
		seller_id=sim.account.get("seller_id", ""),
	)
	values.update(overrides)
	return SyncSettings(**values)


def test_products_from_the_simulator(sim, session):
	port = PreviewErp("Sim Seller")
	settings = sim_settings(sim)
	report = ProductSync(SpApiSource(session), port, settings, report_options=POLL).run()
	summary = report.summary()
	assert summary["counts"]["created"] > 0, summary
	marketplace_failures = [f for f in report.failures if f.record_kind == "marketplace"]
	assert marketplace_failures == [], summary
	# One Item per SKU, never a duplicate: every mapped listing points at an existing Item.
	skus = {sku for (_, sku) in port.item_map}
	assert len(port.items) <= len(skus)
	assert all(code in port.items for code in port.item_map.values())
	assert all(len(item["draft"].item_name) <= 140 for item in port.items.values())
	assert summary["api_calls"].get("createReport") == len(settings.enabled_marketplaces)
	assert summary["api_calls"].get("searchCatalogItems", 0) >= 1


def test_second_run_against_the_simulator_changes_nothing(sim, session):
	port = PreviewErp("Sim Seller")
	settings = sim_settings(sim)
	first = ProductSync(SpApiSource(session), port, settings, report_options=POLL).run()
	assert first.failed == 0, first.summary()
	again = ProductSync(SpApiSource(session), port, settings, report_options=POLL).run()
	counts = again.summary()["counts"]
	assert (counts["created"], counts["updated"], counts["failed"]) == (0, 0, 0), again.summary()
	assert counts["unchanged"] == len(port.item_map)


def test_fatal_reports_against_the_simulator_are_clear_messages(make_simulator):
	sim = make_simulator(faults={"report_fatal": 1.0}, **FAST)
	port = PreviewErp("Sim Seller")
	settings = sim_settings(sim)
	with open_session(sim) as session:
		report = ProductSync(SpApiSource(session), port, settings, report_options=POLL).run()
	assert port.items == {}
	failed = sorted(f.amazon_id for f in report.failures if f.record_kind == "marketplace")
	assert failed == sorted(m.marketplace_id for m in settings.enabled_marketplaces)
	assert all("status FATAL" in f.reason for f in report.failures)


def test_names_the_reports_charset_lost_come_from_the_catalogue(sim, session, sim_world):
	"""The world's titles hold letters Cp1252 lacks (Polish brands, for one); the report turns them
	into "?", and the Item takes the catalogue's Unicode name instead."""
	us = "ATVPDKIKX0DER"
	titles = {row["seller-sku"]: row["item-name"] for row in sim_world["listings"][us]}
	lossy = {
		sku: title
		for sku, title in titles.items()
		if "?" not in title and title.encode("cp1252", errors="replace").decode("cp1252") != title
	}
	assert lossy, "the world should have titles the US report's charset cannot hold"
	port = PreviewErp("Sim Seller")
	report = ProductSync(SpApiSource(session), port, sim_settings(sim), report_options=POLL).run()
	assert report.failed == 0, report.summary()
	names = {
		sku: port.items[code]["draft"].item_name for (mkt, sku), code in port.item_map.items() if mkt == us
	}
	checked = [sku for sku in lossy if sku in names]  # variation parents are no Items
	assert checked
	for sku in checked:
		assert "?" not in names[sku] and names[sku][:30] == lossy[sku][:30], (sku, names[sku], lossy[sku])
