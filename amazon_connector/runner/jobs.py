"""The RQ entry points (queued by `queue`): run, then tell the form (progress while it runs, a
summary when it ends)."""

from __future__ import annotations

import frappe
from frappe import _

from ..core.ports import SyncLocked
from ..erpnext_adapter.connection import test_connection
from .commits import commit
from .realtime import FormPublisher
from .run import AccountFailing, StageResult, retry_failures, run_sync
from .sync_log import status_of, summary_text


def run_sync_job(account: str, stages: list[str], triggered_by: str = "manual", retry_log: str | None = None):
	publisher = FormPublisher(account)
	try:
		if retry_log:
			results = [retry_failures(retry_log, triggered_by=triggered_by, progress=publisher.progress)]
		else:
			results = run_sync(account, stages, triggered_by=triggered_by, progress=publisher.progress)
	except SyncLocked as exc:
		publisher.done(_("Sync not started"), str(exc), "orange")
		return
	except AccountFailing as exc:
		# The account backs off and its failure streak has its one Error Log; raising would add another
		# (through RQ) on every attempt.
		publisher.done(_("Sync not started"), frappe.utils.escape_html(str(exc)), "red")
		return
	except Exception as exc:
		# Stages log their own failures; this is a run that could not start (settings, credentials) or
		# one stopped after it started (the database refused the sync log's last write, a deadlock): not
		# "not started", since what it did before stays. The form must still hear that it ended; RQ and
		# the Error Log keep the traceback.
		reason = (
			frappe.utils.escape_html(str(exc))
			if isinstance(exc, frappe.ValidationError)
			else _(
				"The sync stopped with an error; see the Error Log. The next run goes on from the last checkpoint."
			)
		)
		publisher.done(_("Amazon sync stopped"), reason, "red")
		raise
	publisher.done(_("Amazon sync finished"), summary_html(results), indicator(results))


def notifications_job(account: str, seconds: float = 240):
	"""Drain the account's ORDER_CHANGE queue until it is empty (or `seconds` have passed)."""
	from .notifications import drain_notifications

	drain_notifications(account, seconds)


def test_connection_job(account: str):
	publisher = FormPublisher(account)
	try:
		ok, message = test_connection(account)
		commit()  # the marketplaces Test Connection saved
	except Exception:
		publisher.done(
			_("Test Connection"), _("The connection test could not run; see the Error Log."), "red"
		)
		raise
	publisher.done(_("Test Connection"), frappe.utils.escape_html(message), "green" if ok else "red")


def summary_html(results: list[StageResult]) -> str:
	return "<br>".join(frappe.utils.escape_html(summary_text(r.stage, r.report, r.log)) for r in results)


def indicator(results: list[StageResult]) -> str:
	statuses = {status_of(r.report, r.crashed) for r in results}
	if "Failed" in statuses:
		return "red"
	return "orange" if "Partial Success" in statuses else "green"
