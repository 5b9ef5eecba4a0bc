"""Amazon Item: which ERPNext Item an Amazon SKU of one account and marketplace is."""

from __future__ import annotations

import frappe
from frappe.model.document import Document


class AmazonItem(Document):
	pass


def on_doctype_update():
	# One mapping per (account, marketplace, SKU), enforced by the database.
	frappe.db.add_unique(
		"Amazon Item",
		("amazon_account", "marketplace_id", "sku"),
		constraint_name="unique_account_marketplace_sku",
	)
	frappe.db.add_index("Amazon Item", ["item_code"])
