"""What a sync run did: counts, failures with their Amazon ids, windows, API usage."""

from __future__ import annotations

import html
import logging
import re
import traceback
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone

from ...spapi.errors import SpApiError, user_message
from ..ports import Outcome, StatePort
from ..sources import UsageCounted

log = logging.getLogger(__name__)

# "recorded": reported to the log but deliberately not booked (refunds, adjustments, ...).
COUNTED = (
	"created", "updated", "unchanged", "cancelled", "flagged", "held", "skipped", "recorded", "failed",
)  # fmt: skip


@dataclass
class RecordFailure:
	record_kind: str  # item, order, fee
	amazon_id: str  # SKU, Amazon order id, or financial event key
	reason: str
	detail: str = ""  # traceback for the log; never contains credentials


@dataclass
class SyncReport:
	kind: str  # products, orders, fees
	account: str
	started: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
	ended: datetime | None = None
	counts: Counter = field(default_factory=Counter)
	failures: list[RecordFailure] = field(default_factory=list)
	windows: list[str] = field(default_factory=list)
	messages: list[str] = field(default_factory=list)
	api_calls: dict[str, int] = field(default_factory=dict)
	throttle_wait_seconds: float = 0.0
	events: list = field(default_factory=list)  # unposted finance events and the like, for the log
	# False for a stage the pipeline did not run (Amazon could not be reached before it): it synced nothing.
	ran: bool = True

	def count(self, outcome: Outcome | str, n: int = 1) -> None:
		self.counts[outcome.value if isinstance(outcome, Outcome) else outcome] += n

	def note(self, message: str) -> None:
		log.info("%s sync %s: %s", self.kind, self.account, message)
		self.messages.append(message)

	def usage_since(self, before: dict, after: dict) -> None:
		"""Keep the API calls and throttling waits between two `source_stats` readings: a run's
		stages share one source, whose counters only grow."""
		calls_before = before.get("calls", {})
		calls = {op: n - calls_before.get(op, 0) for op, n in after.get("calls", {}).items()}
		self.api_calls = {op: n for op, n in calls.items() if n}
		waited = float(after.get("throttle_wait_seconds", 0.0)) - float(
			before.get("throttle_wait_seconds", 0.0)
		)
		self.throttle_wait_seconds = max(waited, 0.0)

	def finish(self, api_stats: dict | None = None) -> SyncReport:
		self.ended = datetime.now(timezone.utc)
		if api_stats:
			self.api_calls = dict(api_stats.get("calls", {}))
			self.throttle_wait_seconds = float(api_stats.get("throttle_wait_seconds", 0.0))
		return self

	@property
	def failed(self) -> int:
		return self.counts["failed"]

	def summary(self) -> dict:
		return {
			"kind": self.kind,
			"account": self.account,
			"counts": {name: self.counts.get(name, 0) for name in COUNTED},
			"failures": [f"{f.record_kind} {f.amazon_id}: {f.reason}" for f in self.failures],
			"windows": list(self.windows),
			"api_calls": dict(self.api_calls),
			"throttle_wait_seconds": round(self.throttle_wait_seconds, 3),
			"messages": list(self.messages),
		}


def source_stats(source: UsageCounted | None) -> dict:
	"""The source's API usage counters (`stats()`), or {} for a source without them.
	Statistics are a nicety: reading them never fails a run."""
	try:
		return source.stats() if source is not None else {}
	except Exception:  # a test's source without counters, or counters that failed
		return {}


def source_outage(source: object) -> Exception | None:
	"""Why the source's last call got nothing from Amazon (`Reachability.outage`), or None; a source
	that does not tell (a test's) never has one."""
	try:
		outage = getattr(source, "outage", None)
		return outage() if callable(outage) else None
	except Exception:  # telling is a nicety, as the statistics are
		return None


def failure_reason(exc: BaseException) -> str:
	"""Why a record or a read failed, as the sync log shows it: Amazon's errors in one plain sentence;
	an error written for the user (its class says `user_facing = True`: it names the record and what
	to do) as it is, without its class name; anything else by kind and text."""
	if isinstance(exc, SpApiError):
		return user_message(exc)
	if getattr(exc, "user_facing", False) and str(exc):
		return plain_text(str(exc))
	return f"{type(exc).__name__}: {plain_text(str(exc))}"


# ERPNext writes its messages for a dialog: links, line breaks and lists in HTML. The sync log and the
# form's summary show a reason as text, where the markup would be read as it is ("<a href=...>").
_BREAK = re.compile(r"<\s*(?:br|hr|li|/li|/p|/div|/ul|/ol)\b[^<>]*>", re.IGNORECASE)
_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")  # a tag, not a comparison ("amount <= 0 and > 5")
_SPACE = re.compile(r"\s+")


def plain_text(text: str) -> str:
	"""`text` without HTML markup: breaks and list items become spaces, other tags go (a link keeps its
	text), entities are read; text without markup is left as it is."""
	if "<" not in text and "&" not in text:
		return text
	text = _TAG.sub("", _BREAK.sub(" ", text))
	return _SPACE.sub(" ", html.unescape(text)).strip()


def is_transient(exc: BaseException) -> bool:
	"""Amazon (or the way to it) is busy rather than refusing: throttled or unwell past the retries,
	or unreachable. The access layer marks such errors `transient`; the engines stop a run cleanly on
	them and the next run goes on."""
	return bool(getattr(exc, "transient", False))


def run_isolated(
	report: SyncReport, state: StatePort, record_kind: str, amazon_id: str, work
) -> Outcome | None:
	"""Run `work()` for one record inside the port's record scope.

	A failure is counted and kept with the record's Amazon id, and only that record's writes are
	undone; the run goes on with the next record. Returns the outcome, or None on failure.
	"""
	try:
		with state.record_scope(record_kind, amazon_id):
			outcome = work()
	except Exception as exc:  # one bad record must not stop the others
		report.count("failed")
		report.failures.append(
			RecordFailure(record_kind, amazon_id, failure_reason(exc), traceback.format_exc(limit=8))
		)
		log.warning("%s %s failed: %s", record_kind, amazon_id, exc)
		return None
	if outcome is not None:
		report.count(outcome)
	return outcome
