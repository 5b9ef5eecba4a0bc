"""API calls to push changed merchant-fulfilled quantities to Amazon, and the time Amazon's plans imply.

    python benchmarks/stock_push_benchmark.py [--skus 1000] [--marketplaces US] [--feed-seconds 120]

A generated seller gets `--skus` merchant-fulfilled listings per marketplace, all with a changed
quantity, and the stock push runs twice against the local simulator: once forced to patches
(patchListingsItem per SKU), once as feeds (JSON_LISTINGS_FEED). Prints, per way: API calls per
operation, calls per 1,000 changed SKUs, and the seconds Amazon's default usage plans imply (burst
first, then one call per 1/rate s), plus `--feed-seconds` per feed for Amazon's own processing,
which no plan states (it is minutes in practice; the simulator takes 90 s). Feeds are polled every
30 s as in production. Asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from amazon_connector.core.engine.stock_push import StockPush  # noqa: E402
from amazon_connector.core.preview import PreviewErp  # noqa: E402
from amazon_connector.core.settings import MarketplaceConfig, SyncSettings  # noqa: E402
from amazon_connector.simulator import Simulator, generate_world  # noqa: E402
from amazon_connector.simulator.connect import account_config  # noqa: E402
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


def run(world: dict, codes: list[str], patch_limit: int) -> tuple[dict, float, int]:
	# 60x: a feed's 90 s in Amazon's queue take 1.5 s, and its upload URL (5 minutes) stays valid.
	sim = Simulator(world, limits=False, time_scale=60.0, report_delays=(30.0, 60.0))
	base_url = sim.start()
	try:
		erp = PreviewErp("bench")
		for code in codes:
			marketplace_id = by_code(code).marketplace_id
			for row in world["listings"][marketplace_id]:
				erp.merchant_listings[(marketplace_id, row["seller-sku"])] = {
					"item_code": row["seller-sku"],
					"available": 7,
					"last_pushed": 0,
				}
		settings = SyncSettings(
			account_key="bench",
			after_date=date(2026, 1, 1),
			marketplaces=tuple(MarketplaceConfig(by_code(c).marketplace_id) for c in codes),
			seller_id=world["account"]["sellerId"],
			extra={"stock_patch_limit": patch_limit},  # feeds are polled every 30 s (Amazon's seconds)
		)
		with SpApiSession(
			account_config(sim.account, base_url, "bench"), throttle=ThrottleRegistry()
		) as session:
			session.throttle_enabled = False  # the simulator's limits are off; the plan's time is computed
			started = time.perf_counter()
			report = StockPush(SpApiSource(session), erp, settings).run()
			wall = time.perf_counter() - started
			if report.failures:
				print(f"  ({len(report.failures)} failed, e.g. {report.failures[0].reason})")
			return session.stats()["calls"], wall, report.counts.get("updated", 0)
	finally:
		sim.stop()


def main(argv=None) -> int:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--skus", type=int, default=1000, help="changed SKUs per marketplace")
	parser.add_argument("--marketplaces", default="US")
	parser.add_argument("--feed-seconds", type=float, default=120.0, help="Amazon's processing time per feed")
	args = parser.parse_args(argv)
	codes = [c.strip() for c in args.marketplaces.split(",") if c.strip()]
	world = seller_with_skus(args.skus, codes)
	changed = args.skus * len(codes)
	print(
		f"Stock push of {changed} changed merchant-fulfilled SKUs ({args.skus} in each of {', '.join(codes)})"
	)
	for label, limit in (("patches", changed + 1), ("feeds", 0)):
		calls, wall, sent = run(world, codes, limit)
		implied = amazon_side_seconds(calls)
		feeds = calls.get("createFeed", 0)
		plan_seconds = sum(implied.values())
		total = sum(calls.values())
		print(
			f"\n{label}: {sent} SKUs sent, {total} API calls ({total * 1000 / changed:.1f} per 1,000 changed SKUs)"
		)
		for operation, n in sorted(calls.items()):
			print(f"  {operation:<24} {n:>7}   {implied.get(operation, 0.0):>9.1f} s under the plan")
		processing = feeds * args.feed_seconds
		extra = (
			f" + {processing:.0f} s of Amazon's processing ({feeds} feed(s) x {args.feed_seconds:g} s)"
			if feeds
			else ""
		)
		print(f"  implied time under Amazon's default plans: {plan_seconds:.0f} s of calls{extra}")
		print(f"  connector wall time against the simulator: {wall:.2f} s")
	return 0


if __name__ == "__main__":
	sys.exit(main())
