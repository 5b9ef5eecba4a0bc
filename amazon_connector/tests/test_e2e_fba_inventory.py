"""FBA inventory end to end: after a product sync, the mirror makes the FBA warehouse hold what the
simulator's pools hold (each network once), by a submitted Stock Reconciliation; orders Amazon
ships and returns it receives show up on the next run, which changes only those items; an Item
without any valuation rate is named, with what to set, and the others still mirror."""

from __future__ import annotations

import frappe
from frappe.utils import flt

from amazon_connector.core.engine.inventory import FbaInventorySync
from amazon_connector.spapi.fulfilment_networks import network_of
from amazon_connector.spapi.source import SpApiSource
from amazon_connector.tests import e2e_support as e2e
from amazon_connector.tests import factories as f
from amazon_connector.tests.e2e_support import TestCase

SKU_PREFIX = "E2EI-"
US = f.MARKETPLACE_US[0]
FALLBACK_RATE = 7.5


class TestE2EFbaInventory(TestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.account = e2e.start_account(
			seed=14,
			orders=30,
			account_name="_Test E2E FBA Inventory",
			marketplaces=("US", "DE"),
			edit_world=lambda world: e2e.prefix_skus(world, SKU_PREFIX),
		)
		cls.addClassCleanup(cls.account.stop)
		frappe.db.set_value("Amazon Settings", cls.account.name, "fba_fallback_valuation_rate", FALLBACK_RATE)
		products, _, _ = cls.account.engines()
		report = products.run()
		assert not report.failures, e2e.failure_lines(report)[:5]

	def mirror(self):
		account = self.account
		source = SpApiSource(account.session())
		return FbaInventorySync(source, account.port(), account.settings(), now=account.sim.now).run()

	def warehouse(self) -> str:
		return frappe.db.get_value("Amazon Settings", self.account.name, "fba_warehouse")

	def held(self) -> dict[str, float]:
		rows = frappe.get_all(
			"Bin",
			filters={"warehouse": self.warehouse(), "actual_qty": ["!=", 0]},
			fields=["item_code", "actual_qty"],
		)
		return {r.item_code: flt(r.actual_qty) for r in rows if r.item_code.startswith(SKU_PREFIX)}

	def amazon_holds(self) -> dict[str, float]:
		"""Fulfillable units per SKU in the simulator's pools now, each network once (US: NA, DE: EU)."""
		pools = self.account.sim.fba_inventory.pools
		expected: dict[str, float] = {}
		for network in {network_of(m) for m in (US, f.MARKETPLACE_DE[0])}:
			for sku, summary in pools.get(network, {}).items():
				expected[sku] = expected.get(sku, 0) + summary["inventoryDetails"]["fulfillableQuantity"]
		return {sku: q for sku, q in expected.items() if q}

	def reconciliations(self) -> list[str]:
		return frappe.get_all(
			"Stock Reconciliation",
			filters={"amazon_account": self.account.name, "docstatus": 1},
			pluck="name",
		)

	def test_1_the_fba_warehouse_follows_amazon(self):
		sim = self.account.sim
		# One item has a standard buying price, which becomes its valuation rate; the rest use the fallback.
		priced = next(iter(self.amazon_holds()))
		currency = frappe.get_cached_value("Company", self.account.doc.company, "default_currency")
		buying = f.make_price_list("_Test Amazon Standard Buying", currency, selling=False)
		frappe.db.set_single_value("Buying Settings", "buying_price_list", buying)
		frappe.get_doc(
			{"doctype": "Item Price", "item_code": priced, "price_list": buying, "price_list_rate": 12.25}
		).insert()

		report = self.mirror()
		self.assertFalse(report.failures, e2e.failure_lines(report)[:5])
		self.assertEqual(self.held(), self.amazon_holds())
		documents = self.reconciliations()
		self.assertEqual(len(documents), 1)
		self.assertEqual(len(report.events), report.counts["updated"])
		self.assertEqual({e["document"] for e in report.events}, set(documents))
		rate = frappe.db.get_value(
			"Stock Reconciliation Item", {"parent": documents[0], "item_code": priced}, "valuation_rate"
		)
		self.assertEqual(flt(rate), 12.25)
		other = next(sku for sku in self.amazon_holds() if sku != priced)
		self.assertEqual(
			flt(
				frappe.db.get_value(
					"Bin", {"item_code": other, "warehouse": self.warehouse()}, "valuation_rate"
				)
			),
			FALLBACK_RATE,
		)

		# Amazon's other quantities are on the SKU's mapping.
		summary = sim.fba_inventory.pools["NA"][other]
		details = summary["inventoryDetails"]
		mapping = frappe.db.get_value(
			"Amazon Item",
			{"amazon_account": self.account.name, "marketplace_id": US, "sku": other},
			["fba_fulfillable_qty", "fba_inbound_qty", "fba_reserved_qty", "fba_unfulfillable_qty"],
			as_dict=True,
		)
		if mapping:
			self.assertEqual(mapping.fba_fulfillable_qty, details["fulfillableQuantity"])
			self.assertEqual(
				mapping.fba_inbound_qty,
				details["inboundWorkingQuantity"]
				+ details["inboundShippedQuantity"]
				+ details["inboundReceivingQuantity"],
			)
			self.assertEqual(mapping.fba_reserved_qty, details["reservedQuantity"]["totalReservedQuantity"])

		# Nothing changed at Amazon: no new document.
		again = self.mirror()
		self.assertFalse(again.failures, e2e.failure_lines(again)[:5])
		self.assertEqual(again.counts["updated"], 0)
		self.assertEqual(len(self.reconciliations()), 1)

		# Amazon ships an FBA order of the US and receives a return in Germany.
		order = next(
			o
			for o in sim.world.orders.values()
			if o["fulfillment"]["fulfilledBy"] == "AMAZON"
			and o["salesChannel"]["marketplaceId"] == US
			and o["orderItems"][0]["product"]["sellerSku"] in sim.fba_inventory.pools["NA"]
			and not o["orderItems"][0].get("cancellation")
		)
		order["fulfillment"]["fulfillmentStatus"] = "UNSHIPPED"  # not shipped yet, in this test's world
		sim.world.save_order(order)
		line = order["orderItems"][0]
		sku = line["product"]["sellerSku"]
		sim.set_fba_quantities(US, sku, fulfillable=20)
		sim.transition_order(order["orderId"], "SHIPPED", post_fees="never")
		returned = next(iter(sim.fba_inventory.pools["EU"]))
		sim.receive_fba_return(f.MARKETPLACE_DE[0], returned, 2)

		third = self.mirror()
		self.assertFalse(third.failures, e2e.failure_lines(third)[:5])
		self.assertEqual(self.held(), self.amazon_holds())
		self.assertEqual(len(self.reconciliations()), 2)
		self.assertEqual({e["item_code"] for e in third.events}, {sku, returned})

	def test_2_an_item_without_any_valuation_rate_is_named_and_the_others_mirror(self):
		"""A SKU Amazon starts to hold that has no stock anywhere yet, no rate and no buying price."""
		sim = self.account.sim
		pool = sim.fba_inventory.pools["EU"]
		sku = next(s for s in pool if not frappe.db.exists("Bin", {"item_code": s}))
		other = next(
			s for s in pool if frappe.db.exists("Bin", {"item_code": s, "warehouse": self.warehouse()})
		)
		frappe.db.set_value("Amazon Settings", self.account.name, "fba_fallback_valuation_rate", 0)
		sim.set_fba_quantities(f.MARKETPLACE_DE[0], sku, fulfillable=3)
		sim.set_fba_quantities(f.MARKETPLACE_DE[0], other, fulfillable=9)
		try:
			report = self.mirror()
		finally:
			frappe.db.set_value(
				"Amazon Settings", self.account.name, "fba_fallback_valuation_rate", FALLBACK_RATE
			)
		failed = {x.amazon_id: x.reason for x in report.failures}
		self.assertEqual(set(failed), {sku})
		self.assertIn("Fallback Valuation Rate for FBA Stock", failed[sku])
		self.assertEqual(self.held().get(other), self.amazon_holds()[other])
		self.assertNotIn(sku, self.held())

	def test_3_no_fba_warehouse_of_its_own_is_refused_before_asking_amazon(self):
		doc = frappe.get_doc("Amazon Settings", self.account.name)
		frappe.db.set_value("Amazon Settings", doc.name, "fba_warehouse", doc.warehouse)
		try:
			calls_before = self.account.sim.stats()["calls"].get("getInventorySummaries", 0)
			with self.assertRaises(Exception) as raised:
				self.mirror()
			self.assertIn("FBA Warehouse of its own", str(raised.exception))
			self.assertEqual(self.account.sim.stats()["calls"].get("getInventorySummaries", 0), calls_before)
		finally:
			frappe.db.set_value("Amazon Settings", doc.name, "fba_warehouse", doc.fba_warehouse)
