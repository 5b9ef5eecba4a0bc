"""Multi-Channel Fulfillment: preview, send, update, cancel and return one order (the Sales Order's
buttons), and the `mcf` stage that follows the orders Amazon is fulfilling and the returns under way.

The stage reads each open fulfilment order by its id (getFulfillmentOrder, 2 requests/s, burst 30:
a hundred open orders take under a minute; orders already Complete, Cancelled, Unfulfillable or
Invalid are not read again) and hands Amazon's state to the ERP port, which shows the status and
Amazon's message on the order and delivers each shipment Amazon shipped, once. One order Amazon
cannot answer for (unknown to it, a malformed answer) is flagged with the reason and the others go
on; when Amazon keeps throttling or failing, the run stops and the rest wait for the next one.
An order on hold at Amazon (sent with fulfillmentAction Hold) is open and read like the others: it
waits in Received by the seller's choice, so it is shown as held, never as failed or refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ...spapi.errors import InvalidInputError, NotFoundError, user_message
from ..drafts.fulfilment import (
	UPDATABLE_STATUSES,
	FulfilmentChange,
	FulfilmentOrderDraft,
	FulfilmentPreview,
	FulfilmentState,
	ReturnLine,
	ReturnReason,
	ReturnResult,
)
from ..mapping.fulfilment import (
	FulfilmentAnswerError,
	create_request,
	preview_request,
	read_fulfilment_order,
	read_preview,
)
from ..mapping.fulfilment_changes import change_between, update_request
from ..mapping.fulfilment_returns import read_return_reasons, read_return_result, return_request
from ..sources import FulfilmentSource
from .base import AccountEngine
from .report import RecordFailure, SyncReport, failure_reason, is_transient, run_isolated, source_stats

KIND = "mcf"
RECORD_KIND = "fulfilment_order"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_CODE = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,63}")
MESSAGE_LIMIT = 300


def refusal_message(exc: BaseException) -> str:
	"""The sentence shown on the Sales Order for a failed MCF call.

	A refusal (400) or an unknown order (404) carries Amazon's own message, because it says what to
	change (the SKU, the address, the order's status); it is plain text, cut to a few hundred
	characters and already free of the account's secrets (the session scrubs them). Every other
	failure (throttling, Amazon down, credentials) gets the access layer's usual sentence."""
	if isinstance(exc, (InvalidInputError, NotFoundError)):
		text = _CONTROL.sub(" ", exc.message or "").strip()
		if exc.details and exc.details not in text and "gave up after" not in exc.details:
			text = f"{text} ({_CONTROL.sub(' ', exc.details).strip()})" if text else exc.details
		if len(text) > MESSAGE_LIMIT:
			text = text[: MESSAGE_LIMIT - 1] + "…"
		what = "refused the request" if isinstance(exc, InvalidInputError) else "does not know this order"
		code = f" [{exc.code}]" if exc.code and _CODE.fullmatch(exc.code) else ""
		return f"Amazon {what}{code}: {text}" if text else f"Amazon {what}{code}."
	if isinstance(exc, ValueError):
		return str(exc)
	return user_message(exc)


def preview(source: FulfilmentSource, draft: FulfilmentOrderDraft) -> list[FulfilmentPreview]:
	"""Amazon's fees and promised dates for the draft at each shipping speed (nothing is ordered)."""
	return read_preview(source.get_fulfillment_preview(preview_request(draft)))


def send(source: FulfilmentSource, draft: FulfilmentOrderDraft) -> FulfilmentState:
	"""Create the fulfilment order, then read it back: Amazon validates it on receipt, so the state
	says at once whether it was taken (Received) or refused (Invalid)."""
	source.create_fulfillment_order(create_request(draft))
	return read_fulfilment_order(source.get_fulfillment_order(draft.seller_fulfillment_order_id))


def cancel(source: FulfilmentSource, seller_fulfillment_order_id: str) -> FulfilmentState:
	"""Ask Amazon to stop, then read the order back (Cancelled, or what it is when Amazon refused)."""
	source.cancel_fulfillment_order(seller_fulfillment_order_id)
	return read_fulfilment_order(source.get_fulfillment_order(seller_fulfillment_order_id))


class NotUpdatable(ValueError):
	"""Amazon's order is past the point where it takes a change; `state` is the order as read."""

	def __init__(self, message: str, state: FulfilmentState):
		super().__init__(message)
		self.state = state


def update(source: FulfilmentSource, draft: FulfilmentOrderDraft) -> tuple[FulfilmentState, FulfilmentChange]:
	"""Send what of the Sales Order differs from the order Amazon holds (its speed, address, units per
	line), then read the order back. Nothing is sent when nothing differs, or when Amazon's order is
	already being picked (NotUpdatable); Amazon's own refusal is raised as it comes."""
	order_id = draft.seller_fulfillment_order_id
	state = read_fulfilment_order(source.get_fulfillment_order(order_id))
	if state.status not in UPDATABLE_STATUSES:
		raise NotUpdatable(
			f"Amazon's fulfilment order {order_id} is {state.status}: from Processing on (picking has begun) "
			"Amazon takes no change to it.",
			state,
		)
	change = change_between(draft, state)
	if change.empty:
		return state, change
	source.update_fulfillment_order(order_id, update_request(change, draft.marketplace_id))
	return read_fulfilment_order(source.get_fulfillment_order(order_id)), change


class NotHeld(NotUpdatable):
	"""Amazon's order is not on hold (released already, or ended): there is nothing to release."""


def release(
	source: FulfilmentSource, draft: FulfilmentOrderDraft
) -> tuple[FulfilmentState, FulfilmentChange]:
	"""Release an order on hold: read Amazon's order first, and only while Amazon holds it send
	updateFulfillmentOrder with fulfillmentAction Ship and whatever else of the Sales Order differs
	(speed, address, units per line); then read the order back."""
	order_id = draft.seller_fulfillment_order_id
	state = read_fulfilment_order(source.get_fulfillment_order(order_id))
	if not state.held:
		raise NotHeld(
			f"Amazon's fulfilment order {order_id} is not on hold ({state.status}, "
			f"{state.action or 'no fulfilment action given'}): there is nothing to release.",
			state,
		)
	change = change_between(draft, state, release=True)
	source.update_fulfillment_order(order_id, update_request(change, draft.marketplace_id))
	return read_fulfilment_order(source.get_fulfillment_order(order_id)), change


def return_reasons(
	source: FulfilmentSource, sku: str, marketplace_id: str = "", seller_fulfillment_order_id: str = ""
) -> list[ReturnReason]:
	"""Amazon's return reasons for a SKU (the only codes createFulfillmentReturn takes)."""
	return read_return_reasons(
		source.list_return_reason_codes(sku, marketplace_id, seller_fulfillment_order_id)
	)


def request_return(
	source: FulfilmentSource, seller_fulfillment_order_id: str, prefix: str, lines: list[ReturnLine]
) -> ReturnResult:
	"""Ask Amazon to take units of a shipped order back; its answer says which units it accepted (and
	under which authorization) and which it refused, unit by unit."""
	body, _ = return_request(seller_fulfillment_order_id, prefix, lines)
	return read_return_result(source.create_fulfillment_return(seller_fulfillment_order_id, body))


class FulfilmentStatusSync(AccountEngine[FulfilmentSource]):
	def run(self, progress: Callable[[int, int | None, str], None] | None = None) -> SyncReport:
		report = SyncReport(kind=KIND, account=self.settings.account_key)
		open_orders = self.port.open_fulfilment_orders()
		held = 0
		for done, order_id in enumerate(open_orders, start=1):
			if progress is not None:
				progress(done, len(open_orders), order_id)
			try:
				state = read_fulfilment_order(self.source.get_fulfillment_order(order_id))
			except (NotFoundError, FulfilmentAnswerError) as exc:
				# This order alone: Amazon does not know it, or its answer does not read.
				self._flag(report, order_id, exc)
				continue
			except Exception as exc:
				report.count("failed")
				report.failures.append(RecordFailure(RECORD_KIND, order_id, failure_reason(exc)))
				if is_transient(exc):
					report.note(
						f"Amazon kept failing at {order_id}; {len(open_orders) - done} open fulfilment "
						"orders wait for the next run."
					)
					break
				continue
			held += state.held
			self._apply(report, order_id, state)
		report.note(
			f"{len(open_orders)} open fulfilment orders read: {report.counts.get('updated', 0)} changed, "
			f"{report.counts.get('flagged', 0)} refused by Amazon, {report.counts.get('failed', 0)} failed, "
			f"{held} on hold at Amazon until released."
		)
		return report.finish(source_stats(self.source))

	def _apply(self, report: SyncReport, order_id: str, state: FulfilmentState) -> None:
		outcome = run_isolated(
			report, self.port, RECORD_KIND, order_id, lambda: self.port.apply_fulfilment_state(state)
		)
		if outcome is None:
			# The ERP could not take what Amazon did (a Delivery Note without the stock, ...): the order
			# says why (its writes were undone), and the next run tries again.
			self._show(report, order_id, report.failures[-1].reason)

	def _flag(self, report: SyncReport, order_id: str, exc: Exception) -> None:
		reason = refusal_message(exc)
		report.count("failed")
		report.failures.append(RecordFailure(RECORD_KIND, order_id, reason))
		self._show(report, order_id, reason)

	def _show(self, report: SyncReport, order_id: str, reason: str) -> None:
		run_isolated(
			report, self.port, RECORD_KIND, order_id, lambda: self.port.flag_fulfilment(order_id, reason)
		)
