"""Amazon Sync Checkpoint: where an account's order, fee or product sync resumes (machine state)."""

from __future__ import annotations

import frappe
from frappe.model.document import Document


class AmazonSyncCheckpoint(Document):
	pass


def on_doctype_update():
	frappe.db.add_unique(
		"Amazon Sync Checkpoint", ("amazon_account", "kind"), constraint_name="unique_account_kind"
	)
