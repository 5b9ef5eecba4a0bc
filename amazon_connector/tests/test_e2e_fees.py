"""Fees end to end: after orders and fees sync, each order's Journal Entries book exactly what the
world's financial events (posted by the simulator's now) say Amazon kept or withheld, on accounts
under the configured group; a second run posts nothing; a late adjustment posts one new entry.

Expected amounts come from the raw world JSON: per order, the sum of ItemFeeList,
ItemFeeAdjustmentList, ItemTaxWithheldList, ShipmentFeeList(/Adjustment) and OrderFeeList
(/Adjustment) amounts (charge-backs are ItemFeeList entries) of its ShipmentEvent-shaped events,
negated (Amazon reports fees negative; the seller's cost is a debit).

Where the accounts sit: everything Amazon kept or withheld under the configured Amazon account group
(checked with lft/rgt): fees and charge-backs on fee accounts, withheld taxes on Tax accounts (the
ones the order's tax row credits, so the two clear); the balance on the clearing account.
"""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal

import frappe
from frappe.utils import flt

from amazon_connector.core.mapping.account_labels import CLEARING_ACCOUNT_LABEL
from amazon_connector.tests import e2e_support as e2e
from amazon_connector.tests.e2e_support import TestCase

REMARK_TOTAL = re.compile(r"Amazon's amounts: (-?[0-9.]+) ([A-Z]{3}) in total")
CENT = Decimal("0.01")


class TestE2EFees(TestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.account = e2e.start_account(
			seed=31, orders=60, account_name="_Test E2E Fees", marketplaces=("US", "DE")
		)
		cls.addClassCleanup(cls.account.stop)

	def entries(self) -> dict[str, list[frappe._dict]]:
		"""Amazon order id -> its Journal Entries, each with its rows."""
		entries = frappe.get_all(
			"Journal Entry",
			filters={"amazon_account": self.account.name},
			fields=["name", "amazon_order_id", "amazon_fee_event_key", "user_remark", "docstatus", "company"],
		)
		rows = defaultdict(list)
		for row in frappe.get_all(
			"Journal Entry Account",
			filters={"parenttype": "Journal Entry", "parent": ("in", [e.name for e in entries] or [""])},
			fields=[
				"parent",
				"account",
				"debit",
				"credit",
				"debit_in_account_currency",
				"credit_in_account_currency",
			],
		):
			rows[row.parent].append(row)
		by_order = defaultdict(list)
		for entry in entries:
			entry.rows = rows[entry.name]
			by_order[entry.amazon_order_id].append(entry)
		return by_order

	def under_group(self, account: str) -> bool:
		group = frappe.db.get_value("Account", self.account.doc.account_group, ["lft", "rgt"], as_dict=True)
		lft, rgt = frappe.db.get_value("Account", account, ["lft", "rgt"])
		return group.lft < lft and rgt < group.rgt

	def is_withheld_tax(self, account: str) -> bool:
		"""Withheld taxes: Tax accounts under the Amazon group, which the order's tax row credits."""
		return self.under_group(account) and frappe.db.get_value("Account", account, "account_type") == "Tax"

	def is_fee(self, account: str) -> bool:
		return self.under_group(account) and not self.is_withheld_tax(account)

	def clearing_accounts(self) -> set[str]:
		"""The clearing account of each currency: "Amazon Clearing" (USD, the company's) and
		"Amazon Clearing EUR", kept in EUR."""
		doc = self.account.doc
		return set(
			frappe.get_all(
				"Account",
				filters={
					"company": doc.company,
					"account_name": ("like", f"{CLEARING_ACCOUNT_LABEL}%"),
					"is_group": 0,
				},
				pluck="name",
			)
		)

	@staticmethod
	def booked(entries, accepts) -> Decimal:
		"""What the entries book on the accounts `accepts` picks, in the company currency (debit +)."""
		return sum(
			(
				Decimal(str(flt(r.debit, 2))) - Decimal(str(flt(r.credit, 2)))
				for e in entries
				for r in e.rows
				if accepts(r.account)
			),
			Decimal(0),
		)

	def test_fee_entries_equal_the_worlds_events_exactly_once(self):
		account = self.account
		_, orders, fees = account.engines()
		report = orders.run()
		self.assertFalse(report.failures, e2e.failure_lines(report)[:5])
		imported = e2e.sales_orders(account.name)
		self.assertGreater(len(imported), 10)

		report = fees.run()
		self.assertFalse(report.failures, e2e.failure_lines(report)[:5])
		events = account.world["financialEvents"]
		expected = e2e.expected_fees(events, account.start, set(imported))
		self.assertGreater(len(expected), 10)
		self.assertEqual({e.currency for e in expected.values()}, {"USD", "EUR"})
		self.assertTrue(any(e.withheld for e in expected.values()))
		# The world has events after the simulator's now (fees post days after shipment): not booked yet.
		eventually = e2e.expected_fees(events, e2e.parse_time("2100-01-01T00:00:00Z"), set(imported))
		self.assertNotEqual(set(eventually), set(expected), "the world should have events not posted yet")

		by_order = self.entries()
		self.assertEqual(set(by_order), set(expected))
		clearings = self.clearing_accounts()
		self.assertEqual(
			{
				tuple(frappe.db.get_value("Account", a, ["account_currency", "account_type"]))
				for a in clearings
			},
			{("USD", "Bank"), ("EUR", "Bank")},
		)
		self.assertFalse(any(self.under_group(a) for a in clearings))
		for order_id, entries in by_order.items():
			for entry in entries:
				self.assertEqual(entry.docstatus, 1)
				self.assertEqual(
					flt(sum(flt(r.debit, 2) for r in entry.rows), 2),
					flt(sum(flt(r.credit, 2) for r in entry.rows), 2),
					entry.name,
				)
				stray = [
					r.account
					for r in entry.rows
					if r.account not in clearings and not self.under_group(r.account)
				]
				self.assertFalse(stray, f"{entry.name}: accounts outside the Amazon group")
			want = expected[order_id]
			fee_part = self.booked(entries, self.is_fee)
			tax_part = self.booked(entries, self.is_withheld_tax)
			self.assertEqual(self.booked(entries, lambda a: a in clearings), -(fee_part + tax_part), order_id)
			if want.currency == "USD":  # the company currency: Amazon's amounts exactly
				self.assertEqual((fee_part, tax_part), (want.fees, want.withheld), order_id)
			else:
				remarked = sum(
					(
						Decimal(m.group(1))
						for e in entries
						for m in [REMARK_TOTAL.search(e.user_remark or "")]
						if m
					),
					Decimal(0),
				)
				self.assertEqual(remarked, want.total, order_id)
				rate = Decimal(
					str(frappe.db.get_value("Sales Order", imported[order_id].name, "conversion_rate"))
				)
				lines = sum(1 for e in entries for r in e.rows if r.account not in clearings)
				# The clearing row is in EUR: exactly Amazon's total.
				in_eur = sum(
					(
						Decimal(str(flt(r.debit_in_account_currency, 2)))
						- Decimal(str(flt(r.credit_in_account_currency, 2)))
						for e in entries
						for r in e.rows
						if r.account in clearings
					),
					Decimal(0),
				)
				self.assertEqual(in_eur, -want.total, order_id)
				self.assertLessEqual(abs(fee_part - want.fees * rate), CENT * lines, order_id)
				self.assertLessEqual(abs(tax_part - want.withheld * rate), CENT * lines, order_id)

		# A second run finds everything posted.
		count = frappe.db.count("Journal Entry", {"amazon_account": account.name})
		_, _, again = account.engines()
		report = again.run()
		self.assertFalse(report.failures, e2e.failure_lines(report)[:5])
		self.assertEqual(report.counts["created"], 0)
		self.assertEqual(frappe.db.count("Journal Entry", {"amazon_account": account.name}), count)

		# A late fee adjustment on an order already booked becomes exactly one new entry.
		order_id = next(o for o, e in sorted(expected.items()) if e.currency == "USD")
		order = next(o for o in account.world["orders"] if o["orderId"] == order_id)
		item = order["orderItems"][0]
		adjustment = Decimal("-1.37")
		account.sim.add_financial_event(
			{
				"AmazonOrderId": order_id,
				"MarketplaceName": "Amazon.com",
				"ShipmentItemAdjustmentList": [
					{
						"SellerSKU": item["product"]["sellerSku"],
						"OrderAdjustmentItemId": "E2E" + item["orderItemId"],
						"QuantityShipped": 1,
						"ItemFeeAdjustmentList": [
							{
								"FeeType": "Commission",
								"FeeAmount": {"CurrencyCode": "USD", "CurrencyAmount": float(adjustment)},
							}
						],
					}
				],
			},
			"ShipmentEventList",
			posted_date=account.sim.now(),
		)
		account.sim.advance_clock(15 * 60)  # past the fee sync's safety margin
		before = {e.name for e in by_order[order_id]}
		_, _, late = account.engines()
		report = late.run()
		self.assertFalse(report.failures, e2e.failure_lines(report)[:5])
		self.assertEqual(report.counts["created"], 1)
		self.assertEqual(frappe.db.count("Journal Entry", {"amazon_account": account.name}), count + 1)
		new = [e for e in self.entries()[order_id] if e.name not in before]
		self.assertEqual(len(new), 1)
		self.assertEqual(self.booked(new, self.under_group), -adjustment)
		self.assertEqual(self.booked(new, lambda a: a in clearings), adjustment)
