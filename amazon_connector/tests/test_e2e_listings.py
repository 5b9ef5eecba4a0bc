"""Listings health and prices end to end: after a product sync, the listings health check puts each
listing's status and Amazon's issues on its Amazon Item (filterable by status), and, with "Push
Prices to Amazon" on, the marketplace price list's prices reach the simulator's listings once,
again only for a price changed in ERPNext (which the product sync no longer overwrites), and a
price Amazon refuses is shown on the SKU's mapping with Amazon's message; many changed prices go
in a feed whose report the next run reads."""

from __future__ import annotations

import json
from decimal import Decimal

import frappe

from amazon_connector.core.engine import price_push
from amazon_connector.core.engine.feeds_in_flight import FeedsInFlight
from amazon_connector.core.engine.listing_health import ListingHealthCheck
from amazon_connector.core.engine.price_push import PricePush
from amazon_connector.simulator.listing_issues import issue
from amazon_connector.spapi.source import SpApiSource
from amazon_connector.tests import e2e_support as e2e
from amazon_connector.tests import factories as f
from amazon_connector.tests.e2e_support import TestCase

SKU_PREFIX = "E2EL-"
US = f.MARKETPLACE_US[0]


class TestE2EListings(TestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.account = e2e.start_account(
			seed=37,
			orders=5,
			account_name="_Test E2E Listings",
			marketplaces=("US",),
			edit_world=lambda world: e2e.prefix_skus(world, SKU_PREFIX),
		)
		cls.addClassCleanup(cls.account.stop)
		products, _, _ = cls.account.engines()
		report = products.run()
		assert not report.failures, e2e.failure_lines(report)[:5]

	def run_engine(self, engine_class, **extra):
		account = self.account
		return engine_class(SpApiSource(account.session()), account.port(), account.settings(**extra)).run()

	def mapping(self, sku: str, *fields):
		return frappe.db.get_value(
			"Amazon Item",
			{"amazon_account": self.account.name, "marketplace_id": US, "sku": sku},
			list(fields),
			as_dict=True,
		)

	def skus(self) -> list[str]:
		return frappe.get_all(
			"Amazon Item",
			filters={"amazon_account": self.account.name, "marketplace_id": US},
			pluck="sku",
			order_by="sku asc",
		)

	def test_each_listing_shows_its_status_and_amazons_issues(self):
		sim = self.account.sim
		active = sorted(
			r["seller-sku"] for r in sim.world.listings[US] if (r.get("status") or "").lower() == "active"
		)
		incomplete, ineligible = active[:2]
		sim.listing_issues.set(
			incomplete, [issue("90220", "'brand' is required but not supplied.", attributes=("brand",))]
		)
		sim.listing_issues.set(
			ineligible,
			[
				issue(
					"8572",
					"You need approval to list in this category.",
					categories=("QUALIFICATION_REQUIRED",),
				)
			],
		)
		report = self.run_engine(ListingHealthCheck)
		self.assertFalse(report.failures, e2e.failure_lines(report)[:5])
		self.assertEqual(report.api_calls, {"getListingsItem": len(self.skus())})

		row = self.mapping(
			incomplete, "listing_health", "listing_issues", "amazon_listing_statuses", "listing_checked"
		)
		self.assertEqual(row.listing_health, "Incomplete")
		self.assertIn("'brand' is required but not supplied.", row.listing_issues)
		self.assertEqual(row.amazon_listing_statuses, "DISCOVERABLE")
		self.assertTrue(row.listing_checked)
		self.assertEqual(self.mapping(ineligible, "listing_health").listing_health, "Ineligible")
		expected = {s: "Active" for s in active} | {incomplete: "Incomplete", ineligible: "Ineligible"}
		for sku in set(self.skus()) - set(active):
			expected[sku] = "Inactive"
		found = {
			r.sku: r.listing_health
			for r in frappe.get_all(
				"Amazon Item", filters={"amazon_account": self.account.name}, fields=["sku", "listing_health"]
			)
		}
		self.assertEqual(found, expected)

		# The list view filters by it.
		field = frappe.get_meta("Amazon Item").get_field("listing_health")
		self.assertTrue(field.in_standard_filter and field.in_list_view)
		self.assertEqual(
			frappe.get_all(
				"Amazon Item",
				filters={"amazon_account": self.account.name, "listing_health": "Incomplete"},
				pluck="sku",
			),
			[incomplete],
		)

		# Fixed on Amazon: the next check says so.
		sim.listing_issues.clear(incomplete)
		self.run_engine(ListingHealthCheck)
		row = self.mapping(incomplete, "listing_health", "listing_issues")
		self.assertEqual((row.listing_health, row.listing_issues or ""), ("Active", ""))

	def test_price_list_prices_reach_amazon_when_they_change(self):
		sim = self.account.sim
		frappe.db.set_value("Amazon Settings", self.account.name, "push_prices", 1)
		price_list = frappe.db.get_value("Amazon Settings", self.account.name, "price_list")
		mappings = {
			r.sku: r.item_code
			for r in frappe.get_all(
				"Amazon Item",
				filters={"amazon_account": self.account.name, "marketplace_id": US},
				fields=["sku", "item_code"],
			)
		}
		prices = {
			r.item_code: Decimal(str(r.price_list_rate))
			for r in frappe.get_all(
				"Item Price",
				filters={"price_list": price_list, "item_code": ("in", list(mappings.values()))},
				fields=["item_code", "price_list_rate"],
			)
		}
		self.assertTrue(prices, "the product sync made Item Prices")

		def sent():
			return [(a["sku"], Decimal(a["price"])) for a in sim.listings_push.applied if "price" in a]

		first = self.run_engine(PricePush)
		self.assertFalse(first.failures, e2e.failure_lines(first)[:5])
		expected = {sku: prices[code] for sku, code in mappings.items() if code in prices}
		self.assertEqual(dict(sent()), expected)
		self.assertEqual(len(sent()), len(expected))  # each once

		again = self.run_engine(PricePush)
		self.assertEqual(again.counts["updated"], 0)
		self.assertEqual(len(sent()), len(expected))

		# The seller changes one price in ERPNext; a product sync does not put Amazon's back.
		sku = sorted(expected)[0]
		item_price = frappe.get_all(
			"Item Price", filters={"price_list": price_list, "item_code": mappings[sku]}, pluck="name"
		)[0]
		frappe.db.set_value("Item Price", item_price, "price_list_rate", 123.45)
		products, _, _ = self.account.engines()
		products.run()
		self.assertEqual(frappe.db.get_value("Item Price", item_price, "price_list_rate"), 123.45)
		before = len(sent())
		third = self.run_engine(PricePush)
		self.assertEqual(sent()[before:], [(sku, Decimal("123.45"))])
		self.assertEqual(third.counts["updated"], 1)
		self.assertEqual(self.mapping(sku, "price_pushed").price_pushed, 123.45)

		# Amazon refuses another: the mapping says why, and the next run tries again.
		other = sorted(expected)[1]
		other_price = frappe.get_all(
			"Item Price", filters={"price_list": price_list, "item_code": mappings[other]}, pluck="name"
		)[0]
		frappe.db.set_value("Item Price", other_price, "price_list_rate", 0.5)
		sim.listings_push.rejections[other] = ("8026", "The price is below the minimum allowed.")
		refused = self.run_engine(PricePush)
		self.assertIn(other, " ".join(x.amazon_id for x in refused.failures))
		self.assertIn(
			"The price is below the minimum allowed.",
			self.mapping(other, "price_push_error").price_push_error,
		)
		del sim.listings_push.rejections[other]
		retried = self.run_engine(PricePush)
		self.assertFalse(retried.failures, e2e.failure_lines(retried)[:5])
		self.assertEqual(sent()[-1], (other, Decimal("0.50")))

		# Many prices change: they go in a feed, kept in the price push's checkpoint, whose report
		# the next run reads; only then are they the mappings' accepted prices.
		for name in frappe.get_all("Item Price", filters={"price_list": price_list}, pluck="name"):
			rate = Decimal(str(frappe.db.get_value("Item Price", name, "price_list_rate")))
			frappe.db.set_value("Item Price", name, "price_list_rate", float(rate + 1))
		before = len(sent())
		submitted = self.run_engine(PricePush, stock_patch_limit=0)
		self.assertFalse(submitted.failures, e2e.failure_lines(submitted)[:5])
		self.assertEqual(submitted.counts["submitted"], len(expected))
		checkpoint = frappe.db.get_value(
			"Amazon Sync Checkpoint",
			{"amazon_account": self.account.name, "kind": FeedsInFlight.checkpoint_kind(price_push.KIND)},
			"value",
		)
		self.assertEqual(len(FeedsInFlight(json.loads(checkpoint)).unfinished_feeds()), 1)
		self.assertEqual(self.mapping(sku, "price_pushed").price_pushed, 123.45)  # not yet confirmed
		sim.advance_clock(5)  # Amazon processes the feed
		read_back = self.run_engine(PricePush, stock_patch_limit=0)
		self.assertFalse(read_back.failures, e2e.failure_lines(read_back)[:5])
		self.assertEqual(read_back.counts["updated"], len(expected))
		self.assertEqual(len(sent()) - before, len(expected))  # each once
		self.assertEqual(self.mapping(sku, "price_pushed").price_pushed, 124.45)
