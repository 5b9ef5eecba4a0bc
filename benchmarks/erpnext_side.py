"""sync_benchmark.py --site: the connector's cost per Sales Order beside ERPNext's own, on one site.

In one run: the simulator (its own process) generates a seller selling in the company's currency;
products are imported first (not measured: the orders need their Items); then the orders stage runs
through the job runner (`runner.run.run_sync`, as the buttons and the scheduler run it: sync log,
savepoints, commits, progress messages) and is measured; then the same Sales Orders are made again
straight with the ORM, as ERPNext's own cost: each built from the connector's order (the same
customer, address, items, quantities, rates, warehouses, tax rows and dates), submitted where the
connector submitted it, committing every COMMIT_EVERY orders as the runner does; once inserted and
then submitted (two validations and writes) and once inserted as submitted (one of each, as the
connector does). The work is the same on both sides: where the connector created the order's
Customer or shipping Address in its run, the ORM's copy creates a copy of it too (the first time a
pass meets it, inside the timing), so new buyers cost both sides a Customer and an Address. The
copies carry no Amazon fields, so the connector never sees them. Before the connector's part a
Sales Order is inserted and rolled back (`warm_up`), so that neither side pays alone for a cold
process. The ratios are the connector's
overhead. Wall time is the figure that counts (MariaDB's work is in its own
process); CPU time is this process's, without the simulator. Run it on a quiet machine and a
test site: other work on the database shows in both figures, and the run really creates records.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import sys
import time
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from sync_benchmark import (
	PROG,
	TIME_SCALE,
	cpu_seconds,
	peak_memory_mb,
	print_calls,
	start_simulator,
)

from amazon_connector.demo.progress import ConsoleProgress
from amazon_connector.simulator.connect import credentials, scaled_clock
from amazon_connector.simulator.generator import generated_account
from amazon_connector.spapi.client import SpApiSession

HEADER_FIELDS = ("company", "order_type", "customer", "transaction_date", "delivery_date", "currency",
	"conversion_rate", "selling_price_list", "price_list_currency", "plc_conversion_rate", "ignore_pricing_rule",
	"disable_rounded_total", "tax_id", "set_warehouse", "customer_address", "shipping_address_name")  # fmt: skip
ITEM_FIELDS = (
	"item_code",
	"qty",
	"uom",
	"conversion_factor",
	"rate",
	"price_list_rate",
	"delivery_date",
	"warehouse",
)
CUSTOMER_FIELDS = ("customer_name", "customer_type", "customer_group", "territory", "tax_id")
ADDRESS_FIELDS = ("address_title", "address_type", "address_line1", "address_line2", "city", "county", "state",
	"pincode", "country", "phone", "is_shipping_address")  # fmt: skip
TAX_FIELDS = ("charge_type", "account_head", "description", "tax_amount", "cost_center", "item_wise_tax_detail",
	"dont_recompute_tax")  # fmt: skip


def into_erpnext(args) -> int:
	import frappe

	frappe.init(site=args.site)
	frappe.connect()
	process = None
	try:
		from amazon_connector.commands.simulated import ACCOUNT, point_account_at, simulated_countries

		company = (
			args.company
			or frappe.defaults.get_global_default("company")
			or frappe.db.get_value("Company", {}, "name")
		)
		if not company:
			print(f"{PROG}: the site has no company; create one (or pass --company)", file=sys.stderr)
			return 2
		countries = simulated_countries(None, frappe.get_cached_value("Company", company, "default_currency"))
		# Order ids follow the seed: a new one per run, so that the orders are new to the site.
		seed = args.seed if args.seed is not None else int(time.time()) % 1_000_000
		end = datetime.now(timezone.utc)
		start = end - timedelta(days=args.days)
		print(f"generating {args.orders} orders in {', '.join(countries)} (seed {seed})...", file=sys.stderr)
		process, base_url = start_simulator(args.orders, seed, start, end, countries)
		simulator = SimpleNamespace(
			account=credentials(generated_account(seed, countries)), base_url=base_url
		)
		point_account_at(simulator, company, start.date(), forget_checkpoints=True)
		sequence: list[str] = []
		clock, sleep = scaled_clock(TIME_SCALE)
		progress = ConsoleProgress()
		runtime = _runtime(clock, sleep, sequence)

		from amazon_connector.runner.run import run_sync

		run_sync(ACCOUNT, ["products"], triggered_by="benchmark", runtime=runtime, progress=progress)
		warm_up(ACCOUNT)
		already = set(frappe.get_all("Sales Order", {"amazon_account": ACCOUNT}, pluck="name"))
		parties_before = (
			set(frappe.get_all("Customer", pluck="name")),
			set(frappe.get_all("Address", pluck="name")),
		)
		first_call = len(sequence)
		profiler = cProfile.Profile() if args.profile else None
		queries0 = statements()
		wall0, cpu0 = time.perf_counter(), time.process_time()
		if profiler:
			profiler.enable()
		results = run_sync(ACCOUNT, ["orders"], triggered_by="benchmark", runtime=runtime, progress=progress)
		if profiler:
			profiler.disable()
		connector_wall, connector_cpu = time.perf_counter() - wall0, time.process_time() - cpu0
		connector_queries = statements() - queries0
		progress.close()
		made = [
			name
			for name in frappe.get_all("Sales Order", {"amazon_account": ACCOUNT}, pluck="name")
			if name not in already
		]
		# Both ways ERPNext's ORM makes a submitted order: inserted, then submitted (a second
		# validation and write), and inserted as submitted (one of each), which the connector does.
		parties = new_parties(*parties_before)
		own = {
			"then submitted": erpnext_own_cost(made, "own", parties, at_once=False),
			"as submitted": erpnext_own_cost(
				made,
				"own1",
				parties,
				at_once=True,
				profile=f"{args.profile}.erpnext" if args.profile else None,
			),
		}
		simulator_peak = peak_memory_mb(process.pid)
		simulator_cpu = cpu_seconds(process.pid)
	finally:
		if process is not None:
			process.terminate()
			process.wait(timeout=10)
		frappe.destroy()

	for result in results:
		counts = ", ".join(f"{k} {v}" for k, v in sorted(result.report.counts.items()))
		print(f"{result.stage:9s} {counts}  (log {result.log})")
	calls: dict[str, int] = {}
	for result in results:
		for operation, n in result.report.api_calls.items():
			calls[operation] = calls.get(operation, 0) + n
	print_calls(calls, [("orders", sequence[first_call:])], len(made))
	if not made:
		print("no new Sales Orders: nothing to compare (were these orders imported before?)")
		return 1
	n = len(made)
	print(
		f"\nSales Orders made by the orders stage: {n} (seed {seed}); new Customers {len(parties[0])}, "
		f"new Addresses {len(parties[1])} (made again by ERPNext's own side)"
	)
	print(f"{'per Sales Order':40s} {'wall ms':>9s} {'CPU ms':>8s} {'SQL statements':>15s}")
	print(
		f"{'connector (job runner, orders stage)':40s} {1000 * connector_wall / n:9.1f} "
		f"{1000 * connector_cpu / n:8.1f} {connector_queries / n:15.1f}"
	)
	for way, (wall, cpu, queries) in own.items():
		print(
			f"{'ERPNext own, inserted ' + way:40s} {1000 * wall / n:9.1f} {1000 * cpu / n:8.1f} {queries / n:15.1f}"
		)
	for way, (wall, cpu, queries) in own.items():
		print(
			f"connector / ERPNext own ({way}): wall {connector_wall / wall:.3f} "
			f"({100 * (connector_wall / wall - 1):+.1f} %), CPU {connector_cpu / cpu:.3f} "
			f"({100 * (connector_cpu / cpu - 1):+.1f} %), SQL statements {connector_queries / queries:.3f}"
		)
	if profiler:
		print("(the connector ran under the profiler, which slows it: run without --profile for the ratio)")

	if simulator_peak is not None:
		print(f"simulator: peak memory {simulator_peak:.0f} MB, CPU {simulator_cpu or 0:.1f} s in all")
	if profiler:
		profiler.dump_stats(args.profile)
		text = io.StringIO()
		pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(40)
		print(
			f"\nprofile of the connector's orders stage written to {args.profile}; the top:", file=sys.stderr
		)
		print(text.getvalue(), file=sys.stderr)
	return 0


def _runtime(clock, sleep, sequence: list[str]):
	from amazon_connector.runner.options import Runtime

	return Runtime(
		session_factory=lambda config: SpApiSession(config, clock=clock, sleep=sleep, on_call=sequence.append)
	)


def statements() -> int:
	"""Statements this database session has sent so far (MariaDB's Questions): unlike the times, the
	same on a busy machine as on a quiet one."""
	import frappe

	return int(frappe.db.sql("show session status like 'Questions'")[0][1])


def warm_up(account: str) -> None:
	"""Insert one submitted Sales Order with the ORM, then roll it back: whichever side ran first
	would otherwise pay alone for importing ERPNext's selling and stock modules and filling the
	site's caches (metadata, Company, Item, Warehouse...), which the other then finds warm."""
	import frappe

	settings = frappe.get_doc("Amazon Settings", account)
	items = frappe.get_all("Amazon Item", {"amazon_account": account}, pluck="item_code", limit=3)
	if not items:
		return
	frappe.db.commit()
	customer = frappe.get_doc(
		{
			"doctype": "Customer",
			"customer_name": "Benchmark warm-up",
			"customer_group": settings.customer_group,
			"territory": settings.territory,
		}
	).insert(ignore_permissions=True)
	today = frappe.utils.nowdate()
	order = frappe.get_doc(
		{
			"doctype": "Sales Order",
			"company": settings.company,
			"customer": customer.name,
			"transaction_date": today,
			"delivery_date": today,
			"set_warehouse": settings.warehouse,
			"items": [
				{"item_code": code, "qty": 1, "rate": 1, "warehouse": settings.warehouse} for code in items
			],
		}
	)
	order.docstatus = 1
	order.insert(ignore_permissions=True)
	frappe.db.rollback()


def new_parties(customers_before: set[str], addresses_before: set[str]) -> tuple[dict, dict]:
	"""The Customers and Addresses the connector's run created, as plans for the ORM's copies
	({name: fields}), read before any clock runs."""
	import frappe

	customers = {
		name: {"doctype": "Customer", **frappe.db.get_value("Customer", name, CUSTOMER_FIELDS, as_dict=True)}
		for name in frappe.get_all("Customer", pluck="name")
		if name not in customers_before
	}
	addresses = {
		name: {"doctype": "Address", **frappe.db.get_value("Address", name, ADDRESS_FIELDS, as_dict=True)}
		for name in frappe.get_all("Address", pluck="name")
		if name not in addresses_before
	}
	return customers, addresses


def erpnext_own_cost(
	names: list[str], tag: str, parties: tuple[dict, dict], *, at_once: bool, profile: str | None = None
) -> tuple[float, float, int]:
	"""(wall, CPU) seconds and SQL statements to make the same Sales Orders with the ORM, submitted where the
	connector submitted them (`at_once`: inserted with docstatus 1; else inserted, then submitted),
	with copies of the Customers and Addresses the connector created, committing as the runner does.
	`tag` makes their PO numbers unique."""
	import frappe

	from amazon_connector.runner.commits import COMMIT_EVERY

	plans = [own_order(frappe.get_doc("Sales Order", name), tag) for name in names]  # read before the clock
	new_customers, new_addresses = parties
	copied: dict[str, str] = {}  # the connector's Customer or Address -> this pass's copy
	frappe.db.commit()
	profiler = cProfile.Profile() if profile else None
	queries0 = statements()
	wall0, cpu0 = time.perf_counter(), time.process_time()
	if profiler:
		profiler.enable()
	for index, (plan, submit) in enumerate(plans, start=1):
		customer = plan["customer"]
		if customer in new_customers:
			if customer not in copied:
				copied[customer] = (
					frappe.get_doc(dict(new_customers[customer])).insert(ignore_permissions=True).name
				)
			plan["customer"] = copied[customer]
		for field in ("customer_address", "shipping_address_name"):
			address = plan.get(field)
			if address in new_addresses:
				if address not in copied:
					copy = {
						**new_addresses[address],
						"links": [{"link_doctype": "Customer", "link_name": plan["customer"]}],
					}
					copied[address] = frappe.get_doc(copy).insert(ignore_permissions=True).name
				plan[field] = copied[address]
		doc = frappe.get_doc(plan)
		if submit and at_once:
			doc.docstatus = 1
		doc.insert(ignore_permissions=True)
		if submit and not at_once:
			doc.submit()
		if index % COMMIT_EVERY == 0:
			frappe.db.commit()
	frappe.db.commit()
	if profiler:
		profiler.disable()
		profiler.dump_stats(profile)  # to set beside the connector's profile
	wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
	return wall, cpu, statements() - queries0


def own_order(doc, tag: str) -> tuple[dict, bool]:
	"""The Sales Order as someone importing it straight with the ORM would write it (no Amazon
	fields; the buyer's PO number made unique, as ERPNext refuses a PO number twice by default)."""
	plan = {"doctype": "Sales Order", **{f: doc.get(f) for f in HEADER_FIELDS}}
	plan["po_no"] = f"{tag}-{doc.po_no or doc.name}"
	plan["items"] = [{f: row.get(f) for f in ITEM_FIELDS} for row in doc.items]
	plan["taxes"] = [{f: row.get(f) for f in TAX_FIELDS} for row in doc.taxes]
	return plan, doc.docstatus == 1
