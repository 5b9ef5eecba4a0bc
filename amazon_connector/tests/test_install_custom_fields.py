"""Custom fields on ERPNext DocTypes: present after install/migrate, unique where they must be,
and removed by the uninstall hook."""

from __future__ import annotations

import frappe

from amazon_connector import install
from amazon_connector.tests.sim_support import TestCase


class TestCustomFields(TestCase):
	def test_every_custom_field_exists_as_defined(self):
		for doctype, fields in install.get_custom_fields().items():
			meta = frappe.get_meta(doctype)
			for field in fields:
				df = meta.get_field(field["fieldname"])
				self.assertIsNotNone(df, f"{doctype}.{field['fieldname']} is missing")
				self.assertEqual(df.fieldtype, field["fieldtype"])
				self.assertTrue(field["fieldname"].startswith("amazon_"))

	def test_amazon_order_id_is_unique_in_the_database(self):
		self.assertTrue(frappe.db.get_column_index("tabSales Order", "amazon_order_id", unique=True))
		self.assertTrue(frappe.db.get_column_index("tabJournal Entry", "amazon_fee_event_key", unique=True))
		self.assertTrue(frappe.db.get_column_index("tabCustomer", "amazon_customer_key", unique=False))

	def test_database_refuses_a_second_sales_order_for_one_amazon_order(self):
		# Raw rows: the constraint must hold whatever code writes, not only through the adapter.
		names = ("_T-AMZ-DUP-1", "_T-AMZ-DUP-2")
		delete = "delete from `tabSales Order` where name in %s"
		frappe.db.sql(delete, (names,))
		self.addCleanup(frappe.db.sql, delete, (names,))
		insert = "insert into `tabSales Order` (name, amazon_order_id) values (%s, %s)"
		frappe.db.sql(insert, (names[0], "111-0000000-0000001"))
		with self.assertRaises(Exception) as caught:
			frappe.db.sql(insert, (names[1], "111-0000000-0000001"))
		self.assertTrue(frappe.db.is_unique_key_violation(caught.exception))

	def test_uninstall_removes_the_fields_and_migrate_brings_them_back(self):
		install.delete_custom_fields()
		try:
			for doctype, fields in install.get_custom_fields().items():
				meta = frappe.get_meta(doctype)
				for field in fields:
					self.assertIsNone(meta.get_field(field["fieldname"]))
					self.assertFalse(
						frappe.db.exists("Custom Field", {"dt": doctype, "fieldname": field["fieldname"]})
					)
		finally:
			install.after_migrate()
		self.assertIsNotNone(frappe.get_meta("Sales Order").get_field("amazon_order_id"))
		self.assertTrue(frappe.db.exists("Role", install.ROLE))

	def test_role_has_full_access_to_the_settings(self):
		perms = frappe.get_all(
			"DocPerm",
			filters={"parent": "Amazon Settings", "role": install.ROLE},
			fields=["read", "write", "create"],
		)
		self.assertEqual(perms, [{"read": 1, "write": 1, "create": 1}])
