"""Running syncs the Frappe way: background jobs, one lock per account, one Amazon Sync Log per run.

Everything that starts a sync goes through here: the form's buttons (`api.py`), the scheduler
(`tasks.py`) and the bench command (`commands/`). A run of one account takes the account's lock
(`locks.AccountLock`), then runs its stages in the fixed order products -> orders -> fees, each with
its own Amazon Sync Log, through the framework-free engines of `core.engine` on either ERPNext
(`erpnext_adapter.port.ErpNextPort`) or, for a dry run, the in-memory preview (`core.preview.PreviewErp`).

Transactions: the engines and the ERPNext port never commit. This module commits deliberately
(1) the log when a stage starts, so that the user sees it running, (2) every `COMMIT_EVERY`
records and after every checkpoint, so that a crash loses at most one batch and a long backfill
never holds one transaction for hours (what was committed is found again by Amazon id on the next
run), and (3) the log and the account's last-sync time when a stage ends.
"""

from __future__ import annotations

import json
import time
import traceback
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date

import frappe
from frappe import _
from frappe.utils import getdate, now_datetime
from frappe.utils.background_jobs import is_job_enqueued

from .core.engine.pipeline import FEES, ORDERS, PRODUCTS, STAGES
from .core.engine.report import COUNTED, SyncReport, source_stats
from .core.ports import SyncLocked
from .erpnext_adapter.connection import test_connection
from .erpnext_adapter.settings import account_config, settings_doc, sync_settings
from .locks import AccountLock
from .spapi.redaction import Scrubber

SETTINGS_DOCTYPE = "Amazon Settings"
LOG_DOCTYPE = "Amazon Sync Log"
RETRY = "retry"
LAST_SYNC_FIELD = {PRODUCTS: "last_product_sync", ORDERS: "last_order_sync", FEES: "last_fee_sync"}

# RQ kills a job that runs longer than its timeout. A first backfill of a large seller reads many
# order windows at Amazon's searchOrders rate (one page every three minutes after the burst).
JOB_TIMEOUT = 6 * 3600
TEST_CONNECTION_TIMEOUT = 120
COMMIT_EVERY = 50
MAX_LOGGED_FAILURES = 2000
MAX_EVENTS_CHARS = 500_000

ProgressCallback = Callable[[str, int, "int | None", str], None]


# -- job ids and enqueueing ------------------------------------------------------------------------


def sync_job_id(account: str) -> str:
	# One sync job per account, whatever its stages: a second press (or a scheduler tick) while a
	# job of the account is queued or running is refused, not queued behind it.
	return f"amazon_connector:sync:{account}"


def test_job_id(account: str) -> str:
	return f"amazon_connector:test_connection:{account}"


def ordered_stages(stages: Iterable[str]) -> list[str]:
	wanted = set(stages)
	unknown = wanted - set(STAGES)
	if unknown:
		frappe.throw(_("Unknown sync kind(s): {0}").format(", ".join(sorted(unknown))))
	return [stage for stage in STAGES if stage in wanted]


def enqueue_sync(account: str, stages: Iterable[str], *, triggered_by: str = "manual", **kwargs) -> bool:
	"""Queue one sync job for the account. False when one is already queued or running."""
	return _enqueue_once(
		"amazon_connector.jobs.run_sync_job",
		sync_job_id(account),
		JOB_TIMEOUT,
		account=account,
		stages=ordered_stages(stages),
		triggered_by=triggered_by,
		**kwargs,
	)


def enqueue_test_connection(account: str) -> bool:
	"""Queue a connection test of the account. False when one is already queued or running."""
	return _enqueue_once(
		"amazon_connector.jobs.test_connection_job",
		test_job_id(account),
		TEST_CONNECTION_TIMEOUT,
		account=account,
	)


def _enqueue_once(method: str, job_id: str, timeout: int, **kwargs) -> bool:
	# frappe.enqueue(deduplicate=True) also refuses a second job, but silently; this check lets the
	# caller tell the user (a race between the check and the enqueue is still deduplicated).
	if is_job_enqueued(job_id):
		return False
	frappe.enqueue(
		method,
		queue="long",
		timeout=timeout,
		job_id=job_id,
		deduplicate=True,
		now=bool(frappe.flags.in_test),
		**kwargs,
	)
	return True


# -- background job entry points -------------------------------------------------------------------


def run_sync_job(account: str, stages: list[str], triggered_by: str = "manual", retry_log: str | None = None):
	"""The RQ job: run and tell the form (progress while it runs, a summary when it ends)."""
	publisher = FormPublisher(account)
	try:
		if retry_log:
			results = [retry_failures(retry_log, triggered_by=triggered_by, progress=publisher.progress)]
		else:
			results = run_sync(account, stages, triggered_by=triggered_by, progress=publisher.progress)
	except SyncLocked as exc:
		publisher.done(_("Sync not started"), str(exc), "orange")
		return
	except Exception:
		# Stages log their own failures; this is a run that could not start (settings, credentials).
		# The form must still hear that it ended; RQ and the Error Log keep the traceback.
		publisher.done(_("Sync not started"), _("The sync could not start; see the Error Log."), "red")
		raise
	publisher.done(_("Amazon sync finished"), summary_html(results), _indicator(results))


def test_connection_job(account: str):
	publisher = FormPublisher(account)
	try:
		ok, message = test_connection(account)
		_commit()  # the marketplaces Test Connection saved
	except Exception:
		publisher.done(
			_("Test Connection"), _("The connection test could not run; see the Error Log."), "red"
		)
		raise
	publisher.done(_("Test Connection"), frappe.utils.escape_html(message), "green" if ok else "red")


# -- the run --------------------------------------------------------------------------------------


@dataclass
class StageResult:
	stage: str
	log: str | None
	report: SyncReport
	crashed: bool = False
	port: object = None  # the preview of a dry run: what would be created or changed


@dataclass
class Runtime:
	"""How a run reaches Amazon. Tests and the bench command's simulator switch replace these."""

	session_factory: Callable | None = None  # AccountConfig -> SpApiSession
	now: Callable | None = None  # "now" of the engines (a simulator's clock)
	settings_extra: dict = field(default_factory=dict)


def run_sync(
	account: str,
	stages: Iterable[str],
	*,
	dry_run: bool = False,
	triggered_by: str = "manual",
	after_date: date | str | None = None,
	progress: ProgressCallback | None = None,
	runtime: Runtime | None = None,
) -> list[StageResult]:
	"""Run the given stages of one account, in order, under the account's lock.

	Raises SyncLocked (after logging a skipped run) when another run of the account holds the lock."""
	stages = ordered_stages(stages)
	doc = settings_doc(account)
	account = doc.name
	with _locked(account, "+".join(stages), triggered_by, dry_run):
		with _Run(doc, dry_run=dry_run, after_date=after_date, runtime=runtime) as run:
			results: list[StageResult] = []
			for stage in stages:
				result = run.stage(stage, triggered_by, progress)
				results.append(result)
				if result.crashed and stage == PRODUCTS:
					# Orders would only fail on unknown items, and fees on unknown orders.
					break
			return results


def retry_failures(
	log_name: str,
	*,
	triggered_by: str = "manual",
	progress: ProgressCallback | None = None,
	runtime: Runtime | None = None,
) -> StageResult:
	"""Run the failed records of a sync log again: orders by id, fees by order, other kinds by
	running their stage again (products and windows are cheap to redo and idempotent)."""
	source = frappe.get_doc(LOG_DOCTYPE, log_name)
	rows = [row for row in source.failures if not row.retried]
	doc = settings_doc(source.amazon_account)
	with _locked(doc.name, RETRY, triggered_by, False):
		with _Run(doc, dry_run=False, runtime=runtime) as run:
			result = run.retry(rows, source, triggered_by, progress)
	return result


@contextmanager
def _locked(account: str, kind: str, triggered_by: str, dry_run: bool):
	try:
		lock = AccountLock(account, kind)
		lock.acquire()
	except SyncLocked as exc:
		_skipped_log(account, kind, triggered_by, dry_run, str(exc))
		raise
	try:
		yield lock
	finally:
		lock.release()


class _Run:
	"""One account's session, settings and port for the stages of one run."""

	def __init__(self, doc, *, dry_run: bool, after_date=None, runtime: Runtime | None = None):
		self.doc = doc
		self.dry_run = dry_run
		# Tests (and only tests) point every run of the process at a simulator through this flag.
		self.runtime = runtime or frappe.flags.get("amazon_connector_runtime") or Runtime()
		self.config = account_config(doc)
		self.scrub = Scrubber.for_config(self.config)
		settings = sync_settings(doc, **self.runtime.settings_extra)
		if after_date:
			settings = replace(settings, after_date=getdate(after_date))
		self.settings = settings
		self.session = None
		self.source = None
		self.port = None

	def __enter__(self) -> _Run:
		from .spapi.client import SpApiSession
		from .spapi.source import SpApiSource

		factory = self.runtime.session_factory or SpApiSession
		self.session = factory(self.config)
		self.source = SpApiSource(self.session)
		if self.dry_run:
			from .core.preview import PreviewErp

			self.port = PreviewErp(self.doc.name)
		else:
			from .erpnext_adapter.port import ErpNextPort

			self.port = CommittingPort(ErpNextPort(self.doc))
		return self

	def __exit__(self, *exc_info) -> None:
		close = getattr(self.session, "close", None)
		if close:
			close()

	def engine(self, stage: str):
		from .core.engine.pipeline import build_engine

		return build_engine(stage, self.source, self.port, self.settings, now=self.runtime.now)

	def stage(self, stage: str, triggered_by: str, progress: ProgressCallback | None) -> StageResult:
		log = SyncLogWriter.start(self.doc.name, stage, triggered_by, self.dry_run)
		before = source_stats(self.source)
		crashed = False
		savepoint = _savepoint()
		try:
			report = self.engine(stage).run(progress=_stage_progress(stage, progress))
		except Exception as exc:  # a stage that cannot run at all still leaves a log
			crashed = True
			_rollback(savepoint)
			report = _crashed_report(stage, self.doc.name, exc, self.scrub)
			log.error_log(self.scrub(traceback.format_exc()))
		else:
			_commit()
		report.usage_since(before, source_stats(self.source))
		log.finish(report, self.scrub, crashed=crashed)
		if not self.dry_run and not crashed:
			frappe.db.set_value(
				SETTINGS_DOCTYPE, self.doc.name, LAST_SYNC_FIELD[stage], log.started, update_modified=False
			)
		_commit()
		return StageResult(stage, log.name, report, crashed, self.port if self.dry_run else None)

	def retry(self, rows, source, triggered_by: str, progress: ProgressCallback | None) -> StageResult:
		log = SyncLogWriter.start(self.doc.name, RETRY, triggered_by, False, retry_of=source.name)
		before = source_stats(self.source)
		report = SyncReport(kind=RETRY, account=self.doc.name)
		order_ids, fee_order_ids, stages = plan_retry(rows)
		crashed = False
		savepoint = _savepoint()
		try:
			parts: list[SyncReport] = []
			if PRODUCTS in stages:
				parts.append(self.engine(PRODUCTS).run(progress=_stage_progress(PRODUCTS, progress)))
			if order_ids:
				parts.append(self.engine(ORDERS).retry(order_ids, progress=_stage_progress(ORDERS, progress)))
			if ORDERS in stages:
				parts.append(self.engine(ORDERS).run(progress=_stage_progress(ORDERS, progress)))
			if fee_order_ids:
				parts.append(
					self.engine(FEES).run_orders(fee_order_ids, progress=_stage_progress(FEES, progress))
				)
			if FEES in stages:
				parts.append(self.engine(FEES).run(progress=_stage_progress(FEES, progress)))
			for part in parts:
				_merge(report, part)
			for row in rows:
				frappe.db.set_value("Amazon Sync Failure", row.name, "retried", 1, update_modified=False)
			_commit()
		except Exception as exc:  # the retry as a whole could not run; the log says why
			crashed = True
			_rollback(savepoint)
			report = _crashed_report(RETRY, self.doc.name, exc, self.scrub)
			log.error_log(self.scrub(traceback.format_exc()))
		report.note(_("Retry of {0} failed record(s) from {1}.").format(len(rows), source.name))
		report.finish()
		report.usage_since(before, source_stats(self.source))
		log.finish(report, self.scrub, crashed=crashed)
		_commit()
		return StageResult(RETRY, log.name, report, crashed)


def plan_retry(rows) -> tuple[list[str], list[str], set[str]]:
	"""(order ids to read again, order ids whose fees to read again, stages to run again)."""
	import re

	order_id = re.compile(r"\b\d{3}-\d{7}-\d{7}\b")
	orders: list[str] = []
	fee_orders: list[str] = []
	stages: set[str] = set()
	for row in rows:
		kind = (row.record_kind or "").lower()
		found = order_id.search(row.amazon_id or "")
		if kind == "order" and found:
			orders.append(found.group(0))
		elif kind == "fee" and found:
			fee_orders.append(found.group(0))
		elif kind in ("item", "sku", "listing", "marketplace", PRODUCTS):
			stages.add(PRODUCTS)
		elif kind in ("fee", FEES):
			stages.add(FEES)
		else:  # order windows and anything unknown: the orders stage resumes from its checkpoint
			stages.add(ORDERS)
	return list(dict.fromkeys(orders)), list(dict.fromkeys(fee_orders)), stages


class CommittingPort:
	"""The ERPNext port with the runner's commits: between records (every COMMIT_EVERY records)
	and after each checkpoint, never inside a record's savepoint."""

	def __init__(self, port):
		self._port = port
		self._depth = 0
		self._since_commit = 0

	def __getattr__(self, name):
		return getattr(self._port, name)

	def set_checkpoint(self, kind: str, value: dict) -> None:
		self._port.set_checkpoint(kind, value)
		if self._depth == 0:
			_commit()
			self._since_commit = 0

	@contextmanager
	def record_scope(self, kind: str, amazon_id: str):
		self._depth += 1
		try:
			with self._port.record_scope(kind, amazon_id):
				yield
		finally:
			self._depth -= 1
		self._since_commit += 1
		if self._depth == 0 and self._since_commit >= COMMIT_EVERY:
			_commit()
			self._since_commit = 0


# -- the sync log ---------------------------------------------------------------------------------


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
	def start(cls, account: str, kind: str, triggered_by: str, dry_run: bool, retry_of: str | None = None):
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
		_commit()  # the log is visible while the stage runs
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
		doc.ended = now_datetime()
		doc.status = _status(report, crashed)
		doc.save(ignore_permissions=True)


def _skipped_log(account: str, kind: str, triggered_by: str, dry_run: bool, message: str) -> None:
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
	_commit()


def _triggered_by(triggered_by: str, retry_of: str | None = None) -> str:
	who = frappe.session.user if frappe.session else ""
	text = f"{triggered_by} ({who})" if who and triggered_by != "scheduler" else triggered_by
	return f"{text}, retry of {retry_of}" if retry_of else text


def _status(report: SyncReport, crashed: bool) -> str:
	if crashed:
		return "Failed"
	failed = report.counts.get("failed", 0)
	if not failed:
		return "Success"
	done = sum(report.counts.get(name, 0) for name in COUNTED if name not in ("failed", "skipped"))
	return "Partial Success" if done else "Failed"


def _indicator(results: list[StageResult]) -> str:
	statuses = {_status(r.report, r.crashed) for r in results}
	if "Failed" in statuses:
		return "red"
	return "orange" if "Partial Success" in statuses else "green"


def summary_text(result: StageResult) -> str:
	counts = result.report.counts
	shown = ", ".join(f"{counts.get(name, 0)} {name}" for name in COUNTED if counts.get(name, 0)) or _(
		"nothing to do"
	)
	return _("{0}: {1} ({2})").format(result.stage.capitalize(), shown, result.log or "")


def summary_html(results: list[StageResult]) -> str:
	return "<br>".join(frappe.utils.escape_html(summary_text(r)) for r in results)


# -- helpers --------------------------------------------------------------------------------------


def _crashed_report(stage: str, account: str, exc: Exception, scrub: Scrubber) -> SyncReport:
	from .core.engine.pipeline import crashed_report
	from .spapi.errors import SpApiError, user_message

	reason = user_message(exc) if isinstance(exc, SpApiError) else f"{type(exc).__name__}: {exc}"
	report = crashed_report(stage, account, exc, scrub(reason))
	for failure in report.failures:
		failure.detail = scrub(failure.detail)
	report.messages = [scrub(_("The {0} sync stopped: {1}").format(stage, reason))]
	return report


def _merge(into: SyncReport, part: SyncReport) -> None:
	into.counts.update(part.counts)
	into.failures.extend(part.failures)
	into.windows.extend(part.windows)
	into.messages.extend(part.messages)
	into.events.extend(part.events)


def _stage_progress(stage: str, progress: ProgressCallback | None):
	if progress is None:
		return None
	return lambda done, total, message: progress(stage, done, total, message)


def _jsonable(value):
	import dataclasses
	from decimal import Decimal

	if dataclasses.is_dataclass(value):
		return dataclasses.asdict(value)
	if isinstance(value, Decimal):
		return str(value)
	if isinstance(value, set | frozenset | tuple):
		return list(value)
	return str(value)


def _commit() -> None:
	# Tests run jobs in-process (now=True) inside the test's transaction, which the test runner
	# rolls back; everywhere else the commit points above are deliberate.
	if not frappe.flags.in_test:
		frappe.db.commit()  # nosemgrep


def _savepoint() -> str:
	import uuid

	name = "amz_stage_" + uuid.uuid4().hex[:12]
	frappe.db.savepoint(name)
	return name


def _rollback(savepoint: str) -> None:
	"""Undo what a crashed stage left uncommitted (its last batch; earlier batches were committed).
	In tests nothing is committed, so only the stage's own writes are undone, not the test's data."""
	if frappe.flags.in_test:
		frappe.db.rollback(save_point=savepoint)
	else:
		frappe.db.rollback()


class FormPublisher:
	"""Progress and the final summary to the Amazon Settings form of the account (realtime)."""

	MIN_INTERVAL = 1.0

	def __init__(self, account: str):
		self.account = account
		self._last = 0.0

	def progress(self, stage: str, done: int, total: int | None, message: str) -> None:
		now = time.monotonic()
		finished = total is not None and done >= total
		if now - self._last < self.MIN_INTERVAL and not finished:
			return
		self._last = now
		percent = (100.0 * done / total) if total else min(95.0, 100.0 * done / (done + 100.0)) or 1.0
		frappe.publish_progress(
			percent,
			title=_("Amazon: syncing {0}").format(stage),
			doctype=SETTINGS_DOCTYPE,
			docname=self.account,
			# Frappe shows a progress description as text, so it is not escaped here.
			description=message or "",
		)

	def done(self, title: str, message: str, indicator: str) -> None:
		frappe.publish_realtime(
			"amazon_connector_job",
			{"account": self.account, "title": title, "message": message, "indicator": indicator},
			doctype=SETTINGS_DOCTYPE,
			docname=self.account,
		)


def is_sync_running(account: str) -> bool:
	from .locks import current_holder

	return bool(is_job_enqueued(sync_job_id(account)) or current_holder(account))
