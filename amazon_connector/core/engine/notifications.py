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
- A poison message (not JSON, not ORDER_CHANGE, no order id) can never be used: it is moved to the
  dead-letter queue with the reason at once (deleted when the queue has none), named in the sync log;
  it never stops the others.
- An order that fails (Amazon unreachable, an unknown SKU...) is counted as failed and named with its
  error in the sync log (a failed record, which the log's retry reads again), and its message is
  hidden for a while that doubles with each delivery (`retry_delay`), so a passing outage is ridden
  out without a getOrder every visibility timeout. At its last delivery (the queue's redrive
  maxReceiveCount, else `MAX_DELIVERIES`) the consumer gives up: the message goes to the dead-letter
  queue with the order's error (deleted when there is none), and the give-up is noted in the sync log
  and in `given_up`. Nothing stays in the queue for ever, and nothing is lost: the scheduled order
  sync reads the order's change anyway (it is the backstop) and the failed record stays on the log.
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

from ..sentences import sentence
from ..timestamps import as_utc, parse_timestamp
from .orders import OrderSync
from .report import RecordFailure, SyncReport, failure_reason, source_stats

log = logging.getLogger(__name__)

ORDER_CHANGE = "ORDER_CHANGE"
MAX_BATCH = 10  # SQS's most per receive
LONG_POLL_SECONDS = 20  # SQS's longest wait per receive
# Deliveries of a failing message before it is given up, when the queue has no redrive policy of its
# own (the set up gives it one with this maxReceiveCount). With RETRY_SECONDS they span about 75
# minutes: an Amazon outage of an hour does not dead-letter the changes it delayed.
MAX_DELIVERIES = 5
RETRY_SECONDS = 300  # the first wait after a failure; doubled for each further delivery
MAX_VISIBILITY_SECONDS = 12 * 3600  # SQS's longest visibility timeout


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

	def retry_later(self, message: QueueMessage, seconds: int) -> None:
		"""Hide the message for `seconds` before SQS delivers it again."""

	def max_receives(self) -> int | None:
		"""The queue's redrive maxReceiveCount (after which SQS itself moves a message), None without."""


def retry_delay(deliveries: int, base: int = RETRY_SECONDS) -> int:
	"""How long a failed message waits before its next delivery: base, 2 x base, 4 x base..."""
	return min(base * 2 ** max(deliveries - 1, 0), MAX_VISIBILITY_SECONDS)


def once_per_order(report: SyncReport, order_id: str) -> None:
	"""A long drain meets a failing order again at each delivery: its log lists and counts it once,
	with the latest error."""
	earlier = [f for f in report.failures if f.record_kind == "order" and f.amazon_id == order_id][:-1]
	if earlier:
		report.failures[:] = [f for f in report.failures if all(f is not e for e in earlier)]
		report.count("failed", -len(earlier))


@dataclass(frozen=True)
class GivenUp:
	"""A message taken off the queue unused: the order (or message) it named and why."""

	record: str  # "order 111-..." or "message <id>"
	reason: str
	deliveries: int
	dead_lettered: bool  # moved to the dead-letter queue (else deleted: there was none)

	@property
	def text(self) -> str:
		where = "moved to the dead-letter queue" if self.dead_lettered else "deleted (no dead-letter queue)"
		return f"{self.record}: {self.reason} ({self.deliveries} deliveries; {where})"


class PoisonMessage(ValueError):
	"""A message that is not an ORDER_CHANGE notification this consumer can act on."""


@dataclass(frozen=True)
class OrderChange:
	amazon_order_id: str
	changed_at: datetime | None  # OrderChangeTrigger.TimeOfOrderChange, else EventTime
	notification_id: str = ""


def _object(value) -> dict:
	"""A part of the message that should be an object; anything else reads as empty."""
	return value if isinstance(value, dict) else {}


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
	change = _object(_object(document.get("Payload")).get("OrderChangeNotification"))
	order_id = change.get("AmazonOrderId")
	order_id = order_id.strip() if isinstance(order_id, str) else ""
	if not order_id:
		raise PoisonMessage("ORDER_CHANGE without Payload.OrderChangeNotification.AmazonOrderId")
	moment = _object(change.get("OrderChangeTrigger")).get("TimeOfOrderChange") or document.get("EventTime")
	try:
		changed_at = parse_timestamp(moment) if moment else None
	except (TypeError, ValueError):
		changed_at = None
	notification_id = str(_object(document.get("NotificationMetadata")).get("NotificationId") or "")
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
		retry_seconds: int = RETRY_SECONDS,
	):
		self.queue = queue
		self.orders = orders
		self.clock = clock
		self.on_stored = on_stored  # e.g. the benchmark's latency measurement
		# Makes the batch's Sales Orders durable (the runner's database commit) before its messages are
		# deleted: a message deleted for an order that was then rolled back would be lost for good.
		self.commit = commit
		self.retry_seconds = retry_seconds
		self.given_up: list[GivenUp] = []  # of all drains of this consumer, for the account's record
		self._max_deliveries: int | None = None

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
					sentence(f"The notification queue could not be read: {failure_reason(exc)}")
					+ " The messages wait "
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
				reason = f"could not be read from Amazon: {failure_reason(exc)}"
				report.count("failed")
				report.failures.append(RecordFailure("order", order_id, reason))
				self._failed(order_id, entries, reason, report)
				continue
			if self.orders.process_order(order, report) is None:
				# Failed and counted (the order engine named it with its error): retried later.
				self._failed(order_id, entries, self._reason_of(order_id, report), report)
				continue
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

	def max_deliveries(self) -> int:
		"""The delivery at which a failing message is given up: the queue's own maxReceiveCount when
		it has a redrive policy (SQS would move it silently after that one), else MAX_DELIVERIES."""
		if self._max_deliveries is None:
			try:
				self._max_deliveries = self.queue.max_receives() or MAX_DELIVERIES
			except Exception as exc:  # asked again by the next drain
				log.warning("could not read the queue's redrive policy: %s", failure_reason(exc))
				return MAX_DELIVERIES
		return self._max_deliveries

	@staticmethod
	def _reason_of(order_id: str, report: SyncReport) -> str:
		reasons = [f.reason for f in report.failures if f.amazon_id == order_id]
		return reasons[-1] if reasons else "could not be stored"

	def _failed(self, order_id: str, entries, reason: str, report: SyncReport) -> None:
		"""The order's messages wait longer before each further delivery; at the last one they are
		given up (dead-lettered with the error, or deleted), since the scheduled sync is the backstop."""
		once_per_order(report, order_id)
		last = self.max_deliveries()
		for message, _ in entries:
			if message.receive_count >= last:
				self._give_up(message, f"order {order_id}", reason, report)
				continue
			try:
				self.queue.retry_later(message, retry_delay(message.receive_count, self.retry_seconds))
			except Exception as exc:  # it comes again after the queue's visibility timeout instead
				log.warning("could not delay message %s: %s", message.message_id, failure_reason(exc))

	def _give_up(self, message: QueueMessage, record: str, reason: str, report: SyncReport) -> None:
		try:
			# The error travels with the message; an order's names the order (the body holds it too).
			error = reason if record.startswith("message ") else f"{record}: {reason}"
			moved = self.queue.dead_letter(message, error)
			if not moved:
				self.queue.delete([message])
		except Exception as exc:  # never let one bad message stop the consumer; SQS delivers it again
			log.error("could not take message %s off the queue: %s", message.message_id, failure_reason(exc))
			report.note(
				f"Notification message {message.message_id} ({record}) could not be taken off the queue: "
				f"{failure_reason(exc)}; it is delivered again."
			)
			return
		given_up = GivenUp(record, reason, message.receive_count, moved)
		self.given_up.append(given_up)
		log.error("notification given up: %s", given_up.text)
		report.note(
			f"Notification of {given_up.text}. The scheduled order sync is the backstop; "
			"Retry Failed Record(s) reads a failed order again."
		)

	def _poison(self, message: QueueMessage, reason: str, report: SyncReport) -> None:
		text = f"notification message {message.message_id} is unusable: {reason}"
		report.count("failed")
		report.failures.append(RecordFailure("notification", message.message_id, text))
		self._give_up(message, f"message {message.message_id}", reason, report)

	def _delete(self, messages: list[QueueMessage], report: SyncReport) -> None:
		try:
			self.queue.delete(messages)
		except Exception as exc:  # they come again and are found unchanged: no harm but a call
			report.note(f"{len(messages)} handled message(s) could not be deleted: {failure_reason(exc)}")
