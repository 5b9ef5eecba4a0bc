"""Near-real-time orders: Amazon's ORDER_CHANGE notifications, drained from their queue.

Amazon sends an ORDER_CHANGE notification (Notifications API, to the app's SQS destination) when an
order changes. `OrderNotificationConsumer.drain` long-polls the queue for a while and, per changed
order, reads only that order with getOrder (0.5 requests per second, burst 30: no searchOrders call
is spent on it) and hands it to the order engine's own `process_order`, so its Sales Order is booked
exactly as the scheduled sync books it. The scheduled sync stays the backstop for anything missed.

- A message is deleted only after its order is stored and committed (`commit`, or found already
  stored): a worker that dies in between leaves it in the queue, and SQS delivers it again.
- Duplicates (SQS delivers at least once; Amazon may notify twice): one getOrder per order per batch,
  and `process_order` finds a re-delivered change unchanged (the ERP's lastUpdatedTime >= Amazon's).
- Out of order: a notification whose change is older than what the ERP already holds is deleted
  without a getOrder call; getOrder always returns the order as it is now, so an older message can
  never roll a Sales Order back.
- A poison message (not JSON, not ORDER_CHANGE, no order id) is dead-lettered with the reason when
  the queue has a dead-letter queue, else left for the queue's redrive policy; it never stops the
  others. An order that fails (Amazon unreachable, an unknown SKU...) is left in the queue and
  counted as failed; SQS retries it, and the queue's redrive policy dead-letters it in the end.
- The queue unreachable: the drain stops with a note; nothing is lost (the messages wait in SQS).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ..timestamps import as_utc, parse_timestamp
from .orders import OrderSync
from .report import RecordFailure, SyncReport, failure_reason, source_stats

log = logging.getLogger(__name__)

ORDER_CHANGE = "ORDER_CHANGE"
MAX_BATCH = 10  # SQS's most per receive
LONG_POLL_SECONDS = 20  # SQS's longest wait per receive


@dataclass(frozen=True)
class QueueMessage:
	message_id: str
	receipt: str
	body: str
	receive_count: int = 1


class MessageQueue(Protocol):
	"""The notification queue (SQS, see spapi.sqs)."""

	def receive(self, max_messages: int, wait_seconds: int) -> list[QueueMessage]: ...

	def delete(self, messages: list[QueueMessage]) -> None: ...

	def dead_letter(self, message: QueueMessage, reason: str) -> bool:
		"""Move the message to the dead-letter queue with the reason; False when there is none."""


class PoisonMessage(ValueError):
	"""A message that is not an ORDER_CHANGE notification this consumer can act on."""


@dataclass(frozen=True)
class OrderChange:
	amazon_order_id: str
	changed_at: datetime | None  # OrderChangeTrigger.TimeOfOrderChange, else EventTime
	notification_id: str = ""


def parse_notification(body: str) -> OrderChange:
	"""An ORDER_CHANGE notification's order and time of change. Raises PoisonMessage."""
	try:
		document = json.loads(body)
	except (TypeError, ValueError) as exc:
		raise PoisonMessage(f"not JSON ({exc})") from None
	if not isinstance(document, dict):
		raise PoisonMessage("not a notification object")
	kind = document.get("NotificationType")
	if kind != ORDER_CHANGE:
		raise PoisonMessage(f"notification type {kind!r} is not {ORDER_CHANGE}")
	change = ((document.get("Payload") or {}).get("OrderChangeNotification")) or {}
	order_id = str(change.get("AmazonOrderId") or "").strip()
	if not order_id:
		raise PoisonMessage("ORDER_CHANGE without Payload.OrderChangeNotification.AmazonOrderId")
	moment = (change.get("OrderChangeTrigger") or {}).get("TimeOfOrderChange") or document.get("EventTime")
	try:
		changed_at = parse_timestamp(moment) if moment else None
	except ValueError:
		changed_at = None
	notification_id = str((document.get("NotificationMetadata") or {}).get("NotificationId") or "")
	return OrderChange(order_id, changed_at, notification_id)


class OrderNotificationConsumer:
	"""Drains ORDER_CHANGE notifications into the ERP through the order engine."""

	def __init__(
		self,
		queue: MessageQueue,
		orders: OrderSync,
		*,
		clock: Callable[[], float] = time.monotonic,
		on_stored: Callable[[OrderChange], None] | None = None,
		commit: Callable[[], None] | None = None,
	):
		self.queue = queue
		self.orders = orders
		self.clock = clock
		self.on_stored = on_stored  # e.g. the benchmark's latency measurement
		# Makes the batch's Sales Orders durable (the runner's database commit) before its messages are
		# deleted: a message deleted for an order that was then rolled back would be lost for good.
		self.commit = commit

	def drain(self, seconds: float, *, wait_seconds: int = LONG_POLL_SECONDS) -> SyncReport:
		"""Receive and handle messages for up to `seconds` (the last long poll may end a little
		later), stopping early when the queue is empty."""
		report = SyncReport(kind="orders", account=self.orders.settings.account_key)
		deadline = self.clock() + seconds
		while True:
			left = deadline - self.clock()
			if left <= 0:
				break
			try:
				messages = self.queue.receive(MAX_BATCH, max(0, min(wait_seconds, int(left))))
			except Exception as exc:  # the queue unreachable, credentials refused...
				report.count("failed")
				report.failures.append(RecordFailure("queue", "ORDER_CHANGE", failure_reason(exc)))
				report.note(
					f"The notification queue could not be read: {failure_reason(exc)}. The messages wait "
					"in the queue; the scheduled order sync is the backstop."
				)
				break
			if not messages:
				break
			self._handle(messages, report)
		return report.finish(source_stats(self.orders.source))

	def _handle(self, messages: list[QueueMessage], report: SyncReport) -> None:
		by_order: dict[str, list[tuple[QueueMessage, OrderChange]]] = {}
		for message in messages:
			try:
				change = parse_notification(message.body)
			except PoisonMessage as exc:
				self._poison(message, str(exc), report)
				continue
			by_order.setdefault(change.amazon_order_id, []).append((message, change))
		done: list[QueueMessage] = []
		for order_id, entries in by_order.items():
			if self._already_stored(order_id, entries):
				report.count("unchanged")
				done.extend(m for m, _ in entries)
				continue
			try:
				order = self.orders.source.get_order(order_id)
			except Exception as exc:  # this order waits in the queue; the others go on
				report.count("failed")
				report.failures.append(
					RecordFailure("order", order_id, f"could not be read from Amazon: {failure_reason(exc)}")
				)
				continue
			if self.orders.process_order(order, report) is None:
				continue  # failed and counted: left in the queue for SQS to deliver again
			done.extend(m for m, _ in entries)
			if self.on_stored:
				for _, change in entries:
					self.on_stored(change)
		if done:
			if self.commit is not None:
				self.commit()
			self._delete(done, report)

	def _already_stored(self, order_id: str, entries) -> bool:
		"""Every notification of the order is older than what the ERP holds: nothing to read."""
		state = self.orders.port.sales_order_state(order_id)
		if state is None or state.last_updated is None:
			return False
		held = as_utc(state.last_updated)
		return all(
			change.changed_at is not None and as_utc(change.changed_at) <= held for _, change in entries
		)

	def _poison(self, message: QueueMessage, reason: str, report: SyncReport) -> None:
		text = f"notification message {message.message_id} is unusable: {reason}"
		report.count("failed")
		report.failures.append(RecordFailure("notification", message.message_id, text))
		log.error(text)
		try:
			moved = self.queue.dead_letter(message, reason)
		except Exception as exc:  # never let one bad message stop the consumer
			log.error("could not dead-letter message %s: %s", message.message_id, failure_reason(exc))
			return
		if moved:
			report.note(f"{text}; moved to the dead-letter queue.")
		else:
			report.note(f"{text}; left for the queue's redrive policy (no dead-letter queue is known).")

	def _delete(self, messages: list[QueueMessage], report: SyncReport) -> None:
		try:
			self.queue.delete(messages)
		except Exception as exc:  # they come again and are found unchanged: no harm but a call
			report.note(f"{len(messages)} handled message(s) could not be deleted: {failure_reason(exc)}")
