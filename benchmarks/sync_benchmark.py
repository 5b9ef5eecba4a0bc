"""Measure a full products -> orders -> fees run on a generated world. Prints figures; asserts nothing.

    python benchmarks/sync_benchmark.py [--orders 10000] [--seed 1]
    cd frappe-bench/sites && ../env/bin/python /path/to/benchmarks/sync_benchmark.py --site SITE --orders 1000

Without --site the run goes into the in-memory preview. With --site the orders stage goes into
ERPNext through the job runner (the same code as the buttons and the scheduler), on a generated
seller selling in the company's currency, and the same Sales Orders are then made straight with the
ORM: ERPNext's own cost beside the connector's, and their ratio (see erpnext_side.py). Use a test
site: the run really creates Items, Customers and Sales Orders.

Progress (stage, counts, ETA) goes to stderr, the figures to stdout. Interrupted (Ctrl-C, SIGTERM),
it stops the simulator and prints the figures of what it had done so far.

The simulator runs in its own process and generates the world there (kept packed and indexed, so
100,000 orders fit in a few hundred megabytes), so the connector's CPU time and memory are its own;
the simulator's peak memory is printed beside them. Both sides run on a
clock TIME_SCALE times faster than the wall clock: the client still paces itself by Amazon's
published usage plans and polls reports at its usual interval, but those waits take
1/TIME_SCALE of the time. The time Amazon would make the same calls take is computed from the
published usage plans: in series (each operation spends its burst at once, then one call per 1/rate
seconds, one operation after another), for the slowest operation alone, and paced (the calls in the
order they were made, each waiting for its operation's token only: what one worker needs at best),
per stage and for the run. Amazon's own time to prepare a report comes on top of these.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from argparse import ArgumentTypeError
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from amazon_connector.core.engine.pipeline import run_pipeline  # noqa: E402
from amazon_connector.core.preview import PreviewErp  # noqa: E402
from amazon_connector.core.settings import SyncSettings  # noqa: E402
from amazon_connector.demo.progress import ConsoleProgress  # noqa: E402
from amazon_connector.simulator.arguments import (  # noqa: E402
	OneLineParser,
	count,
	needs_frappe,
	positive_float,
	whole_number,
)
from amazon_connector.simulator.connect import (  # noqa: E402
	account_config,
	credentials,
	marketplace_configs,
	scaled_clock,
)
from amazon_connector.simulator.generator import DEFAULT_MARKETPLACES, generated_account  # noqa: E402
from amazon_connector.spapi.client import SpApiSession  # noqa: E402
from amazon_connector.spapi.source import SpApiSource  # noqa: E402
from amazon_connector.spapi.usage_plans import OPERATIONS, plan_for  # noqa: E402


def paced_seconds(sequence: list[str]) -> float:
	"""Amazon time of calls made one after another, in this order, by a client that waits for each
	operation's token as the usage plans refill them (burst first) and takes no time of its own: what
	one worker needs at best. Operations not metered (a presigned download) cost nothing."""
	buckets: dict[str, tuple[float, float]] = {}  # operation -> (tokens, at moment)
	moment = 0.0
	for operation in sequence:
		if operation not in OPERATIONS:
			continue
		plan = plan_for(operation)
		tokens, since = buckets.get(operation, (float(plan.burst), 0.0))
		tokens = min(float(plan.burst), tokens + (moment - since) * plan.rate)
		if tokens < 1:
			moment += (1 - tokens) / plan.rate
			tokens = 1.0
		buckets[operation] = (tokens - 1, moment)
	return moment


class StageMarks:
	"""A progress callback that also notes where in the call sequence each stage starts."""

	def __init__(self, sequence: list[str], progress):
		self.sequence = sequence
		self.progress = progress
		self.starts: list[tuple[str, int]] = []

	def __call__(self, stage: str, done: int, total, message: str) -> None:
		if not self.starts or self.starts[-1][0] != stage:
			self.starts.append((stage, len(self.sequence)))
		self.progress(stage, done, total, message)

	def of_stages(self) -> list[tuple[str, list[str]]]:
		if not self.starts:
			return []
		ends = [start for _, start in self.starts[1:]] + [len(self.sequence)]
		return [
			(stage, self.sequence[start:end]) for (stage, start), end in zip(self.starts, ends, strict=True)
		]


def amazon_side_seconds(calls: dict[str, int]) -> dict[str, float]:
	"""Seconds each operation's calls need under Amazon's default usage plan, burst first."""
	seconds = {}
	for operation, n in calls.items():
		if operation not in OPERATIONS:  # e.g. a report download from its presigned URL: not metered
			seconds[operation] = 0.0
			continue
		plan = plan_for(operation)
		seconds[operation] = max(0, n - plan.burst) / plan.rate
	return seconds


# Low enough that the connector's own time (HTTP on loopback, booking an order) stays small beside
# Amazon's pacing, as it is against Amazon: the orders stage makes the history's calls while it waits
# for searchOrders, and at a higher scale each millisecond of the connector's would count as seconds
# of Amazon's. The waits of a 100,000-order run then take a few minutes.
TIME_SCALE = 60.0


def start_simulator(
	orders: int,
	seed: int,
	start: datetime,
	end: datetime,
	marketplaces: tuple[str, ...] = DEFAULT_MARKETPLACES,
	run_date: datetime | None = None,
	time_scale: float = TIME_SCALE,
) -> tuple[subprocess.Popen, str]:
	"""The simulator in its own process, generating its world there; its clock starts at `run_date`
	(default: now)."""
	process = subprocess.Popen(
		[
			sys.executable,
			"-m",
			"amazon_connector.simulator",
			"--generate",
			"--orders",
			str(orders),
			"--seed",
			str(seed),
			"--start",
			start.isoformat(),
			"--end",
			end.isoformat(),
			"--port",
			"0",
			"--time-scale",
			str(time_scale),
			"--marketplaces",
			",".join(marketplaces),
			*(("--now", run_date.isoformat()) if run_date else ()),
		],
		cwd=REPO,
		stdout=subprocess.PIPE,
		text=True,
	)
	try:
		base_url = process.stdout.readline().strip()
	except BaseException:  # interrupted while it starts: it must not outlive the benchmark
		process.kill()
		raise
	if not base_url.startswith("http://127.0.0.1"):
		process.kill()
		raise SystemExit(f"the simulator did not start: {base_url!r}")
	return process, base_url


def peak_memory_mb(pid: int) -> float | None:
	"""A live process's peak resident memory (Linux /proc), or None where it cannot be read."""
	try:
		for line in Path(f"/proc/{pid}/status").read_text().splitlines():
			if line.startswith("VmHWM:"):
				return int(line.split()[1]) / 1024
	except OSError:
		return None
	return None


def cpu_seconds(pid: int) -> float | None:
	"""A live process's CPU time so far, user and system (Linux /proc), or None."""
	try:
		fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
		return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
	except (OSError, IndexError, ValueError):
		return None


def print_calls(calls: dict[str, int], stages: list[tuple[str, list[str]]], imported: int) -> None:
	"""API calls per operation and per order, and the Amazon time they imply: in series (every
	operation's calls one after another), for the slowest operation alone, and paced (the actual
	order of the calls, waiting only for the token of each; what one worker takes at best)."""
	amazon = amazon_side_seconds(calls)
	print(f"\n{'operation':32s} {'calls':>7s} {'Amazon-side s':>14s}")
	for operation in sorted(calls):
		print(f"{operation:32s} {calls[operation]:7d} {amazon[operation]:14.0f}")
	total_calls = sum(calls.values())
	print(f"\n{'stage':9s} {'calls':>7s} {'per order':>10s} {'paced h':>8s} {'in series h':>12s}")
	for stage, sequence in stages:
		series = sum(amazon_side_seconds(Counter(sequence)).values())
		per_order = f"{len(sequence) / imported:.3f}" if imported else "-"
		print(
			f"{stage:9s} {len(sequence):7d} {per_order:>10s} {paced_seconds(sequence) / 3600:8.2f} "
			f"{series / 3600:12.2f}"
		)
	for stage, sequence in stages:
		print_stage_operations(stage, sequence)
	print(f"\nimported sales orders:             {imported}")
	print(f"API calls in all:                  {total_calls}")
	if imported:
		print(f"API calls per imported order:      {total_calls / imported:.3f}")
	sequence = [operation for _, part in stages for operation in part]
	print(f"Amazon-side time, paced:           {paced_seconds(sequence) / 3600:.2f} h")
	print(f"Amazon-side time, calls in series: {sum(amazon.values()) / 3600:.2f} h")
	print(f"Amazon-side time, slowest operation: {max(amazon.values(), default=0) / 3600:.2f} h")


def print_stage_operations(stage: str, sequence: list[str]) -> None:
	"""One stage's calls per operation, each operation's time in series, and what the stage's paced
	time would be without it: where the stage's time goes."""
	calls = Counter(sequence)
	if not calls:
		return
	series = amazon_side_seconds(calls)
	paced = paced_seconds(sequence)
	print(f"\n{stage + ' stage':32s} {'calls':>7s} {'in series h':>12s} {'paced h without it':>19s}")
	for operation in sorted(calls, key=lambda o: -series[o]):
		without = paced_seconds([other for other in sequence if other != operation])
		print(
			f"{operation:32s} {calls[operation]:7d} {series[operation] / 3600:12.2f} {without / 3600:19.2f}"
		)
	print(f"{'(paced, all of them)':32s} {len(sequence):7d} {'':12s} {paced / 3600:19.2f}")


PROG = "benchmarks/sync_benchmark.py"


def _stop_on_sigterm() -> None:
	"""SIGTERM ends the run as Ctrl-C does, so the world file goes and partial figures are printed."""

	def handler(signum, frame):
		raise KeyboardInterrupt(f"signal {signum}")

	signal.signal(signal.SIGTERM, handler)


def run_date(text: str) -> datetime:
	"""--today's date at the present time of day (UTC), so that today's date gives today's run."""
	try:
		day = datetime.strptime(text, "%Y-%m-%d").date()
	except ValueError:
		raise ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None
	present = datetime.now(timezone.utc)
	return datetime.combine(day, present.timetz())


def parse_arguments(argv) -> object:
	parser = OneLineParser(prog=PROG, description=__doc__.splitlines()[0])
	parser.add_argument("--orders", type=count(1), default=10_000)
	parser.add_argument("--seed", type=whole_number, help="default 1; with --site a new one per run")
	parser.add_argument("--days", type=count(1), default=180, help="the world's date range, ending now")
	parser.add_argument(
		"--today",
		type=run_date,
		help="run as if on this date (YYYY-MM-DD, at the present time of day, UTC): the world ends then, "
		"and the simulator's and the connector's clocks start then; default today",
	)
	parser.add_argument(
		"--time-scale",
		type=positive_float,
		default=TIME_SCALE,
		help=f"run both clocks this much faster than the wall clock (default {TIME_SCALE:g})",
	)
	parser.add_argument(
		"--history",
		choices=("reports", "search"),
		default="reports",
		help="read the order history from Amazon's order reports (default) or page it all with searchOrders",
	)
	parser.add_argument("--site", help="a bench site to import into (run from frappe-bench/sites)")
	parser.add_argument("--company", help="with --site: the company (default: the site's default company)")
	parser.add_argument(
		"--profile",
		metavar="FILE",
		help="with --site: write a cProfile of the connector's orders stage to FILE, and of ERPNext's own (inserted as submitted) to FILE.erpnext",
	)
	args = parser.parse_args(argv)
	if args.site:
		needs_frappe(
			parser,
			"--site",
			"run the benchmark with the bench's Python, from frappe-bench/sites "
			"(../env/bin/python /path/to/benchmarks/sync_benchmark.py --site SITE)",
		)
	else:
		for option, value in (("--company", args.company), ("--profile", args.profile)):
			if value:
				parser.error(f"{option} is for runs into a bench site: add --site SITE")
	return args


def main(argv=None) -> int:
	args = parse_arguments(argv)
	_stop_on_sigterm()
	if args.site:
		from erpnext_side import into_erpnext

		return into_erpnext(args)

	end = args.today or datetime.now(timezone.utc)
	start = end - timedelta(days=args.days)
	now = None  # the connector's clock: the wall clock, or from --today on (see below)

	print(
		f"generating a world of {args.orders} orders over {args.days} days up to {end:%Y-%m-%d} "
		"in the simulator...",
		file=sys.stderr,
		flush=True,
	)
	seed = 1 if args.seed is None else args.seed
	interrupted = False
	sequence: list[str] = []
	progress = StageMarks(sequence, ConsoleProgress())
	reports: list = []
	session = preview = None
	wall0 = cpu0 = None
	generated_in = 0.0
	simulator_peak_mb = simulator_cpu = simulator_cpu0 = None
	process = None
	try:
		t0 = time.perf_counter()
		process, base_url = start_simulator(
			args.orders, seed, start, end, run_date=args.today, time_scale=args.time_scale
		)
		generated_in = time.perf_counter() - t0
		if args.today:
			# The simulator's clock started at --today once the world was made, and runs faster
			# than the wall clock; the connector's runs as the wall clock from the same instant.
			started = datetime.now(timezone.utc)
			now = lambda: end + (datetime.now(timezone.utc) - started)  # noqa: E731
		simulator_cpu0 = cpu_seconds(process.pid)
		account = credentials(generated_account(seed))
		config = account_config(account, base_url, key="benchmark")
		settings = SyncSettings(
			account_key="benchmark",
			after_date=start.date(),
			marketplaces=marketplace_configs(account),
			seller_id=account["seller_id"],
			extra={"order_history_from_reports": args.history == "reports"},
		)
		clock, sleep = scaled_clock(args.time_scale)
		session = SpApiSession(config, clock=clock, sleep=sleep, on_call=sequence.append)
		preview = PreviewErp("benchmark")
		wall0, cpu0 = time.perf_counter(), time.process_time()
		reports = run_pipeline(SpApiSource(session), preview, settings, progress=progress, now=now)
	except KeyboardInterrupt:
		interrupted = True
	finally:
		progress.progress.close()
		if process is not None:
			simulator_peak_mb = peak_memory_mb(process.pid)
			simulator_cpu = cpu_seconds(process.pid)
			process.terminate()
			process.wait(timeout=10)
	wall = time.perf_counter() - wall0 if wall0 is not None else 0.0
	cpu = time.process_time() - cpu0 if cpu0 is not None else 0.0
	if session is None:
		print(f"{PROG}: interrupted before the sync started; nothing was measured", file=sys.stderr)
		return 130

	stats = session.stats()
	calls = stats["calls"]
	imported = len(preview.sales_orders)
	peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

	if interrupted:
		print(f"{PROG}: interrupted; the simulator is stopped", file=sys.stderr)
		print(
			f"INTERRUPTED after {wall:.1f} s: the figures below are those of the part that ran "
			"(stage counts are not known for a stage cut short)."
		)
	print(
		f"world: {args.orders} orders over {args.days} days up to {end:%Y-%m-%d}, seed {seed}, generated by the simulator in {generated_in:.1f} s"
	)
	for report in reports:
		counts = ", ".join(f"{k} {v}" for k, v in sorted(report.counts.items()))
		print(f"{report.kind:9s} {counts}")
	print_calls(calls, progress.of_stages(), imported)
	print(f"client pacing waits (Amazon s):    {stats['throttle_wait_seconds']:.0f}")
	print(f"429 answers seen:                  {sum(stats.get('throttled', {}).values())}")
	print(
		f"connector wall time:               {wall:.1f} s ({1000 * wall / max(imported, 1):.2f} ms per order)"
	)
	print(
		f"connector CPU time:                {cpu:.1f} s ({1000 * cpu / max(imported, 1):.2f} ms per order)"
	)
	if simulator_cpu is not None and simulator_cpu0 is not None:
		served = simulator_cpu - simulator_cpu0
		print(
			f"simulator CPU time, serving:       {served:.1f} s ({1000 * served / max(imported, 1):.2f} ms per order)"
		)
	print(f"peak memory (RSS), connector:      {peak_rss_mb:.0f} MB")
	if simulator_peak_mb is not None:
		print(f"peak memory (RSS), simulator:      {simulator_peak_mb:.0f} MB")
	return 130 if interrupted else 0


if __name__ == "__main__":
	sys.exit(main())
