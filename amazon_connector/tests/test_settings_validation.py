"""Amazon Settings: validations with clear messages, and Test Connection against the simulator."""

from __future__ import annotations

from contextlib import contextmanager

import frappe
from frappe.utils import add_days, today

from amazon_connector.erpnext_adapter import connection, marketplaces
from amazon_connector.tests import factories as f
from amazon_connector.tests.sim_support import TestCase, simulated_settings, start_simulator

OTHER_COMPANY = "_Test Amazon Other Company"


@contextmanager
def patch_conf(**values):
	"""frappe.conf with `values` for the block (site config is read per request)."""
	saved = {key: frappe.conf.get(key) for key in values}
	frappe.conf.update(values)
	try:
		yield
	finally:
		frappe.conf.update(saved)


class TestAmazonSettingsValidation(TestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.company = f.make_company()
		cls.other = f.make_company(OTHER_COMPANY, "_TAO")
		cls.settings = f.make_amazon_settings(cls.company, account_name="_Test Amazon Validation")

	def doc(self):
		return frappe.get_doc("Amazon Settings", self.settings.name)

	def restore_endpoint(self, original):
		frappe.db.set_value(
			"Amazon Settings",
			original.name,
			{"environment": original.environment, "endpoint_url": original.endpoint_url},
		)

	def assertRefused(self, doc, *words):
		with self.assertRaises(frappe.ValidationError) as caught:
			doc.save()
		message = str(caught.exception)
		for word in words:
			self.assertIn(word, message)
		return message

	def test_valid_record_saves(self):
		doc = self.doc()
		doc.save()
		self.assertEqual(doc.marketplaces[0].country_code, "US")

	def test_pasted_identifiers_lose_their_stray_spaces(self):
		doc = self.doc()
		seller_id, client_id = doc.seller_id, doc.lwa_client_id
		self.assertTrue(seller_id and client_id)
		doc.seller_id = f"  {seller_id} \n"
		doc.lwa_client_id = f" {client_id} "
		doc.save()
		doc.reload()
		self.assertEqual((doc.seller_id, doc.lwa_client_id), (seller_id, client_id))

	def test_warehouse_of_another_company_is_refused(self):
		doc = self.doc()
		doc.warehouse = f.make_warehouse(self.other, "Amazon Merchant")
		self.assertRefused(doc, doc.warehouse, OTHER_COMPANY, self.company)

	def test_fba_warehouse_of_another_company_is_refused(self):
		doc = self.doc()
		doc.fba_warehouse = f.make_warehouse(self.other, "Amazon FBA")
		self.assertRefused(doc, doc.fba_warehouse, OTHER_COMPANY)

	def test_a_group_customer_group_is_refused_naming_the_field_and_the_group(self):
		# Selling Settings' default is the root group; ERPNext refuses it on every new customer.
		root = f._root("Customer Group", "All Customer Groups")
		doc = self.doc()
		doc.customer_group = root
		self.assertRefused(doc, "Customer Group", root, "is a group")

	def test_a_group_territory_or_item_group_is_refused(self):
		for fieldname, doctype, default in (
			("territory", "Territory", "All Territories"),
			("item_group", "Item Group", "All Item Groups"),
		):
			with self.subTest(fieldname):
				root = f._root(doctype, default)
				doc = self.doc()
				doc.set(fieldname, root)
				self.assertRefused(doc, doc.meta.get_label(fieldname), root, "is a group")

	def test_a_group_warehouse_is_refused(self):
		group = frappe.db.get_value("Warehouse", {"company": self.company, "is_group": 1}, "name")
		for fieldname in ("warehouse", "fba_warehouse"):
			with self.subTest(fieldname):
				doc = self.doc()
				doc.set(fieldname, group)
				self.assertRefused(doc, group, "is a group")

	def test_the_leaves_of_the_trees_are_taken(self):
		doc = self.doc()
		doc.customer_group = f.make_customer_group("_Test Amazon Leaf Buyers")
		doc.territory = f.make_territory("_Test Amazon Leaf Territory")
		doc.save()
		self.assertEqual(self.doc().customer_group, "_Test Amazon Leaf Buyers")
		self.addCleanup(
			frappe.db.set_value,
			"Amazon Settings",
			doc.name,
			{"customer_group": self.settings.customer_group, "territory": self.settings.territory},
		)

	def test_a_settlement_bank_account_must_be_a_ledger_of_the_company(self):
		group = frappe.db.get_value("Account", {"company": self.company, "is_group": 1}, "name")
		other = frappe.db.get_value("Account", {"company": OTHER_COMPANY, "is_group": 0}, "name")
		for account in (group, other):
			with self.subTest(account):
				doc = self.doc()
				doc.set("settlement_bank_accounts", [])
				doc.append("settlement_bank_accounts", {"currency": "USD", "bank_account": account})
				self.assertRefused(doc, account, "ledger account of company")

	def test_the_simulator_set_up_replaces_a_group_by_a_leaf(self):
		from amazon_connector.commands.simulated import _kept_leaf, _leaf

		root = f._root("Customer Group", "All Customer Groups")
		leaf = f.make_customer_group()
		self.assertIsNone(_kept_leaf("Customer Group", root))
		self.assertEqual(_kept_leaf("Customer Group", leaf), leaf)
		picked = _leaf("Customer Group", {})
		self.assertEqual(frappe.db.get_value("Customer Group", picked, "is_group"), 0)

	def test_account_group_of_another_company_is_refused(self):
		doc = self.doc()
		doc.account_group = f.make_account_group(self.other)
		self.assertRefused(doc, doc.account_group, OTHER_COMPANY)

	def test_account_group_must_be_a_group(self):
		doc = self.doc()
		ledger = frappe.db.get_value(
			"Account", {"company": self.company, "is_group": 0, "root_type": "Expense"}
		)
		doc.account_group = ledger
		self.assertRefused(doc, ledger, "not a group account")

	def test_account_group_must_be_an_expense_group(self):
		doc = self.doc()
		assets = frappe.db.get_value(
			"Account", {"company": self.company, "is_group": 1, "root_type": "Asset"}
		)
		doc.account_group = assets
		self.assertRefused(doc, assets, "Asset", "under Expenses")

	def test_an_after_date_far_back_says_how_long_the_first_import_takes(self):
		doc = self.doc()
		doc.after_date = add_days(today(), -400)
		frappe.clear_messages()
		doc.save()
		said = " ".join(m.get("message", "") for m in frappe.get_message_log())
		self.assertIn("400 days", said)
		self.assertIn("4.5 hours", said)
		frappe.clear_messages()
		doc.save()  # unchanged: not said again
		self.assertEqual(frappe.get_message_log(), [])

	def test_after_date_in_the_future_is_refused(self):
		doc = self.doc()
		doc.after_date = add_days(today(), 2)
		self.assertRefused(doc, "future")
		doc = self.doc()
		doc.after_date = today()
		doc.save()

	def test_price_list_currency_must_fit_the_marketplace(self):
		doc = self.doc()
		doc.marketplaces[0].price_list = f.make_price_list("_Test Amazon EUR List", "EUR")
		self.assertRefused(doc, "USD", "_Test Amazon EUR List", "EUR")

	def test_default_price_list_must_fit_marketplaces_without_their_own(self):
		doc = self.doc()
		doc.marketplaces[0].price_list = None
		doc.price_list = f.make_price_list("_Test Amazon EUR List", "EUR")
		self.assertRefused(doc, "USD", "EUR")

	def test_marketplace_listed_twice_is_refused(self):
		doc = self.doc()
		doc.append("marketplaces", doc.marketplaces[0].as_dict(no_default_fields=True))
		self.assertRefused(doc, doc.marketplaces[0].marketplace_id, "twice")

	def test_custom_endpoint_needs_a_web_address(self):
		doc = self.doc()
		doc.endpoint_url = "localhost-without-scheme"
		self.assertRefused(doc, "localhost-without-scheme")

	def test_a_remote_custom_endpoint_is_refused_on_save(self):
		doc = self.doc()
		doc.environment = "Custom Endpoint"
		doc.endpoint_url = "https://attacker.example/sp"
		with patch_conf(developer_mode=0):
			self.assertRefused(doc, "attacker.example", "not on this server")

	def test_a_remote_custom_endpoint_needs_developer_mode_and_a_system_manager(self):
		doc = self.doc()
		doc.environment = "Custom Endpoint"
		doc.endpoint_url = "https://proxy.example/sp"
		manager = f.make_user("amazon-endpoint-manager@example.com", ["Amazon Connector Manager"])
		self.addCleanup(self.restore_endpoint, self.doc())
		with patch_conf(developer_mode=1):
			frappe.set_user(manager)
			try:
				self.assertRefused(doc, "proxy.example")
			finally:
				frappe.set_user("Administrator")
			doc = self.doc()
			doc.environment = "Custom Endpoint"
			doc.endpoint_url = "https://proxy.example/sp"
			doc.save()  # Administrator is a System Manager
		self.assertEqual(self.doc().endpoint_url, "https://proxy.example/sp")

	def test_a_remote_endpoint_written_around_validation_is_refused_on_use(self):
		from amazon_connector.erpnext_adapter.settings import account_config

		doc = self.doc()
		self.addCleanup(self.restore_endpoint, self.doc())
		doc.db_set({"environment": "Custom Endpoint", "endpoint_url": "https://attacker.example"})
		with patch_conf(developer_mode=0), self.assertRaises(frappe.ValidationError) as caught:
			account_config(doc.name)
		self.assertIn("not on this server", str(caught.exception))

	def test_item_field_policy_needs_an_item_field(self):
		doc = self.doc()
		doc.item_code_policy = "Item Field"
		doc.item_code_field = "no_such_field"
		self.assertRefused(doc, "no_such_field")
		doc = self.doc()
		doc.item_code_policy = "Item Field"
		doc.item_code_field = "item_name"
		doc.save()

	def test_same_seller_and_region_cannot_be_set_up_twice(self):
		other = f.make_amazon_settings(self.company, account_name="_Test Amazon Validation 2")
		other.seller_id = self.settings.seller_id
		self.assertRefused(other, self.settings.name)

	def test_one_seller_keeps_one_record_per_region(self):
		eu = f.make_amazon_settings(self.company, account_name="_Test Amazon Validation EU", region="EU",
			marketplaces=[f.MARKETPLACE_DE])  # fmt: skip
		eu.seller_id = self.settings.seller_id
		eu.save()  # same seller, other region: a second authorization, allowed
		self.assertEqual(
			frappe.db.get_value("Amazon Settings", eu.name, "seller_id"), self.settings.seller_id
		)

	def test_a_new_marketplace_without_a_price_list_in_its_currency_is_added_disabled(self):
		for name in frappe.get_all("Price List", {"currency": "CAD", "selling": 1}, pluck="name"):
			frappe.db.set_value("Price List", name, "enabled", 0)
		doc = self.doc()
		doc.price_list = f.make_price_list("_Test Amazon US", "USD")
		amazon_ca = {
			"id": "A2EUQ1WTGCTBG2",
			"name": "Amazon.ca",
			"countryCode": "CA",
			"defaultCurrencyCode": "CAD",
			"defaultLanguageCode": "en_CA",
			"domainName": "www.amazon.ca",
		}
		participations = [
			{
				"marketplace": amazon_ca,
				"participation": {"isParticipating": True, "hasSuspendedListings": False},
			}
		]
		added, _updated, without_list = marketplaces.fill_marketplaces(doc, participations)
		self.assertEqual((added, without_list), (1, ["Amazon.ca"]))
		row = doc.marketplaces[-1]
		self.assertEqual((row.currency, row.enabled, row.price_list), ("CAD", 0, None))
		doc.save()  # enabled, the row would fall back to the USD list, which validation refuses


class TestAmazonSettingsConnection(TestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.sim = start_simulator()
		cls.addClassCleanup(cls.sim.stop)

	def test_test_connection_fills_the_marketplace_table(self):
		doc = simulated_settings(self.sim, "_Test Amazon Connection", marketplaces=[])
		ok, message = connection.test_connection(doc.name)
		self.assertTrue(ok, message)
		doc.reload()
		ids = [row.marketplace_id for row in doc.marketplaces]
		self.assertEqual(ids, [m["marketplaceId"] for m in self.sim.account["marketplaces"]])
		row = doc.marketplaces[0]
		self.assertEqual((row.country_code, row.currency, row.enabled), ("US", "USD", 1))
		self.assertEqual(row.country, "United States")
		self.assertIn("Amazon.com", message)

	def test_test_connection_keeps_the_users_choices(self):
		doc = simulated_settings(self.sim, "_Test Amazon Connection Keep")
		doc.marketplaces[0].enabled = 0
		doc.save()
		ok, _message = connection.test_connection(doc.name)
		self.assertTrue(ok)
		doc.reload()
		self.assertEqual(len(doc.marketplaces), 1)
		self.assertEqual(doc.marketplaces[0].enabled, 0)

	def test_bad_client_secret_is_one_plain_sentence(self):
		doc = simulated_settings(
			self.sim, "_Test Amazon Bad Secret", lwa_client_secret="wrong-secret-for-test"
		)
		ok, message = connection.test_connection(doc.name)
		self.assertFalse(ok)
		self.assertIn("client", message.lower())
		self.assertEqual(message.count("\n"), 0)
		self.assertNotIn("wrong-secret-for-test", message)

	def test_revoked_refresh_token_is_one_plain_sentence(self):
		doc = simulated_settings(
			self.sim, "_Test Amazon Revoked", refresh_token="revoked-refresh-token-for-test"
		)
		ok, message = connection.test_connection(doc.name)
		self.assertFalse(ok)
		self.assertIn("refresh token", message.lower())
		self.assertNotIn("revoked-refresh-token-for-test", message)

	def test_network_down_is_one_plain_sentence(self):
		# Port 9 (discard) on the loopback: nothing listens, the connection is refused at once.
		doc = simulated_settings(self.sim, "_Test Amazon Offline", endpoint_url="http://127.0.0.1:9")
		ok, message = connection.test_connection(doc.name)
		self.assertFalse(ok)
		self.assertIn("reach", message.lower())


class TestAmazonSettingsVat(TestCase):
	"""A marketplace row's VAT set-up: a rate is a percentage, the Output VAT account is the company's."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.company = f.make_company()
		cls.other = f.make_company(OTHER_COMPANY, "_TAO")
		cls.settings = f.make_amazon_settings(cls.company, account_name="_Test Amazon VAT Validation")

	def test_a_rate_beyond_a_hundred_percent_is_refused(self):
		doc = frappe.get_doc("Amazon Settings", self.settings.name)
		doc.marketplaces[0].vat_rate = 120
		with self.assertRaises(frappe.ValidationError) as caught:
			doc.save()
		self.assertIn("Standard VAT Rate", str(caught.exception))

	def test_an_output_vat_account_of_another_company_is_refused(self):
		doc = frappe.get_doc("Amazon Settings", self.settings.name)
		doc.marketplaces[0].output_vat_account = frappe.get_all(
			"Account",
			filters={"company": self.other, "is_group": 0, "account_type": "Tax"},
			pluck="name",
			limit=1,
		)[0]
		with self.assertRaises(frappe.ValidationError) as caught:
			doc.save()
		self.assertIn("Output VAT Account", str(caught.exception))
