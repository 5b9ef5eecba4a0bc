"""Multi-Channel Fulfillment end to end against the simulator: a Sales Order of another channel,
marked Fulfil by Amazon, is previewed (fees and dates), sent, followed by the mcf stage of a run
through Amazon's statuses until Amazon ships it, and delivered by a Delivery Note from the FBA
warehouse carrying Amazon's tracking numbers; Amazon's fees for it are booked on the fee accounts
against the fulfilment order id; a cancellation, an unknown SKU Amazon refuses and an order Amazon
cannot fulfil are shown on the Sales Order with Amazon's reason. Changes made in ERPNext after sending
(speed, address, quantities, a row taken off with ERPNext's Update Items) reach Amazon and what ships
follows them, while Amazon's refusal of a change is shown on the order; a return asked from the Sales
Order with Amazon's reason codes comes back, once Amazon has processed the units, as a submitted
Sales Return into the FBA warehouse with the sellable units, and Amazon's refusals are shown. An order
sent on hold (the account's default, or the sender's choice) waits at Amazon, shown as held on the
Sales Order and never as failed by the mcf stage, takes changes, and ships once released with what
changed meanwhile; Hold at the ScheduledDelivery speed is refused before Amazon is asked."""

from __future__ import annotations

import json
from decimal import Decimal

import frappe
from frappe.utils import add_days, flt, nowdate

from amazon_connector.core.engine import fulfilment
from amazon_connector.core.engine.fulfilment import FulfilmentStatusSync
from amazon_connector.core.engine.transactions import TransactionSync
from amazon_connector.core.mapping.fulfilment import fulfilment_order_id
from amazon_connector.erpnext_adapter.context import context_of
from amazon_connector.erpnext_adapter.fulfilment import Fulfilment, has_open_orders
from amazon_connector.runner import fulfilment as buttons
from amazon_connector.runner import fulfilment_returns as return_buttons
from amazon_connector.runner.run import run_sync
from amazon_connector.simulator.fulfillment import DEFAULT_DELAYS, DEFAULT_RETURN_DELAY, FEES
from amazon_connector.spapi.source import SpApiSource
from amazon_connector.tests import e2e_support as e2e
from amazon_connector.tests import factories as f
from amazon_connector.tests.e2e_support import TestCase

US = f.MARKETPLACE_US[0]
MUG, CAP, GHOST = "E2EM-MUG", "E2EM-CAP", "E2EM-GHOST"
AFTER_ALL_STEPS = sum(DEFAULT_DELAYS) + 60


class _MultiChannelFulfilmentCase(TestCase):
	ACCOUNT = ""
	SIM_OPTIONS: dict = {}

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.account = e2e.start_account(
			seed=44, orders=5, account_name=cls.ACCOUNT, marketplaces=("US",), sim_options=cls.SIM_OPTIONS
		)
		cls.addClassCleanup(cls.account.stop)
		sim, doc = cls.account.sim, cls.account.doc
		sim.set_fba_quantities(US, MUG, fulfillable=10)
		sim.set_fba_quantities(US, CAP, fulfillable=3)
		for sku in (MUG, CAP, GHOST):
			f.make_item(sku)
			frappe.get_doc({"doctype": "Amazon Item", "amazon_account": doc.name, "marketplace_id": US, "sku": sku,
				"item_code": sku, "fulfillment_channel": "AMAZON"}).insert(ignore_permissions=True)  # fmt: skip
		receipt = frappe.get_doc({"doctype": "Stock Entry", "stock_entry_type": "Material Receipt", "company": doc.company,
			"items": [{"item_code": sku, "qty": 10, "t_warehouse": doc.fba_warehouse, "basic_rate": 4} for sku in (MUG, CAP)]})  # fmt: skip
		receipt.insert()
		receipt.submit()
		cls.customer = cls.make_customer(doc)

	@staticmethod
	def make_customer(doc) -> str:
		name = "_Test MCF Web Shopper"
		if not frappe.db.exists("Customer", name):
			frappe.get_doc({"doctype": "Customer", "customer_name": name, "customer_group": doc.customer_group,
				"territory": doc.territory}).insert(ignore_permissions=True)  # fmt: skip
			frappe.get_doc({"doctype": "Address", "address_title": name, "address_type": "Shipping",
				"address_line1": "1 Main St", "city": "Seattle", "state": "WA", "pincode": "98101",
				"country": "United States", "links": [{"link_doctype": "Customer", "link_name": name}]}).insert(ignore_permissions=True)  # fmt: skip
		return name

	def order(self, lines, speed="Expedited", address=None) -> str:
		doc = self.account.doc
		address = (
			address
			or frappe.get_all(
				"Dynamic Link", filters={"link_name": self.customer, "parenttype": "Address"}, pluck="parent"
			)[0]
		)
		so = frappe.get_doc({"doctype": "Sales Order", "customer": self.customer, "company": doc.company,
			"transaction_date": nowdate(), "delivery_date": add_days(nowdate(), 5), "shipping_address_name": address,
			"set_warehouse": doc.warehouse,
			"amazon_fulfil_by_amazon": 1, "amazon_mcf_account": doc.name, "amazon_mcf_shipping_speed": speed,
			"items": [{"item_code": sku, "qty": qty, "rate": 20, "warehouse": doc.warehouse} for sku, qty in lines]})  # fmt: skip
		so.insert(ignore_permissions=True)
		so.submit()
		return so.name

	def so(self, name):
		return frappe.db.get_value("Sales Order", name, ["amazon_mcf_status", "amazon_fulfillment_order_id",
			"amazon_mcf_message", "per_delivered"], as_dict=True)  # fmt: skip

	def follow(self):
		account = self.account
		return FulfilmentStatusSync(SpApiSource(account.session()), account.port(), account.settings()).run()

	def update_items(self, name, rows):
		"""ERPNext's Update Items on the submitted order: (row name, item, qty); rows left out go."""
		from erpnext.controllers.accounts_controller import update_child_qty_rate

		items = [{"docname": row, "item_code": item, "qty": qty, "rate": 20, "conversion_factor": 1}
			for row, item, qty in rows]  # fmt: skip
		update_child_qty_rate("Sales Order", json.dumps(items), name)

	def fba_qty(self, sku) -> float:
		return flt(
			frappe.db.get_value(
				"Bin", {"item_code": sku, "warehouse": self.account.doc.fba_warehouse}, "actual_qty"
			)
		)


class TestE2EMultiChannelFulfilment(_MultiChannelFulfilmentCase):
	ACCOUNT = "_Test E2E MCF"

	def test_1_an_order_goes_from_erpnext_to_delivered_with_tracking_and_its_fees_are_booked(self):
		sim = self.account.sim
		name = self.order([(MUG, 2)])
		preview = buttons.preview(name)
		assert preview["can_send"] and preview["shipping_speed"] == "Expedited"
		chosen = next(p for p in preview["previews"] if p["shipping_speed"] == "Expedited")
		per_unit, per_order = FEES["Expedited"]
		assert chosen["fulfillable"] and chosen["total_fees"] == f"{2 * per_unit + per_order} USD"
		assert chosen["arrives"] and chosen["ship_by"]
		answer = buttons.send(name)
		assert answer["ok"] and answer["status"] == "Received"
		order_id = self.so(name).amazon_fulfillment_order_id
		assert order_id == name.replace(" ", "-") and self.so(name).amazon_mcf_status == "Received"
		before = self.fba_qty(MUG)

		sim.advance_clock(AFTER_ALL_STEPS)
		(result,) = run_sync(self.account.name, ["mcf"])  # the runner's stage, with its sync log
		assert not result.report.failures, e2e.failure_lines(result.report)
		assert frappe.db.get_value("Amazon Sync Log", result.log, "kind") == "mcf"
		state = self.so(name)
		assert state.amazon_mcf_status == "Complete" and flt(state.per_delivered) == 100
		notes = frappe.get_all("Delivery Note", filters={"amazon_mcf_shipment_id": ("is", "set"), "docstatus": 1},
			fields=["name", "lr_no", "transporter_name", "amazon_mcf_tracking", "amazon_mcf_shipment_id"])  # fmt: skip
		shipment = sim.fulfillment.orders[order_id]["shipments"][0]
		package = shipment["fulfillmentShipmentPackage"][0]
		(note,) = [n for n in notes if n.amazon_mcf_shipment_id == shipment["amazonShipmentId"]]
		tracking = package.get("trackingNumber") or package["amazonFulfillmentTrackingNumber"]
		assert note.lr_no == tracking and note.transporter_name == package["carrierCode"]
		assert tracking in note.amazon_mcf_tracking
		rows = frappe.get_all(
			"Delivery Note Item",
			filters={"parent": note.name},
			fields=["item_code", "qty", "warehouse", "against_sales_order"],
		)
		assert [(r.item_code, flt(r.qty), r.warehouse, r.against_sales_order) for r in rows] == [
			(MUG, 2.0, self.account.doc.fba_warehouse, name)
		]
		assert self.fba_qty(MUG) == before - 2
		again = self.follow()  # Complete is not read again; nothing is delivered twice
		assert again.api_calls.get("getFulfillmentOrder", 0) == 0
		assert frappe.db.count("Delivery Note", {"amazon_mcf_shipment_id": shipment["amazonShipmentId"]}) == 1

		sim.advance_clock(3 * 86400)  # Amazon's fees post after the shipment
		_, _, fees = self.account.engines()
		report = fees.run()
		assert not report.failures, e2e.failure_lines(report)
		(entry,) = frappe.get_all("Journal Entry", filters={"amazon_order_id": order_id, "docstatus": 1},
			fields=["name", "user_remark"])  # fmt: skip
		assert name in entry.user_remark
		booked = frappe.get_all(
			"Journal Entry Account", filters={"parent": entry.name}, fields=["account", "debit", "credit"]
		)
		fee_rows = [r for r in booked if "Fulfilment Fees" in r.account]
		assert Decimal(str(sum(flt(r.debit) for r in fee_rows))) == 2 * per_unit + per_order
		assert sum(flt(r.debit) for r in booked) == sum(flt(r.credit) for r in booked)

	def test_2_cancelled_from_erpnext(self):
		name = self.order([(MUG, 1)], speed="Standard")
		assert buttons.send(name)["status"] == "Received"
		answer = buttons.cancel(name)
		assert answer["ok"] and answer["status"] == "Cancelled"
		assert self.so(name).amazon_mcf_status == "Cancelled"
		assert "cancelled at Amazon" in self.so(name).amazon_mcf_message

	def test_3_amazon_refuses_an_unknown_sku_with_its_reason(self):
		name = self.order([(GHOST, 1)])
		answer = buttons.send(name)
		assert not answer["ok"] and GHOST in answer["message"]
		state = self.so(name)
		assert not state.amazon_fulfillment_order_id and GHOST in state.amazon_mcf_message
		assert "Amazon refused the request" in state.amazon_mcf_message

	def test_4_an_order_amazon_cannot_fulfil_is_flagged_with_the_reason(self):
		sim = self.account.sim
		name = self.order([(CAP, 3)])
		assert buttons.send(name)["status"] == "Received"
		sim.set_fba_quantities(US, CAP, fulfillable=1)  # units found damaged before picking
		sim.advance_clock(AFTER_ALL_STEPS)
		report = self.follow()
		assert report.counts["flagged"] == 1
		state = self.so(name)
		assert state.amazon_mcf_status == "Unfulfillable" and flt(state.per_delivered) == 0
		assert "found no sellable stock" in state.amazon_mcf_message and CAP in state.amazon_mcf_message
		again = buttons.send(name)  # a second attempt gets a new fulfilment order id
		assert self.so(name).amazon_fulfillment_order_id.endswith("-2") and again["status"] == "Invalid"

	def test_6_an_order_at_amazon_is_not_cancelled_in_erpnext_alone(self):
		name = self.order([(MUG, 1)], speed="Standard")
		buttons.send(name)
		so = frappe.get_doc("Sales Order", name)
		with self.assertRaises(frappe.ValidationError) as caught:
			so.cancel()
		assert "cancel the Amazon fulfilment first" in str(caught.exception)
		buttons.cancel(name)
		frappe.get_doc("Sales Order", name).cancel()
		assert frappe.db.get_value("Sales Order", name, "docstatus") == 2

	def test_7_a_shipment_amazon_cancelled_leaves_the_rest_delivered(self):
		sim = self.account.sim
		sim.set_fba_quantities(US, CAP, fulfillable=2)
		name = self.order([(MUG, 1), (CAP, 1)], speed="Standard")
		assert buttons.send(name)["status"] == "Received"
		order_id = self.so(name).amazon_fulfillment_order_id
		sim.fulfillment.advance(order_id, "Processing")
		sim.set_fba_quantities(US, CAP, fulfillable=0)  # lost after picking began
		sim.fulfillment.advance(order_id)
		report = self.follow()
		assert report.counts["updated"] == 1, e2e.failure_lines(report)
		state = self.so(name)
		assert state.amazon_mcf_status == "CompletePartialled" and flt(state.per_delivered) == 50
		assert "shipped part of the order" in state.amazon_mcf_message and CAP in state.amazon_mcf_message
		notes = frappe.get_all(
			"Delivery Note Item",
			filters={"against_sales_order": name, "docstatus": 1},
			fields=["item_code", "qty"],
		)
		assert [(n.item_code, flt(n.qty)) for n in notes] == [(MUG, 1.0)]

	def test_8_the_scheduler_follows_open_fulfilment_orders_with_the_order_sync(self):
		from amazon_connector.tasks import due_stages

		doc = frappe.get_doc("Amazon Settings", self.account.name)
		doc.order_sync_frequency = "Hourly"
		doc.last_order_sync = None
		name = self.order([(MUG, 1)], speed="Standard")
		buttons.send(name)
		assert "mcf" in due_stages(doc, frappe.utils.now_datetime())
		buttons.cancel(name)
		for open_one in frappe.get_all(
			"Sales Order",
			filters={"amazon_mcf_account": doc.name, "amazon_mcf_status": ("in", ["Received", "Planning"])},
			pluck="name",
		):
			buttons.cancel(open_one)
		assert "mcf" not in due_stages(doc, frappe.utils.now_datetime())

	def test_9_an_order_amazon_took_whose_answer_was_lost_is_adopted_not_sent_twice(self):
		name = self.order([(MUG, 1)], speed="Standard")
		account = self.account
		so = frappe.get_doc("Sales Order", name)
		adapter = Fulfilment(context_of(account.name))
		# Amazon took it, but the answer never reached ERPNext (a timeout): nothing is recorded.
		fulfilment.send(SpApiSource(account.session()), adapter.draft_for(so))
		assert not self.so(name).amazon_fulfillment_order_id
		answer = buttons.send(name)
		assert answer["ok"] and answer["status"] == "Received"
		assert self.so(name).amazon_fulfillment_order_id == fulfilment_order_id(name)
		assert sum(1 for i in account.sim.fulfillment.orders if i.startswith(fulfilment_order_id(name))) == 1
		buttons.cancel(name)


class TestE2EMultiChannelFulfilmentTransactions(_MultiChannelFulfilmentCase):
	"""The 2024-06-19 feed, on a simulator whose clock stays behind the wall clock (the access layer
	never asks for transactions posted after it) and whose fees post at the shipment."""

	ACCOUNT = "_Test E2E MCF Transactions"
	SIM_OPTIONS = {"fee_delay_days": 0.0}

	def test_fees_from_the_transactions_feed_are_booked_against_the_order(self):
		sim = self.account.sim
		name = self.order([(MUG, 1)], speed="Priority")
		buttons.send(name)
		order_id = self.so(name).amazon_fulfillment_order_id
		sim.fulfillment.advance(order_id)  # shipped now; its fees post at once (fee_delay_days 0)
		sim.advance_clock(600)  # Amazon lists transactions from two minutes back, still before the wall clock
		account = self.account
		report = TransactionSync(
			SpApiSource(account.session()), account.port(), account.settings(), now=sim.now
		).run()
		assert not [f for f in report.failures if order_id in f.amazon_id], e2e.failure_lines(report)
		(entry,) = frappe.get_all(
			"Journal Entry",
			filters={"amazon_order_id": order_id, "docstatus": 1},
			fields=["name", "amazon_fee_event_key", "user_remark"],
		)
		assert entry.amazon_fee_event_key.startswith("txn:") and name in entry.user_remark
		per_unit, per_order = FEES["Priority"]
		debits = frappe.get_all(
			"Journal Entry Account",
			filters={"parent": entry.name, "debit": (">", 0)},
			fields=["account", "debit"],
		)
		assert all("Fulfilment Fees" in r.account for r in debits)
		assert Decimal(str(sum(flt(r.debit) for r in debits))) == per_unit + per_order


class TestE2EMultiChannelFulfilmentAfterSending(_MultiChannelFulfilmentCase):
	"""Changes to an order Amazon has, and returns of what it shipped, on an account of their own."""

	ACCOUNT = "_Test E2E MCF Changes"

	# -- changes after sending -----------------------------------------------------------------

	def test_1_changes_made_after_sending_reach_amazon_and_what_ships_follows_them(self):
		sim = self.account.sim
		address = frappe.get_doc({"doctype": "Address", "address_title": "_Test MCF Mover", "address_type": "Shipping",
			"address_line1": "1 Old Rd", "city": "Seattle", "state": "WA", "pincode": "98101", "country": "United States",
			"links": [{"link_doctype": "Customer", "link_name": self.customer}]}).insert(ignore_permissions=True)  # fmt: skip
		name = self.order([(MUG, 2), (CAP, 1)], speed="Standard", address=address.name)
		assert buttons.send(name)["status"] == "Received"
		order_id = self.so(name).amazon_fulfillment_order_id
		so = frappe.get_doc("Sales Order", name)
		so.amazon_mcf_shipping_speed = "Priority"  # allowed on a submitted order
		so.save()
		address.address_line1 = "77 Pine St"
		address.save()
		mug_row = next(r.name for r in so.items if r.item_code == MUG)
		self.update_items(name, [(mug_row, MUG, 1)])  # one mug, and the cap's row taken off
		answer = buttons.update(name)
		assert answer["ok"] and answer["status"] == "Received", answer
		for part in ("shipping speed Priority", "77 Pine St", f"{MUG}: 1 unit", f"{CAP}: line given up"):
			assert part in answer["message"], answer["message"]
		at_amazon = sim.fulfillment.orders[order_id]
		assert at_amazon["request"]["shippingSpeedCategory"] == "Priority"
		assert at_amazon["request"]["destinationAddress"]["addressLine1"] == "77 Pine St"
		again = buttons.update(name)
		assert again["ok"] and "nothing was sent" in again["message"]
		assert sim.stats()["calls"]["updateFulfillmentOrder"] == 1
		sim.advance_clock(AFTER_ALL_STEPS)
		report = self.follow()
		assert not report.failures, e2e.failure_lines(report)
		state = self.so(name)
		assert state.amazon_mcf_status == "Complete" and flt(state.per_delivered) == 100
		rows = frappe.get_all("Delivery Note Item", filters={"against_sales_order": name, "docstatus": 1},
			fields=["item_code", "qty"])  # fmt: skip
		assert [(r.item_code, flt(r.qty)) for r in rows] == [(MUG, 1.0)]

	def test_2_amazon_refusing_a_change_is_shown_on_the_order(self):
		sim = self.account.sim
		updates = sim.stats()["calls"].get("updateFulfillmentOrder", 0)
		name = self.order([(CAP, 1)], speed="Standard")
		buttons.send(name)
		so = frappe.get_doc("Sales Order", name)
		self.update_items(name, [(so.items[0].name, CAP, 9)])  # more than Amazon has
		answer = buttons.update(name)
		assert not answer["ok"] and "Not enough sellable units" in answer["message"]
		state = self.so(name)
		assert (
			"Amazon refused the request [InvalidInput]" in state.amazon_mcf_message
			and CAP in state.amazon_mcf_message
		)
		self.update_items(name, [(so.items[0].name, CAP, 1), ("", MUG, 1)])  # a row added after sending
		with self.assertRaises(frappe.ValidationError) as caught:
			buttons.update(name)
		assert "was added after the order went to Amazon" in str(caught.exception)
		sim.fulfillment.advance(self.so(name).amazon_fulfillment_order_id, "Processing")
		so = frappe.get_doc("Sales Order", name)
		so.amazon_mcf_shipping_speed = "Priority"
		so.save()
		answer = buttons.update(name)
		assert not answer["ok"] and answer["status"] == "Processing"
		state = self.so(name)
		assert state.amazon_mcf_status == "Processing" and "takes no change" in state.amazon_mcf_message
		assert (
			sim.stats()["calls"]["updateFulfillmentOrder"] == updates + 1
		)  # only the refused quantity was sent

	# -- returns -------------------------------------------------------------------------------

	def test_3_a_return_comes_back_into_the_fba_warehouse_with_its_sellable_units(self):
		sim = self.account.sim
		name = self.order([(MUG, 3)], speed="Standard")
		buttons.send(name)
		sim.advance_clock(AFTER_ALL_STEPS)
		self.follow()
		assert self.so(name).amazon_mcf_status == "Complete"
		options = return_buttons.options(name)
		(row,) = options["rows"]
		assert row["item_code"] == MUG and row["returnable"] == 3 and row["sku"] == MUG
		codes = [r["code"] for r in options["reasons"][MUG]]
		assert "CR-DEFECTIVE" in codes
		answer = return_buttons.request(name, json.dumps([{"dn_detail": row["dn_detail"], "units": 2,
			"reason_code": "CR-DEFECTIVE", "comment": "Cracked"}]))  # fmt: skip
		assert answer["ok"] and "accepted 2 unit(s)" in answer["message"], answer
		(draft,) = frappe.get_all("Delivery Note", filters={"is_return": 1, "docstatus": 0, "return_against": row["delivery_note"]},
			fields=["name", "amazon_mcf_return_status", "amazon_mcf_return_items", "amazon_mcf_return_order"])  # fmt: skip
		assert (
			draft.amazon_mcf_return_status == "Requested"
			and draft.amazon_mcf_return_order == self.so(name).amazon_fulfillment_order_id
		)
		assert draft.amazon_mcf_return_items.split() == [f"{draft.name}-1", f"{draft.name}-2"]
		lines = frappe.get_all(
			"Delivery Note Item", filters={"parent": draft.name}, fields=["qty", "warehouse"]
		)
		assert [(flt(r.qty), r.warehouse) for r in lines] == [(-2.0, self.account.doc.fba_warehouse)]
		assert return_buttons.options(name)["rows"][0]["returnable"] == 1  # two are on their way
		with self.assertRaises(frappe.ValidationError) as caught:
			frappe.get_doc("Delivery Note", draft.name).submit()  # not by hand before Amazon has the units
		assert "waits for Amazon to receive the units" in str(caught.exception)
		sim.fulfillment.return_conditions.update(
			{f"{draft.name}-1": "Sellable", f"{draft.name}-2": "Defective"}
		)
		before = self.fba_qty(MUG)
		sim.advance_clock(DEFAULT_RETURN_DELAY + 60)
		report = self.follow()  # a Complete order with units on their way is read again
		assert report.api_calls.get("getFulfillmentOrder") == 1 and not report.failures, e2e.failure_lines(
			report
		)
		note = frappe.get_doc("Delivery Note", draft.name)
		assert note.docstatus == 1 and note.amazon_mcf_return_status == "Received"
		assert [(r.item_code, flt(r.qty)) for r in note.items] == [(MUG, -1.0)]
		assert "Defective" in note.amazon_mcf_return_message and "RMA" in (
			note.amazon_mcf_return_authorization or ""
		)
		assert self.fba_qty(MUG) == before + 1  # the sellable unit; the defective one stays out
		assert "Defective" in self.so(name).amazon_mcf_message
		assert flt(frappe.db.get_value("Delivery Note Item", row["dn_detail"], "returned_qty")) == 1
		assert self.follow().api_calls.get("getFulfillmentOrder", 0) == 0  # every unit back: not read again
		assert not has_open_orders(self.account.name)
		# ERPNext sees one more unit to return than Amazon does (the defective one went back too).
		(row,) = return_buttons.options(name)["rows"]
		assert row["returnable"] == 2
		answer = return_buttons.request(name, json.dumps([{"dn_detail": row["dn_detail"], "units": 2,
			"reason_code": "CR-UNWANTED_ITEM"}]))  # fmt: skip
		assert (
			answer["ok"]
			and "accepted 1 unit(s)" in answer["message"]
			and "NoReturnableQuantity" in answer["message"]
		)
		assert has_open_orders(self.account.name)  # a unit on its way back keeps the stage scheduled

	def test_4_a_return_amazon_refuses_leaves_no_draft_and_says_why(self):
		sim = self.account.sim
		name = self.order([(MUG, 1)], speed="Standard")
		buttons.send(name)
		sim.advance_clock(AFTER_ALL_STEPS)
		self.follow()
		(row,) = return_buttons.options(name)["rows"]
		answer = return_buttons.request(
			name, json.dumps([{"dn_detail": row["dn_detail"], "units": 1, "reason_code": "NOT-A-CODE"}])
		)
		assert (
			not answer["ok"]
			and "Amazon refused the return" in answer["message"]
			and "InvalidValues" in answer["message"]
		)
		assert not frappe.db.exists("Delivery Note", {"is_return": 1, "return_against": row["delivery_note"]})
		assert "InvalidValues" in self.so(name).amazon_mcf_message
		with self.assertRaises(frappe.ValidationError):
			return_buttons.request(
				name, json.dumps([{"dn_detail": row["dn_detail"], "units": 5, "reason_code": "CR-DEFECTIVE"}])
			)
		open_order = self.order([(MUG, 1)], speed="Standard")
		buttons.send(open_order)
		with self.assertRaises(frappe.ValidationError) as caught:
			return_buttons.options(open_order)
		assert "nothing of it that could be returned" in str(caught.exception)
		buttons.cancel(open_order)


class TestE2EMultiChannelFulfilmentOnHold(_MultiChannelFulfilmentCase):
	"""Orders sent on hold, on a simulator that (as Amazon documents the operation) updates only
	orders with an order hold on them."""

	ACCOUNT = "_Test E2E MCF Hold"
	SIM_OPTIONS = {"mcf_update_requires_hold": True}

	def held_default(self, on: bool):
		frappe.db.set_value("Amazon Settings", self.account.name, "send_mcf_orders_on_hold", int(on))

	def test_1_sent_on_hold_by_the_account_default_changed_and_released_it_ships_as_it_stands(self):
		sim = self.account.sim
		self.held_default(True)
		name = self.order([(MUG, 2), (CAP, 1)], speed="Standard")
		assert buttons.preview(name)["hold"] is True  # the dialog's choice starts from the default
		answer = buttons.send(name)
		assert answer["ok"] and answer["status"] == "Received" and answer["held"], answer
		order_id = self.so(name).amazon_fulfillment_order_id
		assert sim.fulfillment.orders[order_id]["request"]["fulfillmentAction"] == "Hold"
		so = frappe.db.get_value(
			"Sales Order", name, ["amazon_mcf_on_hold", "amazon_mcf_message"], as_dict=True
		)
		assert so.amazon_mcf_on_hold == 1 and so.amazon_mcf_message.startswith("On hold at Amazon")

		sim.advance_clock(AFTER_ALL_STEPS)  # held: Amazon ships nothing, and the stage says so
		report = self.follow()
		assert not report.failures and report.counts.get("flagged", 0) == 0, e2e.failure_lines(report)
		assert any("1 on hold at Amazon until released" in m for m in report.messages), report.messages
		state = self.so(name)
		assert state.amazon_mcf_status == "Received" and flt(state.per_delivered) == 0
		assert frappe.db.get_value("Sales Order", name, "amazon_mcf_on_hold") == 1
		assert has_open_orders(self.account.name)  # the scheduler keeps reading it

		so = frappe.get_doc("Sales Order", name)
		so.amazon_mcf_shipping_speed = "Priority"
		so.save()
		answer = buttons.update(name)  # a change while held keeps the hold
		assert answer["ok"] and "shipping speed Priority" in answer["message"], answer
		assert sim.fulfillment.orders[order_id]["hold"] and frappe.db.get_value(
			"Sales Order", name, "amazon_mcf_on_hold"
		)

		mug_row = next(r.name for r in so.items if r.item_code == MUG)
		cap_row = next(r.name for r in so.items if r.item_code == CAP)
		self.update_items(name, [(mug_row, MUG, 1), (cap_row, CAP, 1)])  # a difference still pending
		updates = sim.stats()["calls"]["updateFulfillmentOrder"]
		answer = buttons.release(name)
		assert answer["ok"] and answer["status"] == "Received", answer
		assert "released to ship" in answer["message"] and f"{MUG}: 1 unit" in answer["message"]
		assert sim.stats()["calls"]["updateFulfillmentOrder"] == updates + 1  # one update carries both
		assert not sim.fulfillment.orders[order_id]["hold"]
		so = frappe.db.get_value(
			"Sales Order", name, ["amazon_mcf_on_hold", "amazon_mcf_message"], as_dict=True
		)
		assert so.amazon_mcf_on_hold == 0 and "On hold" not in (so.amazon_mcf_message or "")
		with self.assertRaises(frappe.ValidationError) as caught:
			buttons.release(name)  # nothing is held any more
		assert "no fulfilment order on hold" in str(caught.exception)

		sim.advance_clock(AFTER_ALL_STEPS)
		report = self.follow()
		assert not report.failures, e2e.failure_lines(report)
		state = self.so(name)
		assert state.amazon_mcf_status == "Complete" and flt(state.per_delivered) == 100
		rows = frappe.get_all("Delivery Note Item", filters={"against_sales_order": name, "docstatus": 1},
			fields=["item_code", "qty"], order_by="item_code asc")  # fmt: skip
		assert [(r.item_code, flt(r.qty)) for r in rows] == [(CAP, 1.0), (MUG, 1.0)]
		self.held_default(False)

	def test_2_the_senders_choice_wins_and_an_order_amazon_no_longer_holds_is_shown_as_it_is(self):
		sim = self.account.sim
		self.held_default(True)
		shipping = self.order([(MUG, 1)], speed="Standard")
		from amazon_connector import api

		answer = api.send_to_amazon(shipping, hold="0")  # as the dialog posts an unticked choice
		assert answer["ok"] and not answer["held"]
		order_id = self.so(shipping).amazon_fulfillment_order_id
		assert sim.fulfillment.orders[order_id]["request"]["fulfillmentAction"] == "Ship"
		assert frappe.db.get_value("Sales Order", shipping, "amazon_mcf_on_hold") == 0
		buttons.cancel(shipping)

		self.held_default(False)
		name = self.order([(MUG, 1)], speed="Standard")
		assert buttons.send(name, hold=True)["held"]
		order_id = self.so(name).amazon_fulfillment_order_id
		# Released elsewhere (Seller Central, another tool): the button reads Amazon's order first.
		SpApiSource(self.account.session()).update_fulfillment_order(order_id, {"fulfillmentAction": "Ship"})
		updates = sim.stats()["calls"]["updateFulfillmentOrder"]
		answer = buttons.release(name)
		assert not answer["ok"] and "is not on hold (Received, Ship)" in answer["message"], answer
		assert sim.stats()["calls"]["updateFulfillmentOrder"] == updates  # nothing sent
		assert frappe.db.get_value("Sales Order", name, "amazon_mcf_on_hold") == 0

		cancelled = self.order([(MUG, 1)], speed="Standard")
		buttons.send(cancelled, hold=True)
		answer = buttons.cancel(cancelled)  # a held order is cancelled as any other
		assert answer["ok"] and answer["status"] == "Cancelled"
		assert frappe.db.get_value("Sales Order", cancelled, "amazon_mcf_on_hold") == 0
		buttons.cancel(name)

	def test_3_hold_at_the_scheduled_delivery_speed_is_refused_naming_the_order(self):
		sim = self.account.sim
		name = self.order([(MUG, 1)], speed="Standard")
		# A speed the form does not offer (Amazon's JP-only ScheduledDelivery), as an import might set it.
		frappe.db.set_value("Sales Order", name, "amazon_mcf_shipping_speed", "ScheduledDelivery")
		created = sim.stats()["calls"].get("createFulfillmentOrder", 0)
		with self.assertRaises(frappe.ValidationError) as caught:
			buttons.send(name, hold=True)
		message = str(caught.exception)
		assert f"Sales Order {name} cannot be sent to Amazon" in message
		assert "no order hold at the ScheduledDelivery speed" in message
		assert sim.stats()["calls"].get("createFulfillmentOrder", 0) == created
		assert not self.so(name).amazon_fulfillment_order_id
