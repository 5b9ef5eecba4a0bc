"""Amazon Item: which ERPNext Item an Amazon SKU of one account and marketplace is."""

from __future__ import annotations

import frappe
from frappe.model.document import Document


class AmazonItem(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		amazon_account: DF.Link
		asin: DF.Data | None
		fulfillment_channel: DF.Data | None
		item_code: DF.Link
		last_synced: DF.Datetime | None
		listing_status: DF.Data | None
		marketplace_id: DF.Data
		sku: DF.Data
		synced_values: DF.Code | None
	# end: auto-generated types
	pass


def on_doctype_update():
	# One mapping per (account, marketplace, SKU), enforced by the database.
	frappe.db.add_unique(
		"Amazon Item",
		("amazon_account", "marketplace_id", "sku"),
		constraint_name="unique_account_marketplace_sku",
	)
	frappe.db.add_index("Amazon Item", ["item_code"])
