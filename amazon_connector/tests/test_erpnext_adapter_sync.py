"""The sync engines on the ERPNext adapter, end to end against the local SP-API simulator.

Products, then orders, then fees of a small generated world (US, UK, DE, JP) go through the real
access layer into ERPNext. The adapter refuses any Sales Order whose total differs from Amazon's,
so a run without failures means every imported order is exact to the minor unit.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import frappe
from frappe.utils import flt

from amazon_connector.core.engine.fees import FeeSync
from amazon_connector.core.engine.orders import OrderSync
from amazon_connector.core.engine.products import ProductSync
from amazon_connector.erpnext_adapter.port import ErpNextPort
from amazon_connector.erpnext_adapter.settings import sync_settings
from amazon_connector.simulator import Simulator, generate_world
from amazon_connector.spapi.account import CUSTOM, AccountConfig
from amazon_connector.spapi.client import SpApiSession
from amazon_connector.spapi.source import SpApiSource
from amazon_connector.tests import factories as f
from amazon_connector.tests.base import TestCase


class TestErpNextAdapterSync(TestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		end = datetime.combine(datetime.now(timezone.utc).date(), time(0), tzinfo=timezone.utc)
		start = end - timedelta(days=20)
		world = generate_world(seed=7, orders=40, start=start, end=end, marketplaces=("US", "UK", "DE", "JP"))
		cls.sim = Simulator(world, time_scale=60.0, limits=False, token_ttl=30 * 86400.0)
		base_url = cls.sim.start()
		account = cls.sim.account
		cls.company = f.make_company()
		cls.doc = f.make_amazon_settings(
			cls.company,
			account_name="_Test Amazon Simulator",
			marketplaces=[f.MARKETPLACE_US, f.MARKETPLACE_UK, f.MARKETPLACE_DE, f.MARKETPLACE_JP],
			seller_id=account["seller_id"],
			endpoint_url=base_url,
			after_date=(start - timedelta(days=1)).date(),
		)
		cls.account = AccountConfig(
			key=cls.doc.name,
			region="NA",
			client_id=account["client_id"],
			client_secret=account["client_secret"],
			refresh_token=account["refresh_token"],
			environment=CUSTOM,
			endpoint_url=base_url,
			seller_id=account["seller_id"],
		)

	@classmethod
	def tearDownClass(cls):
		cls.sim.stop()
		super().tearDownClass()

	def engines(self):
		source = SpApiSource(SpApiSession(self.account))
		settings = sync_settings(self.doc, report_poll_interval=0.5, report_deadline=120)
		port = ErpNextPort(frappe.get_doc("Amazon Settings", self.doc.name))
		now = self.sim.clock.now
		products = ProductSync(source, port, settings, now=now)
		orders = OrderSync(source, port, settings, item_resolver=products.ensure_items, now=now)
		return products, orders, FeeSync(source, port, settings, now=now)

	def test_products_orders_and_fees_import_exactly_and_only_once(self):
		products, orders, fees = self.engines()
		product_report = products.run()
		self.assertFalse(product_report.failures, [x.reason for x in product_report.failures][:5])
		self.assertGreater(frappe.db.count("Amazon Item", {"amazon_account": self.doc.name}), 0)

		order_report = orders.run()
		self.assertFalse(
			order_report.failures, [f"{x.amazon_id}: {x.reason}" for x in order_report.failures][:5]
		)
		imported = frappe.get_all(
			"Sales Order",
			filters={"amazon_account": self.doc.name},
			fields=["name", "currency", "grand_total", "rounding_adjustment", "docstatus"],
		)
		self.assertGreater(len(imported), 0)
		self.assertGreater(len({so.currency for so in imported}), 1)
		self.assertTrue(all(flt(so.rounding_adjustment) == 0 for so in imported))

		# A second run finds everything already there.
		_, orders_again, _ = self.engines()
		orders_again.run()
		self.assertEqual(frappe.db.count("Sales Order", {"amazon_account": self.doc.name}), len(imported))

		fee_report = fees.run()
		self.assertGreater(fee_report.counts["created"], 0)
		self.assertFalse(fee_report.failures, [f"{x.amazon_id}: {x.reason}" for x in fee_report.failures][:5])
		for entry in frappe.get_all(
			"Journal Entry",
			filters={"amazon_account": self.doc.name},
			fields=["total_debit", "total_credit", "docstatus"],
		):
			self.assertEqual(entry.docstatus, 1)
			self.assertEqual(flt(entry.total_debit, 2), flt(entry.total_credit, 2))
