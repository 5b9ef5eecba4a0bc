"""Settlements with invoices on, end to end, Finances v0 switched off in the simulator: orders,
Sales Invoices and their payments, refunds as credit notes, fees, reimbursements, service fees and
the settlements of two currencies (USD, the company's, and GBP) book; each closed settlement's
deposit Journal Entry is Amazon's deposit, and the General Ledger balance of the settlement's
vouchers (found by the settlement id) on its clearing account is exactly 0.00; a second run books
nothing.

Expectations come from the simulator's books (its settlements and deposits), never from the app.
"""

from __future__ import annotations

import json
from decimal import Decimal

import frappe
from frappe.utils import flt

from amazon_connector.amazon_connector.report.amazon_settlement_reconciliation.amazon_settlement_reconciliation import (
	settlement_rows,
)
from amazon_connector.core.engine.pipeline import FEES, INVOICES, ORDERS, Pipeline
from amazon_connector.core.mapping.transactions import related_identifier
from amazon_connector.spapi.source import SpApiSource
from amazon_connector.tests import e2e_support as e2e
from amazon_connector.tests.e2e_support import TestCase
from amazon_connector.tests.test_e2e_transactions import make_bank

CURRENCIES = {"US": "USD", "UK": "GBP"}


def clearing_of(company: str, currency: str) -> str:
	"""The clearing account the connector keeps in `currency`, found by its name and currency."""
	company_currency = frappe.get_cached_value("Company", company, "default_currency")
	name = "Amazon Clearing" if currency == company_currency else f"Amazon Clearing {currency}"
	return frappe.db.get_value(
		"Account", {"company": company, "account_name": name, "is_group": 0, "account_currency": currency}
	)


def gl_balance(settlement_id: str, account: str) -> Decimal:
	"""Straight from the General Ledger: the rows on `account` of the vouchers marked with the
	settlement id, in the account's currency."""
	vouchers = frappe.get_all(
		"Journal Entry", filters={"amazon_settlement_id": settlement_id, "docstatus": 1}, pluck="name"
	) + frappe.get_all(
		"Payment Entry", filters={"amazon_settlement_id": settlement_id, "docstatus": 1}, pluck="name"
	)
	return e2e.ledger_balance(account, vouchers)


class TestE2ESettlementClearing(TestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		# The simulated seller's FBA stock is not in ERPNext; stock is tested in the adapter tests.
		frappe.db.set_single_value("Stock Settings", "allow_negative_stock", 1)
		cls.account = e2e.start_account(
			seed=51,
			orders=60,
			account_name="_Test E2E Settlement Clearing",
			marketplaces=tuple(CURRENCIES),
			sim_options={"finances_v0": "off", "settlement_days": 7},
			finances_api="2024-06-19",
			make_sales_invoices=1,
		)
		cls.addClassCleanup(cls.account.stop)
		doc = frappe.get_doc("Amazon Settings", cls.account.name)
		for currency in CURRENCIES.values():
			doc.append(
				"settlement_bank_accounts",
				{"currency": currency, "bank_account": make_bank(doc.company, currency)},
			)
		doc.save(ignore_permissions=True)

	def sync(self):
		"""One scheduled run's money stages, in the pipeline's order: orders, invoices, fees."""
		account = self.account
		pipeline = Pipeline(
			SpApiSource(account.session()), account.port(), account.settings(), now=account.sim.now
		)
		reports = {}
		for stage in (ORDERS, INVOICES, FEES):
			reports[stage] = pipeline.engine(stage).run()
			self.assertFalse(reports[stage].failures, (stage, e2e.failure_lines(reports[stage])[:5]))
			if stage == ORDERS:
				# The simulated seller's stock has no valuation in ERPNext: give its Items one.
				for item_code in set(
					frappe.get_all(
						"Sales Order Item",
						filters={
							"parent": (
								"in",
								frappe.get_all("Sales Order", {"amazon_account": account.name}, pluck="name"),
							)
						},
						pluck="item_code",
					)
				):
					frappe.db.set_value("Item", item_code, "valuation_rate", 1)
		return reports

	def assert_view_ties_out(self, record, kept: dict[str, Decimal]) -> None:
		rows = settlement_rows(record)
		[fees] = [r for r in rows if r["line"] == "Amazon Fees Without Breakdown"]
		self.assertEqual(Decimal(str(flt(fees["amount"], 2))), -sum(kept.values()), record.name)
		self.assertEqual(set(fees["orders"].split(", ")), set(kept), record.name)
		figures = sum(Decimal(str(flt(r["amount"], 2))) for r in rows[1:] if r.get("is_figure"))
		self.assertEqual(figures, Decimal(str(flt(record.transactions_total, 2))), record.name)

	def test_each_settlement_clears_to_zero_with_invoices_payments_and_credit_notes(self):
		account = self.account
		self.sync()
		company = frappe.db.get_value("Amazon Settings", account.name, "company")
		banks = {
			row.currency: row.bank_account
			for row in frappe.get_doc("Amazon Settings", account.name).settlement_bank_accounts
		}
		# What the run booked: invoices paid into clearing, credit notes paid out of it.
		invoices = frappe.get_all(
			"Sales Invoice",
			filters={"amazon_account": account.name, "docstatus": 1},
			fields=["name", "is_return", "currency", "outstanding_amount"],
		)
		self.assertTrue([i for i in invoices if not i.is_return])
		self.assertTrue([i for i in invoices if i.is_return], "the world's refunds should be credit notes")
		self.assertEqual({i.currency for i in invoices}, set(CURRENCIES.values()))
		self.assertFalse([i.name for i in invoices if flt(i.outstanding_amount, 2)])

		book = account.sim.finance_book()
		closed = [g for g in book.groups.values() if g.closed]
		self.assertGreaterEqual(len(closed), 2)
		self.assertEqual({g.currency for g in closed}, set(CURRENCIES.values()))
		for group in closed:
			body = book.group_body(group)
			deposit = Decimal(str(body["OriginalTotal"]["CurrencyAmount"]))
			record = frappe.get_doc("Amazon Settlement", group.group_id)
			self.assertEqual(record.status, "Booked", (group.group_id, record.note, record.unbooked))
			je = frappe.get_doc("Journal Entry", record.journal_entry)
			self.assertEqual(je.cheque_no, group.group_id)
			bank_line = sum(
				Decimal(str(flt(r.debit_in_account_currency - r.credit_in_account_currency, 2)))
				for r in je.accounts
				if r.account == banks[group.currency]
			)
			self.assertEqual(bank_line, deposit, group.group_id)
			clearing = clearing_of(company, group.currency)
			self.assertTrue(clearing, group.currency)
			# The settlement's orders' payments are among its vouchers, not only Journal Entries.
			self.assertTrue(
				frappe.db.exists("Payment Entry", {"amazon_settlement_id": group.group_id}), group.group_id
			)
			self.assertEqual(gl_balance(group.group_id, clearing), Decimal("0.00"), group.group_id)
			self.assertEqual(flt(record.clearing_balance, 2), 0, group.group_id)

		# Shipments Amazon shows without any breakdown (their net total only): what their order's invoice
		# put on clearing beyond that total is on "Amazon Fees Without Breakdown", in their entry.
		closed_ids = {g.group_id for g in closed}
		bare = [
			t
			for _, t in book.transactions()
			if t["transactionType"] == "Shipment"
			and "breakdowns" not in json.dumps(t)
			and related_identifier(t, "SETTLEMENT_ID") in closed_ids
		]
		self.assertTrue(bare, "the closed settlements should hold shipments without breakdowns")
		kept: dict[str, dict[str, Decimal]] = {}  # settlement -> order -> what Amazon kept of its sale
		for transaction in bare:
			order_id = related_identifier(transaction, "ORDER_ID")
			je = frappe.get_doc(
				"Journal Entry", {"amazon_fee_event_key": f"txn:{transaction['transactionId']}"}
			)
			invoiced = sum(
				Decimal(str(flt(p.received_amount, 2)))
				for p in frappe.get_all(
					"Payment Entry",
					filters={"amazon_order_id": order_id, "payment_type": "Receive", "docstatus": 1},
					fields=["received_amount"],
				)
			)
			net = Decimal(str(transaction["totalAmount"]["currencyAmount"]))
			clearing = clearing_of(company, transaction["totalAmount"]["currencyCode"])
			names = {frappe.db.get_value("Account", r.account, "account_name") for r in je.accounts}
			self.assertIn("Amazon Fees Without Breakdown", names)
			# In the transaction's currency (the fee account is in the company's): off clearing, what
			# Amazon kept of the invoiced amount.
			on_clearing = sum(
				Decimal(str(flt(r.debit_in_account_currency - r.credit_in_account_currency, 2)))
				for r in je.accounts
				if r.account == clearing
			)
			self.assertEqual(on_clearing, net - invoiced, transaction["transactionId"])
			self.assertIn(order_id, je.user_remark or "")
			kept.setdefault(related_identifier(transaction, "SETTLEMENT_ID"), {})[order_id] = invoiced - net

		# The reconciliation view of such a settlement has that line, with its orders, and the sales at
		# the invoiced gross: its lines add up to the settlement's transactions. So it does for a record
		# stored before its figures had the line (the view reads what the entries booked).
		for settlement_id, by_order in kept.items():
			record = frappe.get_doc("Amazon Settlement", settlement_id)
			self.assert_view_ties_out(record, by_order)
			stored = json.loads(record.figures)
			line = "fee:Amazon Fees Without Breakdown"
			old = Decimal(stored["figures"]["sales"]) + Decimal(stored["figures"].pop(line))
			stored["figures"]["sales"] = str(old)
			stored["orders"].pop(line, None)
			record.figures = json.dumps(stored)  # as the figures were stored before: the net total as sales
			self.assert_view_ties_out(record, by_order)

		# A second run books nothing: no Journal Entry, Payment Entry, invoice or settlement more.
		def counts():
			return (
				frappe.db.count("Journal Entry", {"amazon_account": account.name}),
				frappe.db.count("Payment Entry", {"amazon_order_id": ("is", "set")}),
				frappe.db.count("Sales Invoice", {"amazon_account": account.name}),
				frappe.db.count("Amazon Settlement", {"amazon_account": account.name, "status": "Booked"}),
			)

		before = counts()
		reports = self.sync()
		self.assertEqual(reports[FEES].counts.get("created", 0), 0, reports[FEES].messages)
		self.assertEqual(reports[INVOICES].counts.get("created", 0), 0)
		self.assertEqual(counts(), before)
