"""API calls of Multi-Channel Fulfillment, and the time Amazon's usage plans imply.

    python benchmarks/mcf_benchmark.py [--orders 100]

`--orders` orders of another channel are previewed and sent to the local simulator; each is then
changed (a faster speed) and the change sent; the simulator ships them, and the mcf status stage
follows them twice: once while all are open (each is read, each shipment delivered on the
in-memory ERP), once after (orders Amazon ended are not read again). Then one unit of each order is
returned (Amazon's reasons for each SKU, then the return), and the stage follows the returns while
the units travel and after Amazon processed them.
Prints, per step: API calls per operation and the seconds Amazon's default plans imply (2 requests/s,
burst 30 for every Fulfillment Outbound operation; burst first, then one call per 1/rate s).
Asserts nothing.
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from amazon_connector.core.drafts.fulfilment import (  # noqa: E402
	FulfilmentAddress,
	FulfilmentLine,
	FulfilmentOrderDraft,
	ReturnLine,
)
from amazon_connector.core.engine import fulfilment  # noqa: E402
from amazon_connector.core.engine.fulfilment import FulfilmentStatusSync  # noqa: E402
from amazon_connector.core.mapping.fulfilment import fulfilment_order_id  # noqa: E402
from amazon_connector.core.preview import PreviewErp  # noqa: E402
from amazon_connector.core.settings import SyncSettings  # noqa: E402
from amazon_connector.simulator import Simulator, generate_world  # noqa: E402
from amazon_connector.simulator.arguments import OneLineParser, count  # noqa: E402
from amazon_connector.simulator.connect import account_config  # noqa: E402
from amazon_connector.simulator.fulfillment import DEFAULT_RETURN_DELAY  # noqa: E402
from amazon_connector.spapi.client import SpApiSession  # noqa: E402
from amazon_connector.spapi.source import SpApiSource  # noqa: E402
from amazon_connector.spapi.throttle import ThrottleRegistry  # noqa: E402

sys.path.insert(0, str(REPO / "benchmarks"))
from sync_benchmark import amazon_side_seconds  # noqa: E402

US = "ATVPDKIKX0DER"


def order(n: int) -> FulfilmentOrderDraft:
	name = f"WEB-{n:06d}"
	return FulfilmentOrderDraft(
		source=f"Sales Order {name}",
		seller_fulfillment_order_id=fulfilment_order_id(name),
		displayable_order_id=name,
		displayable_order_date=datetime(2026, 12, 1, 12, tzinfo=timezone.utc),
		displayable_order_comment="Thank you",
		shipping_speed="Standard",
		address=FulfilmentAddress("A Buyer", "1 Main St", "98101", "US", city="Seattle", state="WA"),
		lines=(FulfilmentLine("BENCH-MUG", "1", 1), FulfilmentLine("BENCH-CAP", "2", 1)),
		marketplace_id=US,
	)


def report(label: str, before: dict, after: dict, wall: float) -> None:
	calls = {op: n - before.get(op, 0) for op, n in after.items() if n - before.get(op, 0)}
	implied = amazon_side_seconds(calls)
	print(f"\n{label}: {sum(calls.values())} API calls")
	for operation, n in sorted(calls.items()):
		print(f"  {operation:<24} {n:>7}   {implied.get(operation, 0.0):>9.1f} s under the plan")
	print(f"  implied time under Amazon's default plans: {sum(implied.values()):.0f} s")
	print(f"  connector wall time against the simulator: {wall:.2f} s")


def main(argv=None) -> int:
	parser = OneLineParser(prog="benchmarks/mcf_benchmark.py", description=__doc__.splitlines()[0])
	parser.add_argument("--orders", type=count(1), default=100, help="orders sent to Amazon")
	args = parser.parse_args(argv)
	# Tokens outlive the clock jump, so no call is spent on a refused token.
	sim = Simulator(
		generate_world(seed=5, orders=0, marketplaces="US"),
		limits=False,
		time_scale=60.0,
		token_ttl=30 * 86400.0,
	)
	base_url = sim.start()
	try:
		sim.set_fba_quantities(US, "BENCH-MUG", fulfillable=args.orders)
		sim.set_fba_quantities(US, "BENCH-CAP", fulfillable=args.orders)
		erp = PreviewErp("bench")
		settings = SyncSettings(account_key="bench", after_date=date(2026, 1, 1))
		print(f"Multi-Channel Fulfillment of {args.orders} orders of two lines each")
		with SpApiSession(
			account_config(sim.account, base_url, "bench"), throttle=ThrottleRegistry()
		) as session:
			session.throttle_enabled = False  # the simulator's limits are off; the plan's time is computed
			source = SpApiSource(session)
			stats = lambda: dict(session.stats()["calls"])  # noqa: E731
			before, started = stats(), time.perf_counter()
			for n in range(args.orders):
				fulfilment.preview(source, order(n))
				erp.apply_fulfilment_state(fulfilment.send(source, order(n)))
			report("preview and send", before, stats(), time.perf_counter() - started)
			before, started = stats(), time.perf_counter()
			for n in range(args.orders):
				fulfilment.update(source, replace(order(n), shipping_speed="Expedited"))
			report("update (speed changed)", before, stats(), time.perf_counter() - started)
			sim.advance_clock(4 * 3600)  # Amazon ships them all
			for label in ("status stage, all open", "status stage, after Amazon ended them"):
				before, started = stats(), time.perf_counter()
				result = FulfilmentStatusSync(source, erp, settings).run()
				report(label, before, stats(), time.perf_counter() - started)
				delivered = sum(len(r["deliveries"]) for r in erp.fulfilment_orders.values())
				print(
					f"  {result.counts.get('updated', 0)} orders changed; {delivered} shipments delivered in all"
				)
			before, started = stats(), time.perf_counter()
			for n in range(args.orders):
				draft = order(n)
				for line in draft.lines:
					fulfilment.return_reasons(source, line.sku, US, draft.seller_fulfillment_order_id)
				shipped = sim.fulfillment.orders[draft.seller_fulfillment_order_id]["shipments"][0]
				line_id = shipped["fulfillmentShipmentItem"][0]["sellerFulfillmentOrderItemId"]
				back = ReturnLine(line_id, shipped["amazonShipmentId"], 1, "CR-UNWANTED_ITEM")
				erp.note_return(
					draft.seller_fulfillment_order_id,
					fulfilment.request_return(source, draft.seller_fulfillment_order_id, f"RET-{n}", [back]),
				)
			report("return one unit of each (reasons per SKU, then the return)", before, stats(),
				time.perf_counter() - started)  # fmt: skip
			for label, wait in (
				("status stage, units on their way", 0),
				("status stage, units processed", 1),
			):
				sim.advance_clock(wait * (DEFAULT_RETURN_DELAY + 60))
				before, started = stats(), time.perf_counter()
				FulfilmentStatusSync(source, erp, settings).run()
				report(label, before, stats(), time.perf_counter() - started)
			back = sum(1 for r in erp.fulfilment_orders.values() for c in r.get("returns", {}).values() if c)
			print(
				f"  {back} returned units received in all; {len(erp.open_fulfilment_orders())} orders still read"
			)
	finally:
		sim.stop()
	return 0


if __name__ == "__main__":
	sys.exit(main())
