"""ErpNextPort fees: Journal Entries that sum to Amazon's figures, on accounts in the right groups,
posted once per event; and orders still awaiting fees."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import frappe
from frappe.utils import flt

from amazon_connector.core.drafts.fees import (
	CATEGORY_FEE,
	CATEGORY_WITHHELD_TAX,
	FeeEntryDraft,
	FeeLineDraft,
)
from amazon_connector.core.mapping.account_labels import account_label
from amazon_connector.core.ports import Outcome
from amazon_connector.tests import factories as f
from amazon_connector.tests.base import AdapterTestCase


def _line(fee_type, amount, category=CATEGORY_FEE):
	return FeeLineDraft(
		fee_type=fee_type,
		category=category,
		amount=Decimal(amount),
		account_label=account_label(fee_type, category),
	)


def _fee_draft(order_id, lines, currency="USD", key=None, posted=None):
	return FeeEntryDraft(
		amazon_order_id=order_id,
		event_key=key or f"shipment:{order_id}:1",
		currency=currency,
		posted_date=posted or datetime.now(timezone.utc) - timedelta(days=1),
		lines=lines,
		event_type="Shipment",
		marketplace_name="Amazon.com",
	)


class TestErpNextAdapterFees(AdapterTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.us = cls.settings
		cls.de = cls.make_eu_settings()
		f.make_item("_TAC-WIDGET")

	def entry(self, key):
		name = frappe.db.get_value("Journal Entry", {"amazon_fee_event_key": key}, "name")
		return frappe.get_doc("Journal Entry", name) if name else None

	def test_fee_entry_sums_to_the_draft_and_lands_under_the_group(self):
		port = self.port()
		port.upsert_sales_order(
			f.order_draft(
				"111-1000001-0000001", lines=[("WIDGET", "_TAC-WIDGET", 1, "25.00")], status="SHIPPED"
			)
		)
		draft = _fee_draft(
			"111-1000001-0000001",
			[
				_line("Commission", "3.75"),
				_line("FBAPerUnitFulfillmentFee", "4.10"),
				_line("MarketplaceFacilitatorTax-Principal", "2.76", CATEGORY_WITHHELD_TAX),
				_line("RefundCommission", "-0.50"),
			],
		)
		self.assertEqual(port.post_fee_entry(draft), Outcome.CREATED)

		je = self.entry(draft.event_key)
		self.assertEqual(je.docstatus, 1)
		self.assertEqual(je.amazon_order_id, "111-1000001-0000001")
		self.assertEqual(je.amazon_account, self.us.name)
		self.assertEqual(flt(je.total_debit), flt(je.total_credit))
		by_name = {}
		for row in je.accounts:
			name = frappe.db.get_value("Account", row.account, "account_name")
			by_name[name] = by_name.get(name, 0) + flt(row.debit) - flt(row.credit)
		self.assertEqual(flt(by_name.pop("Amazon Clearing"), 2), -float(draft.total))
		self.assertEqual(
			{k: flt(v, 2) for k, v in by_name.items()},
			{
				"Amazon Referral Fees": 3.75,
				"Amazon FBA Fulfilment Fees": 4.10,
				"Amazon Marketplace Facilitator Tax Withheld": 2.76,
				"Amazon Refund Administration Fees": -0.50,
			},
		)
		self.assertEqual(draft.total, Decimal("10.11"))
		# Fees and the withheld tax under the configured group; the withheld tax as a Tax account.
		referral = next(r.account for r in je.accounts if "Referral" in r.account)
		self.assertEqual(frappe.db.get_value("Account", referral, "parent_account"), self.us.account_group)
		withheld = next(r.account for r in je.accounts if "Facilitator" in r.account)
		self.assertEqual(frappe.db.get_value("Account", withheld, "parent_account"), self.us.account_group)
		self.assertEqual(frappe.db.get_value("Account", withheld, "account_type"), "Tax")
		self.assertIn("111-1000001-0000001", je.user_remark)
		self.assertIn("Commission", je.user_remark)
		# Its timeline shows no change nobody made ("changed from 0 to null" from the submit).
		self.assertEqual(f.phantom_changes("Journal Entry", je.name), [])
		# Told apart in lists, and found by the order id as its reference number.
		self.assertEqual(je.title, f"Amazon {draft.event_type} fees 111-1000001-0000001")
		self.assertEqual((je.cheque_no, str(je.cheque_date)), ("111-1000001-0000001", str(je.posting_date)))

		# Posted once: the same event again changes nothing.
		self.assertEqual(self.port().post_fee_entry(draft), Outcome.UNCHANGED)
		self.assertEqual(frappe.db.count("Journal Entry", {"amazon_order_id": "111-1000001-0000001"}), 1)
		self.assertEqual(port.posted_fee_event_keys("111-1000001-0000001"), {draft.event_key})

	def test_accounts_are_reused_not_duplicated(self):
		port = self.port()
		port.post_fee_entry(_fee_draft("111-1000002-0000001", [_line("Commission", "1.00")]))
		port.post_fee_entry(_fee_draft("111-1000003-0000001", [_line("Commission", "2.00")]))
		self.assertEqual(
			frappe.db.count("Account", {"company": self.company, "account_name": "Amazon Referral Fees"}), 1
		)

	def test_foreign_currency_fees_use_the_orders_rate_and_balance(self):
		port = self.port(self.de)
		port.upsert_sales_order(
			f.order_draft(
				"302-1000001-0000001",
				marketplace=f.MARKETPLACE_DE,
				customer_key="amazon-buyer-de-2",
				lines=[("WIDGET", "_TAC-WIDGET", 1, "33.33")],
			)
		)
		draft = _fee_draft(
			"302-1000001-0000001",
			[
				_line("Commission", "5.01"),
				_line("FBAPerUnitFulfillmentFee", "3.33"),
				_line("DigitalServicesFee", "0.07"),
			],
			currency="EUR",
		)
		self.assertEqual(port.post_fee_entry(draft), Outcome.CREATED)
		je = self.entry(draft.event_key)
		self.assertEqual(flt(je.total_debit), flt(je.total_credit))
		# Each line converted at the Sales Order's 1.1 and rounded; the clearing row balances them.
		debits = sorted(flt(r.debit) for r in je.accounts if r.debit)
		self.assertEqual(debits, sorted([flt(5.01 * 1.1, 2), flt(3.33 * 1.1, 2), flt(0.07 * 1.1, 2)]))
		self.assertIn("EUR", je.user_remark)

	def test_orders_awaiting_fees(self):
		port = self.port()
		long_ago = datetime.now(timezone.utc) - timedelta(days=10)
		draft = f.order_draft(
			"111-1000004-0000001",
			lines=[("WIDGET", "_TAC-WIDGET", 1, "10.00")],
			status="SHIPPED",
			purchase_date=long_ago,
			last_updated=long_ago + timedelta(hours=1),
		)
		port.upsert_sales_order(draft)
		cutoff = datetime.now(timezone.utc) - timedelta(days=2)
		self.assertIn("111-1000004-0000001", port.orders_awaiting_fees(cutoff))
		self.assertNotIn("111-1000004-0000001", port.orders_awaiting_fees(long_ago))
		port.post_fee_entry(_fee_draft("111-1000004-0000001", [_line("Commission", "1.50")]))
		self.assertNotIn("111-1000004-0000001", port.orders_awaiting_fees(cutoff))
