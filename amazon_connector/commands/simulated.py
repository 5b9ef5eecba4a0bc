"""`--simulator`: a generated seller served by the bundled SP-API simulator on 127.0.0.1, reached
through an Amazon Settings record named "Amazon Simulator" (created or re-pointed on each use).

The simulator's clock runs `TIME_SCALE` times faster than the wall clock and the client paces
itself in the same simulated seconds, so Amazon's real rate limits apply without real waiting.
Only marketplaces in the company's currency are simulated by default: Sales Orders in another
currency would need exchange rates, which ERPNext would otherwise look up on the internet.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import click
import frappe

ACCOUNT = "Amazon Simulator"
TIME_SCALE = 3600.0
WORLD_DAYS = 30


def _world_file():
	from pathlib import Path

	return Path(frappe.get_site_path("private", "amazon_simulator_world.json"))


def kept_world(orders: int, seed: int, countries: tuple[str, ...], *, reset: bool) -> tuple[dict, bool]:
	"""(the simulated seller's world, whether it is new). The world of an earlier run with the same
	orders, seed and marketplaces is kept in the site's private folder, so a run continues where the
	last one stopped (its checkpoints stay valid and nothing is booked twice); `reset`, or other
	arguments, generate a new one."""
	import json

	from amazon_connector.simulator import generate_world

	path = _world_file()
	wanted = {"orders": orders, "seed": seed, "marketplaces": list(countries)}
	if not reset and path.exists():
		try:
			kept = json.loads(path.read_text(encoding="utf-8"))
			if kept.get("made_with") == wanted:
				return kept["world"], False
		except (OSError, ValueError, KeyError):
			pass  # unreadable: a new world
	end = datetime.now(timezone.utc)
	world = generate_world(seed=seed, orders=orders, start=end - timedelta(days=WORLD_DAYS), end=end,
		marketplaces=countries)  # fmt: skip
	path.parent.mkdir(parents=True, exist_ok=True)
	path.write_text(json.dumps({"made_with": wanted, "world": world}), encoding="utf-8")
	return world, True


@contextmanager
def simulated_account(
	orders: int, seed: int, marketplaces: str | None, company: str | None, *, reset: bool = False
):
	from amazon_connector.runner.options import Runtime
	from amazon_connector.simulator import Simulator
	from amazon_connector.simulator.connect import scaled_clock
	from amazon_connector.spapi.client import SpApiSession

	company = (
		company or frappe.defaults.get_global_default("company") or frappe.db.get_value("Company", {}, "name")
	)
	if not company:
		raise click.ClickException("No company on this site; pass --company or create one.")
	currency = frappe.get_cached_value("Company", company, "default_currency")
	countries = simulated_countries(marketplaces, currency)
	world, new = kept_world(orders, seed, countries, reset=reset)
	start = (
		min(datetime.fromisoformat(o["createdTime"].replace("Z", "+00:00")) for o in world["orders"])
		if world["orders"]
		else datetime.now(timezone.utc) - timedelta(days=WORLD_DAYS)
	)
	with Simulator(world, time_scale=TIME_SCALE) as sim:
		kind = "a new world" if new else "the world of the last run (--reset for a new one)"
		click.echo(
			f"Simulator on {sim.base_url}: {orders} orders in {', '.join(countries)} (seed {seed}), {kind}"
		)
		point_account_at(sim, company, start.date(), forget_checkpoints=new)
		clock, sleep = scaled_clock(TIME_SCALE)
		runtime = Runtime(
			session_factory=lambda config: SpApiSession(config, clock=clock, sleep=sleep),
			now=sim.now,
		)
		yield ACCOUNT, runtime


def simulated_countries(marketplaces: str | None, currency: str) -> tuple[str, ...]:
	if marketplaces:
		return tuple(code.strip().upper() for code in marketplaces.split(",") if code.strip())
	from amazon_connector.simulator.marketplaces import MARKETPLACES

	same = tuple(code for code, m in MARKETPLACES.items() if m.currency == currency)
	if not same:
		raise click.ClickException(
			f"No simulated marketplace sells in {currency}; pass --sim-marketplaces (and set up exchange rates)."
		)
	return same[:1] if currency != "EUR" else ("DE",)


def point_account_at(sim, company: str, after_date, *, forget_checkpoints: bool = True) -> None:
	account = sim.account
	doc = frappe.get_doc("Amazon Settings", ACCOUNT) if frappe.db.exists("Amazon Settings", ACCOUNT) else None
	if doc is None:
		doc = frappe.new_doc("Amazon Settings")
		doc.account_name = ACCOUNT
		# Never scheduled: the simulator lives only as long as the command.
		doc.product_sync_frequency = "Never"
		doc.order_sync_frequency = "Never"
	doc.update(
		{
			"enabled": 1,
			"region": account.get("region") or "NA",
			"seller_id": account.get("seller_id") or "",
			"environment": "Custom Endpoint",
			"endpoint_url": sim.base_url,
			"lwa_client_id": account["client_id"],
			"lwa_client_secret": account["client_secret"],
			"refresh_token": account["refresh_token"],
			"company": company,
			"warehouse": _kept_leaf("Warehouse", doc.warehouse) or _leaf("Warehouse", {"company": company}),
			"item_group": _kept_leaf("Item Group", doc.item_group) or _leaf("Item Group", {}),
			"customer_group": _kept_leaf("Customer Group", doc.customer_group) or _leaf("Customer Group", {}),
			"territory": _kept_leaf("Territory", doc.territory) or _leaf("Territory", {}),
			"account_group": doc.account_group or _fee_group(company),
			"after_date": after_date,
		}
	)
	doc.set("marketplaces", [])
	for m in account["marketplaces"]:
		doc.append(
			"marketplaces",
			{
				"marketplace_id": m["marketplaceId"],
				"marketplace_name": m.get("name") or m["countryCode"],
				"country_code": m["countryCode"],
				"currency": m["currencyCode"],
				"price_list": _price_list(m["countryCode"], m["currencyCode"]),
				"enabled": 1,
			},
		)
	doc.save(ignore_permissions=True)
	if forget_checkpoints:
		# A new seller: the checkpoints of an earlier simulated seller would make it look already read.
		# Orders and fees already imported are still found by their Amazon ids.
		frappe.db.delete("Amazon Sync Checkpoint", {"amazon_account": ACCOUNT})
	frappe.db.commit()  # the job reads the record from the database


def _kept_leaf(doctype: str, name: str | None) -> str | None:
	"""The record's own choice, unless it is a group, which Amazon Settings refuses."""
	if name and frappe.db.get_value(doctype, name, "is_group") == 0:
		return name
	return None


def _leaf(doctype: str, filters: dict) -> str:
	name = frappe.db.get_value(doctype, {**filters, "is_group": 0}, "name", order_by="creation asc")
	if not name:
		raise click.ClickException(f"No {doctype} to use for the simulator account; create one first.")
	return name


def _fee_group(company: str) -> str:
	abbr = frappe.get_cached_value("Company", company, "abbr")
	name = f"Amazon Fees - {abbr}"
	if not frappe.db.exists("Account", name):
		parent = frappe.db.get_value(
			"Account", {"company": company, "account_name": "Indirect Expenses", "is_group": 1}, "name"
		) or frappe.db.get_value(
			"Account", {"company": company, "root_type": "Expense", "is_group": 1}, "name"
		)
		frappe.get_doc(
			{
				"doctype": "Account",
				"account_name": "Amazon Fees",
				"parent_account": parent,
				"company": company,
				"is_group": 1,
			}
		).insert(ignore_permissions=True)
	return name


def _price_list(country_code: str, currency: str) -> str:
	name = f"Amazon {country_code}"
	if not frappe.db.exists("Price List", name):
		frappe.get_doc(
			{
				"doctype": "Price List",
				"price_list_name": name,
				"currency": currency,
				"selling": 1,
				"enabled": 1,
			}
		).insert(ignore_permissions=True)
	frappe.db.set_value("Currency", currency, "enabled", 1)
	return name
