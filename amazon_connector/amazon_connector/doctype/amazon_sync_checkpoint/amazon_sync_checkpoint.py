"""Amazon Sync Checkpoint: where an account's order, fee or product sync resumes (machine state)."""

from __future__ import annotations

import frappe
from frappe.model.document import Document


class AmazonSyncCheckpoint(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		amazon_account: DF.Link
		kind: DF.Data
		value: DF.LongText | None
	# end: auto-generated types
	pass


def on_doctype_update():
	frappe.db.add_unique(
		"Amazon Sync Checkpoint", ("amazon_account", "kind"), constraint_name="unique_account_kind"
	)
