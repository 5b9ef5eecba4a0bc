"""Sync checkpoints (Amazon Sync Checkpoint) and per-record undo with database savepoints.

Transactions: nothing here commits. The job runner commits between batches; inside a batch each
record runs inside `record_scope`, a SAVEPOINT that is rolled back when the record fails (undoing
only that record's rows) and released when it succeeds. Savepoints undo database writes only:
files written and realtime messages sent are not undone, and caches that remember records created
inside the scope must be dropped on rollback (the port passes `on_rollback` for that). A record
that fails with a database error that ends the whole transaction (deadlock, lost connection)
cannot be rolled back to its savepoint; the error is re-raised and the runner's batch fails as a
whole, to be retried.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from contextlib import contextmanager

import frappe

CHECKPOINT_DOCTYPE = "Amazon Sync Checkpoint"


class Checkpoints:
	def __init__(self, account: str):
		self.account = account

	def get(self, kind: str) -> dict | None:
		value = frappe.db.get_value(
			CHECKPOINT_DOCTYPE, {"amazon_account": self.account, "kind": kind}, "value"
		)
		if not value:
			return None
		return json.loads(value) if isinstance(value, str) else value

	def set(self, kind: str, value: dict) -> None:
		text = json.dumps(value, sort_keys=True, default=str)
		name = frappe.db.get_value(CHECKPOINT_DOCTYPE, {"amazon_account": self.account, "kind": kind}, "name")
		if name:
			# A plain column write: a checkpoint is machine state, not worth a version history.
			frappe.db.set_value(CHECKPOINT_DOCTYPE, name, "value", text)
			return
		frappe.get_doc(
			{"doctype": CHECKPOINT_DOCTYPE, "amazon_account": self.account, "kind": kind, "value": text}
		).insert(ignore_permissions=True)


@contextmanager
def record_scope(kind: str, amazon_id: str, on_rollback: Callable[[], None] | None = None):
	"""Run one record's writes inside a savepoint; on any exception undo them and re-raise."""
	# Savepoint names are SQL identifiers: never derived from Amazon's ids.
	savepoint = "amz_" + uuid.uuid4().hex[:16]
	frappe.db.savepoint(savepoint)
	try:
		yield
	except BaseException:
		try:
			frappe.db.rollback(save_point=savepoint)
		except Exception:
			# The transaction is gone (deadlock, lost connection): the original error says why.
			pass
		if on_rollback:
			on_rollback()
		raise
	# On success the savepoint is left to the transaction's commit, which releases it with the rest:
	# a RELEASE per record is one more round trip to the database for every order, nothing more.
