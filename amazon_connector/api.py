"""Whitelisted methods behind the Amazon Settings and Amazon Sync Log buttons.

Each checks permission on the record it acts on (write on the Amazon Settings record to run or
test it), then queues a background job; the job reports progress and its summary to the form.
"""

from __future__ import annotations

import frappe
from frappe import _

from .core.engine.pipeline import (
	FBA_INVENTORY,
	FEES,
	INVOICES,
	LISTING_HEALTH,
	MCF,
	ORDERS,
	PRICE_PUSH,
	PRODUCTS,
	STOCK_PUSH,
	stage_label,
)
from .erpnext_adapter.fulfilment import has_open_orders
from .erpnext_adapter.settings import SETTINGS_DOCTYPE, read_settings
from .runner import queue


def _settings_for(account: str, ptype: str = "write"):
	if not account or not frappe.db.exists(SETTINGS_DOCTYPE, account):
		frappe.throw(
			_("Amazon Settings {0} does not exist.").format(frappe.bold(account or "")),
			frappe.DoesNotExistError,
		)
	doc = frappe.get_doc(SETTINGS_DOCTYPE, account)
	doc.check_permission(ptype)
	return doc


def _start_sync(account: str, stages: list[str]) -> str:
	settings = read_settings(_settings_for(account))
	if not settings.enabled:
		frappe.throw(
			_("Amazon Settings {0} is disabled; enable it to sync.").format(frappe.bold(settings.name))
		)
	if not settings.marketplaces:
		frappe.throw(
			_("Amazon Settings {0} has no marketplaces yet; press Test Connection to fetch them.").format(
				frappe.bold(settings.name)
			)
		)
	if not queue.enqueue_sync(settings.name, stages, triggered_by="manual"):
		return _("A sync of {0} is already queued or running; this one was not started.").format(
			settings.name
		)
	return _("{0} sync of {1} started in the background.").format(
		", ".join(_(stage_label(s)) for s in stages), settings.name
	)


@frappe.whitelist(methods=["POST"])
def sync_products(account: str) -> str:
	return _start_sync(account, [PRODUCTS])


@frappe.whitelist(methods=["POST"])
def sync_orders(account: str) -> str:
	# Shipped orders are invoiced right after they are imported, when the settings say so.
	invoices = read_settings(account).make_sales_invoices
	stages = [ORDERS, INVOICES] if invoices else [ORDERS]
	# As on schedule: orders Amazon fulfils for other channels follow every order sync.
	if has_open_orders(account):
		stages.append(MCF)
	return _start_sync(account, stages)


@frappe.whitelist(methods=["POST"])
def sync_fees(account: str) -> str:
	return _start_sync(account, [FEES])


@frappe.whitelist(methods=["POST"])
def sync_fba_inventory(account: str) -> str:
	return _start_sync(account, [FBA_INVENTORY])


@frappe.whitelist(methods=["POST"])
def push_stock(account: str) -> str:
	return _start_sync(account, [STOCK_PUSH])


@frappe.whitelist(methods=["POST"])
def push_prices(account: str) -> str:
	return _start_sync(account, [PRICE_PUSH])


@frappe.whitelist(methods=["POST"])
def check_listings(account: str) -> str:
	return _start_sync(account, [LISTING_HEALTH])


@frappe.whitelist(methods=["POST"])
def test_connection(account: str) -> str:
	doc = _settings_for(account)
	if not queue.enqueue_test_connection(doc.name):
		return _("A connection test of {0} is already running.").format(doc.name)
	return _("Testing the connection of {0}…").format(doc.name)


@frappe.whitelist(methods=["POST"])
def set_up_notifications(account: str) -> str:
	"""Create (or find) the SQS destination and the ORDER_CHANGE subscription; a few quick calls, so
	they run in the request and the status shows at once."""
	from .runner.notifications import set_up_notifications as set_up

	doc = _settings_for(account)
	return set_up(doc.name)


@frappe.whitelist(methods=["POST"])
def retry_failures(log: str) -> str:
	"""Run the failed records of a sync log again, in the background."""
	log_doc = frappe.get_doc("Amazon Sync Log", log)
	log_doc.check_permission("read")
	doc = _settings_for(log_doc.amazon_account)
	if not any(not row.retried for row in log_doc.failures):
		frappe.throw(_("Sync log {0} has no failed records left to retry.").format(frappe.bold(log)))
	if not queue.enqueue_sync(doc.name, [], triggered_by="retry", retry_log=log_doc.name):
		return _("A sync of {0} is already queued or running; try again when it has finished.").format(
			doc.name
		)
	return _("Retrying the failed records of {0} in the background.").format(log)


@frappe.whitelist()
def sync_status(account: str) -> dict:
	"""Whether a job of the account is queued or running, and whether any worker could run it (the
	form says both in its headline)."""
	doc = _settings_for(account, "read")
	return {"running": queue.is_sync_running(doc.name), "worker": queue.has_worker()}


# -- Sales Order: Multi-Channel Fulfillment (each answers with Amazon's reply; see runner.fulfilment) --


@frappe.whitelist(methods=["POST"])
def preview_amazon_fulfilment(sales_order: str) -> dict:
	from .runner import fulfilment

	return fulfilment.preview(sales_order)


@frappe.whitelist(methods=["POST"])
def send_to_amazon(sales_order: str, hold: str | int | None = None) -> dict:
	"""`hold`: the sender's choice (1: on hold, 0: to ship); absent, the account's default."""
	from .runner import fulfilment

	return fulfilment.send(sales_order, None if hold in (None, "") else bool(frappe.utils.cint(hold)))


@frappe.whitelist(methods=["POST"])
def release_to_amazon(sales_order: str) -> dict:
	from .runner import fulfilment

	return fulfilment.release(sales_order)


@frappe.whitelist(methods=["POST"])
def cancel_amazon_fulfilment(sales_order: str) -> dict:
	from .runner import fulfilment

	return fulfilment.cancel(sales_order)


@frappe.whitelist(methods=["POST"])
def update_amazon_fulfilment(sales_order: str) -> dict:
	from .runner import fulfilment

	return fulfilment.update(sales_order)


@frappe.whitelist(methods=["POST"])
def amazon_return_options(sales_order: str) -> dict:
	from .runner import fulfilment_returns

	return fulfilment_returns.options(sales_order)


@frappe.whitelist(methods=["POST"])
def return_via_amazon(sales_order: str, lines: str) -> dict:
	from .runner import fulfilment_returns

	return fulfilment_returns.request(sales_order, lines)
