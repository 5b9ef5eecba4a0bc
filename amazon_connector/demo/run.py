"""The first thing a new user runs: the whole sync against a local SP-API, no bench needed.

    python -m amazon_connector.demo [--orders 300] [--seed 7] [--out demo-output]

It generates an Amazon world, starts the simulator on loopback, and runs products -> orders -> fees
through the real sync code (products, orders, invoices, then fees and payouts from Finances
2024-06-19, as a new account) into the in-memory preview. It prints what would be created, the money
per marketplace, and the API calls per operation, and writes the drafts as JSON.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from ..core.engine.cutover import FINANCES_2024
from ..core.engine.pipeline import run_pipeline
from ..core.engine.settlements import BOOKED
from ..core.money import round_money
from ..core.preview import PreviewErp
from ..core.settings import SyncSettings
from ..simulator import Simulator, generate_world
from ..simulator.arguments import OneLineParser, count, positive_float, whole_number, writable_folder
from ..simulator.connect import account_config, marketplace_configs, scaled_clock
from ..simulator.marketplaces import MARKETPLACES
from ..spapi.client import SpApiSession
from ..spapi.source import SpApiSource
from .progress import ConsoleProgress

DEMO_ACCOUNT = "Demo Seller"

# What "skipped" counts in each stage, printed under the table so that the number reads as intended.
SKIPPED_MEANS = {
	"products": "variation parents (they group sizes or colours; each child SKU is the Item)",
	"orders": "orders Amazon has not priced yet (pending), or cancelled before they were imported",
	"fees": "Amazon transactions of orders not imported (kept, and booked once their order is)",
}
MARKETPLACE_NAMES = {m.marketplace_id: m.name for m in MARKETPLACES.values()}


def marketplace_name(marketplace_id: str) -> str:
	"""Amazon.co.uk rather than A1F83G8C2ARO7P; an id the table does not know stays as it is."""
	return MARKETPLACE_NAMES.get(marketplace_id, marketplace_id)


def sync_settings(sim: Simulator, after_date: date, key: str = DEMO_ACCOUNT) -> SyncSettings:
	return SyncSettings(
		account_key=key,
		after_date=after_date,
		marketplaces=marketplace_configs(sim.account, price_list=lambda m: f"Amazon {m['countryCode']}"),
		seller_id=sim.account["seller_id"],
		# The feed a new Amazon Settings record reads: every transaction, and the settlements' deposits.
		extra={"finances_api": FINANCES_2024},
	)


def would_create(preview: PreviewErp) -> dict[str, int]:
	"""Every kind of record the run would make in ERPNext, so that each stage's "created" is found here
	(the fees stage's count is the fee, account and settlement entries and the credit notes together)."""
	return {
		"items": len(preview.items),
		"item_prices": sum(len(r["prices"]) for r in preview.items.values()),
		"sales_orders": len(preview.sales_orders),
		"cancelled_sales_orders": sum(1 for r in preview.sales_orders.values() if r["docstatus"] == 2),
		"sales_invoices": len(preview.invoices),
		"credit_notes": len(preview.credit_notes),
		"refunds_held_for_their_invoice": len(preview.held_refunds),
		"order_fee_entries": len(preview.fee_entries),
		"account_entries": len(preview.account_entries),
		# Open settlements are only recorded: their deposit is booked once Amazon closes them.
		"settlement_deposits": sum(1 for r in preview.settlements.values() if r["status"] == BOOKED),
	}


def items_note(summary: dict) -> str | None:
	"""Why there are more Items than the products stage created, when there are (an empty ERPNext)."""
	products = next((s for s in summary["stages"] if s["kind"] == "products"), None)
	made = products["counts"]["created"] if products else 0
	extra = summary["would_create"]["items"] - made
	if extra <= 0:
		return None
	return (
		f"items: {extra} of them are SKUs sold on orders but missing from the listings reports, made "
		"by the orders stage (Order With an Unknown SKU: Create Item)"
	)


def money_per_marketplace(preview: PreviewErp) -> dict[str, dict]:
	"""Orders and grand totals per marketplace and currency, from what the preview holds."""
	totals: dict[tuple[str, str], dict] = defaultdict(lambda: {"orders": 0, "grand_total": Decimal(0)})
	for record in preview.sales_orders.values():
		if record["docstatus"] == 2:
			continue
		draft = record["draft"]
		row = totals[(draft.marketplace_id, draft.currency)]
		row["orders"] += 1
		row["grand_total"] += draft.grand_total
	return {
		f"{marketplace} {currency}": {
			"orders": row["orders"],
			"grand_total": str(round_money(row["grand_total"], currency)),
		}
		for (marketplace, currency), row in sorted(totals.items())
	}


def fees_per_currency(preview: PreviewErp) -> dict[str, str]:
	totals: dict[str, Decimal] = defaultdict(Decimal)
	for entry in preview.fee_entries.values():
		totals[entry.currency] += entry.total
	return {currency: str(round_money(total, currency)) for currency, total in sorted(totals.items())}


def _jsonable(value):
	if dataclasses.is_dataclass(value):
		return {k: _jsonable(v) for k, v in dataclasses.asdict(value).items()}
	if isinstance(value, dict):
		return {str(k): _jsonable(v) for k, v in value.items()}
	if isinstance(value, list | tuple | set):
		return [_jsonable(v) for v in value]
	if isinstance(value, Decimal):
		return str(value)
	if isinstance(value, datetime | date):
		return value.isoformat()
	return value


def write_drafts(preview: PreviewErp, summary: dict, out: Path) -> None:
	out.mkdir(parents=True, exist_ok=True)
	(out / "items.json").write_text(
		json.dumps(_jsonable({c: r["draft"] for c, r in preview.items.items()}), indent=1)
	)
	orders = {
		oid: {"docstatus": r["docstatus"], **_jsonable(r["draft"])} for oid, r in preview.sales_orders.items()
	}
	(out / "sales_orders.json").write_text(json.dumps(orders, indent=1))
	(out / "fee_entries.json").write_text(json.dumps(_jsonable(preview.fee_entries), indent=1))
	(out / "summary.json").write_text(json.dumps(summary, indent=1))


def print_table(title: str, header: tuple[str, ...], rows: list[tuple], stream) -> None:
	widths = (
		[max(len(str(x)) for x in column) for column in zip(header, *rows, strict=True)]
		if rows
		else [len(h) for h in header]
	)
	print(f"\n{title}", file=stream)
	print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)), file=stream)
	print("  ".join("-" * w for w in widths), file=stream)
	for row in rows:
		print("  ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=True)), file=stream)


def demo_world(orders: int, seed: int, days: int = 60) -> tuple[dict, datetime]:
	"""The generated seller world the demo runs on: `days` of orders up to now."""
	end = datetime.now(timezone.utc)
	start = end - timedelta(days=days)
	return generate_world(seed=seed, orders=orders, start=start, end=end), start


def run_demo(
	orders: int = 300,
	seed: int = 7,
	out: Path | None = None,
	time_scale: float = 3600.0,
	stream=None,
	progress=None,
) -> dict:
	"""The demo's run; `progress` is a run_pipeline progress callback (the console one on stderr
	when run from the command line)."""
	stream = stream or sys.stdout
	world, start = demo_world(orders, seed)
	clock, sleep = scaled_clock(time_scale)
	with Simulator(world, time_scale=time_scale) as sim:
		session = SpApiSession(
			account_config(sim.account, sim.base_url, DEMO_ACCOUNT), clock=clock, sleep=sleep
		)
		settings = sync_settings(sim, after_date=start.date())
		preview = PreviewErp(settings.account_key)
		started = time.perf_counter()
		# The engines read "now" from the simulator, whose clock runs time_scale times faster.
		reports = run_pipeline(SpApiSource(session), preview, settings, now=sim.now, progress=progress)
		elapsed = time.perf_counter() - started
		api_calls = dict(sim.stats()["calls"])

	imported = sum(1 for r in preview.sales_orders.values())
	summary = {
		"world": {"seed": seed, "orders": orders, "simulator": "local SP-API simulator"},
		"stages": [r.summary() for r in reports],
		"would_create": would_create(preview),
		"money_per_marketplace": money_per_marketplace(preview),
		"fees_per_currency": fees_per_currency(preview),
		"api_calls": api_calls,
		"api_calls_per_imported_order": round(sum(api_calls.values()) / imported, 3) if imported else None,
		"wall_seconds": round(elapsed, 2),
	}

	print(
		f"Amazon Connector demo: {orders} generated orders (seed {seed}) through the local SP-API",
		file=stream,
	)
	print_table(
		"What each stage did",
		("stage", "created", "updated", "unchanged", "cancelled", "skipped", "failed"),
		[
			(
				s["kind"],
				*(
					s["counts"][k]
					for k in ("created", "updated", "unchanged", "cancelled", "skipped", "failed")
				),
			)
			for s in summary["stages"]
		],
		stream,
	)
	skipped = [stage["kind"] for stage in summary["stages"] if stage["counts"].get("skipped")]
	if skipped:
		print("", file=stream)
	for kind in skipped:
		print(f"skipped ({kind}): {SKIPPED_MEANS[kind]}", file=stream)
	print_table(
		"Would be created in ERPNext",
		("record", "count"),
		[(k.replace("_", " "), v) for k, v in summary["would_create"].items()],
		stream,
	)
	note = items_note(summary)
	if note:
		print(f"\n{note}", file=stream)
	print_table(
		"Sales Orders per marketplace",
		("marketplace", "currency", "orders", "grand total"),
		[
			(marketplace_name(key.split()[0]), key.split()[1], v["orders"], v["grand_total"])
			for key, v in summary["money_per_marketplace"].items()
		],
		stream,
	)
	print_table(
		"Amazon fees and withheld taxes",
		("currency", "total"),
		list(summary["fees_per_currency"].items()),
		stream,
	)
	print_table("API calls per operation", ("operation", "calls"), sorted(api_calls.items()), stream)
	per_order = summary["api_calls_per_imported_order"]
	print(
		f"\nAPI calls per imported order: {per_order}"
		if per_order is not None
		else "\nNo order was imported, so there are no API calls per order to show.",
		file=stream,
	)
	for stage in summary["stages"]:
		for failure in stage["failures"][:10]:
			print(f"failed: {failure}", file=stream)
	if out is not None:
		write_drafts(preview, summary, out)
		print(f"Drafts written to {out}/", file=stream)
	return summary


def main(argv=None) -> int:
	parser = OneLineParser(prog="python -m amazon_connector.demo", description=__doc__.splitlines()[0])
	parser.add_argument("--orders", type=count(0), default=300, help="orders in the generated world")
	parser.add_argument("--seed", type=whole_number, default=7)
	parser.add_argument("--out", type=Path, default=Path("demo-output"), help="where the drafts go as JSON")
	parser.add_argument(
		"--time-scale", type=positive_float, default=3600.0, help="simulated seconds per real second"
	)
	args = parser.parse_args(argv)
	# Refused before the run, not after it: a folder that cannot be written would lose the drafts.
	writable_folder(parser, "--out", args.out)
	progress = ConsoleProgress()
	try:
		run_demo(
			orders=args.orders, seed=args.seed, out=args.out, time_scale=args.time_scale, progress=progress
		)
	finally:
		progress.close()
	return 0
