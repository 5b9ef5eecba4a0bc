"""A VAT period closed on ERPNext's own documents and reports, against the simulator.

UK (no TAX breakdown, 20 % and 0 % goods, some deemed supplier), DE (Amazon's breakdown, 19 % and
7 %) and JP (no breakdown, 10 % and 8 %, yen) orders on a GBP company go through orders, invoices
and refunds. Then, with every expected figure worked out here from the world's raw JSON (never by
the app's code):
- every Sales Invoice is its Sales Order to the cent (grand total, tax rows, lines);
- every credit note's tax rows hold, per rate, exactly the VAT inside what Amazon refunded (Amazon's
  Tax where it reports one, else gross x rate / (100 + rate) half-up per component at the item's
  own rate), and their item-wise detail names only the note's own lines, each at its item's rate;
- ERPNext's Item-wise Sales Register for the period (the report that shows a rate and an amount per
  tax and line) gives, for the UK invoices and credit notes, per rate, the VAT the world implies,
  and the same as the general ledger of the UK Output VAT account.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import frappe
from erpnext.accounts.report.item_wise_sales_register.item_wise_sales_register import execute
from frappe.utils import flt

from amazon_connector.core.engine.invoices import InvoiceSync
from amazon_connector.core.mapping.refunds import REFUND_LISTS
from amazon_connector.erpnext_adapter.tax_detail import detail_of
from amazon_connector.simulator.ledger import refund_event
from amazon_connector.simulator.marketplaces import BY_ID
from amazon_connector.simulator.pricing import vat_rate_of
from amazon_connector.tests.e2e_support import TestCase
from amazon_connector.tests.test_e2e_vat import expected_vat, is_facilitator, ledger_balance, step, vat_world

D = Decimal
UK = "A1F83G8C2ARO7P"


def _credit(money: dict) -> Decimal:
	"""What a Finances v0 refund amount gives back to the buyer (Amazon reports it from the seller's side)."""
	return -D(str(money["CurrencyAmount"]))


def expected_refund_vat(event: dict, rate_of_sku: dict[str, Decimal]) -> dict[Decimal, Decimal]:
	"""rate -> the VAT inside a raw refund event (seller-collected and deemed supplier alike)."""
	totals: dict[Decimal, Decimal] = defaultdict(D)
	for item in event["ShipmentItemAdjustmentList"]:
		rate = rate_of_sku[item["SellerSKU"]]
		charges = {c["ChargeType"]: _credit(c["ChargeAmount"]) for c in item["ItemChargeAdjustmentList"]}
		reported = sum((charges.get(k, D(0)) for k in ("Tax", "ShippingTax", "GiftWrapTax")), D(0))
		if reported:
			totals[rate] += reported
			continue
		currency = item["ItemChargeAdjustmentList"][0]["ChargeAmount"]["CurrencyCode"]
		grosses = [charges.get(k, D(0)) for k in ("Principal", "ShippingCharge", "GiftWrap")]
		grosses += [_credit(p["PromotionAmount"]) for p in item.get("PromotionAdjustmentList") or []]
		for gross in grosses:
			vat = gross * rate / (100 + rate)
			totals[rate] += vat.copy_abs().quantize(step(currency), rounding=ROUND_HALF_UP).copy_sign(vat)
	return dict(totals)


def vat_rate(description: str) -> Decimal | None:
	"""The rate a VAT row names ("VAT 20% (included in the prices)"), None for other rows."""
	if "VAT" not in description or "%" not in description:
		return None
	return D(description.split("VAT", 1)[1].split("%", 1)[0].strip().split()[-1]).normalize()


class TestE2EVatBooks(TestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.db.set_single_value("Stock Settings", "allow_negative_stock", 1)
		cls.account, cls.company, cls.uk_vat, _ = vat_world(63, 70, "_Test E2E VAT Books")
		cls.addClassCleanup(cls.account.stop)
		frappe.db.set_value("Amazon Settings", cls.account.name, "make_sales_invoices", 1)
		products, orders, _ = cls.account.engines()
		products.run()
		cls.reports = [orders.run()]
		for item_code in frappe.get_all("Item", pluck="name"):
			frappe.db.set_value("Item", item_code, "valuation_rate", 1)
		cls.reports.append(InvoiceSync(None, cls.account.port(), cls.account.settings()).run())
		cls.refund_two_rate_orders()
		cls.account.sim.advance_clock(60 * 86400)
		_, _, fees = cls.account.engines()
		cls.reports.append(fees.run())
		cls.reports.append(InvoiceSync(None, cls.account.port(), cls.account.settings()).run())

	@classmethod
	def refund_two_rate_orders(cls) -> None:
		"""Amazon refunds in full one shipped, not yet refunded order per marketplace whose items have
		two rates (posted tomorrow), so that credit notes of two rates on one order are checked."""
		now = cls.account.sim.now()
		current = cls.account.sim.world.to_dict()
		refunded = {
			e["AmazonOrderId"] for name in REFUND_LISTS for e in current["financialEvents"].get(name) or []
		}
		done = set()
		for order in current["orders"]:
			marketplace = BY_ID[order["salesChannel"]["marketplaceId"]]
			if marketplace.code in done or order["orderId"] in refunded:
				continue
			if order["fulfillment"]["fulfillmentStatus"] != "SHIPPED" or any(
				is_facilitator(i) for i in order["orderItems"]
			):
				continue
			if len({vat_rate_of(marketplace, i["product"]["asin"]) for i in order["orderItems"]}) < 2:
				continue
			posted = (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
			event = refund_event(order, posted)
			if event:
				cls.account.sim.add_financial_event(event, "RefundEventList")
				done.add(marketplace.code)
		cls.two_rate_refunds = done

	def refund_events(self) -> dict[str, list[dict]]:
		"""Order id -> the refund-like events the simulator has posted (its world as it stands now)."""
		posted = self.account.sim.world.to_dict()["financialEvents"]
		events: dict[str, list[dict]] = {}
		for name in REFUND_LISTS:
			for event in posted.get(name) or []:
				events.setdefault(event["AmazonOrderId"], []).append(event)
		return events

	def world_rates(self) -> dict[tuple[str, str], Decimal]:
		"""(order id, SKU) -> the item's VAT rate in percent, from the world."""
		rates = {}
		for order in self.account.world["orders"]:
			marketplace = BY_ID[order["salesChannel"]["marketplaceId"]]
			for item in order["orderItems"]:
				rate = (vat_rate_of(marketplace, item["product"]["asin"]) * 100).normalize()
				rates[(order["orderId"], item["product"]["sellerSku"])] = rate
		return rates

	def test_invoices_and_credit_notes_carry_the_worlds_vat_per_rate(self):
		for report in self.reports:
			failures = [x for x in report.failures if x.record_kind in ("invoice", "refund", "order")]
			self.assertFalse(failures, [x.reason for x in failures][:5])
		invoices = frappe.get_all(
			"Sales Invoice",
			filters={"amazon_account": self.account.name, "docstatus": 1, "is_return": 0},
			fields=["name", "amazon_order_id"],
		)
		self.assertGreater(len(invoices), 10)
		for row in invoices:
			si = frappe.get_doc("Sales Invoice", row.name)
			so = frappe.get_doc("Sales Order", {"amazon_order_id": row.amazon_order_id})
			self.assertEqual(flt(si.grand_total, 2), flt(so.grand_total, 2), row.amazon_order_id)
			self.assertEqual(
				[(t.account_head, flt(t.tax_amount, 2), detail_of(t)) for t in si.taxes],
				[(t.account_head, flt(t.tax_amount, 2), detail_of(t)) for t in so.taxes],
			)

		rates = self.world_rates()
		events = self.refund_events()
		notes = frappe.get_all(
			"Amazon Refund",
			filters={"amazon_account": self.account.name, "status": "Booked"},
			fields=["refund_key", "amazon_order_id", "credit_note", "posted_date"],
		)
		rates_seen: set[Decimal] = set()
		checked = 0
		for record in notes:
			order_events = events.get(record.amazon_order_id) or []
			if len(order_events) != 1:
				continue  # several refunds of one order: which event is which is test_e2e_invoices' job
			[event] = order_events
			order_rates = {
				sku: rate for (order_id, sku), rate in rates.items() if order_id == record.amazon_order_id
			}
			want = {r: v for r, v in expected_refund_vat(event, order_rates).items() if v}
			note = frappe.get_doc("Sales Invoice", record.credit_note)
			keys = {i.item_code or i.item_name for i in note.items}
			booked: dict[Decimal, Decimal] = defaultdict(D)
			for tax in note.taxes:
				rate = vat_rate(tax.description)
				if rate is None:
					continue
				detail = detail_of(tax)
				self.assertTrue(detail, (record.refund_key, tax.description))
				self.assertLessEqual(set(detail), keys, record.refund_key)  # the note's own lines only
				for key, (item_rate, _amount) in detail.items():
					self.assertEqual(D(str(item_rate)).normalize(), rate, (record.refund_key, key))
				self.assertAlmostEqual(
					sum(a for _, a in detail.values()),
					flt(tax.tax_amount) * flt(note.conversion_rate),
					places=2,
				)
				booked[rate] -= D(str(flt(tax.tax_amount, 2)))
			self.assertEqual({r: v for r, v in booked.items() if v}, want, record.refund_key)
			rates_seen.update(want)
			checked += 1
		self.assertGreater(checked, len(self.two_rate_refunds))
		self.assertEqual(len(self.two_rate_refunds), 3, self.two_rate_refunds)  # UK, DE and JP
		self.assertGreaterEqual(rates_seen, {D(20), D(19), D(7), D(10), D(8)}, rates_seen)

	def test_the_item_wise_sales_register_and_the_ledger_agree_with_the_world(self):
		world = {o["orderId"]: o for o in self.account.world["orders"]}
		uk = frappe.get_all(
			"Sales Invoice",
			filters={"amazon_account": self.account.name, "docstatus": 1, "currency": "GBP"},
			fields=["name", "amazon_order_id", "is_return", "amazon_invoice_key"],
		)
		events = self.refund_events()
		rates = self.world_rates()
		want: dict[Decimal, Decimal] = defaultdict(D)
		vouchers = []
		for doc in uk:
			order = world[doc.amazon_order_id]
			if BY_ID[order["salesChannel"]["marketplaceId"]].code != "UK":
				continue
			if any(is_facilitator(item) for item in order["orderItems"]):
				continue  # deemed supplier: Amazon's VAT, on the withheld account (test_e2e_vat)
			if doc.is_return:
				if len(events.get(doc.amazon_order_id) or []) != 1:
					continue
				order_rates = {s: r for (o, s), r in rates.items() if o == doc.amazon_order_id}
				for rate, vat in expected_refund_vat(events[doc.amazon_order_id][0], order_rates).items():
					want[rate] -= vat
			else:
				for (_facilitator, rate), vat in expected_vat(order).items():
					want[rate] += vat
			vouchers.append(doc.name)
		self.assertGreater(len(vouchers), 5)
		self.assertTrue(any(d.is_return for d in uk if d.name in vouchers))

		columns, rows, *_ = execute(
			frappe._dict({"company": self.company, "from_date": "2000-01-01", "to_date": "2100-12-31"})
		)
		amount_columns = {
			c["fieldname"]: vat_rate(c["label"][: -len(" Amount")])
			for c in columns
			if isinstance(c, dict)
			and c.get("label", "").endswith(" Amount")
			and vat_rate(c["label"]) is not None
		}
		self.assertTrue(amount_columns)
		registered: dict[Decimal, Decimal] = defaultdict(D)
		for row in rows:
			if not isinstance(row, dict) or row.get("invoice") not in vouchers:
				continue
			for fieldname, rate in amount_columns.items():
				registered[rate] += D(str(flt(row.get(fieldname), 2)))
		self.assertEqual({r: v for r, v in registered.items() if v}, {r: v for r, v in want.items() if v})
		# The general ledger of the UK Output VAT account for the same documents (VAT is a credit).
		self.assertEqual(-ledger_balance(self.uk_vat, vouchers), sum(want.values(), D(0)))
