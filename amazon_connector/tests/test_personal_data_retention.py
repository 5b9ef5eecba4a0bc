"""Buyer data removed after the retention period (`erpnext_adapter.retention`, `runner.personal_data`),
on a real bench: orders imported and invoiced from the simulator, some of them moved back to have
shipped long ago; only those lose their buyer's data, invoices keep what the law asks, and the log
lists every change."""

from __future__ import annotations

from datetime import timedelta

import frappe
from frappe.utils import now_datetime

from amazon_connector.core.engine.invoices import InvoiceSync
from amazon_connector.erpnext_adapter.retention import REDACTED, expired_orders
from amazon_connector.runner.personal_data import KIND, remove_expired_personal_data
from amazon_connector.tests import e2e_support as e2e
from amazon_connector.tests.e2e_support import TestCase

RETENTION_DAYS = 30


class TestPersonalDataRetention(TestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.db.set_single_value("Stock Settings", "allow_negative_stock", 1)
		cls.account = e2e.start_account(
			seed=61,
			orders=30,
			account_name="_Test Amazon Retention",
			marketplaces=("US",),
			edit_world=lambda world: e2e.prefix_skus(world, "RETENTION-"),
			personal_data_retention_days=RETENTION_DAYS,
		)
		cls.addClassCleanup(cls.account.stop)

	def import_and_invoice(self):
		account = self.account
		_, orders, _ = account.engines()
		report = orders.run()
		self.assertFalse(report.failures, e2e.failure_lines(report)[:2])
		items = frappe.get_all(
			"Sales Order Item",
			filters={"parent": ("in", [o.name for o in self.orders()])},
			pluck="item_code",
		)
		for item_code in set(items):  # the simulated stock has no valuation in ERPNext
			frappe.db.set_value("Item", item_code, "valuation_rate", 1)
		report = InvoiceSync(None, account.port(), account.settings()).run()
		self.assertFalse(report.failures, e2e.failure_lines(report)[:2])

	def orders(self, **filters):
		return frappe.get_all(
			"Sales Order",
			filters={"amazon_account": self.account.name, **filters},
			fields=["name", "amazon_order_id", "customer", "customer_address", "amazon_shipped_on"],
			order_by="amazon_order_id asc",
		)

	def test_only_orders_past_the_period_lose_their_buyer_data(self):
		self.import_and_invoice()
		shipped = self.orders(amazon_shipped_on=("is", "set"))
		unshipped = self.orders(amazon_shipped_on=("is", "not set"), amazon_status=("!=", "CANCELLED"))
		self.assertGreater(len(shipped), 6)
		self.assertTrue(unshipped)
		# Half the shipped orders shipped long ago; the others recently (as the world has them).
		old, recent = shipped[::2], shipped[1::2]
		long_ago = now_datetime() - timedelta(days=RETENTION_DAYS + 15)
		for order in old:
			frappe.db.set_value(
				"Sales Order", order.name, "amazon_shipped_on", long_ago, update_modified=False
			)
		before = {o.name: self.snapshot(o) for o in shipped + unshipped}
		for order in old:
			self.assertNotIn("street not shared", before[order.name]["address_line1"])
			self.assertTrue(before[order.name]["customer_name"])
		# A business buyer: its invoice keeps the billing address.
		business = old[0]
		business_invoice = frappe.get_all(
			"Sales Invoice", {"amazon_order_id": business.amazon_order_id, "is_return": 0}, pluck="name"
		)
		self.assertTrue(business_invoice)
		frappe.db.set_value("Sales Invoice", business_invoice[0], "tax_id", "DE123456789")
		business_address_display = frappe.db.get_value(
			"Sales Invoice", business_invoice[0], "address_display"
		)

		due = expired_orders(self.account.name, RETENTION_DAYS, now_datetime())
		self.assertEqual(
			sorted(o.amazon_order_id for o in due),
			sorted(o.amazon_order_id for o in old),
			frappe.get_all(
				"Sales Order",
				{"name": ("in", [o.name for o in due])},
				["amazon_order_id", "amazon_status", "amazon_shipped_on", "amazon_last_updated"],
			),
		)
		log_name = remove_expired_personal_data(self.account.name)
		self.assertTrue(log_name)
		log = frappe.get_doc("Amazon Sync Log", log_name)
		self.assertEqual(log.kind, KIND)
		self.assertFalse(log.failures, [(row.amazon_id, row.reason) for row in log.failures])
		events = frappe.parse_json(log.events)
		self.assertEqual(
			{e["amazon_order_id"] for e in events if e["doctype"] == "Sales Order"},
			{o.amazon_order_id for o in old},
			frappe.get_all(
				"Sales Order",
				{"amazon_account": self.account.name, "amazon_personal_data_removed": ("is", "set")},
				["amazon_order_id", "amazon_status", "amazon_shipped_on", "amazon_last_updated", "docstatus"],
			),
		)

		# Parties an order still within its period uses (recent, not shipped, or cancelled lately) stay.
		old_names = {o.name for o in old}
		kept_orders = [o for o in self.orders() if o.name not in old_names]
		recent_customers = {o.customer for o in kept_orders}
		recent_addresses = {o.customer_address for o in kept_orders}
		# ERPNext 15's Sales Order repeats the buyer's name in its title; 16's shows customer_name.
		has_title = frappe.get_meta("Sales Order").has_field("title")
		for order in old:
			was = before[order.name]
			so = frappe.db.get_value(
				"Sales Order",
				order.name,
				["customer_name", "address_display", "shipping_address", "amazon_personal_data_removed"]
				+ (["title"] if has_title else []),
				as_dict=True,
			)
			self.assertEqual(so.customer_name, REDACTED)
			if has_title:
				self.assertEqual(so.title, REDACTED)
			self.assertTrue(so.amazon_personal_data_removed)
			for text in (so.address_display, so.shipping_address):
				self.assertNotIn(was["address_line1"], text or "")
			for invoice in was["invoices"]:
				now = frappe.db.get_value(
					"Sales Invoice",
					invoice.name,
					["customer_name", "address_display", "shipping_address"],
					as_dict=True,
				)
				self.assertEqual(now.customer_name, invoice.customer_name)  # the invoice's billing name stays
				self.assertFalse(now.shipping_address)
				if invoice.name == business_invoice[0]:
					self.assertEqual(now.address_display, business_address_display)
				else:
					self.assertNotIn(was["address_line1"], now.address_display or "")
					self.assertIn(was["pincode"], now.address_display or "")
			if was["address"] not in recent_addresses:
				address = frappe.db.get_value(
					"Address",
					frappe.db.get_value("Sales Order", order.name, "customer_address"),
					[
						"name",
						"address_line1",
						"phone",
						"address_title",
						"pincode",
						"city",
						"amazon_address_key",
					],
					as_dict=True,
				)
				self.assertEqual(address.amazon_address_key, was["address_key"])
				self.assertEqual(address.address_line1, REDACTED)
				self.assertFalse(address.phone)
				self.assertNotIn(was["customer_name"], address.name)
				self.assertEqual((address.pincode, address.city), (was["pincode"], was["city"]))
			customer = frappe.db.get_value("Sales Order", order.name, "customer")
			if was["customer"] not in recent_customers and was["customer_key"].startswith("buyer:"):
				name = frappe.db.get_value("Customer", customer, "customer_name")
				self.assertTrue(name.startswith("Amazon Buyer "), name)
				self.assertEqual(customer, name)  # renamed: the id no longer holds the buyer's name
				key = frappe.db.get_value("Customer", customer, "amazon_customer_key")
				self.assertNotIn("@", key)

		for order in recent + unshipped:
			self.assertEqual(self.snapshot(order), before[order.name], order.amazon_order_id)

		# Nothing is due again: no log, nothing changed.
		logs = frappe.db.count("Amazon Sync Log", {"amazon_account": self.account.name, "kind": KIND})
		self.assertIsNone(remove_expired_personal_data(self.account.name))
		self.assertEqual(
			frappe.db.count("Amazon Sync Log", {"amazon_account": self.account.name, "kind": KIND}), logs
		)

	def test_no_retention_keeps_everything(self):
		frappe.db.set_value("Amazon Settings", self.account.name, "personal_data_retention_days", 0)
		self.addCleanup(
			frappe.db.set_value,
			"Amazon Settings",
			self.account.name,
			"personal_data_retention_days",
			RETENTION_DAYS,
		)
		self.assertIsNone(remove_expired_personal_data(self.account.name))

	def snapshot(self, order) -> dict:
		so = frappe.db.get_value(
			"Sales Order",
			order.name,
			["customer", "customer_name", "address_display", "customer_address"],
			as_dict=True,
		)
		address = frappe.db.get_value(
			"Address",
			so.customer_address,
			["address_line1", "pincode", "city", "amazon_address_key"],
			as_dict=True,
		)
		return {
			"customer": so.customer,
			"customer_name": so.customer_name,
			"customer_key": frappe.db.get_value("Customer", so.customer, "amazon_customer_key") or "",
			"address_display": so.address_display,
			"address": so.customer_address,
			"address_key": address.amazon_address_key,
			"address_line1": address.address_line1,
			"pincode": address.pincode,
			"city": address.city,
			"invoices": frappe.get_all(
				"Sales Invoice",
				{"amazon_order_id": order.amazon_order_id},
				["name", "customer_name", "address_display", "shipping_address"],
			),
		}
