"""Amazon Sync Log: one per run (account, kind): counts, API usage and the failed records.

Old logs are deleted by Frappe's log clearing (Log Settings; 30 days by default, see hooks).
"""

from __future__ import annotations

import frappe
from frappe.model.document import Document
from frappe.query_builder import Interval
from frappe.query_builder.functions import Now


class AmazonSyncLog(Document):
	@staticmethod
	def clear_old_logs(days=30):
		log = frappe.qb.DocType("Amazon Sync Log")
		failure = frappe.qb.DocType("Amazon Sync Failure")
		old = (
			frappe.qb.from_(log)
			.select(log.name)
			.where(log.modified < (Now() - Interval(days=days)))
			.run(pluck=True)
		)
		for chunk in (old[i : i + 500] for i in range(0, len(old), 500)):
			frappe.db.delete(
				failure, filters=(failure.parent.isin(chunk)) & (failure.parenttype == "Amazon Sync Log")
			)
			frappe.db.delete(log, filters=log.name.isin(chunk))


def on_doctype_update():
	frappe.db.add_index("Amazon Sync Log", ["amazon_account", "kind"])
