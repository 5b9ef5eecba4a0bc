"""Near-real-time orders in ERPNext: setting up Amazon's ORDER_CHANGE notifications for an account,
and draining its SQS queue into Sales Orders (`core.engine.notifications`).

A drain does not take the account's lock: it must not wait behind an hour-long backfill, and it needs
none, since each order is booked in its own record scope, found again by its Amazon id, and a Sales
Order's Amazon order id is unique in the database (a race with the scheduled sync fails one insert,
whose message stays in the queue and is found stored next time). Each batch is committed before its
messages are deleted. A drain that handled something leaves an Amazon Sync Log (kind orders,
triggered by "notifications"); an idle one leaves none. Notifications the consumer gave up (an order
that kept failing, an unusable message) are also listed on the account ("Notifications Given Up").
"""

from __future__ import annotations

from collections.abc import Callable

import frappe
from frappe import _
from frappe.utils import now_datetime

from ..core.engine.notification_setup import set_up_order_notifications
from ..core.engine.notifications import (
	LONG_POLL_SECONDS,
	MAX_DELIVERIES,
	RETRY_SECONDS,
	GivenUp,
	OrderChange,
	OrderNotificationConsumer,
)
from ..core.engine.orders import OrderSync
from ..core.engine.pipeline import ORDERS
from ..core.engine.products import ProductSync
from ..core.engine.report import SyncReport
from ..erpnext_adapter.settings import (
	SETTINGS_DOCTYPE,
	account_config,
	settings_doc,
	sync_settings,
)
from ..spapi.errors import SpApiError, user_message
from ..spapi.redaction import Scrubber
from ..spapi.source import SpApiSource
from ..spapi.sqs import SqsQueue
from .commits import CommittingPort, commit
from .options import OPTIONS, Runtime
from .sync_log import SyncLogWriter

TRIGGERED_BY = "notifications"
GIVEN_UP_KEPT = 10  # lines of "Notifications Given Up" on the account


def notifications_on(doc) -> bool:
	return bool(doc.get("enabled") and doc.get("order_notifications") and doc.get("sqs_queue_arn"))


def notification_accounts() -> list[str]:
	"""Enabled accounts that import orders as Amazon notifies them."""
	return frappe.get_all(
		SETTINGS_DOCTYPE,
		filters={"enabled": 1, "order_notifications": 1, "sqs_queue_arn": ("is", "set")},
		pluck="name",
		order_by="name asc",
	)


def queue_for(doc) -> SqsQueue:
	"""The account's queue, with its AWS keys (read here, at the point of use)."""
	return SqsQueue.for_arn(
		doc.sqs_queue_arn,
		endpoint_url=doc.get("sqs_endpoint_url") or None,
		access_key=doc.get_password("aws_access_key_id", raise_exception=False) or None,
		secret_key=doc.get_password("aws_secret_access_key", raise_exception=False) or None,
	)


def _scrubber(doc, config) -> Scrubber:
	aws_secret = doc.get_password("aws_secret_access_key", raise_exception=False) or ""
	return Scrubber([config.client_secret, config.refresh_token, aws_secret])


def _dead_letter_step(doc) -> str:
	"""Give the queue a dead-letter queue unless it has one; refused (the IAM user may not create
	queues), the consumer still gives a failing message up after its last delivery, deleting it."""
	queue = queue_for(doc)
	try:
		return queue.ensure_dead_letter_queue()
	except Exception as exc:
		return _(
			"no dead-letter queue ({0}): a notification that keeps failing is deleted after {1} "
			"deliveries and named in the sync log"
		).format(f"{type(exc).__name__}: {exc}", MAX_DELIVERIES)
	finally:
		queue.close()


def set_up_notifications(account: str, *, runtime: Runtime | None = None) -> str:
	"""Create (or find) the destination and the ORDER_CHANGE subscription; the status is saved on the
	record either way and returned."""
	doc = settings_doc(account)
	if not doc.sqs_queue_arn:
		frappe.throw(_("Enter the SQS Queue ARN of {0} first.").format(frappe.bold(doc.name)))
	runtime = runtime or OPTIONS.runtime
	config = account_config(doc)
	scrub = _scrubber(doc, config)
	settings = sync_settings(doc)
	session = runtime.session_factory(config)
	values: dict = {}
	try:
		setup = set_up_order_notifications(
			SpApiSource(session),
			doc.sqs_queue_arn,
			[m.marketplace_id for m in settings.enabled_marketplaces],
			name=f"ERPNext {frappe.local.site} {doc.name}",
		)
		values = {
			"notification_destination_id": setup.destination_id,
			"notification_subscription_id": setup.subscription_id,
		}
		status = _("Set up {0}: {1}; {2}.").format(
			now_datetime().strftime("%Y-%m-%d %H:%M"), setup.summary, _dead_letter_step(doc)
		)
	except Exception as exc:  # said on the form; the record keeps what was set up before
		reason = user_message(exc) if isinstance(exc, SpApiError) else f"{type(exc).__name__}: {exc}"
		status = _("Setting up notifications failed {0}: {1}").format(
			now_datetime().strftime("%Y-%m-%d %H:%M"), reason
		)
	finally:
		session.close()
	status = scrub(status)
	frappe.db.set_value(SETTINGS_DOCTYPE, doc.name, {**values, "notification_status": status})
	commit()
	return status


def drain_notifications(
	account: str,
	seconds: float,
	*,
	runtime: Runtime | None = None,
	wait_seconds: int = LONG_POLL_SECONDS,
	on_stored: Callable[[OrderChange], None] | None = None,
	retry_seconds: int = RETRY_SECONDS,
) -> SyncReport | None:
	"""Read the account's ORDER_CHANGE queue for up to `seconds` and book the changed orders.
	None when the account does not import orders by notification."""
	doc = settings_doc(account)
	if not notifications_on(doc):
		return None
	runtime = runtime or OPTIONS.runtime
	config = account_config(doc)
	settings = sync_settings(doc, **runtime.settings_extra)
	session = runtime.session_factory(config)
	queue = queue_for(doc)
	try:
		source = SpApiSource(session)
		port = CommittingPort(doc)
		products = ProductSync(source, port, settings, now=runtime.now)
		orders = OrderSync(source, port, settings, item_resolver=products.ensure_items, now=runtime.now)
		consumer = OrderNotificationConsumer(
			queue, orders, on_stored=on_stored, commit=commit, retry_seconds=retry_seconds
		)
		report = consumer.drain(seconds, wait_seconds=wait_seconds)
	finally:
		queue.close()
		session.close()
	commit()
	if consumer.given_up:
		_list_given_up(doc.name, consumer.given_up, _scrubber(doc, config))
	if sum(report.counts.values()):
		log = SyncLogWriter.start(doc.name, ORDERS, TRIGGERED_BY, False)
		log.finish(report, _scrubber(doc, config))
		commit()
	return report


def _list_given_up(account: str, given_up: list[GivenUp], scrub: Scrubber) -> None:
	"""Newest first on the account, so that a failing notification is seen without opening logs."""
	stamp = now_datetime().strftime("%Y-%m-%d %H:%M")
	lines = [scrub(f"{stamp} {g.text}") for g in reversed(given_up)]
	earlier = (frappe.db.get_value(SETTINGS_DOCTYPE, account, "notifications_given_up") or "").splitlines()
	kept = "\n".join((lines + earlier)[:GIVEN_UP_KEPT])
	frappe.db.set_value(SETTINGS_DOCTYPE, account, "notifications_given_up", kept, update_modified=False)
	commit()
