"""How this process runs syncs: the runner's explicit test seams.

Production code reads these options, never a test flag. The defaults are production's; the bench
tests switch them once for their process (`amazon_connector/tests/__init__.py`) and point runs at a
simulator per test (`runtime`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from ..spapi.account import AccountConfig
from ..spapi.client import SpApiSession


def _default_session(config: AccountConfig) -> SpApiSession:
	from .throttle import frappe_session  # Frappe's Redis: imported when a run starts, not with the options

	return frappe_session(config)


@dataclass
class Runtime:
	"""How a run reaches Amazon. Tests and the bench command's simulator switch replace these.
	By default sessions pace with token buckets in the bench's Redis (`throttle`)."""

	session_factory: Callable[[AccountConfig], SpApiSession] = _default_session
	now: Callable[[], datetime] | None = None  # "now" of the engines (a simulator's clock)
	settings_extra: dict = field(default_factory=dict)


@dataclass
class RunnerOptions:
	# Run a queued job at once, in this process (frappe.enqueue(now=True)), instead of in a worker.
	jobs_in_process: bool = False
	# Commit at the runner's commit points. Off, everything stays in the caller's transaction (a
	# test's, which the test runner rolls back), and a crashed stage is undone to its savepoint.
	commit: bool = True
	# How runs reach Amazon when the caller gives no Runtime.
	runtime: Runtime = field(default_factory=Runtime)


OPTIONS = RunnerOptions()


def use_for_tests() -> None:
	"""The bench tests' process: jobs run in-process, inside the test's transaction."""
	OPTIONS.jobs_in_process = True
	OPTIONS.commit = False
