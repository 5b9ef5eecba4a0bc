"""Finances 2024-06-19 end to end, with Finances v0 switched off in the simulator: fees, refunds,
reimbursements, service fees, reserves and the settlements book into ERPNext; each closed
settlement's deposit is Amazon's; a second run books nothing; an install switched over from v0
books nothing twice.

Expectations come from the simulator's own books (its settlements and the transactions it serves),
never from the app's mapping.

The world is laid out from a fixed hour of the day (`WORLD_HOUR`, UTC): which transactions fall
into which settlement, and which settlements have closed, is then the same on every run. At that
hour three weekly settlements have closed, the last one holds deferred shipments Amazon has
released into it and a refund Amazon shows without any breakdown. AMAZON_CONNECTOR_E2E_HOUR lays the world out from another hour (to try the same
checks on other settlements).
"""

from __future__ import annotations

import json
import os
import re
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import frappe
from frappe.utils import flt

from amazon_connector.core.engine.fees import FeeSync
from amazon_connector.core.engine.pipeline import FEES, Pipeline
from amazon_connector.core.engine.transactions import TransactionSync
from amazon_connector.core.mapping.account_labels import CLEARING_ACCOUNT_LABEL
from amazon_connector.core.mapping.transactions import related_identifier
from amazon_connector.erpnext_adapter.sales_orders import to_system_time
from amazon_connector.patches.v1_0 import finances_2024_cutover
from amazon_connector.spapi.source import SpApiSource
from amazon_connector.tests import e2e_support as e2e
from amazon_connector.tests.e2e_support import TestCase

WORLD_HOUR = 5.0


def world_hour() -> float:
	return float(os.environ.get("AMAZON_CONNECTOR_E2E_HOUR") or WORLD_HOUR)


def make_bank(company: str, currency: str = "") -> str:
	"""A bank ledger of the company for Amazon's payouts in `currency` (the company's by default)."""
	company_currency = frappe.get_cached_value("Company", company, "default_currency")
	currency = currency or company_currency
	label = "_Test Amazon Payouts" + ("" if currency == company_currency else f" {currency}")
	name = frappe.db.get_value("Account", {"company": company, "account_name": label})
	if name:
		return name
	parent = frappe.db.get_value("Account", {"company": company, "account_type": "Bank", "is_group": 1}) or (
		frappe.db.get_value("Account", {"company": company, "root_type": "Asset", "is_group": 1})
	)
	doc = frappe.get_doc(
		{
			"doctype": "Account",
			"account_name": label,
			"parent_account": parent,
			"company": company,
			"account_currency": currency,
			"account_type": "Bank",
			"is_group": 0,
		}  # fmt: skip
	).insert(ignore_permissions=True)
	return doc.name


def _leaves(breakdowns) -> list[tuple[tuple[str, ...], Decimal]]:
	found = []
	for node in breakdowns or []:
		children = node.get("breakdowns") or []
		if children:
			found += [((node["breakdownType"], *p), a) for p, a in _leaves(children)]
		else:
			found.append(((node["breakdownType"],), Decimal(str(node["breakdownAmount"]["currencyAmount"]))))
	return found


def _sale_side(transaction: dict) -> Decimal:
	"""What of a transaction is the buyer's money (the Sales Order and invoice's side): its "Sales"
	and "Promotions" breakdowns, at transaction level or else per item. A refund without any breakdown
	has none: only its total is known, and that is booked as it is; a shipment without any is all sale
	(invoices off, the buyer's money is the seller's own books')."""
	leaves = _leaves(transaction.get("breakdowns"))
	if not leaves:
		leaves = [leaf for item in transaction.get("items") or [] for leaf in _leaves(item.get("breakdowns"))]
	if not leaves and transaction["transactionType"] == "Shipment":
		return Decimal(str(transaction["totalAmount"]["currencyAmount"]))
	return sum((a for p, a in leaves if p[0] in ("Sales", "Promotions")), Decimal(0))


class TestE2ETransactions(TestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.account = e2e.start_account(
			seed=43,
			orders=50,
			account_name="_Test E2E Transactions",
			marketplaces=("US",),
			sim_options={"finances_v0": "off", "settlement_days": 7},
			latest=e2e.fixed_clock(world_hour()),
			finances_api="2024-06-19",
			# Invoices off: the buyer's money is the seller's own books' (test_e2e_settlement_clearing
			# has them on), so the settlements book without it.
			make_sales_invoices=0,
		)
		cls.addClassCleanup(cls.account.stop)
		doc = frappe.get_doc("Amazon Settings", cls.account.name)
		doc.append("settlement_bank_accounts", {"currency": "USD", "bank_account": make_bank(doc.company)})
		doc.save(ignore_permissions=True)

	def transaction_sync(self) -> TransactionSync:
		account = self.account
		return TransactionSync(
			SpApiSource(account.session()), account.port(), account.settings(), now=account.sim.now
		)

	def clearing(self) -> str:
		doc = frappe.get_doc("Amazon Settings", self.account.name)
		return doc.clearing_account or frappe.db.get_value(
			"Account", {"company": doc.company, "account_name": CLEARING_ACCOUNT_LABEL, "is_group": 0}
		)

	def served(self) -> list[dict]:
		limit = self.account.sim.now() - timedelta(minutes=3)
		return [t for posted, t in self.account.sim.finance_book().transactions() if posted < limit]

	def test_transactions_and_settlements_book_once_with_v0_off(self):
		account = self.account
		_, orders, _ = account.engines()
		report = orders.run()
		self.assertFalse(report.failures, e2e.failure_lines(report)[:5])

		report = self.transaction_sync().run()
		self.assertFalse(report.failures, e2e.failure_lines(report)[:5])
		self.assertNotIn("listFinancialEvents", report.api_calls)
		entries = frappe.get_all(
			"Journal Entry",
			filters={"amazon_account": account.name, "docstatus": 1},
			fields=["name", "amazon_fee_event_key", "amazon_settlement_id", "cheque_no", "voucher_type"],
		)
		keys = {e.amazon_fee_event_key for e in entries}
		served = self.served()
		kinds = defaultdict(int)
		to_book = defaultdict(int)
		for transaction in served:
			if transaction["transactionType"] == "Transfer":
				continue  # the payout: booked by its settlement, below
			total = Decimal(str(transaction["totalAmount"]["currencyAmount"]))
			if total == _sale_side(transaction):
				continue  # nothing but the buyer's money (the Sales Order's and credit note's side)
			to_book[transaction["transactionType"]] += 1
			key = f"txn:{transaction['transactionId']}"
			if any(k == key or k.startswith(key + ":") for k in keys):
				kinds[transaction["transactionType"]] += 1
		self.assertEqual(dict(kinds), dict(to_book), report.messages)
		self.assertTrue(
			{"Shipment", "ServiceFee", "ProductAdsPayment", "Adjustment", "SAFETReimbursement"} <= set(kinds)
		)
		# Account-level money is on the books, on accounts named for it.
		accounts = set(
			frappe.get_all(
				"Journal Entry Account",
				filters={"parent": ("in", [e.name for e in entries])},
				pluck="account",
			)
		)
		names = {frappe.db.get_value("Account", a, "account_name") for a in accounts}
		for label in (
			"Amazon Advertising",
			"Amazon Reserve",
			"Amazon SAFE-T Reimbursements",
		):
			self.assertIn(label, names)
		# A service fee (subscription, storage) with its breakdown is on the fee's account; without one,
		# on the type's: the model allows both shapes and the world draws either.
		self.assertTrue({"Amazon Subscription Fees", "Amazon Service Fees"} & names)
		self.assertTrue({"Amazon FBA Storage Fees", "Amazon Service Fees"} & names)
		# A refund Amazon shows without any breakdown: no credit note can be made of a net total, so its
		# whole total is on its own account, against Amazon Clearing.
		bare = [t for t in served if t["transactionType"] == "Refund" and "breakdowns" not in json.dumps(t)]
		if world_hour() == WORLD_HOUR:
			self.assertTrue(bare, "at WORLD_HOUR the world has a refund without breakdowns")
		for transaction in bare:
			total = Decimal(str(transaction["totalAmount"]["currencyAmount"]))
			je = frappe.get_doc(
				"Journal Entry", {"amazon_fee_event_key": f"txn:{transaction['transactionId']}"}
			)
			moved = defaultdict(Decimal)
			for row in je.accounts:
				name = frappe.db.get_value("Account", row.account, "account_name")
				moved[name] += Decimal(str(flt(row.debit - row.credit, 2)))
			self.assertEqual(
				dict(moved), {"Amazon Refunds Without Breakdown": -total, CLEARING_ACCOUNT_LABEL: total}
			)
			self.assertEqual(je.amazon_order_id, related_identifier(transaction, "ORDER_ID"))
			self.assertFalse(
				frappe.db.exists("Amazon Refund", {"source": ("like", f"%{transaction['transactionId']}")})
			)

		# A shipment Amazon shows without any breakdown, invoices off: its net total is the sale, the
		# seller's own books' (no invoice put a gross on clearing), so nothing of it is booked.
		bare_sales = [
			t for t in served if t["transactionType"] == "Shipment" and "breakdowns" not in json.dumps(t)
		]
		if world_hour() == WORLD_HOUR:
			self.assertTrue(bare_sales, "at WORLD_HOUR the world has a shipment without breakdowns")
		for transaction in bare_sales:
			self.assertNotIn(f"txn:{transaction['transactionId']}", keys)

		# Each closed settlement: booked once, its deposit Amazon's, and on Amazon Clearing the
		# settlement's entries leave exactly its sale side (what the invoices' payments bring).
		book = account.sim.finance_book()
		closed = [g for g in book.groups.values() if g.closed]
		self.assertGreaterEqual(len(closed), 2)
		clearing = self.clearing()
		bank = frappe.get_doc("Amazon Settings", account.name).settlement_bank_accounts[0].bank_account
		released = 0
		for group in closed:
			body = book.group_body(group)
			deposit = Decimal(str(body["OriginalTotal"]["CurrencyAmount"]))
			record = frappe.get_doc("Amazon Settlement", group.group_id)
			self.assertEqual(record.status, "Booked", record.note)
			self.assertEqual(Decimal(str(flt(record.deposit, 2))), deposit)
			self.assertEqual(flt(record.difference, 2), 0)
			je = frappe.get_doc("Journal Entry", record.journal_entry)
			self.assertEqual(je.cheque_no, group.group_id)
			# Dated Amazon's fund transfer, in the site's time zone.
			self.assertEqual(je.posting_date, to_system_time(e2e.parse_time(body["FundTransferDate"])).date())
			bank_line = sum(
				Decimal(str(flt(r.debit - r.credit, 2))) for r in je.accounts if r.account == bank
			)
			self.assertEqual(bank_line, deposit)
			on_clearing = Decimal(0)
			for row in frappe.get_all(
				"Journal Entry Account",
				filters={
					"account": clearing,
					"parent": (
						"in",
						[e.name for e in entries if e.amazon_settlement_id == group.group_id] + [je.name],
					),
				},
				fields=["debit", "credit"],
			):
				on_clearing += Decimal(str(flt(row.debit - row.credit, 2)))
			members = [
				t
				for t in served
				if related_identifier(t, "SETTLEMENT_ID") == group.group_id
				and t["transactionType"] != "Transfer"
			]
			# A deferred shipment Amazon released into this settlement is its money like any other: its
			# deferral and release cancel out, its fees are on clearing, its sale side is the buyer's.
			released += sum(1 for t in members if t["transactionStatus"] == "DEFERRED_RELEASED")
			sale = sum((_sale_side(t) for t in members), Decimal(0))
			self.assertEqual(on_clearing + sale, 0, group.group_id)
		if world_hour() == WORLD_HOUR:
			self.assertTrue(released, "at WORLD_HOUR a closed settlement holds released deferred shipments")

		# The reconciliation view of a booked settlement adds up to Amazon's deposit, difference 0.00.
		from amazon_connector.amazon_connector.report.amazon_settlement_reconciliation import (
			amazon_settlement_reconciliation as view,
		)

		columns, rows, _, chart, summary = view.execute({"settlement": closed[0].group_id})
		lines = {r["line"]: Decimal(str(flt(r["amount"], 2))) for r in rows}
		figures = sum((Decimal(str(flt(r["amount"], 2))) for r in rows if r["is_figure"]), Decimal(0))
		self.assertEqual(figures + lines["Deposit"], 0)
		self.assertEqual(lines["Difference"], 0)
		self.assertTrue(any(r["orders"] for r in rows if r["line"] == "Sales"))
		self.assertTrue(chart["data"]["labels"])

		# A second run books nothing.
		count = frappe.db.count("Journal Entry", {"amazon_account": account.name})
		again = self.transaction_sync().run()
		self.assertFalse(again.failures, e2e.failure_lines(again)[:5])
		self.assertEqual(again.counts.get("created", 0), 0)
		self.assertEqual(frappe.db.count("Journal Entry", {"amazon_account": account.name}), count)


class TestE2ESwitchOver(TestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.account = e2e.start_account(
			seed=47, orders=40, account_name="_Test E2E Switch Over", marketplaces=("US",), finances_api="v0"
		)
		cls.addClassCleanup(cls.account.stop)

	def test_a_switched_over_install_books_nothing_twice(self):
		account = self.account
		_, orders, fees = account.engines()
		self.assertFalse(orders.run().failures)
		self.assertIsInstance(fees, FeeSync)
		report = fees.run()
		self.assertFalse(report.failures, e2e.failure_lines(report)[:5])
		v0 = frappe.get_all(
			"Journal Entry", filters={"amazon_account": account.name}, fields=["amazon_fee_event_key"]
		)
		self.assertTrue(v0)
		v0_keys = {e.amazon_fee_event_key for e in v0}
		# The upgrade's patch: the 2024-06-19 feed from the posted time of the last event v0 booked.
		frappe.db.set_value("Amazon Settings", account.name, "transactions_from", None)
		finances_2024_cutover.execute()
		doc = account.doc = frappe.get_doc("Amazon Settings", account.name)
		self.assertEqual(doc.finances_api, "2024-06-19")
		last = max(_posted_of(k) for k in v0_keys)
		self.assertEqual(frappe.utils.get_datetime(doc.transactions_from), to_system_time(last))
		account.sim.set_finances_v0("events-off")  # v0's events gone; its list of settlements still there
		pipeline = Pipeline(
			SpApiSource(account.session()), account.port(), account.settings(), now=account.sim.now
		)
		self.assertIsInstance(pipeline.engine(FEES), TransactionSync)
		report = pipeline.engine(FEES).run()
		self.assertFalse(report.failures, e2e.failure_lines(report)[:5])
		# The event at the cut-over instant is read again by the new feed and recognised.
		self.assertTrue(any("booked by the Finances v0 feed" in m for m in report.messages), report.messages)
		posted = re.compile(r"Amazon transaction \S+ \((\w+), .*posted (\S+?)\)")
		new = frappe.get_all(
			"Journal Entry",
			filters={"amazon_account": account.name, "amazon_fee_event_key": ("like", "txn:%")},
			fields=["amazon_fee_event_key", "amazon_order_id", "user_remark"],
		)
		for entry in new:
			found = posted.search(entry.user_remark or "")
			if not entry.amazon_order_id or not found:
				continue
			kind, stamp = found.group(1), e2e.parse_time(found.group(2)).strftime("%Y%m%dT%H%M%SZ")
			prefix = f"{entry.amazon_order_id}:{kind}:{stamp}:"
			self.assertFalse(
				[k for k in v0_keys if k.startswith(prefix)], f"{entry.amazon_fee_event_key} booked twice"
			)
		# Settlements that began before the cut-over are the seller's, as before: never booked.
		book = account.sim.finance_book()
		before = [g for g in book.groups.values() if g.closed and g.start < last]
		self.assertTrue(before)
		for group in before:
			record = frappe.get_doc("Amazon Settlement", group.group_id)
			self.assertEqual(record.status, "Before Start", group.group_id)
			self.assertFalse(record.journal_entry)
		# A second run books nothing.
		count = frappe.db.count("Journal Entry", {"amazon_account": account.name})
		again = Pipeline(
			SpApiSource(account.session()), account.port(), account.settings(), now=account.sim.now
		)
		self.assertFalse(again.engine(FEES).run().failures)
		self.assertEqual(frappe.db.count("Journal Entry", {"amazon_account": account.name}), count)

	def test_a_cut_over_still_to_come_keeps_the_v0_feed(self):
		account = self.account
		frappe.db.set_value(
			"Amazon Settings",
			account.name,
			{
				"finances_api": "2024-06-19",
				"transactions_from": to_system_time(account.sim.now() + timedelta(days=3)),
			},
		)
		account.doc = frappe.get_doc("Amazon Settings", account.name)
		pipeline = Pipeline(
			SpApiSource(account.session()), account.port(), account.settings(), now=account.sim.now
		)
		self.assertIsInstance(pipeline.engine(FEES), FeeSync)
		later = lambda: account.sim.now() + timedelta(days=4)  # noqa: E731
		pipeline = Pipeline(SpApiSource(account.session()), account.port(), account.settings(), now=later)
		self.assertIsInstance(pipeline.engine(FEES), TransactionSync)


def _posted_of(key: str):
	"""The posted second a v0 key carries (order:type:YYYYmmddTHHMMSSZ:digest), read independently."""
	from datetime import datetime, timezone

	return datetime.strptime(key.split(":")[2], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
