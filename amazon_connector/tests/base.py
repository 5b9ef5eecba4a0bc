"""The bench tests' base classes: one v15/v16 import shim, and the adapter tests' common set-up."""

from __future__ import annotations

import frappe

from amazon_connector.erpnext_adapter.port import ErpNextPort
from amazon_connector.tests import factories as f

try:  # v16
	from frappe.tests import IntegrationTestCase as TestCase
except ImportError:  # v15
	from frappe.tests.utils import FrappeTestCase as TestCase

__all__ = ["TestCase", "AdapterTestCase"]


class AdapterTestCase(TestCase):
	"""A company with its US Amazon Settings record (`settings`), and the ERPNext port on a record."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.company = f.make_company()
		cls.settings = f.make_amazon_settings(cls.company)

	@classmethod
	def make_eu_settings(cls):
		"""A second account of the company, selling on Amazon.de (EUR)."""
		return f.make_amazon_settings(
			cls.company, account_name="_Test Amazon DE", region="EU", marketplaces=[f.MARKETPLACE_DE]
		)

	def port(self, settings=None) -> ErpNextPort:
		# A fresh read of the record, as a sync run would have it.
		return ErpNextPort(frappe.get_doc("Amazon Settings", (settings or self.settings).name))
