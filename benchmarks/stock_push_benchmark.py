"""API calls to push changed merchant-fulfilled quantities and prices to Amazon, the time Amazon's
plans imply, and how long a stock change takes to reach Amazon.

    python benchmarks/stock_push_benchmark.py [--skus 1000] [--marketplaces US] [--feed-seconds 120]
        [--latency-hours 2] [--changes-per-hour 60,600]

A generated seller gets `--skus` merchant-fulfilled listings per marketplace, all with a changed
quantity, and the stock push runs twice against the local simulator: once forced to patches
(patchListingsItem per SKU), once as feeds (JSON_LISTINGS_FEED); then the price push (every SKU
with a changed price on its price list) the same two ways. Prints, per way: API calls per
operation, calls per 1,000 changed SKUs or prices, and the seconds Amazon's default usage plans
imply (burst first, then one call per 1/rate s), plus `--feed-seconds` per feed for Amazon's own
processing, which no plan states (it is minutes in practice). Both pushes submit their feeds and
read their reports on later runs; here the later runs come every 30 s of Amazon's time until the
reports are in.

Latency: stock changes arrive at random moments (`--changes-per-hour`, each a sale of one unit of
a random SKU) for `--latency-hours` of Amazon's time; the scheduler's tick comes every 5 minutes
and starts the stock push when no push is running (the default "Every 5 Minutes" schedule, a free
worker); the push runs against the simulator with its usage plans on and the client pacing itself
by them, on a clock 60 times faster than the wall's, and a feed takes `--feed-seconds` in
Amazon's queue and processing. Two moments per change: it has *reached Amazon* when Amazon applied
a quantity of the SKU that includes it (a patch when Amazon accepts it, a feed when Amazon's
processing of it ends), and it is *confirmed* when ERPNext records Amazon's acceptance (a patch's
answer, or the feed's processing report read on a later tick). Prints the median, p95 and worst
of each, in minutes. Asserts nothing.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from amazon_connector.core.engine.feeds_in_flight import FeedsInFlight  # noqa: E402
from amazon_connector.core.engine.price_push import KIND as PRICE_KIND  # noqa: E402
from amazon_connector.core.engine.price_push import PricePush  # noqa: E402
from amazon_connector.core.engine.stock_push import KIND as STOCK_KIND  # noqa: E402
from amazon_connector.core.engine.stock_push import StockPush  # noqa: E402
from amazon_connector.core.preview import PreviewErp  # noqa: E402
from amazon_connector.core.settings import MarketplaceConfig, SyncSettings  # noqa: E402
from amazon_connector.simulator import Simulator, generate_world  # noqa: E402
from amazon_connector.simulator.arguments import (  # noqa: E402
	OneLineParser,
	count,
	marketplace_codes,
	non_negative_float,
	positive_floats,
)
from amazon_connector.simulator.clock import parse_iso  # noqa: E402
from amazon_connector.simulator.connect import account_config, scaled_clock  # noqa: E402
from amazon_connector.simulator.marketplaces import by_code  # noqa: E402
from amazon_connector.spapi.client import SpApiSession  # noqa: E402
from amazon_connector.spapi.source import SpApiSource  # noqa: E402
from amazon_connector.spapi.throttle import ThrottleRegistry  # noqa: E402

sys.path.insert(0, str(REPO / "benchmarks"))
from sync_benchmark import amazon_side_seconds  # noqa: E402


def seller_with_skus(skus: int, codes: list[str]) -> dict:
	world = generate_world(seed=3, orders=0, marketplaces=",".join(codes))
	for code in codes:
		marketplace_id = by_code(code).marketplace_id
		template = dict(world["listings"][marketplace_id][0], **{"fulfillment-channel": "DEFAULT"})
		world["listings"][marketplace_id] = [
			dict(template, **{"seller-sku": f"BENCH-{n:06d}", "quantity": "0"}) for n in range(skus)
		]
	return world


US_PRICE = "19.99"


def preview_for(world: dict, codes: list[str], kind: str) -> PreviewErp:
	"""A preview ERP whose every listing has a changed quantity (stock) or price (prices)."""
	erp = PreviewErp("bench")
	for code in codes:
		marketplace = by_code(code)
		for row in world["listings"][marketplace.marketplace_id]:
			key = (marketplace.marketplace_id, row["seller-sku"])
			if kind == "stock":
				erp.merchant_listings[key] = {
					"item_code": row["seller-sku"],
					"available": 7,
					"last_pushed": 0,
				}
			else:
				erp.offer_price_list[key] = {
					"item_code": row["seller-sku"],
					"price": Decimal(US_PRICE),
					"currency": marketplace.currency,
					"last_pushed": Decimal("25.00"),
				}
	return erp


def bench_settings(world: dict, codes: list[str], **extra) -> SyncSettings:
	return SyncSettings(
		account_key="bench",
		after_date=date(2026, 1, 1),
		marketplaces=tuple(
			MarketplaceConfig(by_code(c).marketplace_id, currency=by_code(c).currency) for c in codes
		),
		seller_id=world["account"]["sellerId"],
		extra=extra,
	)


def run(world: dict, codes: list[str], patch_limit: int, kind: str = "stock") -> tuple[dict, float, int]:
	# 60x: a feed's 90 s in Amazon's queue take 1.5 s, and its upload URL (5 minutes) stays valid.
	sim = Simulator(world, limits=False, time_scale=60.0, report_delays=(30.0, 60.0))
	base_url = sim.start()
	try:
		erp = preview_for(world, codes, kind)
		settings = bench_settings(world, codes, stock_patch_limit=patch_limit)
		engine, push_kind = (StockPush, STOCK_KIND) if kind == "stock" else (PricePush, PRICE_KIND)
		with SpApiSession(
			account_config(sim.account, base_url, "bench"), throttle=ThrottleRegistry()
		) as session:
			session.throttle_enabled = False  # the simulator's limits are off; the plan's time is computed
			source = SpApiSource(session)
			started = time.perf_counter()
			report = engine(source, erp, settings, now=sim.clock.now).run()
			sent, failures = report.counts.get("updated", 0), list(report.failures)
			# A push reads its feeds' reports on later runs: one every 30 s of Amazon's time.
			while FeedsInFlight.load(erp, push_kind).unfinished_feeds():
				sim.advance_clock(30)
				report = engine(source, erp, settings, now=sim.clock.now).run()
				sent, failures = sent + report.counts.get("updated", 0), failures + report.failures
			wall = time.perf_counter() - started
			if failures:
				print(f"  ({len(failures)} failed, e.g. {failures[0].reason})")
			return session.stats()["calls"], wall, sent
	finally:
		sim.stop()


def print_ways(world: dict, codes: list[str], changed: int, kind: str, feed_seconds: float) -> None:
	what = "SKUs" if kind == "stock" else "prices"
	for label, limit in (("patches", changed + 1), ("feeds", 0)):
		calls, wall, sent = run(world, codes, limit, kind)
		implied = amazon_side_seconds(calls)
		feeds = calls.get("createFeed", 0)
		plan_seconds = sum(implied.values())
		total = sum(calls.values())
		print(
			f"\n{label}: {sent} {what} sent, {total} API calls ({total * 1000 / changed:.1f} per 1,000 changed {what})"
		)
		for operation, n in sorted(calls.items()):
			print(f"  {operation:<24} {n:>7}   {implied.get(operation, 0.0):>9.1f} s under the plan")
		processing = feeds * feed_seconds
		extra = (
			f" + {processing:.0f} s of Amazon's processing ({feeds} feed(s) x {feed_seconds:g} s)"
			if feeds
			else ""
		)
		print(f"  implied time under Amazon's default plans: {plan_seconds:.0f} s of calls{extra}")
		print(f"  connector wall time against the simulator: {wall:.2f} s")


LATENCY_SCALE = 60.0
TICK = 300.0  # the app's scheduler tick (hooks.py: */5 * * * *)


def latency(world: dict, codes: list[str], hours: float, per_hour: float, feed_seconds: float, seed: int = 7):
	"""Minutes from each stock change to Amazon applying it, and to ERPNext confirming it, over
	`hours` of Amazon's time."""
	rng = random.Random(seed)
	sim = Simulator(
		world, limits=True, time_scale=LATENCY_SCALE, report_delays=(feed_seconds / 3, feed_seconds * 2 / 3)
	)
	base_url = sim.start()
	clock, sleep = scaled_clock(LATENCY_SCALE)
	try:
		erp = preview_for(world, codes, "stock")
		for entry in erp.merchant_listings.values():
			entry.update(available=10**6, last_pushed=10**6)  # in step with Amazon at the start
		keys = sorted(erp.merchant_listings)
		origin = clock()
		amazon_offset = sim.clock.seconds() - origin  # Amazon's clock minus this one (both 60x)
		moments, t = [], 0.0
		while True:
			t += rng.expovariate(per_hour / 3600.0)
			if t >= hours * 3600:
				break
			moments.append((origin + t, keys[rng.randrange(len(keys))]))
		made: list[tuple[float, tuple[str, str], int]] = []  # (moment, SKU, its quantity after the change)
		pending: dict[tuple[str, str], list[tuple[float, int]]] = {}  # not confirmed yet
		confirmed: list[float] = []
		marked = erp.mark_stock_pushed

		def pushed(marketplace_id, sku, quantity):
			marked(marketplace_id, sku, quantity)
			now = clock()
			waiting = pending.get((marketplace_id, sku), [])
			# A confirmed quantity covers every change down to it (each change takes one unit away).
			confirmed.extend(now - moment for moment, after in waiting if after >= quantity)
			pending[(marketplace_id, sku)] = [(m, a) for m, a in waiting if a < quantity]

		erp.mark_stock_pushed = pushed
		settings = bench_settings(world, codes)
		with SpApiSession(
			account_config(sim.account, base_url, "bench"),
			clock=clock,
			sleep=sleep,
			throttle=ThrottleRegistry(),
		) as session:
			source = SpApiSource(session)
			next_change, tick = 0, origin
			end = origin + hours * 3600
			while tick < end or any(pending.values()) or next_change < len(moments):
				sleep(max(0.0, tick - clock()))
				# The changes made by now are in ERPNext when the push reads the stock.
				while next_change < len(moments) and moments[next_change][0] <= clock():
					moment, key = moments[next_change]
					erp.merchant_listings[key]["available"] -= 1
					after = erp.merchant_listings[key]["available"]
					made.append((moment, key, after))
					pending.setdefault(key, []).append((moment, after))
					next_change += 1
				StockPush(source, erp, settings, now=sim.clock.now).run()
				# The next tick that finds no push running starts the next one.
				while tick <= clock():
					tick += TICK
				if tick > end + 6 * TICK:  # Amazon never accepted some changes: they are left out
					break
			calls = session.stats()["calls"]
	finally:
		sim.stop()
	applied: dict[tuple[str, str], list[tuple[float, int]]] = {}
	for entry in sim.listings_push.applied:
		moment = parse_iso(entry["at"]).timestamp() - amazon_offset
		applied.setdefault((entry["marketplaceId"], entry["sku"]), []).append(
			(moment, int(entry["quantity"]))
		)
	reached = []
	for moment, key, after in made:
		# Quantities only fall here, so the first quantity at or below `after` includes the change.
		arrivals = [at for at, quantity in applied.get(key, []) if quantity <= after]
		if arrivals:
			reached.append(max(0.0, min(arrivals) - moment))
	return sorted(reached), sorted(confirmed), len(moments), calls


def percentile(values: list[float], share: float) -> float:
	return values[min(len(values) - 1, max(0, round(share * len(values)) - 1))]


def main(argv=None) -> int:
	parser = OneLineParser(prog="benchmarks/stock_push_benchmark.py", description=__doc__.splitlines()[0])
	parser.add_argument("--skus", type=count(1), default=1000, help="changed SKUs per marketplace")
	parser.add_argument("--marketplaces", type=marketplace_codes, default="US", help="e.g. US,DE")
	parser.add_argument(
		"--feed-seconds", type=non_negative_float, default=120.0, help="Amazon's processing time per feed"
	)
	parser.add_argument(
		"--latency-hours",
		type=non_negative_float,
		default=2.0,
		help="Amazon's hours of stock changes (0: none)",
	)
	parser.add_argument(
		"--changes-per-hour",
		type=positive_floats,
		default="60,600",
		help="stock changes per hour, one run each",
	)
	args = parser.parse_args(argv)
	codes = args.marketplaces
	world = seller_with_skus(args.skus, codes)
	changed = args.skus * len(codes)
	print(
		f"Stock push of {changed} changed merchant-fulfilled SKUs ({args.skus} in each of {', '.join(codes)})"
	)
	print_ways(world, codes, changed, "stock", args.feed_seconds)
	print(f"\nPrice push of {changed} changed offer prices ({args.skus} in each of {', '.join(codes)})")
	print_ways(world, codes, changed, "prices", args.feed_seconds)
	if args.latency_hours <= 0:
		return 0
	for per_hour in args.changes_per_hour:
		reached, confirmed, made, calls = latency(
			world, codes, args.latency_hours, per_hour, args.feed_seconds
		)
		print(
			f"\nLatency, {made} stock changes over {args.latency_hours:g} h ({per_hour:g} an hour, {changed} SKUs), "
			f"5-minute ticks, Amazon's default plans, {args.feed_seconds:g} s per feed:"
		)
		for label, seconds in (("reached Amazon", reached), ("confirmed in ERPNext", confirmed)):
			minutes = [s / 60 for s in seconds]
			if minutes:
				print(
					f"  change -> {label}: median {statistics.median(minutes):.1f} min, "
					f"p95 {percentile(minutes, 0.95):.1f} min, worst {minutes[-1]:.1f} min ({len(minutes)} changes)"
				)
		print(f"  API calls: {dict(sorted(calls.items()))}")
	return 0


if __name__ == "__main__":
	sys.exit(main())
