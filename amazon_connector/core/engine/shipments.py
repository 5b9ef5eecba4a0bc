"""Shipment confirmation: each shipping document waiting for Amazon becomes one confirmShipment.

The ERP port lists the submitted documents (Delivery Notes) of merchant-fulfilled Amazon orders
whose confirmation is pending: just submitted, or sent again with the form's "Retry confirmation".
Each is mapped to a package (`core.mapping.shipments`) and confirmed on its own, so one refusal
never holds up the others:
- accepted: the document is marked confirmed; the next order sync brings Amazon's new status
  (PARTIALLY_SHIPPED or SHIPPED) onto the Sales Order;
- refused by Amazon (400, 404) or not sendable as it is (no carrier, part units): marked failed
  with Amazon's code and message (or the reason), until the user corrects it and retries;
- Amazon busy past the retries (throttled, 5xx, unreachable): left pending with the reason, so the
  next run (the 5-minute scheduler tick) tries again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from ...spapi.errors import SpApiError
from ...spapi.shipments import PackageLine
from ..drafts.shipments import ShipmentDraft
from ..mapping.shipments import CarrierMap, ShipmentNotSendable, shipment_from_delivery
from ..ports import Outcome
from .base import AccountEngine
from .report import RecordFailure, SyncReport, failure_reason, is_transient, source_stats

log = logging.getLogger(__name__)

KIND = "shipment_confirmation"
RECORD_KIND = "shipment"
MESSAGE_LENGTH = 500  # Amazon's messages are a sentence or two; a field holds this much


def amazon_refusal(exc: BaseException) -> str:
	"""Amazon's own words for a refusal: its error code and message (already free of credentials)."""
	if isinstance(exc, SpApiError) and (exc.message or exc.code):
		text = f"{exc.code}: {exc.message}" if exc.code and exc.message else exc.message or exc.code
		return " ".join(text.split())[:MESSAGE_LENGTH]
	return failure_reason(exc)


class ShipmentConfirmation(AccountEngine):
	def run(self, progress: Callable[[int, int | None, str], None] | None = None) -> SyncReport:
		report = SyncReport(kind=KIND, account=self.settings.account_key)
		pending = self.port.pending_shipments()
		carriers = CarrierMap(self.port.carrier_codes())
		for done, view in enumerate(pending, start=1):
			if progress is not None:
				progress(done, len(pending), f"{view.name} ({view.amazon_order_id})")
			try:
				draft = shipment_from_delivery(view, carriers)
			except ShipmentNotSendable as exc:
				self._failed(report, view.name, view.amazon_order_id, str(exc), final=True)
				continue
			self._confirm(report, draft)
		report.note(
			f"{len(pending)} shipment(s) waiting: {report.counts.get('updated', 0)} confirmed, "
			f"{report.counts.get('failed', 0)} refused or not sent."
		)
		return report.finish(source_stats(self.source))

	def _confirm(self, report: SyncReport, draft: ShipmentDraft) -> None:
		try:
			self.source.confirm_shipment(
				draft.amazon_order_id,
				draft.marketplace_id,
				package_reference_id=draft.package_reference_id,
				carrier_code=draft.carrier_code,
				carrier_name=draft.carrier_name,
				tracking_number=draft.tracking_number,
				ship_date=draft.ship_date,
				lines=[PackageLine(order_item_id, quantity) for order_item_id, quantity in draft.lines],
			)
		except Exception as exc:  # one document's trouble leaves the others to go
			if is_transient(exc):
				reason = f"{failure_reason(exc)} It is tried again on the next run."
				self._failed(report, draft.delivery_note, draft.amazon_order_id, reason, final=False)
			else:
				self._failed(
					report, draft.delivery_note, draft.amazon_order_id, amazon_refusal(exc), final=True
				)
			return
		with self.port.record_scope(RECORD_KIND, draft.delivery_note):
			self.port.mark_shipment_confirmed(draft)
		report.count(Outcome.UPDATED)
		report.events.append(
			{
				"delivery_note": draft.delivery_note,
				"amazon_order_id": draft.amazon_order_id,
				"carrier_code": draft.carrier_code,
				"tracking_number": draft.tracking_number,
				"items": [list(line) for line in draft.lines],
			}  # fmt: skip
		)

	def _failed(self, report: SyncReport, name: str, order_id: str, reason: str, *, final: bool) -> None:
		report.count("failed")
		report.failures.append(RecordFailure(RECORD_KIND, f"{name} ({order_id})", reason))
		try:
			with self.port.record_scope(RECORD_KIND, name):
				self.port.mark_shipment_failed(name, reason, final=final)
		except Exception:  # the reason is in the log either way; the other notes go on
			log.exception("could not note the failed confirmation on %s", name)
