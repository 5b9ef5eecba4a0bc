"""Shipment confirmation end to end: a submitted Delivery Note of a merchant-fulfilled Amazon order
confirms the shipment to the simulator in the background (through the runner's job), and the next
order sync shows the order shipped on its Sales Order; a Delivery Note for part of an order
confirms only its units (partly shipped); a confirmation Amazon refuses is flagged on the note with
Amazon's message and goes through on "Retry confirmation" once Amazon accepts it; a note Amazon
cannot be told about (no carrier) is flagged without a call, and its submit still succeeds."""

from __future__ import annotations

from unittest.mock import patch

import frappe
from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note

from amazon_connector.erpnext_adapter import shipments
from amazon_connector.runner import options
from amazon_connector.runner.options import Runtime
from amazon_connector.simulator.shipments import awaiting_shipment
from amazon_connector.spapi.client import SpApiSession
from amazon_connector.tests import e2e_support as e2e
from amazon_connector.tests.e2e_support import TestCase

SKU_PREFIX = "E2ESH-"


def _merchant_orders_wait_for_shipment(world: dict) -> None:
	e2e.prefix_skus(world, SKU_PREFIX)
	awaiting_shipment(world)


class TestE2EShipments(TestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.account = e2e.start_account(
			seed=31,
			orders=40,
			account_name="_Test E2E Shipments",
			marketplaces=("US",),
			edit_world=_merchant_orders_wait_for_shipment,
		)
		cls.addClassCleanup(cls.account.stop)
		products, orders, _ = cls.account.engines()
		for report in (products.run(), orders.run()):
			assert not report.failures, e2e.failure_lines(report)[:5]

	def setUp(self):
		super().setUp()

		def session(config):
			opened = SpApiSession(config)
			opened.throttle_enabled = False  # the simulator's usage plans are off
			return opened

		# The job the submit queues runs in this process (bench tests) against the simulator.
		runtime = Runtime(session_factory=session, now=self.account.sim.now)
		patcher = patch.object(options.OPTIONS, "runtime", runtime)
		patcher.start()
		self.addCleanup(patcher.stop)

	# -- helpers -----------------------------------------------------------------------------------
	def unshipped_orders(self) -> list[frappe._dict]:
		"""Submitted merchant orders waiting for shipment, each of one or more units, oldest first."""
		return frappe.get_all(
			"Sales Order",
			filters={
				"amazon_account": self.account.name,
				"docstatus": 1,
				"amazon_fulfillment_channel": "MERCHANT",
				"amazon_status": "UNSHIPPED",
				"per_delivered": 0,  # the tests share the class's orders: each takes one not delivered yet
			},
			fields=["name", "amazon_order_id"],
			order_by="name asc",
		)

	def amazon_order(self, amazon_order_id: str) -> dict:
		return self.account.sim.world.order(amazon_order_id)

	def deliver(
		self, sales_order: str, carrier="UPS", tracking="1Z999AA10123456784", keep=None, transporter=""
	):
		"""Make, stock and submit a Delivery Note of the order (`keep(rows)` trims it to a part)."""
		note = make_delivery_note(sales_order)
		if keep:
			note.items = keep(note.items)
		for row in note.items:
			self.receive(row.item_code, row.warehouse, row.qty)
		note.amazon_carrier = carrier
		note.transporter_name = transporter
		note.amazon_tracking_number = tracking
		note.insert()
		note.submit()
		return frappe.get_doc("Delivery Note", note.name)

	def receive(self, item_code: str, warehouse: str, qty: float) -> None:
		entry = frappe.get_doc(
			{
				"doctype": "Stock Entry",
				"stock_entry_type": "Material Receipt",
				"company": self.account.doc.company,
				"items": [{"item_code": item_code, "qty": qty, "t_warehouse": warehouse, "basic_rate": 3}],
			}
		)
		entry.insert()
		entry.submit()

	def sync_orders(self) -> None:
		self.account.sim.advance_clock(600)  # searchOrders shows changes from two minutes before now
		_, orders, _ = self.account.engines()
		report = orders.run()
		self.assertFalse(report.failures, e2e.failure_lines(report)[:5])

	def amazon_status(self, sales_order: str) -> str:
		return frappe.db.get_value("Sales Order", sales_order, "amazon_status")

	# -- tests -------------------------------------------------------------------------------------
	def test_a_submitted_delivery_note_confirms_the_shipment_and_the_next_sync_shows_it(self):
		order = self.unshipped_orders()[0]
		note = self.deliver(order.name)

		self.assertEqual(note.amazon_confirmation_status, "Confirmed", note.amazon_confirmation_message)
		self.assertEqual(note.amazon_order_id, order.amazon_order_id)
		self.assertEqual(note.amazon_package_number, "1")
		amazon = self.amazon_order(order.amazon_order_id)
		self.assertEqual(amazon["fulfillment"]["fulfillmentStatus"], "SHIPPED")
		(package,) = amazon["packages"]
		self.assertEqual((package["carrier"], package["trackingNumber"]), ("UPS", "1Z999AA10123456784"))
		sent = [c for c in self.account.sim.shipments.confirmed if c["orderId"] == order.amazon_order_id]
		self.assertEqual(
			sorted((i["orderItemId"], i["quantity"]) for i in sent[0]["orderItems"]),
			sorted(
				(i.amazon_order_item_id, int(i.qty))
				for i in frappe.get_all(
					"Sales Order Item", filters={"parent": order.name}, fields=["amazon_order_item_id", "qty"]
				)
			),
		)
		log = frappe.get_all(
			"Amazon Sync Log",
			filters={"amazon_account": self.account.name, "kind": "shipment_confirmation"},
			fields=["status", "triggered_by"],
			order_by="creation desc",
			limit=1,
		)
		self.assertTrue(log[0].triggered_by.startswith("Delivery Note"), log)

		self.assertEqual(self.amazon_status(order.name), "UNSHIPPED")  # until the next order sync
		self.sync_orders()
		self.assertEqual(self.amazon_status(order.name), "SHIPPED")
		self.assertIn(
			"1Z999AA10123456784", frappe.db.get_value("Sales Order", order.name, "amazon_shipments")
		)

	def test_a_delivery_note_for_part_of_an_order_confirms_only_that_part(self):
		order = next(
			o
			for o in self.unshipped_orders()
			if sum(int(i["quantityOrdered"]) for i in self.amazon_order(o.amazon_order_id)["orderItems"]) > 1
		)

		def first_unit(rows):
			rows[0].qty = 1
			return rows[:1]

		# No Amazon Carrier chosen: the transporter's name is found among the seeded carriers' aliases.
		first = self.deliver(
			order.name, carrier="", transporter="United Parcel Service", tracking="1ZPART1", keep=first_unit
		)
		self.assertEqual(first.amazon_confirmation_status, "Confirmed", first.amazon_confirmation_message)
		self.assertEqual(self.amazon_order(order.amazon_order_id)["packages"][0]["carrier"], "UPS")
		self.assertEqual(
			self.amazon_order(order.amazon_order_id)["fulfillment"]["fulfillmentStatus"], "PARTIALLY_SHIPPED"
		)
		self.sync_orders()
		self.assertEqual(self.amazon_status(order.name), "PARTIALLY_SHIPPED")

		rest = self.deliver(order.name, carrier="UPS", tracking="1ZPART2")  # what is left of the order
		self.assertEqual(rest.amazon_confirmation_status, "Confirmed", rest.amazon_confirmation_message)
		self.assertEqual(rest.amazon_package_number, "2")
		self.assertEqual(
			self.amazon_order(order.amazon_order_id)["fulfillment"]["fulfillmentStatus"], "SHIPPED"
		)
		self.sync_orders()
		self.assertEqual(self.amazon_status(order.name), "SHIPPED")

	def test_a_refused_confirmation_is_flagged_and_retry_sends_it_again(self):
		order = self.unshipped_orders()[0]
		refusals = self.account.sim.shipments.refusals
		refusals[order.amazon_order_id] = "The tracking number is not valid for the carrier."
		note = self.deliver(order.name, tracking="NOT-A-NUMBER")

		self.assertEqual(note.docstatus, 1)
		self.assertEqual(note.amazon_confirmation_status, "Failed")
		self.assertIn("The tracking number is not valid for the carrier.", note.amazon_confirmation_message)
		self.assertEqual(
			self.amazon_order(order.amazon_order_id)["fulfillment"]["fulfillmentStatus"], "UNSHIPPED"
		)

		# The user corrects the tracking number on the submitted note and presses "Retry confirmation".
		del refusals[order.amazon_order_id]
		frappe.db.set_value("Delivery Note", note.name, "amazon_tracking_number", "1ZRETRIED")
		shipments.retry_confirmation(note.name)
		note.reload()
		self.assertEqual(note.amazon_confirmation_status, "Confirmed", note.amazon_confirmation_message)
		self.assertEqual(
			self.amazon_order(order.amazon_order_id)["packages"][-1]["trackingNumber"], "1ZRETRIED"
		)

	def test_a_note_amazon_cannot_be_told_about_is_flagged_without_a_call(self):
		order = self.unshipped_orders()[0]
		calls = len(self.account.sim.shipments.confirmed)
		note = self.deliver(order.name, carrier="", tracking="1ZNOCARRIER")

		self.assertEqual(note.docstatus, 1)  # the shipment is real: the submit went through
		self.assertEqual(note.amazon_confirmation_status, "Failed")
		self.assertIn("choose the carrier", note.amazon_confirmation_message)
		self.assertEqual(len(self.account.sim.shipments.confirmed), calls)

	def test_a_delivery_note_of_an_order_amazon_fulfils_is_not_confirmed(self):
		order = frappe.get_all(
			"Sales Order",
			filters={
				"amazon_account": self.account.name,
				"docstatus": 1,
				"amazon_fulfillment_channel": "AMAZON",
			},
			pluck="name",
			limit=1,
		)
		self.assertTrue(order, "the world has Amazon-fulfilled orders")
		calls = len(self.account.sim.shipments.confirmed)
		note = self.deliver(order[0])
		self.assertEqual(note.docstatus, 1)
		self.assertFalse(note.amazon_confirmation_status)
		self.assertEqual(len(self.account.sim.shipments.confirmed), calls)
