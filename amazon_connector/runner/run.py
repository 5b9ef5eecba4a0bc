"""A run of one account: under the account's lock, its stages through the engines' one stage loop
(`core.engine.pipeline.Pipeline`), each with its own Amazon Sync Log, a savepoint and the runner's
commits, on ERPNext (`CommittingPort`) or, for a dry run, the in-memory preview that compares with ERPNext
(`erpnext_adapter.dry_run.ComparingPreview`).

`run_sync` and `retry_failures` are what the jobs, the bench command and the tests call.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date

import frappe
from frappe import _
from frappe.utils import add_days, getdate, today

from ..core.engine.pipeline import (
	FBA_INVENTORY,
	FEES,
	LISTING_HEALTH,
	ORDERS,
	PRICE_PUSH,
	PRODUCTS,
	STAGES,
	STOCK_PUSH,
	Pipeline,
	Progress,
	crashed_report,
	stage_progress,
)
from ..core.engine.report import SyncReport, failure_reason
from ..core.ports import ErpPort, SyncLocked
from ..core.sentences import sentence
from ..erpnext_adapter.dry_run import ComparingPreview
from ..erpnext_adapter.settings import (
	SETTINGS_DOCTYPE,
	account_config,
	read_settings,
	settings_doc,
	sync_settings,
)
from ..locks import AccountLock
from ..spapi.redaction import Scrubber
from ..spapi.source import SpApiSource
from . import backoff
from .commits import CommittingPort, commit, rollback_stage, stage_savepoint
from .options import OPTIONS, Runtime
from .queue import stages_in_order
from .retry import merge_reports, plan_retry
from .sync_log import LOG_DOCTYPE, RETRY, SyncLogWriter, close_interrupted, mark_retried, skipped_log

SCHEDULER = "scheduler"  # the triggered_by of scheduled runs: the only ones the back-off holds back
# Runs a person asked for (the form's buttons, the bench command): they end a failure streak.
MANUAL_TRIGGERS = ("manual", "bench command")

LAST_SYNC_FIELD = {
	PRODUCTS: "last_product_sync",
	ORDERS: "last_order_sync",
	FEES: "last_fee_sync",
	FBA_INVENTORY: "last_fba_inventory_sync",
	STOCK_PUSH: "last_stock_push",
	PRICE_PUSH: "last_price_push",
	LISTING_HEALTH: "last_listing_health_check",
}


@dataclass
class StageResult:
	stage: str
	log: str | None
	report: SyncReport
	crashed: bool = False
	port: object = None  # the preview of a dry run: what would be created or changed


def run_sync(
	account: str,
	stages: Iterable[str],
	*,
	dry_run: bool = False,
	triggered_by: str = "manual",
	after_date: date | str | None = None,
	progress: Progress | None = None,
	runtime: Runtime | None = None,
) -> list[StageResult]:
	"""Run the given stages of one account, in order, under the account's lock.

	Raises SyncLocked (after logging a skipped run) when another run of the account holds the lock."""
	stages = stages_in_order(stages)
	doc = settings_doc(account)
	with _locked(doc.name, "+".join(stages), triggered_by, dry_run):
		if not dry_run and triggered_by in MANUAL_TRIGGERS:
			backoff.clear(doc.name)  # someone asked for this run: a failure streak starts again from it
		try:
			run = SyncRun(doc, triggered_by, dry_run=dry_run, after_date=after_date, runtime=runtime)
			run.__enter__()
		except Exception as exc:
			if dry_run:
				raise
			scrub = _scrub_with_record(doc)
			reason = scrub(_not_started_reason(exc))
			backoff.record_failure(doc.name, reason, scrub(traceback.format_exc()))
			raise AccountFailing(reason) from exc
		try:
			run.pipeline.run(stages, progress=progress, hooks=run)
		finally:
			run.__exit__()
		run.settle_health()
		return run.results


class AccountFailing(frappe.ValidationError):
	"""A run that could not start; the account backs off (see `backoff`) and the streak's one Error
	Log holds the traceback."""


def retry_failures(
	log_name: str,
	*,
	triggered_by: str = "manual",
	progress: Progress | None = None,
	runtime: Runtime | None = None,
) -> StageResult:
	"""Run the failed records of a sync log again (see `retry`), under one retry log."""
	source_log = frappe.get_doc(LOG_DOCTYPE, log_name)
	rows = [row for row in source_log.failures if not row.retried]
	doc = settings_doc(source_log.amazon_account)
	with _locked(doc.name, RETRY, triggered_by, False):
		with SyncRun(doc, triggered_by, dry_run=False, runtime=runtime, retry_of=source_log.name) as run:
			run.retry_note = _("Retry of {0} failed record(s) from {1}.").format(len(rows), source_log.name)
			run.pipeline.run_stage(RETRY, lambda: run.retry(rows, progress), hooks=run)
			return run.results[-1]


def dry_run_after(after_date: date, days: int) -> date:
	"""The after date of a dry run: the account's, moved up to `days` ago (0: the account's own)."""
	if days <= 0:
		return after_date
	return max(getdate(after_date), getdate(add_days(today(), -days)))


def _not_started_reason(exc: Exception) -> str:
	if isinstance(exc, frappe.ValidationError):  # frappe.throw's message, for the person reading the form
		return frappe.utils.strip_html(str(exc))
	return failure_reason(exc)


def _scrub_with_record(doc) -> Scrubber:
	"""A scrubber for a run that never got its account config: the record's own secrets, as stored."""
	secrets = []
	for fieldname in ("lwa_client_secret", "refresh_token"):
		try:
			secrets.append(doc.get_password(fieldname, raise_exception=False) or "")
		except Exception:  # a secret that cannot be read cannot leak either
			continue
	return Scrubber(secrets)


@contextmanager
def _locked(account: str, kind: str, triggered_by: str, dry_run: bool) -> Iterator[AccountLock]:
	try:
		lock = AccountLock(account, kind)
		lock.acquire()
	except SyncLocked as exc:
		skipped_log(account, kind, triggered_by, dry_run, str(exc))
		raise
	try:
		close_interrupted(account)  # with the lock held, a "Running" log is a run that died
		yield lock
	finally:
		lock.release()


class SyncRun:
	"""One account's source, settings and port for the stages of one run, and the `StageHooks`
	that give each stage its sync log, savepoint and commits."""

	def __init__(
		self,
		doc,
		triggered_by: str,
		*,
		dry_run: bool,
		after_date: date | str | None = None,
		runtime: Runtime | None = None,
		retry_of: str | None = None,
	):
		self.doc = doc
		self.account = doc.name
		self.triggered_by = triggered_by
		self.dry_run = dry_run
		self.retry_of = retry_of
		self.retry_note = ""  # said in the retry log, whether the retry ran or crashed
		self.runtime = runtime or OPTIONS.runtime
		self.config = account_config(doc)
		self.scrub = Scrubber.for_config(self.config)
		settings = sync_settings(doc, **self.runtime.settings_extra)
		if after_date:
			settings = replace(settings, after_date=getdate(after_date))
		elif dry_run:
			# A dry run reads a recent window, not the whole history under the account's lock.
			settings = replace(
				settings, after_date=dry_run_after(settings.after_date, read_settings(doc).dry_run_days)
			)
		self.settings = settings
		self.results: list[StageResult] = []
		self._log: SyncLogWriter | None = None
		self._savepoint = ""
		# Tracebacks of crashed stages, written as Error Logs once the run is over: a failing account
		# gets one per failure streak (`backoff`), any other crash one per crash.
		self._crashes: list[tuple[SyncLogWriter, str]] = []

	def __enter__(self) -> SyncRun:
		self.session = self.runtime.session_factory(self.config)
		self.port: ErpPort = ComparingPreview(self.doc) if self.dry_run else CommittingPort(self.doc)
		self.pipeline = Pipeline(SpApiSource(self.session), self.port, self.settings, now=self.runtime.now)
		return self

	def __exit__(self, *exc_info) -> None:
		self.session.close()

	# -- StageHooks ------------------------------------------------------------------------------
	def started(self, stage: str) -> None:
		self._log = SyncLogWriter.start(
			self.account, stage, self.triggered_by, self.dry_run, retry_of=self.retry_of
		)
		self._savepoint = stage_savepoint()

	def crashed(self, stage: str, exc: Exception) -> SyncReport:
		rollback_stage(self._savepoint)
		reason = failure_reason(exc)
		report = crashed_report(stage, self.account, exc, self.scrub(reason))
		for failure in report.failures:
			failure.detail = self.scrub(failure.detail)
		report.messages = [self.scrub(sentence(_("The {0} sync stopped: {1}").format(stage, reason)))]
		self._crashes.append((self._current_log(), self.scrub(traceback.format_exc())))
		return report

	def finished(self, stage: str, report: SyncReport, *, crashed: bool) -> None:
		log = self._current_log()
		if not crashed:
			commit()
		if self.retry_note and stage == RETRY:
			report.note(self.retry_note)
		log.finish(report, self.scrub, crashed=crashed)
		# A stage not run (Amazon was out) synced nothing: its last sync stays the one that did.
		if not self.dry_run and not crashed and report.ran and stage in LAST_SYNC_FIELD:
			frappe.db.set_value(
				SETTINGS_DOCTYPE, self.account, LAST_SYNC_FIELD[stage], log.started, update_modified=False
			)
		commit()
		self.results.append(
			StageResult(stage, log.name, report, crashed, self.port if self.dry_run else None)
		)

	def settle_health(self) -> None:
		"""After the stages: count the run towards the account's failure streak or end the streak, and
		write the crashes' Error Logs (a failing account's only at the start of its streak)."""
		crashes, self._crashes = self._crashes, []
		failure = None
		if not self.dry_run:
			refusal = getattr(self.session, "refusal", None)
			failure = backoff.run_failure(
				self.results, refused=self.scrub(failure_reason(refusal)) if refusal else None
			)
		if failure is None:
			if not self.dry_run:
				backoff.clear(self.account)
			for log, text in crashes:
				log.error_log(text)
			commit()
			return
		backoff.record_failure(self.account, failure, "\n\n".join(text for _log, text in crashes))

	def _current_log(self) -> SyncLogWriter:
		if self._log is None:
			raise RuntimeError("A stage hook was called before the stage started")
		return self._log

	# -- the retry's work ------------------------------------------------------------------------
	def retry(self, rows, progress: Progress | None) -> SyncReport:
		"""Read the failed records again, per `retry.plan_retry`; one report for all of them."""
		plan = plan_retry(rows)
		report = SyncReport(kind=RETRY, account=self.account)
		engine = self.pipeline.engine
		parts: list[SyncReport] = []
		for stage in STAGES:  # in the order a run keeps
			stage_progress_of = stage_progress(stage, progress)
			if stage == ORDERS and plan.order_ids:
				parts.append(engine(ORDERS).retry(plan.order_ids, progress=stage_progress_of))
			if stage == FEES and plan.fee_order_ids:
				parts.append(engine(FEES).run_orders(plan.fee_order_ids, progress=stage_progress_of))
			if stage in plan.stages:
				parts.append(engine(stage).run(progress=stage_progress_of))
		for part in parts:
			merge_reports(report, part)
		mark_retried(rows)
		return report.finish()
