"""An opening balance carried into a settlement, end to end, Finances v0 switched off: a settlement
closes with a small negative balance (a large label charge in it), Amazon pays nothing out and
carries the balance into the next settlement, which the settlement report shows as its opening
balance. Both book: the first moves its balance to "Amazon Carried Balances" (no bank line), the
next takes it back with its deposit, whose bank line is Amazon's payout; each leaves exactly its
sale side on Amazon Clearing (invoices off: the buyer's money is the seller's own books'), the
carried-balances account is 0.00 again, and the reconciliation view shows the opening balance.

Expectations come from the simulator's books (its groups and payouts), never from the app.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import frappe
from frappe.utils import flt

from amazon_connector.core.engine.transactions import TransactionSync
from amazon_connector.core.mapping.account_labels import CLEARING_ACCOUNT_LABEL
from amazon_connector.core.mapping.transactions import related_identifier
from amazon_connector.simulator.clock import iso
from amazon_connector.spapi.source import SpApiSource
from amazon_connector.tests import e2e_support as e2e
from amazon_connector.tests.e2e_support import TestCase
from amazon_connector.tests.test_e2e_transactions import WORLD_HOUR, _sale_side, make_bank

SHORTFALL = Decimal("12.50")  # small: Amazon carries it on rather than charging the seller


class TestE2ESettlementOpening(TestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.account = e2e.start_account(
			seed=43,
			orders=50,
			account_name="_Test E2E Settlement Opening",
			marketplaces=("US",),
			sim_options={"finances_v0": "off", "settlement_days": 7},
			latest=e2e.fixed_clock(WORLD_HOUR),
			finances_api="2024-06-19",
			make_sales_invoices=0,
		)
		cls.addClassCleanup(cls.account.stop)
		doc = frappe.get_doc("Amazon Settings", cls.account.name)
		doc.append("settlement_bank_accounts", {"currency": "USD", "bank_account": make_bank(doc.company)})
		doc.save(ignore_permissions=True)
		# A label charge that takes the first closed settlement to minus SHORTFALL.
		sim = cls.account.sim
		groups = sorted((g for g in sim.finance_book().groups.values() if g.closed), key=lambda g: g.start)
		cls.first, cls.second = groups[0], groups[1]
		sim.add_financial_event(
			{
				"AdjustmentType": "PostageBilling",
				"AdjustmentAmount": {
					"CurrencyCode": cls.first.currency,
					"CurrencyAmount": float(-(cls.first.base + SHORTFALL)),
				},
			},
			"AdjustmentEventList",
			posted_date=iso(cls.first.end - timedelta(days=1)),
		)

	def test_a_carried_balance_books_on_both_settlements(self):
		account = self.account
		_, orders, _ = account.engines()
		self.assertFalse(orders.run().failures)
		report = TransactionSync(
			SpApiSource(account.session()), account.port(), account.settings(), now=account.sim.now
		).run()
		self.assertFalse(report.failures, e2e.failure_lines(report)[:5])
		# Amazon's list of settlements refused (v0 off): the opening balance comes from the report.
		self.assertGreaterEqual(report.api_calls.get("getReportDocument", 0), 2)

		book = account.sim.finance_book()
		limit = account.sim.now() - timedelta(minutes=3)
		served = [t for posted, t in book.transactions() if posted < limit]
		payouts = {
			related_identifier(t, "SETTLEMENT_ID"): -Decimal(str(t["totalAmount"]["currencyAmount"]))
			for t in served
			if t["transactionType"] == "Transfer"
		}
		self.assertNotIn(self.first.group_id, payouts)  # Amazon paid nothing out
		settings = frappe.get_doc("Amazon Settings", account.name)
		bank = settings.settlement_bank_accounts[0].bank_account
		clearing = settings.clearing_account or frappe.db.get_value(
			"Account", {"company": settings.company, "account_name": CLEARING_ACCOUNT_LABEL, "is_group": 0}
		)
		carried = frappe.db.get_value(
			"Account", {"company": settings.company, "account_name": "Amazon Carried Balances", "is_group": 0}
		)
		self.assertTrue(carried)
		every_voucher = []
		for group in (self.first, self.second):
			record = frappe.get_doc("Amazon Settlement", group.group_id)
			self.assertEqual(record.status, "Booked", (record.note, record.unbooked))
			vouchers = frappe.get_all(
				"Journal Entry",
				filters={"amazon_settlement_id": group.group_id, "docstatus": 1},
				pluck="name",
			)
			every_voucher += vouchers
			# The bank line is Amazon's payout: none for the settlement it carried on.
			self.assertEqual(
				e2e.ledger_balance(bank, vouchers), payouts.get(group.group_id, Decimal(0)), group.group_id
			)
			sale = sum(
				(
					_sale_side(t)
					for t in served
					if related_identifier(t, "SETTLEMENT_ID") == group.group_id
					and t["transactionType"] != "Transfer"
				),
				Decimal(0),
			)
			self.assertEqual(e2e.ledger_balance(clearing, vouchers) + sale, 0, group.group_id)
			self.assertEqual(flt(record.difference, 2), 0)
		first = frappe.get_doc("Amazon Settlement", self.first.group_id)
		second = frappe.get_doc("Amazon Settlement", self.second.group_id)
		self.assertEqual(Decimal(str(flt(first.carried_forward, 2))), -SHORTFALL)
		self.assertEqual(Decimal(str(flt(second.opening_balance, 2))), -SHORTFALL)
		self.assertEqual(
			e2e.ledger_balance(carried, [first.journal_entry]), -SHORTFALL
		)  # owed to Amazon until the next settlement
		self.assertEqual(e2e.ledger_balance(carried, every_voucher), 0)

		# The reconciliation view: the opening balance on its own line, everything adding up.
		from amazon_connector.amazon_connector.report.amazon_settlement_reconciliation import (
			amazon_settlement_reconciliation as view,
		)

		for record in (first, second):
			_, rows, _, _, _ = view.execute({"settlement": record.name})
			lines = {r["line"]: Decimal(str(flt(r["amount"], 2))) for r in rows}
			figures = sum((Decimal(str(flt(r["amount"], 2))) for r in rows if r["is_figure"]), Decimal(0))
			self.assertEqual(figures + lines["Deposit"] + lines.get("Carried to the next settlement", 0), 0)
			self.assertEqual(lines["Difference"], 0)
		second_lines = {r["line"]: r["amount"] for r in view.execute({"settlement": second.name})[1]}
		self.assertEqual(Decimal(str(flt(second_lines["Opening balance"], 2))), -SHORTFALL)
		self.assertEqual(Decimal(str(flt(second_lines["Deposit"], 2))), -payouts[second.name])

		count = frappe.db.count("Journal Entry", {"amazon_account": account.name})
		again = TransactionSync(
			SpApiSource(account.session()), account.port(), account.settings(), now=account.sim.now
		).run()
		self.assertFalse(again.failures)
		self.assertEqual(frappe.db.count("Journal Entry", {"amazon_account": account.name}), count)
