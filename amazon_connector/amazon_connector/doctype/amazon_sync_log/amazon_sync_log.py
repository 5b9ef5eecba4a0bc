"""Amazon Sync Log: one per run (account, kind): counts, API usage and the failed records.

Old logs are deleted by Frappe's log clearing (Log Settings; 30 days by default, see hooks), except
those that still list something to do (see `clear_old_logs`).
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.query_builder import Interval
from frappe.query_builder.functions import Now

from amazon_connector.core.engine.pipeline import stage_label


class AmazonSyncLog(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from amazon_connector.amazon_connector.doctype.amazon_sync_failure.amazon_sync_failure import (
			AmazonSyncFailure,
		)

		amazon_account: DF.Link | None
		api_calls: DF.Code | None
		cancelled_count: DF.Int
		created_count: DF.Int
		dry_run: DF.Check
		ended: DF.Datetime | None
		events: DF.Code | None
		events_reviewed: DF.Check
		failed_count: DF.Int
		failures: DF.Table[AmazonSyncFailure]
		flagged_count: DF.Int
		kind: DF.Literal["products", "orders", "fees", "retry"]
		messages: DF.Text | None
		open_failures: DF.Int
		recorded_count: DF.Int
		skipped_count: DF.Int
		started: DF.Datetime | None
		status: DF.Literal[
			"Queued", "Running", "Success", "Partial Success", "Failed", "Skipped", "Interrupted"
		]
		throttle_wait_seconds: DF.Float
		title: DF.Data | None
		triggered_by: DF.Data | None
		unchanged_count: DF.Int
		updated_count: DF.Int
		windows: DF.SmallText | None

	# end: auto-generated types

	def validate(self):
		self.title = log_title(self.kind, self.amazon_account)

	def onload(self):
		# The form shows the kind as the buttons name it; the stored value is the runner's stage id.
		self.set_onload("kind_label", _(stage_label(self.kind or "")))

	@staticmethod
	def clear_old_logs(days=30):
		"""Log Settings' clean-up: delete logs older than `days` that hold nothing still to do. A log
		with a failed record not yet retried, or with amounts Amazon reported that are not booked and
		not marked dealt with, is the only place they are listed, so it stays until resolved; so does a
		log of a run still going."""
		log = frappe.qb.DocType("Amazon Sync Log")
		failure = frappe.qb.DocType("Amazon Sync Failure")
		open_failures = (
			frappe.qb.from_(failure)
			.select(failure.parent)
			.where((failure.parenttype == "Amazon Sync Log") & (failure.retried == 0))
		)
		no_open_money = log.events.isnull() | log.events.isin(["", "[]", "null"]) | (log.events_reviewed == 1)
		old = (
			frappe.qb.from_(log)
			.select(log.name)
			.where(log.modified < (Now() - Interval(days=days)))
			.where(log.status.notin(["Queued", "Running"]))
			.where(log.name.notin(open_failures))
			.where(no_open_money)
			.run(pluck=True)
		)
		for chunk in (old[i : i + 500] for i in range(0, len(old), 500)):
			frappe.db.delete(
				failure, filters=(failure.parent.isin(chunk)) & (failure.parenttype == "Amazon Sync Log")
			)
			frappe.db.delete(log, filters=log.name.isin(chunk))


def log_title(kind: str | None, account: str | None) -> str:
	"""What lists and the workspace's Latest Syncs show for a log: the run's kind as the buttons name it
	and the account ("Orders · Acme US"), rather than the log number or the account alone."""
	label = stage_label(kind or "")
	return f"{label} · {account}" if account else label


def on_doctype_update():
	frappe.db.add_index("Amazon Sync Log", ["amazon_account", "kind"])
