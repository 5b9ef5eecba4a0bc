"""Products end to end: a sync against the simulator creates Items, barcodes, brands, prices and
mappings as the world's listings and catalogue say; a second sync creates nothing; Items that exist
beforehand (one by item code = SKU, one by a barcode = the listing's product-id) are matched, not
duplicated."""

from __future__ import annotations

from decimal import Decimal

import frappe
from frappe.utils import flt

from amazon_connector.tests import e2e_support as e2e
from amazon_connector.tests import factories as f
from amazon_connector.tests.e2e_support import TestCase

US = f.MARKETPLACE_US[0]
PRE_EXISTING_BY_BARCODE = "_Test E2E Item by barcode"
BARCODE_CHANGED: dict[str, str] = {}


def upc_a(first_eleven: str) -> str:
	digits = [int(d) for d in first_eleven]
	check = (10 - (sum(digits[0::2]) * 3 + sum(digits[1::2])) % 10) % 10
	return first_eleven + str(check)


# The test's own SKUs, so that Items left on the site by other runs of generated worlds (the bench
# command's simulator mode, the benchmark) never look like this seller's catalogue.
SKU_PREFIX = "E2EP-"


def _give_one_listing_a_upc(world: dict) -> None:
	"""The seller's own UPC as the report's product-id (type 3), one the catalogue does not know."""
	for rows in world["listings"].values():
		for listing in rows:
			listing["seller-sku"] = SKU_PREFIX + listing["seller-sku"]
	for order in world["orders"]:
		for item in order["orderItems"]:
			product = item.get("product") or {}
			if product.get("sellerSku"):
				product["sellerSku"] = SKU_PREFIX + product["sellerSku"]
	row = next(
		r for r in world["listings"][US] if r["status"] == "Active" and r["seller-sku"] != _by_code(world)
	)
	row["product-id-type"] = "3"
	row["product-id"] = upc_a("08123456789")
	BARCODE_CHANGED.update(sku=row["seller-sku"], barcode=row["product-id"])


def _by_code(world: dict) -> str:
	"""The SKU an Item exists for beforehand (item code = SKU)."""
	return world["listings"][US][-1]["seller-sku"]


COUNTED = ("Item", "Item Price", "Item Barcode", "Brand", "Amazon Item")


class TestE2EProducts(TestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.account = e2e.start_account(
			seed=41,
			orders=20,
			account_name="_Test E2E Products",
			marketplaces=("US", "DE"),
			edit_world=_give_one_listing_a_upc,
		)
		cls.addClassCleanup(cls.account.stop)

	def counts(self) -> dict[str, int]:
		return {doctype: frappe.db.count(doctype) for doctype in COUNTED}

	def test_sync_creates_everything_once_and_matches_existing_items(self):
		account = self.account
		world = account.world
		by_code = _by_code(world)
		by_barcode_sku, barcode = BARCODE_CHANGED["sku"], BARCODE_CHANGED["barcode"]
		f.make_item(by_code, item_name="Made before the first sync")
		f.make_item(PRE_EXISTING_BY_BARCODE, barcodes=[{"barcode": barcode, "barcode_type": "UPC-A"}])
		self.assertFalse(frappe.db.exists("Item", by_barcode_sku))

		products, _, _ = account.engines()
		report = products.run()
		self.assertFalse(report.failures, e2e.failure_lines(report)[:5])
		self.assertGreater(report.counts["created"], 0)

		mappings = {
			(m.marketplace_id, m.sku): m
			for m in frappe.get_all(
				"Amazon Item",
				filters={"amazon_account": account.name},
				fields=["marketplace_id", "sku", "item_code", "asin"],
			)
		}
		listings = {(mkt, row["seller-sku"]): row for mkt, rows in world["listings"].items() for row in rows}
		self.assertGreaterEqual(len(listings), 10)
		self.assertEqual(set(mappings), set(listings))

		# Pre-existing Items are used, and no Item is made for their SKUs.
		self.assertEqual({m.item_code for (_, sku), m in mappings.items() if sku == by_code}, {by_code})
		self.assertEqual(
			{m.item_code for (_, sku), m in mappings.items() if sku == by_barcode_sku},
			{PRE_EXISTING_BY_BARCODE},
		)
		self.assertFalse(frappe.db.exists("Item", by_barcode_sku))
		self.assertEqual(frappe.db.count("Item Barcode", {"barcode": barcode}), 1)

		# One Item per SKU, across marketplaces.
		skus = {sku for _, sku in listings}
		item_of = {}
		for (_, sku), mapping in mappings.items():
			item_of.setdefault(sku, set()).add(mapping.item_code)
		self.assertTrue(all(len(codes) == 1 for codes in item_of.values()), item_of)
		created = skus - {by_code, by_barcode_sku}
		for sku in created:
			self.assertEqual(item_of[sku], {sku})  # item code policy SKU
			self.assertTrue(frappe.db.exists("Item", sku))

		catalog = {item["asin"]: item for item in world["catalogItems"]}
		for (marketplace_id, sku), row in listings.items():
			item_code = mappings[(marketplace_id, sku)].item_code
			self.assertEqual(mappings[(marketplace_id, sku)].asin, row["asin1"])
			# Prices: the marketplace's price list, Amazon's price.
			price_list = frappe.db.get_value(
				"Amazon Marketplace", {"parent": account.name, "marketplace_id": marketplace_id}, "price_list"
			)
			if row["price"]:
				rate = frappe.db.get_value(
					"Item Price", {"item_code": item_code, "price_list": price_list}, "price_list_rate"
				)
				self.assertIsNotNone(rate, (marketplace_id, sku))
				self.assertEqual(Decimal(str(flt(rate, 2))), Decimal(row["price"]), (marketplace_id, sku))
			if sku not in created:
				continue
			# Brands and barcodes of the catalogue, on the Items the sync made.
			entry = catalog.get(row["asin1"])
			self.assertIsNotNone(entry, row["asin1"])
			brands = {s.get("brand") for s in entry.get("summaries", []) if s.get("brand")}
			brand = frappe.db.get_value("Item", item_code, "brand")
			self.assertIn(brand, brands)
			self.assertTrue(frappe.db.exists("Brand", brand))
			codes = {
				i["identifier"]
				for group in entry.get("identifiers", [])
				if group["marketplaceId"] == marketplace_id
				for i in group["identifiers"]
				if i["identifierType"] in ("UPC", "EAN")
			}
			held = set(frappe.get_all("Item Barcode", filters={"parent": item_code}, pluck="barcode"))
			self.assertTrue(codes <= held, (sku, codes, held))

		# A second sync creates nothing.
		before = self.counts()
		again, _, _ = account.engines()
		report = again.run()
		self.assertFalse(report.failures, e2e.failure_lines(report)[:5])
		self.assertEqual(report.counts["created"], 0)
		self.assertEqual(self.counts(), before)
