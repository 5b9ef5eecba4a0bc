"""Existing installs get Sales Invoices and credit notes switched OFF, and a cut-over date.

Migrate adds Amazon Settings.make_sales_invoices with its default (on) to every record; for an
account that imported orders before, that would invoice every shipped order it ever imported,
including orders the seller already invoiced another way. So for each existing record:
- make_sales_invoices = 0: nothing is booked until a person switches it on;
- invoice_from_date = today, unless set: when switched on, only orders shipped from the cut-over
  on are invoiced (move the date back to invoice older orders on purpose);
- the clearing account becomes account type Bank (payments from buyers are received into it; see
  erpnext_adapter.accounts). ERPNext allows the change on an account with ledger entries (it
  only warns when a Receivable or Payable type is changed); a Receivable clearing account the
  user chose is left as it is and the invoices fail with a message asking for a Bank account.
"""

from __future__ import annotations

import frappe
from frappe.utils import today

from amazon_connector.core.mapping.account_labels import CLEARING_ACCOUNT_LABEL


def execute():
	for record in frappe.get_all(
		"Amazon Settings", fields=["name", "company", "clearing_account", "invoice_from_date"]
	):
		frappe.db.set_value(
			"Amazon Settings",
			record.name,
			{"make_sales_invoices": 0, "invoice_from_date": record.invoice_from_date or today()},
			update_modified=False,
		)
		accounts = set(
			frappe.get_all(
				"Account",
				filters={"company": record.company, "account_name": CLEARING_ACCOUNT_LABEL, "is_group": 0},
				pluck="name",
			)
		)
		if record.clearing_account:
			accounts.add(record.clearing_account)
		for name in accounts:
			account = frappe.get_doc("Account", name)
			if account.account_type:
				continue  # Bank already, or a type the user chose (Receivable): left alone
			account.account_type = "Bank"
			account.flags.ignore_permissions = True
			account.save()
