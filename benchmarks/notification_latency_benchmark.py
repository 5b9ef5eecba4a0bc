"""Latency from an ORDER_CHANGE notification to its Sales Order, under Amazon's default getOrder plan.

    python benchmarks/notification_latency_benchmark.py [--per-minute 20] [--minutes 30]
        [--time-scale 20] [--seed 3]

A generated seller on the local simulator (usage plans ON: getOrder 0.5 requests per second, burst
30) and a real SQS-compatible queue (moto's server on 127.0.0.1). The connector sets the
notifications up (destination and ORDER_CHANGE subscription, as the Set up Notifications button
does), then orders change at `--per-minute` changes per simulated minute (Poisson arrivals; each
moves an open order Pending -> Unshipped -> Shipped) for `--minutes`, while one consumer long-polls
the queue and books each changed order (getOrder, in-memory ERP). The simulator's clock and the
client's pacing run `--time-scale` times faster than the wall clock; every figure is in Amazon's
(simulated) seconds.

Prints: changes sent, Sales Orders stored per notification, p50 / p95 / max latency from the change
to its Sales Order, and API calls per operation with the simulator's 429 count. Asserts nothing.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import threading
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import boto3  # noqa: E402
from moto import server as moto_server  # noqa: E402

from amazon_connector.core.drafts.items import ItemDraft  # noqa: E402
from amazon_connector.core.engine.notification_setup import set_up_order_notifications  # noqa: E402
from amazon_connector.core.engine.notifications import OrderChange, OrderNotificationConsumer  # noqa: E402
from amazon_connector.core.engine.orders import OrderSync  # noqa: E402
from amazon_connector.core.preview import PreviewErp  # noqa: E402
from amazon_connector.core.settings import SyncSettings  # noqa: E402
from amazon_connector.core.timestamps import as_utc  # noqa: E402
from amazon_connector.simulator import Simulator, generate_world  # noqa: E402
from amazon_connector.simulator.arguments import OneLineParser, positive_float, whole_number  # noqa: E402
from amazon_connector.simulator.connect import account_config, marketplace_configs, scaled_clock  # noqa: E402
from amazon_connector.simulator.lifecycle import TransitionError  # noqa: E402
from amazon_connector.spapi.client import SpApiSession  # noqa: E402
from amazon_connector.spapi.source import SpApiSource  # noqa: E402
from amazon_connector.spapi.sqs import SqsQueue  # noqa: E402
from amazon_connector.spapi.throttle import ThrottleRegistry  # noqa: E402

KEYS = {"aws_access_key_id": "bench", "aws_secret_access_key": "bench"}
NEXT = {"PENDING": "UNSHIPPED", "UNSHIPPED": "SHIPPED"}


def percentile(values: list[float], share: float) -> float:
	ordered = sorted(values)
	return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def main() -> int:
	parser = OneLineParser(
		prog="benchmarks/notification_latency_benchmark.py", description=__doc__.split("\n\n")[0]
	)
	parser.add_argument(
		"--per-minute", type=positive_float, default=20.0, help="order changes per simulated minute"
	)
	parser.add_argument("--minutes", type=positive_float, default=30.0, help="simulated minutes of changes")
	parser.add_argument(
		"--time-scale", type=positive_float, default=20.0, help="simulated seconds per real second"
	)
	parser.add_argument("--seed", type=whole_number, default=3)
	args = parser.parse_args()

	end = datetime.now(timezone.utc)
	wanted = int(args.per_minute * args.minutes * 1.2) + 50
	world = generate_world(
		seed=args.seed, orders=wanted, start=end - timedelta(days=2), end=end, marketplaces="US"
	)
	moto = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
	moto.start()
	host, port = moto.get_host_and_port()
	endpoint = f"http://{host}:{port}"
	sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1", **KEYS)
	dead = sqs.create_queue(QueueName="orders-dlq")["QueueUrl"]
	dead_arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
	url = sqs.create_queue(
		QueueName="orders",
		Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": "5"})},
	)["QueueUrl"]
	arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

	sim = Simulator(world, limits=True, time_scale=args.time_scale, token_ttl=30 * 86400.0)
	sim.start()
	sim.connect_sqs(endpoint_url=endpoint, **KEYS)
	clock, sleep = scaled_clock(args.time_scale)
	session = SpApiSession(
		account_config(sim.account, sim.base_url, key="bench"),
		clock=clock,
		sleep=sleep,
		throttle=ThrottleRegistry(),
	)
	source = SpApiSource(session)
	marketplaces = marketplace_configs({"marketplaces": world["account"]["marketplaces"]})
	setup = set_up_order_notifications(source, arn, [m.marketplace_id for m in marketplaces], name="bench")
	print(f"set up: {setup.summary}", file=sys.stderr)

	erp = PreviewErp("bench")

	def items(marketplace_id, skus):
		for sku in skus:
			erp.upsert_item(ItemDraft(sku=sku, marketplace_id=marketplace_id, item_code=sku, item_name=sku))
		return {sku: sku for sku in skus}

	settings = SyncSettings(account_key="bench", after_date=date(2020, 1, 1), marketplaces=marketplaces)
	orders = OrderSync(source, erp, settings, item_resolver=items, now=sim.now)
	latencies: list[float] = []

	def stored(change: OrderChange) -> None:
		if change.changed_at is not None:
			latencies.append((sim.now() - as_utc(change.changed_at)).total_seconds())

	consumer = OrderNotificationConsumer(
		SqsQueue(url, endpoint_url=endpoint, access_key="bench", secret_key="bench"), orders, on_stored=stored
	)
	stop = threading.Event()
	reports = []

	def consume() -> None:
		while not stop.is_set():
			reports.append(consumer.drain(5, wait_seconds=1))

	worker = threading.Thread(target=consume, daemon=True)
	worker.start()

	rng = random.Random(args.seed)
	open_orders = [o["orderId"] for o in world["orders"] if o["fulfillment"]["fulfillmentStatus"] in NEXT]
	rng.shuffle(open_orders)
	sent = 0
	started = time.monotonic()
	deadline = sim.now() + timedelta(minutes=args.minutes)
	# Arrival times are drawn ahead (Poisson), so the time each change takes to send does not slow the rate.
	next_at = sim.now()
	while sim.now() < deadline and open_orders:
		next_at += timedelta(seconds=rng.expovariate(args.per_minute / 60.0))
		ahead = (next_at - sim.now()).total_seconds()
		if ahead > 0:
			sleep(ahead)
		order_id = open_orders.pop()
		status = sim.world.order(order_id)["fulfillment"]["fulfillmentStatus"]
		try:
			sim.transition_order(order_id, NEXT[status], post_fees="never")
		except TransitionError:  # a generated SKU without a listing price: not an order that can move
			continue
		sent += 1
		if NEXT[status] in NEXT:  # it can change once more later
			open_orders.insert(rng.randrange(len(open_orders) + 1), order_id)
		if sent % 50 == 0:
			print(f"  {sent} changes sent, {len(latencies)} stored", file=sys.stderr)
	# Let the consumer catch up (at most 30 simulated minutes more).
	catch_up = sim.now() + timedelta(minutes=30)
	while len(latencies) + sum(r.counts.get("unchanged", 0) for r in reports) < sent and sim.now() < catch_up:
		sleep(5)
	stop.set()
	worker.join(timeout=30)
	wall = time.monotonic() - started

	calls = sim.stats()["calls"]
	throttled = sim.stats()["throttled"]
	unchanged = sum(r.counts.get("unchanged", 0) for r in reports)
	failed = sum(r.counts.get("failed", 0) for r in reports)
	print(
		f"Order changes: {sent} over {args.minutes:g} simulated minutes ({sent / args.minutes:.1f} a minute; "
		f"{args.per_minute:g} asked)"
	)
	print(
		f"Stored by notification: {len(latencies)} (already up to date when read: {unchanged}; failed: {failed})"
	)
	if latencies:
		print(
			f"Latency change -> Sales Order (simulated s): p50 {statistics.median(latencies):.1f}, "
			f"p95 {percentile(latencies, 0.95):.1f}, max {max(latencies):.1f}"
		)
	print("API calls: " + ", ".join(f"{op} {n}" for op, n in sorted(calls.items())))
	print(f"searchOrders calls: {calls.get('searchOrders', 0)}; 429 answers: {sum(throttled.values())}")
	print(f"Wall time: {wall:.0f} s at time scale {args.time_scale:g}")
	session.close()
	sim.stop()
	moto.stop()
	return 0


if __name__ == "__main__":
	sys.exit(main())
