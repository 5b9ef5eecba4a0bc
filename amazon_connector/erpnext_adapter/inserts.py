"""Inserting a document keyed by a unique Amazon field, when another job may insert it too."""

from __future__ import annotations

from collections.abc import Callable

import frappe


def insert_once(doc, already_there: Callable[[], bool], savepoint: str) -> bool:
	"""Insert `doc`. False when the database's unique key refused it and `already_there()` says a
	concurrent job inserted the same record a moment ago (the caller treats that one as its own);
	any other refusal is raised. Only this insert is undone, inside a savepoint."""
	frappe.db.savepoint(savepoint)
	try:
		doc.insert(ignore_permissions=True)
	except (frappe.UniqueValidationError, frappe.DuplicateEntryError):
		frappe.db.rollback(save_point=savepoint)
		if already_there():
			return False
		raise
	frappe.db.release_savepoint(savepoint)
	return True
