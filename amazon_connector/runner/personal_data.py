"""The daily removal of buyer data past the account's retention period (`erpnext_adapter.retention`),
under the account's lock (a sync writing the same orders waits for the next day), with an Amazon
Sync Log of kind "personal_data" that lists every document changed and the fields emptied."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import now_datetime

from ..core.engine.report import RecordFailure, SyncReport
from ..core.ports import SyncLocked
from ..erpnext_adapter.retention import redact_expired
from ..erpnext_adapter.settings import read_settings
from ..locks import AccountLock
from .commits import commit
from .sync_log import SyncLogWriter

KIND = "personal_data"
# Batches a day at most: a first run on a large history catches up over a few days.
MAX_BATCHES = 20


def remove_expired_personal_data(account: str, *, triggered_by: str = "scheduler") -> str | None:
	"""Redact what is past its time for one account; the name of its log (None: nothing was due)."""
	settings = read_settings(account)
	if not settings.personal_data_retention_days:
		return None
	lock = AccountLock(settings.name, KIND)
	try:
		lock.acquire()
	except SyncLocked:
		return None  # a sync of the account is running; the next day's job goes on
	try:
		report = SyncReport(kind=KIND, account=settings.name)
		log = None
		now = now_datetime()
		for _batch in range(MAX_BATCHES):
			result = redact_expired(
				settings.name, settings.personal_data_retention_days, now, after_each=commit
			)
			if not result.redactions and not result.failures:
				break
			if log is None:
				log = SyncLogWriter.start(settings.name, KIND, triggered_by, False)
			for redaction in result.redactions:
				report.count("updated")
				report.events.append(
					{
						"doctype": redaction.doctype,
						"name": redaction.name,
						"amazon_order_id": redaction.amazon_order_id,
						"fields": redaction.fields,
					}
				)
			for what, reason in result.failures:
				report.count("failed")
				report.failures.append(RecordFailure("personal data", what, reason))
			if not result.more or not result.redactions:
				break  # done, or only orders that fail again are left
		if log is None:
			return None
		counts: dict[str, int] = {}
		for event in report.events:
			counts[event["doctype"]] = counts.get(event["doctype"], 0) + 1
		report.note(
			_("Buyer data older than {0} days after shipment was removed from {1}.").format(
				settings.personal_data_retention_days,
				", ".join(f"{n} {doctype}(s)" for doctype, n in sorted(counts.items())) or "no document",
			)
		)
		log.finish(report.finish(), str)
		commit()
		return log.name
	finally:
		lock.release()


def remove_expired_personal_data_of_all_accounts() -> None:
	"""The daily job: every account, enabled or not (a disabled account's orders hold buyer data too)."""
	for account in frappe.get_all("Amazon Settings", pluck="name", order_by="name asc"):
		try:
			remove_expired_personal_data(account)
		except Exception:  # one account's trouble must not keep the others' data
			frappe.log_error(title=f"Amazon buyer data of {account} not removed")
