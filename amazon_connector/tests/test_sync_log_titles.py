"""A sync log's title names its kind and account (lists and the workspace's Latest Syncs show it), and
the patch gives one to the logs made before titles existed."""

from __future__ import annotations

import frappe
from frappe.utils import now_datetime

from amazon_connector.patches.v1_0 import sync_log_titles
from amazon_connector.tests import factories as f
from amazon_connector.tests.base import TestCase


class TestSyncLogTitles(TestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.settings = f.make_amazon_settings(f.make_company(), account_name="_Test Amazon Log Titles")

	def log(self, kind: str) -> str:
		return (
			frappe.get_doc(
				{
					"doctype": "Amazon Sync Log",
					"amazon_account": self.settings.name,
					"kind": kind,
					"status": "Success",
					"started": now_datetime(),
				}
			)
			.insert(ignore_permissions=True)
			.name
		)

	def test_a_log_is_titled_by_its_kind_and_account(self):
		orders, stock = self.log("orders"), self.log("stock_push")
		self.assertEqual(frappe.get_meta("Amazon Sync Log").title_field, "title")
		self.assertEqual(
			frappe.db.get_value("Amazon Sync Log", orders, "title"), f"Orders · {self.settings.name}"
		)
		self.assertEqual(
			frappe.db.get_value("Amazon Sync Log", stock, "title"), f"Stock to Amazon · {self.settings.name}"
		)

	def test_the_patch_titles_older_logs_and_keeps_the_titled_ones(self):
		old_fees, old_retry, kept = self.log("fees"), self.log("retry"), self.log("orders")
		frappe.db.set_value("Amazon Sync Log", old_fees, "title", None, update_modified=False)
		frappe.db.set_value("Amazon Sync Log", old_retry, "title", "", update_modified=False)
		frappe.db.set_value("Amazon Sync Log", kept, "title", "Named by hand", update_modified=False)
		sync_log_titles.execute()
		titles = dict(
			frappe.get_all(
				"Amazon Sync Log",
				{"name": ("in", [old_fees, old_retry, kept])},
				["name", "title"],
				as_list=True,
			)
		)
		self.assertEqual(titles[old_fees], f"Fees · {self.settings.name}")
		self.assertEqual(titles[old_retry], f"Retry · {self.settings.name}")
		self.assertEqual(titles[kept], "Named by hand")
