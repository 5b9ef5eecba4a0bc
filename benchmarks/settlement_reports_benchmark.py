"""What listing and reading Amazon's settlement reports costs on the simulator, for a large world.

    python benchmarks/settlement_reports_benchmark.py [--orders 100000] [--lists 3] [--seed 1]

A world of `--orders` orders (six marketplaces, 60 days) is generated and served by the local
simulator; the fees stage's calls are then made over HTTP, as the connector makes them: getReports
for the settlement reports `--lists` times, then each report's document read twice. Printed: the
seconds it takes to make every closed settlement's file once (what each getReports call cost when
every listing made them all again), the seconds of each getReports call, of the first and second
read of the documents, and how many files the simulator made. Asserts nothing.
"""

from __future__ import annotations

import sys
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from amazon_connector.core.mapping.settlement_report import REPORT_TYPE  # noqa: E402
from amazon_connector.core.money import minor_units  # noqa: E402
from amazon_connector.simulator import Simulator, generate_world, settlement_report  # noqa: E402
from amazon_connector.simulator.arguments import OneLineParser, count, whole_number  # noqa: E402
from amazon_connector.simulator.connect import account_config  # noqa: E402
from amazon_connector.spapi.client import SpApiSession  # noqa: E402
from amazon_connector.spapi.source import SpApiSource  # noqa: E402


def render_all(sim: Simulator) -> tuple[float, int, int]:
	"""(seconds, files, bytes) of making every closed settlement's report file once."""
	book = sim.finance_book()
	marketplaces = sim.world.account.get("marketplaces", [])
	started = time.perf_counter()
	files = size = 0
	for group in sorted(book.groups.values(), key=lambda g: (g.currency, g.index)):
		if not group.closed:
			continue
		market = next((m for m in marketplaces if m.get("currencyCode") == group.currency), {})
		text = settlement_report.render(
			book.group_body(group),
			book.group_transactions(group),
			country=market.get("countryCode", ""),
			grouped=bool(group.index % 2),
			minor=minor_units(group.currency),
		)
		files += 1
		size += len(text)
	return time.perf_counter() - started, files, size


def main(argv=None) -> None:
	parser = OneLineParser(description=__doc__.split("\n")[0])
	parser.add_argument("--orders", type=count(1), default=100_000)
	parser.add_argument("--lists", type=count(1), default=3, help="getReports calls to time")
	parser.add_argument("--seed", type=whole_number, default=1)
	args = parser.parse_args(argv)

	started = time.perf_counter()
	world = generate_world(seed=args.seed, orders=args.orders, packed=True)
	sim = Simulator(world, limits=False, token_ttl=30 * 86400.0, report_delays=(0.0, 0.0))
	sim.start()
	print(
		f"world of {args.orders} orders generated and its settlements taken in: {time.perf_counter() - started:.1f} s"
	)
	try:
		seconds, files, size = render_all(sim)
		print(
			f"making every closed settlement's report once: {files} files, {size / 1e6:.1f} MB, {seconds:.2f} s "
			"(what each getReports call cost when every listing made them all)"
		)
		session = SpApiSession(account_config(sim.account, sim.base_url, "bench-settlements"))
		session.throttle_enabled = False
		source = SpApiSource(session)
		since = sim.now() - timedelta(days=90)
		listed: list[dict] = []
		for call in range(1, args.lists + 1):
			started = time.perf_counter()
			listed = list(source.list_reports([REPORT_TYPE], created_since=since))
			print(
				f"getReports call {call}: {len(listed)} reports in {time.perf_counter() - started:.3f} s, "
				f"files made so far: {sim.reports.files_made}"
			)
		for attempt in ("first", "second"):
			started = time.perf_counter()
			read = sum(
				len(source.download_report(r["reportId"], r["reportDocumentId"]).content) for r in listed
			)
			print(
				f"{attempt} read of the {len(listed)} documents: {read / 1e6:.1f} MB in "
				f"{time.perf_counter() - started:.2f} s, files made so far: {sim.reports.files_made}"
			)
	finally:
		sim.stop()


if __name__ == "__main__":
	main()
