"""Kill test: the backfill SIGKILLed at random points and resumed, against an uninterrupted run.

    python benchmarks/kill_benchmark.py [--orders 2000] [--kills 20] [--seed 5]

One simulator process serves a generated world (ending a month ago, so every run sees the same orders
and fee events). A sync (products -> orders -> fees, as a scheduled run) runs in a child process
against an in-memory preview made persistent by a journal file: what a record changes is appended when
the record is done (as a database commits it) and checkpoints as they are written, so a SIGKILL loses at
most the record in flight, as a killed worker does. The child is killed `--kills` times at random moments,
each time restarted on the same journal, and then left to finish. Printed: Sales Orders and fee entries
against the uninterrupted run, orders or fee entries missing (gaps), fee entries under keys the
uninterrupted run does not have (duplicates), and the totals of both.
"""

from __future__ import annotations

import json
import os
import pickle
import random
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from amazon_connector.core.preview import PreviewErp  # noqa: E402
from amazon_connector.simulator.arguments import OneLineParser, count, whole_number  # noqa: E402

TIME_SCALE = 3600.0
AFTER_DAYS = 240
_MISSING = object()


class JournalPreview(PreviewErp):
	"""A PreviewErp whose changes survive the process: each finished record's changes, and each
	checkpoint, are appended to a journal that `load` replays."""

	def __init__(self, account_key: str, journal: Path):
		super().__init__(account_key)
		self._names = {id(value): name for name, value in vars(self).items() if isinstance(value, dict)}
		self._dirty: set[tuple[str, object]] = set()
		self._depth = 0
		self._load(journal)
		self._journal = open(journal, "ab")  # noqa: SIM115 - kept open for the life of the run

	def _load(self, journal: Path) -> None:
		if not journal.exists():
			return
		with open(journal, "rb") as stream:
			while True:
				try:
					name, key, value = pickle.load(stream)
				except (EOFError, pickle.UnpicklingError, ValueError, AttributeError):
					return  # the end, or a record cut short by the kill: it never committed
				container = getattr(self, name)
				if value is _MISSING or value == "__missing__":
					container.pop(key, None)
				else:
					container[key] = value

	def _remember(self, container: dict, key) -> None:
		super()._remember(container, key)
		name = self._names.get(id(container))
		if name:
			self._dirty.add((name, key))

	def _commit(self) -> None:
		for name, key in sorted(self._dirty, key=repr):
			value = getattr(self, name).get(key, "__missing__")
			pickle.dump((name, key, value), self._journal)
		self._journal.flush()  # in the kernel's hands: a SIGKILL of this process cannot lose it
		self._dirty.clear()

	@contextmanager
	def record_scope(self, kind: str, amazon_id: str):
		self._depth += 1
		try:
			with super().record_scope(kind, amazon_id):
				yield
		finally:
			self._depth -= 1
			if self._depth == 0:
				self._commit()

	def set_checkpoint(self, kind: str, value: dict) -> None:
		super().set_checkpoint(kind, value)
		self._dirty.add(("checkpoints", kind))
		if self._depth == 0:
			self._commit()


def child(base_url: str, account: dict, journal: Path) -> int:
	"""One scheduled run into the journal-backed preview."""
	from amazon_connector.core.engine.pipeline import run_pipeline
	from amazon_connector.core.settings import SyncSettings
	from amazon_connector.simulator.clock import parse_iso
	from amazon_connector.simulator.connect import account_config, marketplace_configs, scaled_clock
	from amazon_connector.spapi.client import SpApiSession
	from amazon_connector.spapi.source import SpApiSource

	clock, sleep = scaled_clock(TIME_SCALE)
	session = SpApiSession(account_config(account, base_url, key="kill-benchmark"), clock=clock, sleep=sleep)
	sim_now = _sim_clock(base_url, parse_iso)
	settings = SyncSettings(
		account_key="kill-benchmark",
		after_date=(sim_now() - timedelta(days=AFTER_DAYS)).date(),
		marketplaces=marketplace_configs(account),
		seller_id=account["seller_id"],
		extra={"report_poll_interval": 30, "report_deadline": 3600},
	)
	preview = JournalPreview("kill-benchmark", journal)
	run_pipeline(SpApiSource(session), preview, settings, now=sim_now)
	preview._commit()
	return 0


def _sim_clock(base_url: str, parse_iso):
	"""The simulator's "now", read once and then advanced at its time scale."""
	import httpx

	start = parse_iso(httpx.get(f"{base_url}/_sim/clock", timeout=10).json()["now"])
	origin = time.monotonic()
	return lambda: start + timedelta(seconds=(time.monotonic() - origin) * TIME_SCALE)


def totals(journal: Path) -> dict:
	preview = JournalPreview("kill-benchmark", journal)
	preview._journal.close()
	return {
		"orders": {k: r["draft"].grand_total for k, r in preview.sales_orders.items()},
		"fees": {k: d.total for k, d in preview.fee_entries.items()},
	}


def run_child(args, base_url: str, account: dict, journal: Path) -> subprocess.Popen:
	return subprocess.Popen(
		[sys.executable, __file__, "--child", base_url, json.dumps(account), str(journal)],
		cwd=REPO,
		stdout=subprocess.DEVNULL,
		stderr=subprocess.DEVNULL,
	)


def main(argv=None) -> int:
	if argv is None and len(sys.argv) > 1 and sys.argv[1] == "--child":
		return child(sys.argv[2], json.loads(sys.argv[3]), Path(sys.argv[4]))
	parser = OneLineParser(prog="benchmarks/kill_benchmark.py", description=__doc__.splitlines()[0])
	parser.add_argument("--orders", type=count(1), default=2000)
	parser.add_argument("--kills", type=count(1), default=20)
	parser.add_argument("--seed", type=whole_number, default=5)
	parser.add_argument("--days", type=count(1), default=180)
	args = parser.parse_args(argv)

	from amazon_connector.simulator import generate_world
	from amazon_connector.simulator.connect import credentials

	end = datetime.now(timezone.utc) - timedelta(days=30)
	world = generate_world(seed=args.seed, orders=args.orders, start=end - timedelta(days=args.days), end=end)
	rng = random.Random(args.seed)
	with tempfile.TemporaryDirectory() as tmp:
		world_file = Path(tmp) / "world.json"
		world_file.write_text(json.dumps(world))
		sim = subprocess.Popen(
			[sys.executable, "-m", "amazon_connector.simulator", "--world", str(world_file), "--port", "0",
				"--time-scale", str(TIME_SCALE)],
			cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,  # killed clients' broken pipes
		)  # fmt: skip
		try:
			base_url = sim.stdout.readline().strip()
			account = credentials(world["account"])
			reference, killed = Path(tmp) / "reference.journal", Path(tmp) / "killed.journal"
			started = time.monotonic()
			if run_child(args, base_url, account, reference).wait() != 0:
				raise SystemExit("the uninterrupted run failed")
			full = time.monotonic() - started
			print(f"world: {args.orders} orders, seed {args.seed}; an uninterrupted run takes {full:.0f} s")
			kills = 0
			while kills < args.kills:
				process = run_child(args, base_url, account, killed)
				time.sleep(rng.uniform(0.05, 1.0) * full)
				if process.poll() is not None:
					continue  # finished before the kill: start again, the next one is killed
				os.kill(process.pid, signal.SIGKILL)
				process.wait()
				kills += 1
			for _ in range(3):  # then scheduled runs until nothing changes
				if run_child(args, base_url, account, killed).wait() != 0:
					raise SystemExit("a resumed run failed")
		finally:
			sim.terminate()
			sim.wait(timeout=10)
		want, got = totals(reference), totals(killed)
	print(f"SIGKILLs: {kills} at random moments, then 3 runs to the end")
	for kind, label in (("orders", "Sales Orders"), ("fees", "fee entries")):
		missing = set(want[kind]) - set(got[kind])
		extra = set(got[kind]) - set(want[kind])
		total_want, total_got = sum(want[kind].values(), Decimal(0)), sum(got[kind].values(), Decimal(0))
		print(
			f"{label}: {len(got[kind])} of {len(want[kind])}; gaps {len(missing)}, duplicates {len(extra)}; "
			f"total {total_got} against {total_want} ({'equal' if total_got == total_want else 'DIFFERENT'})"
		)
	return 0


if __name__ == "__main__":
	sys.exit(main())
