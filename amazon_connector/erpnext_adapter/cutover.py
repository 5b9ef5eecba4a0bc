"""Moving an install from Finances v0 to 2024-06-19 without booking any money twice.

The cut-over instant is where the v0 feed stopped reading completely: its checkpoint's mark
(`posted_before` of the "fees" checkpoint), or now for a record that never read v0. The 2024-06-19
engine books only transactions posted from that instant on (`transactions_from`), and, for its
overlap window, recognises an event v0 booked already by its key (order, type, posted second), so
the same money is never booked by both feeds. v0 stays selectable on the record as a fallback
while Amazon still serves it; nothing switches back by itself, since mixing feeds is what could
book twice.
"""

from __future__ import annotations

import frappe
from frappe.utils import now_datetime

from ..core.timestamps import parse_timestamp
from . import state
from .sales_orders import to_system_time
from .settings import SETTINGS_DOCTYPE

FINANCES_2024 = "2024-06-19"


def switch_to_transactions(account: str) -> None:
	"""Set the record to the 2024-06-19 feed from its cut-over instant (kept if one is set)."""
	doc = frappe.get_doc(SETTINGS_DOCTYPE, account)
	if not doc.get("transactions_from"):
		mark = parse_timestamp((state.Checkpoints(account).get("fees") or {}).get("posted_before"))
		doc.db_set(
			"transactions_from", to_system_time(mark) if mark else now_datetime(), update_modified=False
		)
	doc.db_set("finances_api", FINANCES_2024, update_modified=False)


def switch_all() -> None:
	for account in frappe.get_all(SETTINGS_DOCTYPE, pluck="name"):
		switch_to_transactions(account)
