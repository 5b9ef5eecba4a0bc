"""Progress and the final summary of a job, to the Amazon Settings form of the account."""

from __future__ import annotations

import time

import frappe
from frappe import _

from ..core.engine.pipeline import stage_label
from ..core.progress import shown_percent
from ..erpnext_adapter.settings import SETTINGS_DOCTYPE

JOB_EVENT = "amazon_connector_job"  # the app bundle listens for it (public/js)


class FormPublisher:
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
		frappe.publish_progress(
			shown_percent(done, total),
			title=_("Amazon: syncing {0}").format(_(stage_label(stage))),
			doctype=SETTINGS_DOCTYPE,
			docname=self.account,
			# Frappe shows a progress description as text, so it is not escaped here.
			description=message or "",
		)

	def done(self, title: str, message: str, indicator: str) -> None:
		frappe.publish_realtime(
			JOB_EVENT,
			{"account": self.account, "title": title, "message": message, "indicator": indicator},
			doctype=SETTINGS_DOCTYPE,
			docname=self.account,
		)
