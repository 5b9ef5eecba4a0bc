"""The runner's commit policy. The engines and the ERPNext port never commit; the runner commits
deliberately:
(1) the sync log when a stage starts, so that the user sees it running;
(2) every `COMMIT_EVERY` records and after every checkpoint (`CommittingPort`), so that a crash
    loses at most one batch and a long backfill never holds one transaction for hours (what was
    committed is found again by Amazon id on the next run);
(3) the log and the account's last-sync time when a stage ends.
A crashed stage is rolled back to what was committed (`rollback_stage`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import frappe

from ..erpnext_adapter.port import ErpNextPort
from .options import OPTIONS

COMMIT_EVERY = 50


def commit() -> None:
	# Off (tests, see options): the caller's transaction holds everything.
	if OPTIONS.commit:
		frappe.db.commit()  # nosemgrep


def stage_savepoint() -> str:
	name = "amz_stage_" + uuid.uuid4().hex[:12]
	frappe.db.savepoint(name)
	return name


def rollback_stage(savepoint: str) -> None:
	"""Undo what a crashed stage left uncommitted (its last batch; earlier batches were committed).
	Without commits (tests) only the stage's own writes are undone, not the caller's."""
	if OPTIONS.commit:
		frappe.db.rollback()
	else:
		frappe.db.rollback(save_point=savepoint)


class CommittingPort(ErpNextPort):
	"""The ERPNext port with the runner's commits between records (every COMMIT_EVERY records) and
	after each checkpoint, never inside a record's savepoint. Everything else is the port's own."""

	def __init__(self, settings_doc):
		super().__init__(settings_doc)
		self._depth = 0
		self._since_commit = 0

	def set_checkpoint(self, kind: str, value: dict) -> None:
		super().set_checkpoint(kind, value)
		if self._depth == 0:
			commit()
			self._since_commit = 0

	@contextmanager
	def record_scope(self, kind: str, amazon_id: str) -> Iterator[None]:
		self._depth += 1
		try:
			with super().record_scope(kind, amazon_id):
				yield
		finally:
			self._depth -= 1
		self._since_commit += 1
		if self._depth == 0 and self._since_commit >= COMMIT_EVERY:
			commit()
			self._since_commit = 0
