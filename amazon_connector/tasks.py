"""Scheduler entry point: every 15 minutes, queue the syncs that are due, per enabled account.

One job per account runs its due stages in order (products before orders before fees), so the
products of an account are always imported before its orders, and the per-account job id and
lock keep a scheduled run from overlapping a manual one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import frappe
from frappe.utils import now_datetime

from .core.engine.pipeline import (
	FBA_INVENTORY,
	FEES,
	INVOICES,
	LISTING_HEALTH,
	MCF,
	ORDERS,
	PRICE_PUSH,
	PRODUCTS,
	SHIPMENTS,
	STOCK_PUSH,
)
from .erpnext_adapter.fulfilment import has_open_orders
from .erpnext_adapter.settings import enabled_accounts, read_settings, settings_doc
from .erpnext_adapter.shipments import has_pending
from .locks import current_holder
from .runner import backoff
from .runner.notifications import notification_accounts
from .runner.personal_data import remove_expired_personal_data_of_all_accounts
from .runner.queue import enqueue_notifications, enqueue_sync
from .runner.run import SCHEDULER
from .runner.sync_log import close_interrupted

INTERVALS = {
	"Every 5 Minutes": timedelta(minutes=5),
	"Every 15 Minutes": timedelta(minutes=15),
	"Hourly": timedelta(hours=1),
	"Daily": timedelta(days=1),
	"Weekly": timedelta(weeks=1),
	"Never": None,
}


def enqueue_due_syncs() -> None:
	now = now_datetime()
	for account in enabled_accounts():
		try:
			if current_holder(account) is None:
				close_interrupted(account)  # the lock expired: a run that still says "Running" died
			doc = settings_doc(account)
			if backoff.waiting(doc, now):
				continue  # its runs keep failing: the next attempt is on the form (runner.backoff)
			stages = due_stages(doc, now)
			if stages:
				enqueue_sync(account, stages, triggered_by=SCHEDULER)
		except Exception:  # one account's trouble must not keep the others from syncing
			frappe.log_error(title=f"Amazon scheduled sync of {account} not queued")
	# Orders Amazon notified: drained at every tick when no `amazon-connector notifications` process
	# keeps reading the queue (a drain ends as soon as the queue is empty).
	for account in notification_accounts():
		try:
			enqueue_notifications(account)
		except Exception:
			frappe.log_error(title=f"Amazon notification drain of {account} not queued")


def due_stages(doc, now: datetime) -> list[str]:
	settings = read_settings(doc)
	if not settings.enabled or not settings.marketplaces:
		return []
	stages = []
	if _due(settings.product_sync_frequency, settings.last_product_sync, now):
		stages.append(PRODUCTS)
	# Delivery Notes whose confirmation could not be queued on submit (a sync was running), or that
	# Amazon was too busy for: every tick, so that Amazon hears of a shipment within minutes.
	if has_pending(settings.name):
		stages.append(SHIPMENTS)
	if _due(settings.order_sync_frequency, settings.last_order_sync, now):
		stages.append(ORDERS)
		if settings.make_sales_invoices:
			stages.append(INVOICES)
		# Fees post after shipment and come from a different API; they follow every order sync.
		if settings.sync_fees:
			stages.append(FEES)
		# Multi-Channel Fulfillment orders move over hours; their status follows every order sync.
		if has_open_orders(settings.name):
			stages.append(MCF)
	# The FBA mirror reads a fast API (2 requests/s) and only writes what changed; hourly by default.
	if settings.fba_warehouse and _due(
		settings.fba_inventory_frequency, settings.last_fba_inventory_sync, now
	):
		stages.append(FBA_INVENTORY)
	# Stock to Amazon is opt-in; every 5 minutes by default, so that a change reaches Amazon well
	# within 15 minutes (patches apply within minutes; a feed's processing takes a few).
	if settings.push_stock and _due(settings.stock_push_frequency, settings.last_stock_push, now):
		stages.append(STOCK_PUSH)
	# Prices follow the stock push's schedule: the same path to Amazon, and as eagerly wanted there.
	if settings.push_prices and _due(settings.stock_push_frequency, settings.last_price_push, now):
		stages.append(PRICE_PUSH)
	# getListingsItem per listing (5/s): a run checks a batch, so hourly or daily is enough.
	if _due(settings.listing_health_frequency, settings.last_listing_health_check, now):
		stages.append(LISTING_HEALTH)
	return stages


def _due(frequency: str, last: datetime | None, now: datetime) -> bool:
	interval = INTERVALS.get(frequency or "Never")
	if interval is None:
		return False
	if not last:
		return True
	# Ticks drift by a few seconds to minutes; without slack an hourly sync would run every 75 minutes.
	slack = min(timedelta(minutes=5), interval / 5)
	return now - last >= interval - slack


def remove_expired_personal_data() -> None:
	"""Daily: buyer data past each account's retention period is removed (runner.personal_data)."""
	remove_expired_personal_data_of_all_accounts()
