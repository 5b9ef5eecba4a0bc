"""VAT on Sales Orders in the real ERPNext: VAT taken out at the marketplace's rate when Amazon reports
none, the user's Output VAT account, the needs-attention path without a rate, and no re-booking of an
order imported before the VAT set-up."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import frappe
from frappe.utils import flt

from amazon_connector.core.ports import Outcome
from amazon_connector.erpnext_adapter.tax_detail import detail_of
from amazon_connector.tests import factories as f
from amazon_connector.tests.base import AdapterTestCase


def unreported(draft):
	"""The draft as Amazon's UK example has it: VAT inside the prices, no TAX breakdown."""
	lines = [replace(line, tax_included=True, tax_reported=False) for line in draft.lines]
	return replace(draft, lines=lines)


# Half a minor unit of the company currency (and float noise): how far a rounded amount may be off.
HALF_CENT = 0.005 + 1e-9


class TestErpNextAdapterVat(AdapterTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.uk = f.make_amazon_settings(
			cls.company, account_name="_Test Amazon UK VAT", region="EU", marketplaces=[f.MARKETPLACE_UK]
		)
		f.make_item("_TAC-VAT-GADGET")
		f.make_item("_TAC-VAT-BOOK")
		f.make_item("_TAC-VAT-PLAIN")  # never given an Item Tax Template

	def set_rate(self, rate, account=None):
		doc = frappe.get_doc("Amazon Settings", self.uk.name)
		doc.marketplaces[0].vat_rate = rate
		doc.marketplaces[0].output_vat_account = account
		doc.save(ignore_permissions=True)

	def order_of(self, amazon_order_id):
		name = frappe.db.get_value("Sales Order", {"amazon_order_id": amazon_order_id}, "name")
		return frappe.get_doc("Sales Order", name)

	def draft(self, order_id, lines):
		return unreported(f.order_draft(order_id, lines=lines, marketplace=f.MARKETPLACE_UK))

	def test_vat_is_taken_out_at_the_rate_onto_the_chosen_account(self):
		account = frappe.get_doc(
			{
				"doctype": "Account",
				"account_name": "_Test Own Output VAT",
				"parent_account": frappe.get_all(
					"Account",
					filters={"company": self.company, "is_group": 1, "account_type": "Tax"},
					pluck="name",
					limit=1,
				)[0],
				"company": self.company,
				"account_type": "Tax",
			}
		)
		name = frappe.db.get_value(
			"Account", {"account_name": "_Test Own Output VAT", "company": self.company}
		)
		name = name or account.insert(ignore_permissions=True).name
		self.set_rate(20, name)
		draft = self.draft("202-0000000-0000101", [("GADGET", "_TAC-VAT-GADGET", 3, "12.03")])
		self.assertEqual(self.port(self.uk).upsert_sales_order(draft), Outcome.CREATED)
		so = self.order_of(draft.amazon_order_id)
		self.assertEqual(flt(so.grand_total), 36.09)  # what the buyer paid
		[vat] = so.taxes
		# 36.09 x 20 / 120 = 6.015 -> 6.02 (half-up); net 30.07
		self.assertEqual((vat.account_head, flt(vat.tax_amount), vat.charge_type), (name, 6.02, "Actual"))
		self.assertIn("VAT 20%", vat.description)
		self.assertEqual(vat.dont_recompute_tax, 1)
		detail = detail_of(vat)
		self.assertEqual(detail["_TAC-VAT-GADGET"][0], 20.0)
		# In the company currency: as computed on ERPNext 15, rounded as the row's base amount on 16.
		self.assertAlmostEqual(detail["_TAC-VAT-GADGET"][1], 6.02 * flt(so.conversion_rate), delta=HALF_CENT)
		self.assertEqual(flt(so.net_total), 30.07)
		self.assertFalse(so.amazon_attention)

	def test_without_a_rate_the_order_is_gross_and_needs_attention(self):
		self.set_rate(0)
		draft = self.draft("202-0000000-0000102", [("PLAIN", "_TAC-VAT-PLAIN", 1, "9.99")])
		self.port(self.uk).upsert_sales_order(draft)
		so = self.order_of(draft.amazon_order_id)
		self.assertEqual((flt(so.grand_total), flt(so.net_total), len(so.taxes)), (9.99, 9.99, 0))
		self.assertIn("Needs attention", so.amazon_attention)
		self.assertIn("Standard VAT Rate", so.amazon_attention)

	def test_a_submitted_order_imported_gross_is_not_rebooked_when_the_rate_is_set_later(self):
		self.set_rate(0)
		draft = self.draft("202-0000000-0000103", [("PLAIN", "_TAC-VAT-PLAIN", 2, "5.00")])
		self.port(self.uk).upsert_sales_order(draft)
		before = self.order_of(draft.amazon_order_id)
		self.assertEqual(before.docstatus, 1)
		self.set_rate(20)
		later = replace(draft, last_updated=draft.last_updated + timedelta(hours=1))
		self.assertIn(self.port(self.uk).upsert_sales_order(later), (Outcome.UNCHANGED, Outcome.UPDATED))
		after = self.order_of(draft.amazon_order_id)
		self.assertEqual((after.name, after.docstatus, len(after.taxes)), (before.name, 1, 0))
		self.assertEqual(flt(after.grand_total), 10.0)

	def test_a_reduced_rate_item_takes_its_item_tax_template(self):
		self.set_rate(20)
		output_vat = self.port(self.uk).accounts.account("Amazon Output VAT")
		template = frappe.db.get_value(
			"Item Tax Template", {"title": "_Test Zero Rated", "company": self.company}
		)
		if not template:
			template = (
				frappe.get_doc(
					{
						"doctype": "Item Tax Template",
						"title": "_Test Zero Rated",
						"company": self.company,
						"taxes": [{"tax_type": output_vat, "tax_rate": 0}],
					}
				)
				.insert(ignore_permissions=True)
				.name
			)
		item = frappe.get_doc("Item", "_TAC-VAT-BOOK")
		item.set("taxes", [{"item_tax_template": template}])
		item.save(ignore_permissions=True)
		draft = self.draft(
			"202-0000000-0000104",
			[("BOOK", "_TAC-VAT-BOOK", 1, "8.99"), ("GADGET", "_TAC-VAT-GADGET", 1, "24.00")],
		)
		self.port(self.uk).upsert_sales_order(draft)
		so = self.order_of(draft.amazon_order_id)
		rows = {t.description: (flt(t.tax_amount), detail_of(t)) for t in so.taxes}
		self.assertEqual(
			rows,
			{
				"VAT 0% (included in the prices)": (0.0, {"_TAC-VAT-BOOK": [0.0, 0.0]}),
				"VAT 20% (included in the prices)": (
					4.0,
					{"_TAC-VAT-GADGET": [20.0, 4.0 * flt(so.conversion_rate)]},
				),
			},
		)
		self.assertEqual(flt(so.grand_total), 32.99)
