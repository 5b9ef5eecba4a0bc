"""Back-off for an account whose runs keep failing (credentials broken, Amazon refusing the app).

Such a run fails the same way on every scheduler tick, so retrying it every few minutes only adds
failed logs and Error Logs. After a failed run the scheduler leaves the account alone for a while
that grows with the streak (`DELAYS`: 15 minutes, 1 hour, 6 hours, then daily); the state is kept
on the Amazon Settings record, where the form shows it (failing since, the next attempt, the last
error with the account's secrets scrubbed out, and the streak's one Error Log). A run that works,
a manual sync and a change of credentials end the streak.

What counts as a failed run (`run_failure`): one that could not start (missing credentials, an
endpoint refused), or one in which every stage failed (crashed, or failed and got nothing done)
while Amazon refused the credentials, or in which every stage crashed. Failed records (an order with
an unknown SKU) and a busy Amazon (throttling, which the engines already end cleanly) are not
account failures.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import frappe
from frappe import _
from frappe.utils import now_datetime

from ..core.engine.report import COUNTED
from ..erpnext_adapter.settings import SETTINGS_DOCTYPE
from .commits import commit

# How long the scheduler waits after the n-th failed run in a row; the last step repeats.
DELAYS = (timedelta(minutes=15), timedelta(hours=1), timedelta(hours=6), timedelta(days=1))
STATE_FIELDS = ("failing_since", "failed_runs", "next_attempt", "last_error", "failure_error_log")
# Changing any of these may mend a broken account, so the next run is tried at once.
CREDENTIAL_FIELDS = (
	"region",
	"environment",
	"endpoint_url",
	"seller_id",
	"lwa_client_id",
	"lwa_client_secret",
	"refresh_token",
)
MAX_ERROR_CHARS = 1000


def delay_after(failed_runs: int) -> timedelta:
	"""How long to wait after `failed_runs` failed runs in a row (1 or more)."""
	return DELAYS[min(max(failed_runs, 1), len(DELAYS)) - 1]


def run_failure(results: Iterable, *, refused: str | None) -> str | None:
	"""Why a run that started counts as an account failure, or None when it does not.

	`results` are the run's `StageResult`s; `refused` is Amazon's refusal of the credentials seen
	during the run (None when there was none)."""
	results = list(results)
	# Every stage must have failed: a stage with nothing to do (no new orders) is fine, so a refusal
	# by one API the app lacks a role for (FBA inventory, say) is not the account failing.
	if not results or not all(_failed(r) for r in results):
		return None
	if refused:
		return refused
	if all(r.crashed for r in results):
		return next((m for r in results for m in r.report.messages), None) or _("every stage stopped")
	return None


def record_failure(account: str, reason: str, detail: str = "") -> bool:
	"""Count a failed run of the account and set its next attempt. The first failure of a streak
	writes the streak's one Error Log (with `detail`, the traceback); returns whether it was the first.
	`reason` and `detail` must already be scrubbed of secrets."""
	state = frappe.db.get_value(SETTINGS_DOCTYPE, account, list(STATE_FIELDS), as_dict=True) or {}
	now = now_datetime()
	first = not state.get("failing_since")
	failed_runs = 1 if first else int(state.get("failed_runs") or 0) + 1
	values = {
		"failed_runs": failed_runs,
		"next_attempt": now + delay_after(failed_runs),
		"last_error": _short(reason),
	}
	if first:
		values["failing_since"] = now
		error_log = frappe.log_error(
			title=_("Amazon account {0} is failing").format(account),
			message=f"{reason}\n\n{detail}".strip(),
			reference_doctype=SETTINGS_DOCTYPE,
			reference_name=account,
		)
		values["failure_error_log"] = error_log.name if error_log else None
	frappe.db.set_value(SETTINGS_DOCTYPE, account, values, update_modified=False)
	commit()  # deliberate: the back-off must stand whatever the caller does next
	return first


def clear(account: str) -> None:
	"""End the account's failure streak (a run that worked, a manual sync, new credentials)."""
	if frappe.db.get_value(SETTINGS_DOCTYPE, account, "failing_since"):
		frappe.db.set_value(
			SETTINGS_DOCTYPE,
			account,
			{"failing_since": None, "failed_runs": 0, "next_attempt": None, "last_error": ""},
			update_modified=False,
		)


def waiting(doc, now: datetime) -> bool:
	"""Whether the scheduler should leave the account alone for now."""
	next_attempt = doc.get("next_attempt")
	return bool(doc.get("failing_since") and next_attempt and now < frappe.utils.get_datetime(next_attempt))


def _failed(result) -> bool:
	"""The stage crashed, or failed something and got nothing done."""
	counts = result.report.counts
	did_work = any(counts.get(name, 0) for name in COUNTED if name not in ("failed", "skipped"))
	return result.crashed or (bool(counts.get("failed", 0)) and not did_work)


def _short(text: str) -> str:
	text = (text or "").strip()
	return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 3] + "..."
