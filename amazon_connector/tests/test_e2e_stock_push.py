"""Stock to Amazon end to end: after a product sync, the quantity ERPNext can sell of every
merchant-fulfilled SKU reaches the simulator once, in a feed whose report the next run reads (the
feed in flight kept in an Amazon Sync Checkpoint between the runs); a later stock change of one
Item sends only that SKU, once; FBA SKUs are never sent; a quantity Amazon refuses, by patch or in
a feed, is shown on the SKU's mapping with Amazon's message and sent again on the next run."""

from __future__ import annotations

import json

import frappe

from amazon_connector.core.engine.feeds_in_flight import FeedsInFlight
from amazon_connector.core.engine.stock_push import KIND, StockPush
from amazon_connector.spapi.source import SpApiSource
from amazon_connector.tests import e2e_support as e2e
from amazon_connector.tests.e2e_support import TestCase

SKU_PREFIX = "E2ES-"
BUFFER = 1


class TestE2EStockPush(TestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.account = e2e.start_account(
			seed=16,
			orders=10,
			account_name="_Test E2E Stock Push",
			marketplaces=("US", "DE"),
			edit_world=lambda world: e2e.prefix_skus(world, SKU_PREFIX),
			push_stock=1,
			stock_safety_buffer=BUFFER,
		)
		cls.addClassCleanup(cls.account.stop)
		products, _, _ = cls.account.engines()
		report = products.run()
		assert not report.failures, e2e.failure_lines(report)[:5]

	def push(self, **extra):
		account = self.account
		return StockPush(SpApiSource(account.session()), account.port(), account.settings(**extra)).run()

	def pushed_qty(self, marketplace_id: str, sku: str):
		return frappe.db.get_value(
			"Amazon Item",
			{"amazon_account": self.account.name, "marketplace_id": marketplace_id, "sku": sku},
			["stock_pushed_qty", "stock_pushed_at", "stock_push_error"],
			as_dict=True,
		)

	def feeds_in_flight(self) -> list:
		value = frappe.db.get_value(
			"Amazon Sync Checkpoint",
			{"amazon_account": self.account.name, "kind": FeedsInFlight.checkpoint_kind(KIND)},
			"value",
		)
		return FeedsInFlight(json.loads(value) if value else None).unfinished_feeds()

	def mappings(self, channel: str) -> dict[tuple[str, str], str]:
		rows = frappe.get_all(
			"Amazon Item",
			filters={"amazon_account": self.account.name, "fulfillment_channel": channel},
			fields=["marketplace_id", "sku", "item_code"],
		)
		return {(r.marketplace_id, r.sku): r.item_code for r in rows}

	def receive(self, item_code: str, qty: float) -> None:
		doc = frappe.get_doc(
			{
				"doctype": "Stock Entry",
				"stock_entry_type": "Material Receipt",
				"company": self.account.doc.company,
				"items": [
					{
						"item_code": item_code,
						"qty": qty,
						"t_warehouse": self.account.doc.warehouse,
						"basic_rate": 4,
					}
				],
			}
		)
		doc.insert()
		doc.submit()

	def sent(self) -> list[tuple[str, str, int]]:
		return [
			(a["marketplaceId"], a["sku"], int(a["quantity"]))
			for a in self.account.sim.listings_push.applied
			if "quantity" in a
		]

	def test_stock_reaches_amazon_once_and_never_for_fba(self):
		merchant, fba = self.mappings("MERCHANT"), self.mappings("AMAZON")
		self.assertTrue(merchant and fba)
		(marketplace_id, sku), item_code = next(iter(sorted(merchant.items())))
		self.receive(item_code, 10)

		# Every SKU at once: a feed per marketplace, submitted; its report is read by the next run.
		first = self.push(stock_patch_limit=0)
		self.assertFalse(first.failures, e2e.failure_lines(first)[:5])
		self.assertEqual(first.counts["submitted"], len(merchant))
		self.assertEqual(len(self.feeds_in_flight()), 2)  # kept in the database for the next run
		self.assertFalse(self.pushed_qty(marketplace_id, sku).stock_pushed_at)  # not confirmed yet
		self.account.sim.advance_clock(5)  # Amazon processes the feeds
		read_back = self.push(stock_patch_limit=0)
		self.assertFalse(read_back.failures, e2e.failure_lines(read_back)[:5])
		self.assertEqual(read_back.counts["updated"], len(merchant))
		self.assertEqual(self.feeds_in_flight(), [])
		expected = {(m, s): (10 - BUFFER if code == item_code else 0) for (m, s), code in merchant.items()}
		self.assertEqual({(m, s): q for m, s, q in self.sent()}, expected)
		self.assertEqual(len(self.sent()), len(expected))  # each once
		self.assertFalse({(m, s) for m, s, _ in self.sent()} & set(fba))
		self.assertEqual(self.pushed_qty(marketplace_id, sku).stock_pushed_qty, 10 - BUFFER)

		# Nothing changed: nothing is sent.
		second = self.push()
		self.assertEqual(second.counts["updated"], 0)
		self.assertEqual(len(self.sent()), len(expected))

		# One Item's stock changes: only its SKU goes, once per marketplace it is listed in.
		before = len(self.sent())
		self.receive(item_code, 5)
		third = self.push()
		self.assertFalse(third.failures, e2e.failure_lines(third)[:5])
		listed = {(m, s) for (m, s), code in merchant.items() if code == item_code}
		self.assertEqual(
			{(m, s): q for m, s, q in self.sent()[before:]}, {key: 15 - BUFFER for key in listed}
		)

		# Amazon refuses another SKU's new quantity: its mapping says why, and the next run tries again.
		(other_marketplace, other_sku), other_item = next(
			(key, code) for key, code in sorted(merchant.items()) if code != item_code
		)
		self.account.sim.listings_push.rejections[other_sku] = ("8541", "The listing is suppressed.")
		self.receive(other_item, 3)
		refused = self.push()
		self.assertIn(other_sku, " ".join(f.amazon_id for f in refused.failures))
		error = frappe.db.get_value(
			"Amazon Item",
			{"amazon_account": self.account.name, "marketplace_id": other_marketplace, "sku": other_sku},
			"stock_push_error",
		)
		self.assertIn("The listing is suppressed.", error)
		del self.account.sim.listings_push.rejections[other_sku]
		again = self.push()
		self.assertFalse(again.failures, e2e.failure_lines(again)[:5])
		self.assertIn((other_marketplace, other_sku, 3 - BUFFER), self.sent())

		# Refused in a feed: named on its mapping once the next run reads the feed's report.
		self.account.sim.listings_push.rejections[other_sku] = ("8541", "The listing is suppressed.")
		self.receive(other_item, 2)
		self.push(stock_patch_limit=0)
		self.account.sim.advance_clock(5)
		in_feed = self.push(stock_patch_limit=0)
		self.assertIn(f"{other_sku} ({other_marketplace})", [f.amazon_id for f in in_feed.failures])
		state = self.pushed_qty(other_marketplace, other_sku)
		self.assertIn("The listing is suppressed.", state.stock_push_error)
		self.assertEqual(state.stock_pushed_qty, 3 - BUFFER)  # Amazon's last accepted quantity
		del self.account.sim.listings_push.rejections[other_sku]
