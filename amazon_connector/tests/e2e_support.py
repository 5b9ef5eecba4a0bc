"""End-to-end bench tests: a generated world served by the simulator, an Amazon Settings record
pointed at it, and the engines on the real ERPNext adapter.

Expected results are computed here from the raw world JSON (Amazon's shapes), never from the app's
own mapping, so that a mapping error cannot agree with itself.

Time: the simulator clock starts at an instant chosen in a quiet stretch of the world (no order
created or updated and no financial event posted within `QUIET` of it) and runs at real speed,
so what "has happened by now" is the same for the test's expectations and for the engines, however
long the test takes.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import frappe
from frappe.utils import flt

from amazon_connector.core.engine.fees import FeeSync
from amazon_connector.core.engine.orders import OrderSync
from amazon_connector.core.engine.products import ProductSync
from amazon_connector.erpnext_adapter.port import ErpNextPort
from amazon_connector.erpnext_adapter.settings import account_config, sync_settings
from amazon_connector.simulator import Simulator, generate_world
from amazon_connector.spapi.client import SpApiSession
from amazon_connector.spapi.source import SpApiSource
from amazon_connector.tests import factories as f
from amazon_connector.tests.base import TestCase

__all__ = ["TestCase", "SimAccount", "start_account", "expected_orders", "expected_fees", "parse_time"]

MARKETPLACES = {
	"US": f.MARKETPLACE_US,
	"UK": f.MARKETPLACE_UK,
	"DE": f.MARKETPLACE_DE,
	"JP": f.MARKETPLACE_JP,
}
# Standard and reduced VAT rates set on the marketplace rows of VAT-inclusive marketplaces, so their
# orders get VAT rows (the simulator's UK and JP orders report no VAT).
VAT_RATES = {"UK": (20, 5), "DE": (19, 7), "JP": (10, 8)}
WORLD_DAYS = 20
QUIET = timedelta(hours=1)
# searchOrders' createdBefore defaults to now minus two minutes; the backfill reads up to now minus three.
ORDER_SETTLE = timedelta(minutes=3)
# Finances lists: a ShipmentEvent's lists that are booked, item level and shipment/order level.
ITEM_FEE_LISTS = ("ItemFeeList", "ItemFeeAdjustmentList")
EVENT_FEE_LISTS = ("ShipmentFeeList", "ShipmentFeeAdjustmentList", "OrderFeeList", "OrderFeeAdjustmentList")
ITEM_LISTS = ("ShipmentItemList", "ShipmentItemAdjustmentList")
SHIPMENT_SHAPED = ("ShipmentEventList", "RefundEventList", "GuaranteeClaimEventList", "ChargebackEventList")


def ledger_balance(account: str, vouchers: list[str]) -> Decimal:
	"""Straight from the General Ledger: debit minus credit on `account` of the submitted `vouchers`,
	in the account's currency, each row to the cent."""
	rows = frappe.get_all(
		"GL Entry",
		filters={"account": account, "voucher_no": ("in", vouchers or ["-"]), "is_cancelled": 0},
		fields=["debit_in_account_currency", "credit_in_account_currency"],
	)
	return sum(
		(
			Decimal(str(flt(r.debit_in_account_currency, 2)))
			- Decimal(str(flt(r.credit_in_account_currency, 2)))
			for r in rows
		),
		Decimal(0),
	)


def parse_time(value: str) -> datetime:
	return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)


def quiet_instant(world: dict, latest: datetime) -> datetime:
	"""The latest whole hour at or before `latest` with nothing happening within QUIET of it."""
	moments = [parse_time(o["createdTime"]) for o in world["orders"]]
	moments += [parse_time(o["lastUpdatedTime"]) for o in world["orders"]]
	for events in world.get("financialEvents", {}).values():
		moments += [parse_time(e["PostedDate"]) for e in events if e.get("PostedDate")]
	candidate = latest.replace(minute=0, second=0, microsecond=0)
	for _ in range(24 * 30):
		# The simulator's settlements close, hold and release reserves and pay out around midnight
		# UTC (their periods start at midnight): none of that may fall between a run and its checks.
		midnight = candidate.replace(hour=0, minute=0, second=0, microsecond=0)
		near_midnight = min(abs(candidate - midnight), abs(midnight + timedelta(days=1) - candidate)) <= QUIET
		if not near_midnight and all(abs(m - candidate) > QUIET for m in moments):
			return candidate
		candidate -= timedelta(minutes=30)
	raise AssertionError("the generated world has no quiet hour to start the simulator at")


def fixed_clock(hour: float) -> datetime:
	"""Yesterday's midnight UTC plus `hour` hours: as `start_account(latest=...)`, a world whose events
	and settlements (periods from midnight UTC) fall the same way whenever the test runs, so what
	it meets does not depend on the time of day."""
	today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
	return today - timedelta(days=1) + timedelta(hours=hour)


@dataclass
class SimAccount:
	"""A started simulator, its raw world JSON and the Amazon Settings record pointed at it."""

	sim: Simulator
	world: dict  # the world as generated (and edited) before the simulator started
	doc: object  # Amazon Settings
	start: datetime  # the simulator's clock at start

	@property
	def name(self) -> str:
		return self.doc.name

	def settings(self, **extra):
		return sync_settings(self.doc, report_poll_interval=0.2, report_deadline=60, **extra)

	def session(self) -> SpApiSession:
		session = SpApiSession(account_config(frappe.get_doc("Amazon Settings", self.doc.name)))
		# The simulator's usage plans are off, so client-side pacing would only wait for nothing.
		session.throttle_enabled = False
		return session

	def port(self) -> ErpNextPort:
		return ErpNextPort(frappe.get_doc("Amazon Settings", self.doc.name))

	def engines(self, port=None, settings_extra: dict | None = None, source=None):
		"""(ProductSync, OrderSync, FeeSync) sharing one source and port, `now` = the simulator's clock."""
		source = source or SpApiSource(self.session())
		port = port or self.port()
		settings = self.settings(**(settings_extra or {}))
		now = self.sim.now
		products = ProductSync(source, port, settings, now=now)
		orders = OrderSync(source, port, settings, item_resolver=products.ensure_items, now=now)
		return products, orders, FeeSync(source, port, settings, now=now)

	def stop(self) -> None:
		self.sim.stop()


def start_account(
	seed: int,
	orders: int,
	account_name: str,
	marketplaces=("US", "DE"),
	edit_world=None,
	company: str | None = None,
	vat_rates: dict | None = None,
	sim_options: dict | None = None,
	latest: datetime | None = None,
	**settings_overrides,
) -> SimAccount:
	"""Generate a world (WORLD_DAYS of orders ending three days before `latest`, by default an hour
	ago), let `edit_world(world)` change it, start a simulator on it at a quiet instant at or before
	`latest`, and make an Amazon Settings record for it (in `company`, else the tests' USD company),
	its VAT-inclusive marketplaces with `vat_rates` (code -> (standard, reduced); VAT_RATES by
	default). A `latest` from `fixed_clock` lays the world out the same way every day."""
	latest = latest or datetime.now(timezone.utc) - timedelta(hours=1)
	end = latest - timedelta(days=3)
	world = generate_world(
		seed=seed, orders=orders, start=end - timedelta(days=WORLD_DAYS), end=end, marketplaces=marketplaces
	)
	if edit_world:
		edit_world(world)
	start = quiet_instant(world, latest)
	sim = Simulator(
		copy.deepcopy(world),
		time_scale=1.0,
		limits=False,
		token_ttl=30 * 86400.0,
		report_delays=(0.2, 0.2),
		start_time=start,
		**(sim_options or {}),
	)
	base_url = sim.start()
	account = sim.account
	try:
		doc = f.make_amazon_settings(
			company or f.make_company(),
			account_name=account_name,
			marketplaces=[MARKETPLACES[code] for code in marketplaces],
			seller_id=account["seller_id"],
			endpoint_url=base_url,
			lwa_client_id=account["client_id"],
			lwa_client_secret=account["client_secret"],
			refresh_token=account["refresh_token"],
			after_date=(end - timedelta(days=WORLD_DAYS + 1)).date(),
			**settings_overrides,
		)
		rates = VAT_RATES if vat_rates is None else vat_rates
		for row in doc.marketplaces:
			code = next((c for c, m in MARKETPLACES.items() if m[0] == row.marketplace_id), "")
			if code in rates:
				row.vat_rate, row.reduced_vat_rate = rates[code]
		doc.save(ignore_permissions=True)
	except Exception:
		sim.stop()
		raise
	return SimAccount(sim=sim, world=world, doc=doc, start=start)


def prefix_skus(world: dict, prefix: str) -> None:
	"""Give a world's listings, order lines and FBA stock SKUs of a test's own (`prefix` + SKU), so
	that Items other runs left on the site are never this seller's."""
	for rows in world["listings"].values():
		for row in rows:
			row["seller-sku"] = prefix + row["seller-sku"]
	for order in world["orders"]:
		for item in order["orderItems"]:
			item["product"]["sellerSku"] = prefix + item["product"]["sellerSku"]
	for summaries in (world.get("fbaInventory") or {}).values():
		for summary in summaries:
			summary["sellerSku"] = prefix + summary["sellerSku"]


# -- expectations from the raw world ----------------------------------------------------------------


def expected_orders(world: dict, now: datetime) -> dict[str, tuple[str, Decimal]]:
	"""Amazon order id -> (currency, grand total) of every order a backfill at `now` must import:
	created by then, priced (not pending), and not cancelled as a whole."""
	expected = {}
	for order in world["orders"]:
		if parse_time(order["createdTime"]) > now - ORDER_SETTLE:
			continue
		status = order["fulfillment"]["fulfillmentStatus"]
		if status in ("PENDING", "PENDING_AVAILABILITY", "CANCELLED"):
			continue
		grand_total = order["proceeds"]["grandTotal"]
		expected[order["orderId"]] = (grand_total["currencyCode"], Decimal(str(grand_total["amount"])))
	return expected


def _amounts(entries, amount_field: str):
	for entry in entries or ():
		money = entry[amount_field]
		yield money["CurrencyCode"], Decimal(str(money["CurrencyAmount"]))


def event_fee_amounts(event: dict):
	"""(kind, currency, amount) of every booked amount of one ShipmentEvent-shaped event, as Amazon
	reported it (seller's view: fees negative); kind is "fee" or "withheld"."""
	for list_name in EVENT_FEE_LISTS:
		for currency, amount in _amounts(event.get(list_name), "FeeAmount"):
			yield "fee", currency, amount
	for item_list in ITEM_LISTS:
		for item in event.get(item_list) or ():
			for list_name in ITEM_FEE_LISTS:
				for currency, amount in _amounts(item.get(list_name), "FeeAmount"):
					yield "fee", currency, amount
			for withheld in item.get("ItemTaxWithheldList") or ():
				for currency, amount in _amounts(withheld.get("TaxesWithheld"), "ChargeAmount"):
					yield "withheld", currency, amount


@dataclass
class ExpectedFees:
	currency: str
	fees: Decimal = Decimal(0)  # commissions, fulfilment fees, charge-backs: the seller's cost
	withheld: Decimal = Decimal(0)  # tax Amazon withheld (marketplace facilitator)

	@property
	def total(self) -> Decimal:
		return self.fees + self.withheld


def expected_fees(world_events: dict, now: datetime, orders: set[str]) -> dict[str, ExpectedFees]:
	"""Amazon order id -> what its fee entries must book (minus Amazon's sums, so a cost is
	positive) for the events posted by `now` of the given orders."""
	expected: dict[str, ExpectedFees] = {}
	for list_name in SHIPMENT_SHAPED:
		for event in world_events.get(list_name) or ():
			order_id = event.get("AmazonOrderId")
			if order_id not in orders or parse_time(event["PostedDate"]) > now:
				continue
			for kind, currency, amount in event_fee_amounts(event):
				entry = expected.setdefault(order_id, ExpectedFees(currency))
				if entry.currency != currency:
					raise AssertionError(f"order {order_id}: events in two currencies")
				if kind == "fee":
					entry.fees -= amount
				else:
					entry.withheld -= amount
	return {order_id: e for order_id, e in expected.items() if e.fees or e.withheld}


# -- what landed in ERPNext -------------------------------------------------------------------------


def sales_orders(account: str) -> dict[str, frappe._dict]:
	rows = frappe.get_all(
		"Sales Order",
		filters={"amazon_account": account},
		fields=["name", "amazon_order_id", "currency", "grand_total", "docstatus", "amazon_attention"],
	)
	return {row.amazon_order_id: row for row in rows}


def duplicated_order_ids(account: str) -> list[str]:
	return frappe.db.sql_list(
		"""select amazon_order_id from `tabSales Order` where amazon_account = %s
		group by amazon_order_id having count(*) > 1""",
		account,
	)


def failure_lines(report) -> list[str]:
	return [f"{x.record_kind} {x.amazon_id}: {x.reason}" for x in report.failures]
