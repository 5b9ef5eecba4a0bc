"""ErpNextPort items: creation with barcodes/brand/price/mapping, idempotence, matching, user edits."""

from __future__ import annotations

from decimal import Decimal

import frappe

from amazon_connector.core.drafts import BarcodeDraft
from amazon_connector.core.ports import Outcome
from amazon_connector.tests import factories as f
from amazon_connector.tests.base import AdapterTestCase

EAN_13 = "4006381333931"
UPC_A = "036000291452"


class TestErpNextAdapterItems(AdapterTestCase):
	def mapping(self, sku):
		return frappe.get_all(
			"Amazon Item",
			filters={"amazon_account": self.settings.name, "sku": sku},
			fields=["item_code", "asin", "listing_status", "fulfillment_channel", "last_synced"],
		)

	def price(self, item_code, price_list="_Test Amazon US"):
		return frappe.get_all(
			"Item Price", filters={"item_code": item_code, "price_list": price_list}, pluck="price_list_rate"
		)

	def test_creates_item_with_barcodes_brand_price_and_mapping(self):
		draft = f.item_draft(
			"AMZ-ITEM-1",
			asin="B0TESTASIN1",
			brand="_Test Amazon Brand One",
			description="<p>A sturdy thing</p>",
			barcodes=[BarcodeDraft(EAN_13, "EAN"), BarcodeDraft(UPC_A, "UPC-A")],
			price=Decimal("24.99"),
			fulfillment_channel="AMAZON",
		)
		port = self.port()
		self.assertEqual(port.upsert_item(draft), Outcome.CREATED)

		item = frappe.get_doc("Item", "AMZ-ITEM-1")
		self.assertEqual(item.item_name, "Amazon product AMZ-ITEM-1")
		self.assertEqual(item.item_group, self.settings.item_group)
		self.assertEqual(item.brand, "_Test Amazon Brand One")
		self.assertTrue(frappe.db.exists("Brand", "_Test Amazon Brand One"))
		self.assertEqual(item.amazon_asin, "B0TESTASIN1")
		self.assertEqual(
			{(b.barcode, b.barcode_type) for b in item.barcodes}, {(EAN_13, "EAN"), (UPC_A, "UPC-A")}
		)
		self.assertEqual(self.price("AMZ-ITEM-1"), [24.99])
		[mapping] = self.mapping("AMZ-ITEM-1")
		self.assertEqual(
			(mapping.item_code, mapping.asin, mapping.listing_status, mapping.fulfillment_channel),
			("AMZ-ITEM-1", "B0TESTASIN1", "Active", "AMAZON"),
		)
		self.assertIsNotNone(mapping.last_synced)
		self.assertEqual(port.item_for_sku(f.MARKETPLACE_US[0], "AMZ-ITEM-1"), "AMZ-ITEM-1")

		# The same listing again changes nothing.
		self.assertEqual(self.port().upsert_item(draft), Outcome.UNCHANGED)
		self.assertEqual(frappe.db.count("Item", {"name": "AMZ-ITEM-1"}), 1)
		self.assertEqual(len(self.mapping("AMZ-ITEM-1")), 1)

	def test_price_change_is_applied_unless_switched_off(self):
		port = self.port()
		port.upsert_item(f.item_draft("AMZ-ITEM-2", price=Decimal("10.00")))
		self.assertEqual(
			port.upsert_item(f.item_draft("AMZ-ITEM-2", price=Decimal("12.50"))), Outcome.UPDATED
		)
		self.assertEqual(self.price("AMZ-ITEM-2"), [12.5])

		self.assertEqual(
			port.upsert_item(f.item_draft("AMZ-ITEM-2", price=Decimal("13.00"), price_update=False)),
			Outcome.UNCHANGED,
		)
		self.assertEqual(self.price("AMZ-ITEM-2"), [12.5])

	def test_user_edits_survive_a_resync(self):
		port = self.port()
		port.upsert_item(f.item_draft("AMZ-ITEM-3", description="First description", brand="_Test Brand A"))
		frappe.db.set_value("Item", "AMZ-ITEM-3", "item_name", "Name chosen in ERPNext")

		outcome = self.port().upsert_item(
			f.item_draft(
				"AMZ-ITEM-3",
				item_name="A new Amazon title",
				description="Second description",
				brand="_Test Brand A",
			)
		)
		item = frappe.get_doc("Item", "AMZ-ITEM-3")
		self.assertEqual(item.item_name, "Name chosen in ERPNext")
		# Untouched by the user: follows Amazon.
		self.assertEqual(outcome, Outcome.UPDATED)
		self.assertIn("Second description", item.description)

	def test_matches_an_existing_item_by_sku(self):
		f.make_item("PRE-EXISTING-SKU", item_name="The user's own name")
		before = frappe.db.count("Item")
		outcome = self.port().upsert_item(f.item_draft("PRE-EXISTING-SKU", item_name="Amazon's name"))
		self.assertEqual(outcome, Outcome.UPDATED)  # the mapping and the price are new
		self.assertEqual(frappe.db.count("Item"), before)
		self.assertEqual(frappe.db.get_value("Item", "PRE-EXISTING-SKU", "item_name"), "The user's own name")
		self.assertEqual(self.mapping("PRE-EXISTING-SKU")[0].item_code, "PRE-EXISTING-SKU")

	def test_matches_an_existing_item_by_barcode(self):
		f.make_item("USER-CODE-77", barcodes=[{"barcode": "5901234123457", "barcode_type": "EAN"}])
		before = frappe.db.count("Item")
		self.port().upsert_item(
			f.item_draft("AMZ-SKU-WITH-BARCODE", barcodes=[BarcodeDraft("5901234123457", "EAN")])
		)
		self.assertEqual(frappe.db.count("Item"), before)
		self.assertFalse(frappe.db.exists("Item", "AMZ-SKU-WITH-BARCODE"))
		self.assertEqual(
			self.port().item_for_sku(f.MARKETPLACE_US[0], "AMZ-SKU-WITH-BARCODE"), "USER-CODE-77"
		)

	def test_a_barcode_held_by_another_item_is_left_to_it(self):
		f.make_item("USER-CODE-78", barcodes=[{"barcode": "9780306406157", "barcode_type": "ISBN-13"}])
		# Matched by SKU to a different item: the barcode stays where it is.
		self.port().upsert_item(
			f.item_draft(
				"AMZ-ITEM-4", barcodes=[BarcodeDraft("9780306406157", "ISBN-13")], item_code="AMZ-ITEM-4"
			)
		)
		# The barcode matched USER-CODE-78 first, so no item is created and the mapping points there.
		self.assertFalse(frappe.db.exists("Item", "AMZ-ITEM-4"))
		self.assertEqual(frappe.db.count("Item Barcode", {"barcode": "9780306406157"}), 1)

	def test_unknown_sku_has_no_item(self):
		self.assertIsNone(self.port().item_for_sku(f.MARKETPLACE_US[0], "NEVER-SEEN-SKU"))
