"""Nothing lost under Amazon's weather: a generated world synced under faults, against the fault-free run.

    python benchmarks/fault_benchmark.py [--orders 2000] [--seed 3] [--runs 6] [--scenario storm ...]

Each scenario syncs the same world (products -> orders -> fees, as a scheduled run does) into its own
in-memory preview, run after run with the preview and its checkpoints kept (consecutive scheduled runs),
until the Sales Orders and fee entries match the fault-free run or `--runs` runs are used up. Printed per
scenario: Sales Orders and fee entries after each run; at the end whether both equal the fault-free
run's (the same order ids, the same fee event keys), duplicates (an order created twice, or a fee entry
under a key the fault-free run does not have), API calls and simulated Amazon time against the
fault-free run. Amazon time is what the client waited for its usage-plan buckets and backing off,
in Amazon's seconds (the simulator's clock runs TIME_SCALE times faster, so a loaded machine's CPU time
would distort a clock reading).

Scenarios (the simulator's fault shares are per API call; LWA is never faulted):
- storm: 30 % of answers 429, 5 % 500;
- expiry: 2 % of calls answered "access token expired" (a token expiring every ~50 calls);
- slow: 5 % of answers delayed 2 s (wall-clock seconds: the simulator really waits), 5 % cut off mid-body.

The simulator runs in this process on a clock TIME_SCALE times faster than the wall clock, with
Amazon's usage plans on, so pacing and throttling cost simulated time, not real time.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from amazon_connector.core.engine.pipeline import run_pipeline  # noqa: E402
from amazon_connector.core.preview import PreviewErp  # noqa: E402
from amazon_connector.core.settings import SyncSettings  # noqa: E402
from amazon_connector.simulator import Simulator, generate_world  # noqa: E402
from amazon_connector.simulator.arguments import OneLineParser, count, whole_number  # noqa: E402
from amazon_connector.simulator.connect import account_config, marketplace_configs, scaled_clock  # noqa: E402
from amazon_connector.spapi.client import SpApiSession  # noqa: E402
from amazon_connector.spapi.throttle import ThrottleRegistry  # noqa: E402

try:  # the engines read Amazon through a source since the AmazonSource port; before it, the session
	from amazon_connector.spapi.source import SpApiSource
except ImportError:  # pragma: no cover - only for measuring older code

	def SpApiSource(session):  # noqa: N802
		return session


TIME_SCALE = 3600.0
AFTER_DAYS = 240  # the accounts' after date: before the world's first order
SCENARIOS = {
	"storm": {"throttle": 0.30, "server_error": 0.05},
	"expiry": {"expired_token": 0.02},
	"slow": {"slow": 0.05, "slow_seconds": 2.0, "truncate": 0.05},
}


def sync_until_settled(world: dict, faults: dict | None, runs: int, expected=None) -> dict:
	"""Run the pipeline up to `runs` times on one preview; stop early once it matches `expected`."""
	preview = PreviewErp("fault-benchmark")
	sim = Simulator(world, time_scale=TIME_SCALE, faults=faults, limits=True, token_ttl=3600.0)
	sim.start()
	created: Counter = Counter()
	per_run = []
	calls = 0
	waited = 0.0  # Amazon seconds the client waited: for tokens of its buckets, and backing off
	wall0 = time.perf_counter()
	try:
		account = sim.account
		settings = SyncSettings(
			account_key="fault-benchmark",
			after_date=(sim.now() - timedelta(days=AFTER_DAYS)).date(),
			marketplaces=marketplace_configs(account),
			seller_id=account["seller_id"],
			extra={"report_poll_interval": 30, "report_deadline": 3600},
		)
		for _ in range(runs):
			clock, sleep = scaled_clock(TIME_SCALE)
			session = SpApiSession(
				account_config(account, sim.base_url, key="fault-benchmark"),
				clock=clock,
				sleep=sleep,
				throttle=ThrottleRegistry(),
			)
			try:
				reports = run_pipeline(SpApiSource(session), preview, settings, now=sim.now)
			finally:
				stats = session.stats()
				calls += sum(stats["calls"].values())
				waited += stats["throttle_wait_seconds"] + stats["backoff_wait_seconds"]
				session.close()
			for report in reports:
				if report.kind == "orders":
					created["orders"] += report.counts.get("created", 0)
				if report.kind == "fees":
					created["fees"] += report.counts.get("created", 0)
			per_run.append((len(preview.sales_orders), len(preview.fee_entries), _problems(reports)))
			if expected is not None and _same(preview, expected):
				break
	finally:
		sim.stop()
	return {
		"preview": preview,
		"runs": per_run,
		"created": created,
		"calls": calls,
		"waited_hours": waited / 3600,
		"wall": time.perf_counter() - wall0,
	}


def _problems(reports) -> str:
	"""Failed records per stage, and the stages a run stopped early because Amazon kept refusing."""
	parts = [f"{r.kind} failed {r.failed}" for r in reports if r.failed]
	parts += [f"{r.kind} stopped early" for r in reports if any("kept refusing" in m for m in r.messages)]
	return "; ".join(parts)


def _same(preview: PreviewErp, expected: PreviewErp) -> bool:
	return set(preview.sales_orders) == set(expected.sales_orders) and set(preview.fee_entries) == set(
		expected.fee_entries
	)


def _duplicates(result: dict, expected: PreviewErp) -> tuple[int, int]:
	"""(orders created more than once, fee entries under a key the fault-free run does not have: the
	same event booked a second time, as every run sees the same events)."""
	preview = result["preview"]
	orders_twice = max(0, result["created"]["orders"] - len(preview.sales_orders))
	return orders_twice, len(set(preview.fee_entries) - set(expected.fee_entries))


def main(argv=None) -> int:
	parser = OneLineParser(prog="benchmarks/fault_benchmark.py", description=__doc__.splitlines()[0])
	parser.add_argument("--orders", type=count(1), default=2000)
	parser.add_argument("--seed", type=whole_number, default=3)
	parser.add_argument("--days", type=count(1), default=180, help="the world's date range, ending now")
	parser.add_argument("--runs", type=count(1), default=6, help="consecutive scheduled runs at most")
	parser.add_argument("--scenario", action="append", choices=sorted(SCENARIOS), help="default: all")
	args = parser.parse_args(argv)

	# The world ends a month before "now", so every fee event is posted before the first run: each run,
	# however late (the simulator's clock runs fast), sees the same orders and events.
	end = datetime.now(timezone.utc) - timedelta(days=30)
	world = generate_world(seed=args.seed, orders=args.orders, start=end - timedelta(days=args.days), end=end)
	base = sync_until_settled(world, None, 1)
	expected = base["preview"]
	print(f"world: {args.orders} orders, seed {args.seed}, {args.days} days")
	print(
		f"fault-free: {len(expected.sales_orders)} Sales Orders, {len(expected.fee_entries)} fee entries, "
		f"{base['calls']} API calls, {base['waited_hours']:.1f} h of Amazon time waiting, {base['wall']:.0f} s wall"
	)
	for name in args.scenario or sorted(SCENARIOS):
		result = sync_until_settled(world, {"seed": args.seed, **SCENARIOS[name]}, args.runs, expected)
		preview = result["preview"]
		print(f"\n{name} {SCENARIOS[name]}")
		for number, (orders, fees, problems) in enumerate(result["runs"], start=1):
			print(
				f"  run {number}: {orders} Sales Orders, {fees} fee entries"
				+ (f"  ({problems})" if problems else "")
			)
		missing_orders = len(set(expected.sales_orders) - set(preview.sales_orders))
		missing_fees = len(set(expected.fee_entries) - set(preview.fee_entries))
		print(
			f"  orders equal: {set(preview.sales_orders) == set(expected.sales_orders)} (missing {missing_orders})"
		)
		print(
			f"  fee entries equal: {set(preview.fee_entries) == set(expected.fee_entries)} (missing {missing_fees})"
		)
		orders_twice, extra_fees = _duplicates(result, expected)
		print(
			f"  duplicates: {orders_twice} orders created twice, {extra_fees} fee entries the fault-free run has not"
		)
		print(
			f"  API calls: {result['calls']} ({result['calls'] - base['calls']:+d} against fault-free), "
			f"waiting {result['waited_hours']:.1f} h of Amazon time ({result['waited_hours'] - base['waited_hours']:+.1f} h), "
			f"{len(result['runs'])} run(s), {result['wall']:.0f} s wall"
		)
	return 0


if __name__ == "__main__":
	sys.exit(main())
