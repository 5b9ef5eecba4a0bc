"""The demo, the benchmark and the simulator refuse bad arguments in one line, with a non-zero exit
and no traceback; their progress goes to stderr with counts and an estimate of the time left."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from amazon_connector.demo.progress import ConsoleProgress, eta_text

REPO = Path(__file__).resolve().parent.parent
DEMO = [sys.executable, "-m", "amazon_connector.demo"]
SIMULATOR = [sys.executable, "-m", "amazon_connector.simulator", "--generate", "--orders", "3"]
BENCHMARK = [sys.executable, str(REPO / "benchmarks" / "sync_benchmark.py")]


def benchmark(name: str) -> list[str]:
	return [sys.executable, str(REPO / "benchmarks" / f"{name}.py")]


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess:
	# No Frappe on the path: the benchmark's --site must be refused, not crash on the import.
	env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
	return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def one_line_error(result: subprocess.CompletedProcess) -> str:
	assert result.returncode != 0
	assert result.stdout == ""
	lines = result.stderr.strip().splitlines()
	assert len(lines) == 1, result.stderr
	assert "Traceback" not in result.stderr
	return lines[0]


@pytest.mark.parametrize(
	("command", "expected"),
	[
		(DEMO + ["--orders", "-5"], "argument --orders: must be 0 or more, not -5"),
		(DEMO + ["--time-scale", "0"], "argument --time-scale: must be more than 0 and finite, not 0"),
		(DEMO + ["--time-scale", "nan"], "argument --time-scale: must be"),
		(DEMO + ["--orders", "many"], "argument --orders: 'many' is not a whole number"),
		(BENCHMARK + ["--orders", "-5"], "argument --orders: must be 1 or more, not -5"),
		(BENCHMARK + ["--days", "0"], "argument --days: must be 1 or more, not 0"),
		(
			BENCHMARK + ["--site", "test_site"],
			"--site needs Frappe: run the benchmark with the bench's Python",
		),
		(BENCHMARK + ["--seed", "x"], "argument --seed: 'x' is not a whole number"),
		(BENCHMARK + ["--today", "2026-13-01"], "argument --today: '2026-13-01' is not a date (YYYY-MM-DD)"),
		(BENCHMARK + ["--time-scale", "0"], "argument --time-scale: must be more than 0 and finite, not 0"),
		(
			[sys.executable, "-m", "amazon_connector.simulator", "--generate", "--now", "soon"],
			"argument --now: 'soon' is not an ISO 8601 timestamp",
		),
		(BENCHMARK + ["--company", "Acme"], "--company is for runs into a bench site: add --site SITE"),
		(benchmark("stock_push_benchmark") + ["--skus", "0"], "argument --skus: must be 1 or more, not 0"),
		(benchmark("stock_push_benchmark") + ["--changes-per-hour", "60,abc"], "'abc' is not a number"),
		(benchmark("stock_push_benchmark") + ["--marketplaces", "XX"], "Unknown marketplace 'XX'"),
		(
			benchmark("stock_push_benchmark") + ["--feed-seconds", "-1"],
			"must be 0 or more and finite, not -1",
		),
		(benchmark("mcf_benchmark") + ["--orders", "-5"], "argument --orders: must be 1 or more, not -5"),
		(
			benchmark("settlement_reports_benchmark") + ["--orders", "0"],
			"argument --orders: must be 1 or more, not 0",
		),
		(benchmark("fault_benchmark") + ["--days", "0"], "argument --days: must be 1 or more, not 0"),
		(benchmark("fault_benchmark") + ["--runs", "0"], "argument --runs: must be 1 or more, not 0"),
		(benchmark("kill_benchmark") + ["--orders", "-5"], "argument --orders: must be 1 or more, not -5"),
		(benchmark("kill_benchmark") + ["--kills", "-1"], "argument --kills: must be 1 or more, not -1"),
		(
			benchmark("notification_latency_benchmark") + ["--minutes", "-1"],
			"argument --minutes: must be more",
		),
		(
			benchmark("two_workers_benchmark") + ["--site", "nowhere"],
			"in a frappe-bench folder with the site",
		),
		(
			benchmark("bench_kill_benchmark") + ["--site", "nowhere"],
			"not a frappe-bench folder with the site",
		),
		(benchmark("inclusive_vat_rounding") + ["--seed", "q"], "argument --seed: 'q' is not a whole number"),
		(SIMULATOR + ["--port", "99999"], "argument --port: must be from 0 to 65535, not 99999"),
		(SIMULATOR + ["--seed", "1.5"], "argument --seed: '1.5' is not a whole number"),
		(SIMULATOR + ["--time-scale", "0"], "argument --time-scale: must be more than 0 and finite, not 0"),
		(SIMULATOR[:4] + ["--orders", "-5"], "argument --orders: must be 0 or more, not -5"),
	],
	ids=lambda value: " ".join(value[2:]) if isinstance(value, list) else None,
)
def test_a_bad_argument_is_one_line_naming_it(tmp_path, command, expected):
	line = one_line_error(run(command, tmp_path))
	assert expected in line
	assert line.endswith("(see --help)")


def test_an_out_path_that_is_a_file_is_named_as_one(tmp_path):
	blocker = tmp_path / "a-file"
	blocker.write_text("not a folder")
	line = one_line_error(run(DEMO + ["--orders", "1", "--out", str(blocker)], tmp_path))
	assert f"--out {blocker}: is a file, not a folder" in line


def test_an_unwritable_out_folder_is_refused_before_the_run(tmp_path):
	blocker = tmp_path / "a-file"
	blocker.write_text("not a folder")
	line = one_line_error(run(DEMO + ["--orders", "1", "--out", str(blocker / "drafts")], tmp_path))
	assert f"--out {blocker / 'drafts'}: cannot write there" in line


def test_the_simulator_on_a_port_in_use_says_so(tmp_path):
	with socket.socket() as taken:
		taken.bind(("127.0.0.1", 0))
		taken.listen()
		port = taken.getsockname()[1]
		line = one_line_error(run(SIMULATOR + ["--port", str(port)], tmp_path))
	assert (
		line
		== f"python -m amazon_connector.simulator: error: cannot listen on 127.0.0.1 port {port}: it is in use"
	)


def test_the_simulator_names_a_world_file_it_cannot_read(tmp_path):
	command = [sys.executable, "-m", "amazon_connector.simulator", "--world", str(tmp_path / "none.json")]
	line = one_line_error(run(command, tmp_path))
	assert f"cannot use {tmp_path / 'none.json'}: No such file or directory" in line


def test_the_demo_writes_progress_on_stderr_and_figures_on_stdout(tmp_path):
	result = run(DEMO + ["--orders", "30", "--seed", "2", "--out", str(tmp_path / "out")], tmp_path)
	assert result.returncode == 0, result.stderr
	assert "What each stage did" in result.stdout and "done in" not in result.stdout
	progress = result.stderr.splitlines()
	for stage in ("products", "orders", "fees"):
		assert any(line.startswith(f"{stage}: ") and "(100%) done in" in line for line in progress), stage
	assert (tmp_path / "out" / "summary.json").is_file()


class FakeClock:
	def __init__(self):
		self.now = 0.0

	def __call__(self) -> float:
		return self.now


def test_console_progress_counts_and_estimates_from_the_pace_since_the_first_record():
	stream, clock = io.StringIO(), FakeClock()
	progress = ConsoleProgress(stream, clock=clock, interval=0)
	progress("orders", 0, None, "Reading the first window")
	clock.now = 60.0  # a slow start (a report Amazon prepares) must not weigh on the estimate
	progress("orders", 10, 100, "window 1")
	clock.now = 70.0
	progress("orders", 20, 100, "window 2")  # 10 records in 10 s: 80 left, 80 s
	clock.now = 150.0
	progress("orders", 100, 100, "Done")
	lines = stream.getvalue().splitlines()
	assert lines[0] == "orders: Reading the first window (0:00 so far)"
	assert lines[1] == "orders: 10/100 (10%) - window 1"
	assert lines[2] == "orders: 20/100 (20%), about 1:20 left - window 2"
	assert lines[3] == "orders: 100/100 (100%) done in 2:30 - Done"


def test_console_progress_writes_a_log_line_at_most_every_interval_but_every_stage_change():
	stream, clock = io.StringIO(), FakeClock()
	progress = ConsoleProgress(stream, clock=clock, interval=5)
	for second in range(10):
		clock.now = float(second)
		progress("products", second + 1, 20, "")
	progress("orders", 0, None, "start")
	assert [line.split(":")[0] for line in stream.getvalue().splitlines()] == [
		"products",
		"products",
		"orders",
	]


def test_eta_text():
	assert (eta_text(0), eta_text(59.6), eta_text(61), eta_text(3 * 3600 + 5)) == (
		"0:00",
		"1:00",
		"1:01",
		"3:00:05",
	)
