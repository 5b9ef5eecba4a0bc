"""Orders Amazon ships in parts, end to end against the simulator: Amazon ships an FBA order a unit
at a time (and the seller confirms a merchant order in two packages), the order stage records each
part on the Sales Order, and the invoices stage makes one Sales Invoice per part with exactly its
units; once the last part is in, the invoices add up to the Sales Order and bill it in full, and
runs after that create nothing."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import frappe
from frappe.utils import flt

from amazon_connector.core.engine.invoices import InvoiceSync
from amazon_connector.spapi.shipments import PackageLine, confirm_shipment
from amazon_connector.tests import e2e_support as e2e
from amazon_connector.tests.e2e_support import TestCase
from amazon_connector.tests.test_erpnext_adapter_shipment_invoices import part_invoices


def wait_for_shipment(world: dict) -> None:
	"""Every shipped order of more than one unit is Amazon's (or the seller's) to ship again."""
	for order in world["orders"]:
		units = sum(int(i["quantityOrdered"]) for i in order["orderItems"] if not i.get("cancellation"))
		if order["fulfillment"]["fulfillmentStatus"] == "SHIPPED" and units > 1:
			order["fulfillment"]["fulfillmentStatus"] = "UNSHIPPED"
			order.pop("packages", None)
			for item in order["orderItems"]:
				item["fulfillment"] = {"quantityFulfilled": 0, "quantityUnfulfilled": item["quantityOrdered"]}


def confirm(session, order: dict, reference: str, lines: list[PackageLine], ago: timedelta) -> None:
	"""The seller confirms a package of the order (shipped `ago` before now)."""
	confirm_shipment(
		session,
		order["orderId"],
		order["salesChannel"]["marketplaceId"],
		package_reference_id=reference,
		carrier_code="UPS",
		tracking_number=f"1ZPART{reference}",
		ship_date=datetime.now(timezone.utc) - ago,
		lines=lines,
	)


class TestE2EPartialShipments(TestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.db.set_single_value("Stock Settings", "allow_negative_stock", 1)
		cls.account = e2e.start_account(
			seed=71,
			orders=40,
			account_name="_Test E2E Parts",
			marketplaces=("US",),
			edit_world=wait_for_shipment,
		)
		cls.addClassCleanup(cls.account.stop)
		frappe.db.set_value("Amazon Settings", cls.account.name, "make_sales_invoices", 1)

	def waiting(self, fulfilled_by: str) -> dict:
		sim = self.account.sim
		return next(
			o
			for o in (sim.world.order(i) for i in sim.world.orders)
			if o["fulfillment"]["fulfilledBy"] == fulfilled_by
			and o["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED"
			and o.get("proceeds")
			and sum(int(i["quantityOrdered"]) for i in o["orderItems"]) > 1
			and not any(i.get("cancellation") for i in o["orderItems"])
		)

	def sync(self) -> None:
		self.account.sim.advance_clock(600)  # searchOrders shows changes from two minutes before
		products, orders, _ = self.account.engines()
		products.run()
		report = orders.run()
		self.assertFalse(report.failures, e2e.failure_lines(report)[:5])
		# The simulated seller's stock has no valuation in ERPNext: give its Items one, as a purchase would.
		for item_code in frappe.get_all("Item", pluck="name"):
			frappe.db.set_value("Item", item_code, "valuation_rate", 1)
		report = InvoiceSync(None, self.account.port(), self.account.settings()).run()
		self.assertFalse(report.failures, e2e.failure_lines(report)[:5])

	def invoices(self, order_id: str):
		return part_invoices(order_id)

	def units(self, invoice) -> dict[str, float]:
		ids = dict(
			frappe.get_all(
				"Sales Order Item",
				filters={"name": ("in", [r.so_detail for r in invoice.items])},
				fields=["name", "amazon_order_item_id"],
				as_list=True,
			)
		)
		units: dict[str, float] = {}
		for row in invoice.items:
			units[ids[row.so_detail]] = units.get(ids[row.so_detail], 0) + row.qty
		return units

	def test_each_part_is_invoiced_with_its_units_and_the_parts_bill_the_order(self):
		self.sync()
		fba, mfn = self.waiting("AMAZON"), self.waiting("MERCHANT")
		first = {fba["orderItems"][0]["orderItemId"]: 1}
		self.account.sim.ship_part(fba["orderId"], first, post_fees="never")
		session = self.account.session()
		item = mfn["orderItems"][0]
		confirm(session, mfn, "1", [PackageLine(item["orderItemId"], 1)], timedelta(hours=1))
		self.sync()
		for order, part in ((fba, first), (mfn, {item["orderItemId"]: 1})):
			[invoice] = self.invoices(order["orderId"])
			self.assertEqual(invoice.amazon_invoice_key, f"{order['orderId']}/1")
			self.assertEqual(self.units(invoice), {k: float(v) for k, v in part.items()})
			so = frappe.get_doc("Sales Order", {"amazon_order_id": order["orderId"]})
			self.assertLess(flt(so.per_billed), 100)

		# The rest ships: Amazon's remaining units, the seller's second package.
		rest = {
			i["orderItemId"]: int(i["quantityOrdered"]) - first.get(i["orderItemId"], 0)
			for i in fba["orderItems"]
			if int(i["quantityOrdered"]) - first.get(i["orderItemId"], 0)
		}
		self.account.sim.ship_part(fba["orderId"], rest, post_fees="never")
		left = [
			PackageLine(i["orderItemId"], int(i["quantityOrdered"]) - (1 if i is item else 0))
			for i in mfn["orderItems"]
			if int(i["quantityOrdered"]) - (1 if i is item else 0)
		]
		confirm(session, mfn, "2", left, timedelta(minutes=30))
		self.sync()
		for order in (fba, mfn):
			invoices = self.invoices(order["orderId"])
			self.assertEqual(
				[i.amazon_invoice_key for i in invoices], [f"{order['orderId']}/1", f"{order['orderId']}/2"]
			)
			so = frappe.get_doc("Sales Order", {"amazon_order_id": order["orderId"]})
			total = sum(Decimal(str(flt(i.grand_total, 2))) for i in invoices)
			self.assertEqual(total, Decimal(str(flt(so.grand_total, 2))), order["orderId"])
			self.assertEqual(flt(so.per_billed), 100)
			shipped: dict[str, float] = {}
			for invoice in invoices:
				for key, qty in self.units(invoice).items():
					shipped[key] = shipped.get(key, 0) + qty
			self.assertEqual(
				shipped, {i["orderItemId"]: float(i["quantityOrdered"]) for i in order["orderItems"]}
			)
		# Nothing twice.
		self.sync()
		self.assertEqual(len(self.invoices(fba["orderId"])), 2)
		self.assertEqual(len(self.invoices(mfn["orderId"])), 2)
