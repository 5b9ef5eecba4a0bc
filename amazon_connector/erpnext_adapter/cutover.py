"""Moving an install from Finances v0 to 2024-06-19 without booking any money twice.

The cut-over instant (`transactions_from`) is the posted time of the last event the v0 feed booked
for the account (read from its Journal Entries' keys); without one, the v0 feed's mark (what it
had read completely); for a record that never read v0, the moment of the switch (its deposits and
account-level money before then are the seller's own books'). The 2024-06-19 engine books what was
posted from that instant on (never later than the v0 mark), recognises an event v0 booked already
by its key (order, type, posted second), takes over the orders v0 was waiting for, and leaves the
settlements that began before the cut-over to the seller (`core.engine.cutover`). A cut-over set
in the future keeps the v0 feed until then. v0 stays selectable on the record as a fallback while
Amazon still serves it; nothing switches back by itself, since mixing feeds is what could book
twice.
"""

from __future__ import annotations

import frappe
from frappe.utils import now_datetime

from ..core.engine.cutover import FINANCES_2024, V0_CHECKPOINT, last_v0_posting
from ..core.timestamps import parse_timestamp
from . import state
from .sales_orders import to_system_time
from .settings import SETTINGS_DOCTYPE


def v0_keys(account: str) -> list[str]:
	"""The keys of the account's fee entries booked by the v0 feed."""
	return [
		key
		for key in frappe.get_all(
			"Journal Entry",
			filters={"amazon_account": account, "amazon_fee_event_key": ("is", "set")},
			pluck="amazon_fee_event_key",
		)
		if not key.startswith(("txn:", "settlement:"))
	]


def cutover_instant(account: str):
	"""The default cut-over of an existing record, in the site's time zone (see the module docstring)."""
	moment = last_v0_posting(v0_keys(account)) or parse_timestamp(
		(state.Checkpoints(account).get(V0_CHECKPOINT) or {}).get("posted_before")
	)
	return to_system_time(moment) if moment else now_datetime()


def switch_to_transactions(account: str) -> None:
	"""Set the record to the 2024-06-19 feed from its cut-over instant (kept if one is set)."""
	doc = frappe.get_doc(SETTINGS_DOCTYPE, account)
	if not doc.get("transactions_from"):
		doc.db_set("transactions_from", cutover_instant(account), update_modified=False)
	doc.db_set("finances_api", FINANCES_2024, update_modified=False)


def switch_all() -> None:
	for account in frappe.get_all(SETTINGS_DOCTYPE, pluck="name"):
		switch_to_transactions(account)
