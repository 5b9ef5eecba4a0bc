"""Scheduler entry point: every 15 minutes, queue the syncs that are due, per enabled account.

One job per account runs its due stages in order (products before orders before fees), so the
products of an account are always imported before its orders, and the per-account job id and
lock keep a scheduled run from overlapping a manual one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import frappe
from frappe.utils import cint, get_datetime, now_datetime

from . import jobs

INTERVALS = {
	"Every 15 Minutes": timedelta(minutes=15),
	"Hourly": timedelta(hours=1),
	"Daily": timedelta(days=1),
	"Weekly": timedelta(weeks=1),
	"Never": None,
}


def enqueue_due_syncs() -> None:
	now = now_datetime()
	for account in jobs.enabled_accounts():
		try:
			stages = due_stages(frappe.get_doc(jobs.SETTINGS_DOCTYPE, account), now)
			if stages:
				jobs.enqueue_sync(account, stages, triggered_by="scheduler")
		except Exception:  # one account's trouble must not keep the others from syncing
			frappe.log_error(title=f"Amazon scheduled sync of {account} not queued")


def due_stages(doc, now: datetime) -> list[str]:
	if not doc.enabled or not doc.marketplaces:
		return []
	stages = []
	if _due(doc.product_sync_frequency, doc.last_product_sync, now):
		stages.append(jobs.PRODUCTS)
	if _due(doc.order_sync_frequency, doc.last_order_sync, now):
		stages.append(jobs.ORDERS)
		# Fees post after shipment and come from a different API; they follow every order sync.
		if cint(doc.sync_fees):
			stages.append(jobs.FEES)
	return stages


def _due(frequency: str, last, now: datetime) -> bool:
	interval = INTERVALS.get(frequency or "Never")
	if interval is None:
		return False
	if not last:
		return True
	# Ticks drift by a few seconds to minutes; without slack an hourly sync would run every 75 minutes.
	slack = min(timedelta(minutes=5), interval / 5)
	return now - get_datetime(last) >= interval - slack
