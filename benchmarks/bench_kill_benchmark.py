"""Kill test through the real job runner: a `bench worker` SIGKILLed while it runs an account's order
backfill, the job queued again as the scheduler queues it, until the backfill is done.

    cd frappe-bench && PYTHONPATH=<repo> env/bin/python <repo>/benchmarks/bench_kill_benchmark.py \\
        --site SITE [--orders 300] [--kills 4] [--seed N]

A simulator in this process serves a generated world of `--orders` orders (its own seed, SKUs and
order ids, so that earlier runs on the site never meet it), and an Amazon Settings record points at it.
Each round queues the account's sync job (`runner.queue.enqueue_sync`, as the scheduler does), starts
a worker as a child process (Frappe's own `start_worker`, what `bench worker --queue long` runs), and
SIGKILLs the worker's process group at a random moment. Workers belong to the bench, not to a site,
and a shared bench may have other workers on its long queue: the script's queue and worker use a bench
id of their own (`--bench-id`), so that no other worker takes its jobs and its worker takes no one
else's. Two things a killed worker leaves behind are then dealt with as in production: RQ still calls
the job "started" (the next enqueue forgets it once the account's lock is free,
`runner.queue.forget_dead_sync_job`), and the account's lock lives on until its expiry; this script
deletes the lock of the worker it killed (checked by host and process id) instead of waiting the ten
minutes of `locks.LOCK_TTL`, which `test_jobs_runner` tests on its own. A last round runs to the end.

Printed: Sales Orders imported after each kill, then the Sales Orders against the world's (an
uninterrupted backfill imports exactly those): orders missing (gaps), orders or order lines imported
twice (duplicates), the totals per currency, and the sync logs closed as Interrupted. Exit status 0
only with no gap, no duplicate and equal totals.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from amazon_connector.simulator.arguments import (  # noqa: E402
	OneLineParser,
	count,
	needs_frappe,
	positive_float,
	whole_number,
)

PROG = "benchmarks/bench_kill_benchmark.py"


def main(argv=None) -> int:
	parser = OneLineParser(prog=PROG, description=__doc__.splitlines()[0])
	parser.add_argument("--site", required=True)
	parser.add_argument("--bench", default=os.getcwd(), help="the frappe-bench folder (default: here)")
	parser.add_argument("--orders", type=count(1), default=300)
	parser.add_argument("--kills", type=count(1), default=4)
	parser.add_argument("--seed", type=whole_number, default=0, help="the world's seed (default: a new one)")
	parser.add_argument(
		"--max-wait", type=positive_float, default=25.0, help="latest kill, seconds into the run"
	)
	parser.add_argument("--bench-id", default="", help="the private queue namespace (default: per seed)")
	parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)  # the child process
	args = parser.parse_args(argv)
	bench = Path(args.bench).resolve()
	if args.worker:
		return _worker(bench, args.bench_id)
	if not (bench / "sites" / args.site).is_dir():
		parser.error(
			f"{bench} is not a frappe-bench folder with the site {args.site}: name the bench with --bench"
		)
	needs_frappe(
		parser, "this benchmark", f"run it with the bench's Python (env/bin/python {PROG} --site {args.site})"
	)
	seed = args.seed or random.randrange(1, 10**6)
	rng = random.Random(seed)
	bench_id = args.bench_id or f"amazon-kill-bench-{seed}"

	import frappe
	from frappe.utils.background_jobs import get_job

	os.chdir(bench / "sites")  # where Frappe expects to run: its logs are in ../logs
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	frappe.local.conf.bench_id = bench_id  # this process queues in the private namespace
	frappe.set_user("Administrator")
	from amazon_connector.locks import current_holder, lock_key
	from amazon_connector.runner.options import OPTIONS
	from amazon_connector.runner.queue import enqueue_sync, forget_dead_sync_job, sync_job_id
	from amazon_connector.simulator import Simulator, generate_world
	from amazon_connector.tests import factories as f
	from amazon_connector.tests.e2e_support import expected_orders, prefix_skus

	# Importing the bench tests' package switches the runner to the tests' way (jobs in this process,
	# nothing committed); this script queues real jobs for a real worker, as production does.
	OPTIONS.jobs_in_process = False
	OPTIONS.commit = True

	end = datetime.now(timezone.utc) - timedelta(hours=1)
	world = generate_world(
		seed=seed, orders=args.orders, start=end - timedelta(days=30), end=end, marketplaces=("US",)
	)
	prefix_skus(world, f"KILL{seed}-")
	sim = Simulator(world, time_scale=1.0, limits=False, token_ttl=30 * 86400.0)
	sim.start()
	account = f"_Kill Bench {seed}"
	creds = sim.account
	for other in frappe.get_all("Amazon Settings", {"seller_id": creds["seller_id"]}, pluck="name"):
		frappe.db.set_value("Amazon Settings", other, "seller_id", "", update_modified=False)
	f.make_amazon_settings(
		f.make_company(),
		account_name=account,
		seller_id=creds["seller_id"],
		endpoint_url=sim.base_url,
		lwa_client_id=creds["client_id"],
		lwa_client_secret=creds["client_secret"],
		refresh_token=creds["refresh_token"],
		after_date=(end - timedelta(days=31)).date(),
		sync_fees=0,
		make_sales_invoices=0,
		request_personal_data=0,
	)
	frappe.db.commit()
	expected = expected_orders(world, sim.now())
	print(f"world: seed {seed}, {args.orders} orders, {len(expected)} to import; account {account}")

	def imported() -> int:
		frappe.db.commit()  # a fresh snapshot: the worker commits in its own transactions
		return frappe.db.count("Sales Order", {"amazon_account": account})

	def start_worker(log) -> subprocess.Popen:
		env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
		return subprocess.Popen(
			[
				sys.executable,
				__file__,
				"--worker",
				"--site",
				args.site,
				"--bench",
				str(bench),
				"--bench-id",
				bench_id,
			],
			cwd=bench / "sites",
			env=env,
			stdout=log,
			stderr=subprocess.STDOUT,
			start_new_session=True,
		)

	def wait_until_running() -> None:
		"""Until the run holds the account's lock (it has started its stages), at most two minutes."""
		deadline = time.monotonic() + 120
		while current_holder(account) is None and time.monotonic() < deadline:
			time.sleep(0.5)

	def queue_job() -> None:
		deadline = time.monotonic() + 120
		while True:
			frappe.db.commit()
			forget_dead_sync_job(account)
			job = get_job(sync_job_id(account))
			if job is not None and job.get_status() == "queued":
				return  # killed before it was taken: still in the queue for the next worker
			if enqueue_sync(account, ["orders"], triggered_by="scheduler"):
				frappe.db.commit()
				return
			if time.monotonic() > deadline:
				raise SystemExit("the account's job could not be queued again")
			time.sleep(2)

	log_path = Path(f"/tmp/bench_kill_{seed}.log")
	interrupted_rounds = 0
	with open(log_path, "ab") as log:
		try:
			for kill in range(1, args.kills + 1):
				queue_job()
				worker = start_worker(log)
				wait_until_running()  # a loaded machine takes a while to start a worker and its job
				wait = rng.uniform(1.0, args.max_wait)
				time.sleep(wait)
				_kill_tree(worker, bench_id)
				interrupted_rounds += 1
				holder = current_holder(account) or {}
				if holder.get("host") == socket.gethostname() and not _alive(holder.get("pid")):
					frappe.cache.delete(lock_key(account))  # stands in for the lock's expiry
				print(
					f"kill {kill}: {wait:5.1f} s into the run, {imported()} Sales Orders so far", flush=True
				)
			queue_job()
			worker = start_worker(log)
			started = time.monotonic()
			try:
				job_id = sync_job_id(account)
				while time.monotonic() - started < 1800:
					time.sleep(3)
					frappe.db.commit()
					job = get_job(job_id)
					if job is None or job.get_status() in ("finished", "failed", "stopped", "canceled"):
						break
			finally:
				_kill_tree(worker, bench_id)
			print(f"last round: ran to the end in {time.monotonic() - started:.0f} s", flush=True)
		finally:
			sim.stop()
	return _report(frappe, account, expected, interrupted_rounds)


def _report(frappe, account: str, expected: dict, kills: int) -> int:
	frappe.db.commit()
	rows = frappe.get_all(
		"Sales Order",
		filters={"amazon_account": account, "docstatus": ("<", 2)},
		fields=["name", "amazon_order_id", "currency", "grand_total"],
	)
	per_id = Counter(row.amazon_order_id for row in rows)
	duplicate_orders = sorted(order_id for order_id, n in per_id.items() if n > 1)
	duplicate_lines = frappe.db.sql(
		"""select soi.parent, soi.amazon_order_item_id, count(*) from `tabSales Order Item` soi
		join `tabSales Order` so on so.name = soi.parent
		where so.amazon_account = %s and ifnull(soi.amazon_order_item_id, '') != ''
		group by soi.parent, soi.amazon_order_item_id having count(*) > 1""",
		(account,),
	)
	got = {row.amazon_order_id for row in rows}
	gaps = sorted(set(expected) - got)
	extra = sorted(got - set(expected))
	totals_expected: Counter = Counter()
	for currency, total in expected.values():
		totals_expected[currency] += Decimal(str(total))
	totals_got: Counter = Counter()
	for row in rows:
		totals_got[row.currency] += Decimal(str(row.grand_total)).quantize(Decimal("0.01"))
	interrupted = frappe.db.count("Amazon Sync Log", {"amazon_account": account, "status": "Interrupted"})
	print(f"workers killed: {kills}; sync logs closed as Interrupted: {interrupted}")
	print(f"Sales Orders: {len(rows)} of {len(expected)} expected")
	print(f"gaps (expected, not imported): {len(gaps)} {gaps[:5]}")
	print(f"not expected: {len(extra)} {extra[:5]}")
	print(f"duplicates: {len(duplicate_orders)} orders, {len(duplicate_lines)} order lines")
	for currency in sorted(set(totals_expected) | set(totals_got)):
		print(f"total {currency}: imported {totals_got[currency]}, expected {totals_expected[currency]}")
	ok = (
		not gaps
		and not extra
		and not duplicate_orders
		and not duplicate_lines
		and totals_got == totals_expected
	)
	print("RESULT:", "equal to an uninterrupted backfill" if ok else "DIFFERENT")
	return 0 if ok else 1


def _worker(bench: Path, bench_id: str) -> int:
	"""The child: Frappe's `start_worker` on the long queue of the private namespace."""
	os.chdir(bench / "sites")
	import frappe.utils
	import frappe.utils.background_jobs as background_jobs

	# Read where `bench worker` reads it (common_site_config.json); only the namespace differs.
	background_jobs.get_bench_id = lambda: bench_id
	frappe.utils.get_bench_id = lambda: bench_id
	background_jobs.start_worker(queue="long", quiet=True)
	return 0


def _kill_tree(worker: subprocess.Popen, bench_id: str) -> None:
	"""SIGKILL the worker and its work horse, as a lost machine or the kernel's OOM killer would. RQ
	puts the horse that runs the job in a session of its own (so killing the worker's process group
	would leave the job running), and may fork it at any moment: every process of this script's
	worker is found by its command line, which names the private bench id, until none is left."""
	for _attempt in range(20):
		pids = _pids_of(bench_id)
		if not pids:
			break
		for pid in pids:
			try:
				os.kill(pid, signal.SIGKILL)
			except ProcessLookupError:
				pass
		time.sleep(0.2)
	worker.wait()


def _pids_of(bench_id: str) -> list[int]:
	"""Live processes whose command line carries `--bench-id <bench_id>`."""
	wanted = f"--bench-id\0{bench_id}\0".encode()
	found = []
	for entry in os.listdir("/proc"):
		if not entry.isdigit():
			continue
		try:
			with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
				if wanted in cmdline.read() and _alive(entry):
					found.append(int(entry))
		except OSError:
			continue
	return found


def _alive(pid) -> bool:
	"""Whether the process runs (a zombie, killed and not yet reaped, does not)."""
	try:
		with open(f"/proc/{int(pid)}/stat") as stat:
			return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
	except (TypeError, ValueError, OSError, IndexError):
		return False


if __name__ == "__main__":
	sys.exit(main())
