"""Two real `bench worker` processes drain one seller's ORDER_CHANGE queue: do they stay inside
Amazon's getOrder plan together?

    cd frappe-bench && PYTHONPATH=<this checkout> env/bin/python <this checkout>/benchmarks/two_workers_benchmark.py \
        --site SITE [--orders 30] [--touches 150] [--buckets shared|separate]

On a bench site (one you can write test records to; it uses the bench's own Redis and starts two
`bench worker --queue long` processes of its own, ended at the end): the local simulator with usage
plans ON and a real-time clock (getOrder 0.5 requests per second, burst 30), a real SQS-compatible
queue (moto's server on 127.0.0.1), and an Amazon Settings record pointed at both, set up for
notifications with the Set up Notifications code. Two phases, each with two drain jobs of the account queued
at once (each worker takes one, so both read the queue and call getOrder side by side): `--orders`
orders change and the workers book them (ERPNext-bound: booking a Sales Order takes longer than
Amazon's rate), then `--touches` more ORDER_CHANGE messages of the booked orders arrive that change
nothing ERPNext shows (getOrder-bound: each costs a getOrder and a quick comparison).

`--buckets shared` (the default: the runner's buckets in the bench's Redis) or `separate` (site config
`amazon_connector_shared_throttle: 0` for the run: each worker paces alone). Prints the Sales Orders
made, getOrder calls and the simulator's 429 answers per operation, and the wall time. Asserts nothing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from amazon_connector.simulator.arguments import OneLineParser, count, needs_frappe, whole_number  # noqa: E402

PROG = "benchmarks/two_workers_benchmark.py"


def main() -> int:
	parser = OneLineParser(prog=PROG, description=__doc__.split("\n\n")[0])
	parser.add_argument("--site", required=True)
	parser.add_argument("--orders", type=count(1), default=30)
	parser.add_argument("--touches", type=count(1), default=150)
	parser.add_argument("--buckets", choices=("shared", "separate"), default="shared")
	parser.add_argument("--seed", type=whole_number, default=int(time.time()) % 100000)
	args = parser.parse_args()
	bench = Path.cwd()
	if not (bench / "sites" / args.site).is_dir():
		parser.error(f"run it in a frappe-bench folder with the site {args.site}")
	needs_frappe(
		parser, "this benchmark", f"run it with the bench's Python (env/bin/python {PROG} --site {args.site})"
	)

	import boto3
	import frappe
	from frappe.installer import update_site_config
	from moto import server as moto_server

	os.chdir(bench / "sites")  # where Frappe's own commands run (its logs are at ../logs)
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	from datetime import datetime, timedelta, timezone

	from frappe.utils.background_jobs import get_workers, is_job_enqueued

	from amazon_connector.runner.notifications import set_up_notifications
	from amazon_connector.runner.options import OPTIONS
	from amazon_connector.runner.queue import enqueue_notifications, notifications_job_id
	from amazon_connector.simulator import Simulator, generate_world
	from amazon_connector.simulator.lifecycle import TransitionError
	from amazon_connector.simulator.notifications import order_change
	from amazon_connector.tests import factories as f

	# The test factories' package (imported above) switches the runner to in-process jobs without
	# commits; this script queues real jobs for real workers.
	OPTIONS.jobs_in_process, OPTIONS.commit = False, True

	keys = {"aws_access_key_id": "bench", "aws_secret_access_key": "bench"}
	moto = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
	moto.start()
	host, port = moto.get_host_and_port()
	endpoint = f"http://{host}:{port}"
	sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1", **keys)
	url = sqs.create_queue(QueueName=f"orders-{args.seed}", Attributes={"VisibilityTimeout": "120"})[
		"QueueUrl"
	]
	arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

	end = datetime.now(timezone.utc)
	world = generate_world(
		seed=args.seed, orders=args.orders * 3, start=end - timedelta(days=2), end=end, marketplaces="US"
	)
	sim = Simulator(world, limits=True, time_scale=1.0, token_ttl=86400.0)
	sim.start()
	sim.connect_sqs(endpoint_url=endpoint, **keys)
	workers: list[subprocess.Popen] = []
	name = f"Two Workers {args.buckets} {args.seed}"
	try:
		account = sim.account
		for other in frappe.get_all("Amazon Settings", {"seller_id": account["seller_id"]}, pluck="name"):
			frappe.db.set_value("Amazon Settings", other, "seller_id", "")
		doc = f.make_amazon_settings(
			f.make_company(),
			account_name=name,
			environment="Custom Endpoint",
			endpoint_url=sim.base_url,
			seller_id=account["seller_id"],
			lwa_client_id=account["client_id"],
			lwa_client_secret=account["client_secret"],
			refresh_token=account["refresh_token"],
			after_date=(end - timedelta(days=3)).date(),
			order_sync_frequency="Never",
			product_sync_frequency="Never",
		)
		doc.reload()
		doc.update({"order_notifications": 1, "sqs_queue_arn": arn, "sqs_endpoint_url": endpoint, **keys})
		doc.save(ignore_permissions=True)
		frappe.db.set_single_value("Stock Settings", "allow_negative_stock", 1)
		frappe.db.commit()
		print(set_up_notifications(doc.name), file=sys.stderr)

		changed = 0
		for order_id in list(sim.world.orders):
			if changed >= args.orders:
				break
			order = sim.world.order(order_id)
			if order["fulfillment"]["fulfillmentStatus"] not in ("PENDING", "UNSHIPPED"):
				continue
			try:
				sim.transition_order(order_id, "SHIPPED", post_fees="never")
			except TransitionError:
				continue
			changed += 1
		sim.reset_stats()
		update_site_config("amazon_connector_shared_throttle", 1 if args.buckets == "shared" else 0)

		env = dict(os.environ, PYTHONPATH=str(REPO))
		for _ in range(2):
			workers.append(
				subprocess.Popen(
					["bench", "worker", "--queue", "long"],
					cwd=bench,
					env=env,
					stdout=subprocess.DEVNULL,
					stderr=subprocess.DEVNULL,
					start_new_session=True,  # its own process group: the worker it starts ends with it
				)
			)
		# Both workers up before the jobs are queued, so that each takes one.
		for _ in range(60):
			if len([w for w in get_workers() if "long" in " ".join(w.queue_names())]) >= 2:
				break
			time.sleep(2)
		else:
			print("the two workers did not start within 2 minutes", file=sys.stderr)
			return 1

		def drain_with_both(phase: str, label: str) -> None:
			"""Queue one drain job per worker and wait for both; print what the simulator saw."""
			sim.reset_stats()
			started = time.monotonic()
			ids = []
			for worker_name in ("a", "b"):
				enqueue_notifications(doc.name, worker=f"{phase}-{worker_name}", seconds=600)
				ids.append(notifications_job_id(doc.name, f"{phase}-{worker_name}"))
			frappe.db.commit()
			while any(is_job_enqueued(job_id) for job_id in ids) and time.monotonic() - started < 900:
				time.sleep(2)
			wall = time.monotonic() - started
			frappe.db.rollback()  # a fresh snapshot of what the workers committed
			logs = frappe.get_all(
				"Amazon Sync Log",
				filters={
					"amazon_account": doc.name,
					"triggered_by": ("like", "notifications%"),
					"creation": (">=", phase_started[phase]),
				},
				fields=["created_count", "unchanged_count", "failed_count", "throttle_wait_seconds"],
			)
			stats = sim.stats()
			print(f"[{args.buckets} buckets] {label}")
			print(
				f"  Sales Orders of the account: {frappe.db.count('Sales Order', {'amazon_account': doc.name})}; "
				"drain logs (created, unchanged, failed): "
				+ str([(log.created_count, log.unchanged_count, log.failed_count) for log in logs])
			)
			print(
				"  API calls at the simulator: "
				+ ", ".join(f"{op} {n}" for op, n in sorted(stats["calls"].items()))
			)
			print(f"  429 answers: {sum(stats['throttled'].values())} {stats['throttled']}")
			print(
				f"  throttle waits in the workers (s): {[round(log.throttle_wait_seconds, 1) for log in logs]}"
			)
			print(f"  wall time: {wall:.0f} s")

		phase_started = {"new": frappe.utils.now_datetime()}
		drain_with_both("new", f"{changed} new orders: two bench workers book them from one queue")
		# Amazon notifies changes the Sales Order does not show (a buyer's request, a field not mapped):
		# each costs a getOrder and a quick comparison, so the workers call getOrder as fast as it lets them.
		booked = [
			row.amazon_order_id
			for row in frappe.get_all("Sales Order", {"amazon_account": doc.name}, ["amazon_order_id"])
		]
		touched = 0
		moment = sim.now()
		for n in range(args.touches):
			order = dict(sim.world.order(booked[n % len(booked)]))
			order["lastUpdatedTime"] = (moment + timedelta(seconds=n + 1)).strftime("%Y-%m-%dT%H:%M:%SZ")
			sqs.send_message(
				QueueUrl=url, MessageBody=json.dumps(order_change(order, sim.world.seller_id, moment))
			)
			touched += 1
		phase_started["again"] = frappe.utils.now_datetime()
		drain_with_both("again", f"{touched} notifications of booked orders (getOrder-bound)")
	finally:
		for worker in workers:
			os.killpg(worker.pid, signal.SIGTERM)
		for worker in workers:
			try:
				worker.wait(timeout=30)
			except subprocess.TimeoutExpired:
				os.killpg(worker.pid, signal.SIGKILL)
		update_site_config("amazon_connector_shared_throttle", 1)
		sim.stop()
		moto.stop()
		frappe.destroy()
	return 0


if __name__ == "__main__":
	sys.exit(main())
