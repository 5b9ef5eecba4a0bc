"""Invoices: shipped Amazon orders -> Sales Invoices, and held refunds -> credit notes.

Runs after the order stage (which records Amazon's shipment on each Sales Order) and before fees
(whose refunds then find their invoices). Per run:
1. every order the ERP reports with a shipment not invoiced yet (`orders_awaiting_invoice`: the
   adapter applies the "Make Sales Invoices" switch and the "invoice orders shipped from" date) is
   invoiced in its own record scope (kind "invoice"), so an order whose stock is missing in the FBA
   warehouse fails alone, with its id and ERPNext's reason, and is tried again next run;
2. refunds held because their order had no invoice yet (`held_refunds_ready`) are booked, each
   in its own record scope (kind "refund").

Partial shipments (decision): every part Amazon ships is invoiced when Amazon reports it, with
exactly its units (`core.mapping.shipment_parts` says what each part holds,
`core.mapping.invoice_parts` its share of the charge and tax rows); the part that completes the
order takes what is left, so the invoices add up to the Sales Order. Revenue and, for FBA, stock
then leave in the period Amazon shipped them, as a bookkeeper expects.
"""

from __future__ import annotations

from ..ports import ErpPort, Outcome
from ..settings import SyncSettings
from ..sources import AmazonSource
from .report import SyncReport, run_isolated, source_stats

_LISTED = 10


class InvoiceSync:
	kind = "invoices"

	def __init__(self, source: AmazonSource | None, port: ErpPort, settings: SyncSettings, *, now=None):
		self.source = source  # invoices read only the ERP; the report still shows the run's API usage
		self.port = port
		self.settings = settings

	def run(self, progress=None) -> SyncReport:
		report = SyncReport(self.kind, self.settings.account_key)
		order_ids = self.port.orders_awaiting_invoice()
		for index, order_id in enumerate(order_ids):
			# Told for every order (the publishers keep the pace): an invoice takes ERPNext a second or
			# more, so a tell every 20 left the form at the same count for half a minute.
			if progress:
				progress(index, len(order_ids), f"Invoicing shipped orders ({index} of {len(order_ids)})")
			run_isolated(
				report, self.port, "invoice", order_id, lambda o=order_id: self.port.invoice_order(o)
			)
		if progress:
			invoiced, refused = report.counts.get("created", 0), report.failed
			progress(
				len(order_ids),
				len(order_ids),
				f"Invoiced {invoiced} of {len(order_ids)} shipped orders"
				+ (f"; {refused} could not be invoiced (see the sync log)" if refused else ""),
			)
		failed = [f.amazon_id for f in report.failures if f.record_kind == "invoice"]
		if failed:
			report.note(
				f"{len(failed)} shipped orders could not be invoiced and are tried again next run: "
				+ _listed(failed)
			)
		self.apply_held_refunds(report)
		return report.finish(source_stats(self.source))

	def apply_held_refunds(self, report: SyncReport) -> None:
		booked = 0
		for key in self.port.held_refunds_ready():
			outcome = run_isolated(
				report, self.port, "refund", key, lambda k=key: self.port.apply_held_refund(k)
			)
			booked += outcome == Outcome.CREATED
		if booked:
			report.note(f"{booked} held refunds found their invoice and were booked as credit notes.")


def _listed(values: list[str]) -> str:
	return ", ".join(values[:_LISTED]) + (" ..." if len(values) > _LISTED else "")
