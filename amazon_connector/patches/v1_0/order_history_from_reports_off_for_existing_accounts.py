"""Existing installs keep reading their orders with searchOrders.

Migrate adds Amazon Settings.order_history_from_reports with its default (on) to every record. An
account that imported orders before has its history already: switched on, its next run would read
that whole history once more from the order reports (finding the orders unchanged, but spending a
report per marketplace and 30 days and the Finances events of each). So existing records get it
off; a person may tick it, e.g. before moving the after date back.
"""

from __future__ import annotations

import frappe


def execute():
	for name in frappe.get_all("Amazon Settings", pluck="name"):
		frappe.db.set_value("Amazon Settings", name, "order_history_from_reports", 0, update_modified=False)
