"""The Amazon Sync Log of a stage: started when the stage starts, finished with its report; and the
summaries the user is shown when a job ends."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal

import frappe
from frappe import _
from frappe.utils import now_datetime

from ..core.engine.pipeline import STAGES
from ..core.engine.report import COUNTED, SyncReport
from ..spapi.redaction import Scrubber
from .commits import commit

LOG_DOCTYPE = "Amazon Sync Log"
FAILURE_DOCTYPE = "Amazon Sync Failure"
RETRY = "retry"  # the log kind of a retry of failed records
MAX_LOGGED_FAILURES = 2000
MAX_EVENTS_CHARS = 500_000


INTERRUPTED = "Interrupted"
UNFINISHED = ("Queued", "Running")


def close_interrupted(account: str) -> list[str]:
	"""Close the account's logs still "Running" as "Interrupted". Called only while no run of the
	account holds its lock (by the next run once it has the lock, or by the scheduler once the lock has
	expired), so such a log belongs to a run whose worker stopped or was killed. Its checkpoints hold
	what it finished; the next run goes on from them."""
	names = frappe.get_all(
		LOG_DOCTYPE, filters={"amazon_account": account, "status": ("in", UNFINISHED)}, pluck="name"
	)
	for name in names:
		messages = frappe.db.get_value(LOG_DOCTYPE, name, "messages") or ""
		note = _(
			"The run stopped before it finished (its worker ended or was killed); the next run goes on from the last checkpoint."
		)
		frappe.db.set_value(
			LOG_DOCTYPE,
			name,
			{"status": INTERRUPTED, "ended": now_datetime(), "messages": f"{messages}\n{note}".strip()},
		)
	if names:
		commit()  # deliberate: the closing stands even if the run that noticed fails later
	return names


class SyncLogWriter:
	def __init__(self, doc):
		self.doc = doc

	@property
	def name(self) -> str:
		return self.doc.name

	@property
	def started(self):
		return self.doc.started

	@classmethod
	def start(
		cls, account: str, kind: str, triggered_by: str, dry_run: bool, retry_of: str | None = None
	) -> SyncLogWriter:
		doc = frappe.get_doc(
			{
				"doctype": LOG_DOCTYPE,
				"amazon_account": account,
				"kind": kind,
				"status": "Running",
				"dry_run": int(bool(dry_run)),
				"started": now_datetime(),
				"triggered_by": _triggered_by(triggered_by, retry_of),
			}
		).insert(ignore_permissions=True)
		commit()  # the log is visible while the stage runs
		return cls(doc)

	def error_log(self, text: str) -> None:
		frappe.log_error(
			title=_("Amazon {0} sync of {1} stopped").format(self.doc.kind, self.doc.amazon_account),
			message=text,
			reference_doctype=LOG_DOCTYPE,
			reference_name=self.doc.name,
		)

	def finish(self, report: SyncReport, scrub: Scrubber, *, crashed: bool = False) -> None:
		doc = self.doc
		counts = report.counts
		for name in COUNTED:
			doc.set(f"{name}_count", int(counts.get(name, 0)))
		doc.windows = scrub("\n".join(str(w) for w in report.windows))
		doc.api_calls = json.dumps(dict(sorted(report.api_calls.items())), indent=1)
		doc.throttle_wait_seconds = round(float(report.throttle_wait_seconds or 0.0), 3)
		messages = [scrub(str(m)) for m in report.messages]
		failures = list(report.failures)
		if len(failures) > MAX_LOGGED_FAILURES:
			messages.append(
				_("{0} more failed records are not listed here.").format(len(failures) - MAX_LOGGED_FAILURES)
			)
			failures = failures[:MAX_LOGGED_FAILURES]
		doc.messages = "\n".join(messages)
		doc.set("failures", [])
		for failure in failures:
			doc.append(
				"failures",
				{
					"record_kind": scrub(failure.record_kind)[:140],
					"amazon_id": scrub(failure.amazon_id)[:140],
					"reason": scrub(failure.reason),
					"detail": scrub(failure.detail or ""),
				},
			)
		if report.events:
			events = scrub(json.dumps(report.events, indent=1, default=_jsonable))
			doc.events = events[:MAX_EVENTS_CHARS]
		# What "Syncs With Failures" counts: failures not retried yet (a dry run's cannot be retried).
		doc.open_failures = 0 if doc.dry_run else len(doc.failures)
		doc.ended = now_datetime()
		doc.status = status_of(report, crashed)
		doc.save(ignore_permissions=True)


def skipped_log(account: str, kind: str, triggered_by: str, dry_run: bool, message: str) -> None:
	"""The log of a run that did not start (another run of the account holds the lock)."""
	log_kind = kind if kind in (*STAGES, RETRY) else kind.split("+")[0]
	frappe.get_doc(
		{
			"doctype": LOG_DOCTYPE,
			"amazon_account": account,
			"kind": log_kind,
			"status": "Skipped",
			"dry_run": int(bool(dry_run)),
			"started": now_datetime(),
			"ended": now_datetime(),
			"triggered_by": _triggered_by(triggered_by),
			"messages": message,
		}
	).insert(ignore_permissions=True)
	commit()


def mark_retried(failure_rows) -> None:
	"""The rows retried, and their logs' open failures counted again: a log whose failures were all
	retried leaves "Syncs With Failures" (what failed again is on the retry's own log)."""
	logs = set()
	for row in failure_rows:
		frappe.db.set_value(FAILURE_DOCTYPE, row.name, "retried", 1, update_modified=False)
		logs.add(row.parent)
	for log in logs:
		update_open_failures(log)


def update_open_failures(log: str) -> None:
	if frappe.db.get_value(LOG_DOCTYPE, log, "dry_run"):
		open_failures = 0
	else:
		open_failures = frappe.db.count(
			FAILURE_DOCTYPE, {"parent": log, "parenttype": LOG_DOCTYPE, "retried": 0}
		)
	frappe.db.set_value(LOG_DOCTYPE, log, "open_failures", open_failures, update_modified=False)


def status_of(report: SyncReport, crashed: bool) -> str:
	if crashed:
		return "Failed"
	failed = report.counts.get("failed", 0)
	if not failed:
		return "Success"
	done = sum(report.counts.get(name, 0) for name in COUNTED if name not in ("failed", "skipped"))
	return "Partial Success" if done else "Failed"


def summary_text(stage: str, report: SyncReport, log: str | None) -> str:
	counts = report.counts
	shown = ", ".join(f"{counts.get(name, 0)} {name}" for name in COUNTED if counts.get(name, 0)) or _(
		"nothing to do"
	)
	text = _("{0}: {1} ({2})").format(stage.capitalize(), shown, log or "")
	if counts.get("failed") and report.failures:
		# The first reason, so that the popup says what went wrong, not only that something did.
		first = report.failures[0]
		reason = first.reason if len(first.reason) <= 300 else first.reason[:297] + "..."
		text += " " + _("First failure: {0} {1}: {2}").format(first.record_kind, first.amazon_id, reason)
	return text


def _triggered_by(triggered_by: str, retry_of: str | None = None) -> str:
	who = frappe.session.user if frappe.session else ""
	text = f"{triggered_by} ({who})" if who and triggered_by != "scheduler" else triggered_by
	return f"{text}, retry of {retry_of}" if retry_of else text


def _jsonable(value):
	if dataclasses.is_dataclass(value) and not isinstance(value, type):
		return dataclasses.asdict(value)
	if isinstance(value, Decimal):
		return str(value)
	if isinstance(value, set | frozenset | tuple):
		return list(value)
	return str(value)
