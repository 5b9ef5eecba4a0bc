"""FBA inventory mirror: the account's FBA warehouse holds what Amazon can ship.

Per enabled marketplace, getInventorySummaries lists the SKUs of its fulfilment network with their
quantities. Marketplaces of one network (pan-European EU, unified North America) share a pool, so
a SKU read from several of them counts once (`mapping.fba_inventory.pooled`); networks are
physically apart, so an Item's target is its fulfillable quantity summed over networks (and over
its SKUs, when several SKUs map to one Item). Inbound, reserved, researching and unfulfillable
units are shown on each SKU's mapping but are not stock ERPNext can sell.

Items whose quantity differs are brought to Amazon's figure by one stock document (the ERP port
makes a Stock Reconciliation); an Item of the account that has stock in the FBA warehouse but no
longer appears at Amazon goes to zero, but only after every marketplace was read, so that an
unreadable marketplace never empties the warehouse. The report's events list every change.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable

from ...spapi.fulfilment_networks import network_of
from ..drafts.stock import FbaQuantities, FbaStockChange
from ..mapping.fba_inventory import FbaInventoryError, pooled, quantities_of
from ..ports import Outcome
from ..sources import StockSource
from .base import AccountEngine
from .report import RecordFailure, SyncReport, failure_reason, source_stats

log = logging.getLogger(__name__)

KIND = "fba_inventory"
UNMAPPED_KIND = "sku"  # an Item missing for a SKU: the product sync mends it (and a retry runs it)
SKU_KIND = "fba_sku"
STOCK_KIND = "fba_stock"
MARKETPLACE_KIND = "fba_marketplace"


class FbaInventorySync(AccountEngine[StockSource]):
	"""`source` is the Amazon source port (`core.sources.StockSource` part); `port` an ERP port
	with `InventoryPort` and `StatePort`."""

	def run(self, progress: Callable[[int, int | None, str], None] | None = None) -> SyncReport:
		report = SyncReport(kind=KIND, account=self.settings.account_key)
		marketplaces = self.settings.enabled_marketplaces
		if not marketplaces:
			report.note("No marketplace is enabled in the settings: nothing to mirror.")
			return report.finish(source_stats(self.source))
		current = self.port.fba_stock()  # refuses before any call to Amazon when there is no FBA warehouse

		readings: list[tuple[str, dict]] = []
		complete = True
		for index, marketplace in enumerate(marketplaces):
			_progress(
				progress, index, len(marketplaces), f"Reading FBA inventory of {marketplace.marketplace_id}"
			)
			try:
				readings.extend(
					(marketplace.marketplace_id, summary)
					for summary in self.source.get_inventory_summaries(marketplace.marketplace_id)
				)
			except Exception as exc:  # one marketplace's trouble leaves the others to mirror
				complete = False
				_fail(report, MARKETPLACE_KIND, marketplace.marketplace_id, failure_reason(exc))

		networks: dict[str, list[str]] = defaultdict(list)
		for marketplace in marketplaces:
			networks[network_of(marketplace.marketplace_id)].append(marketplace.marketplace_id)

		targets: dict[str, int] = defaultdict(int)
		skus_of: dict[str, list[str]] = defaultdict(list)
		unmirrored: set[str] = set()  # Items with a SKU that could not be read: their stock stays as it is
		for (network, sku), (_, summary) in pooled(readings).items():
			item_code = self._item_for(networks[network], sku)
			if not item_code:
				_fail(
					report,
					UNMAPPED_KIND,
					sku,
					f"Amazon holds FBA stock of SKU {sku} ({network}), but no ERPNext Item is mapped to it; "
					"run the product sync",
				)
				continue
			try:
				quantities = quantities_of(summary)
			except FbaInventoryError as exc:
				unmirrored.add(item_code)
				_fail(report, SKU_KIND, sku, str(exc))
				continue
			targets[item_code] += quantities.fulfillable
			skus_of[item_code].append(sku)
			for member in networks[network]:
				self._show_quantities(member, sku, quantities, report)

		changes = []
		for item_code in sorted(set(targets) | set(current)):
			if item_code in unmirrored or (item_code not in targets and not complete):
				continue
			change = FbaStockChange(
				item_code,
				float(current.get(item_code, 0)),
				int(targets.get(item_code, 0)),
				tuple(skus_of[item_code]),
			)
			if change.difference:
				changes.append(change)
			else:
				report.count(Outcome.UNCHANGED)

		_progress(progress, len(marketplaces), len(marketplaces), f"Reconciling {len(changes)} items")
		if changes:
			self._reconcile(changes, report)
		if not complete:
			report.note(
				"Some marketplaces could not be read: Items seen only there keep their FBA stock until the next run."
			)
		report.note(
			f"{len(readings)} summaries from {len(marketplaces)} marketplaces in {len(networks)} networks; "
			f"{report.counts.get('updated', 0)} items changed, {report.counts.get('unchanged', 0)} unchanged, "
			f"{report.counts.get('failed', 0)} failed."
		)
		return report.finish(source_stats(self.source))

	def _item_for(self, marketplace_ids: list[str], sku: str) -> str | None:
		for marketplace_id in marketplace_ids:
			code = self.port.item_for_sku(marketplace_id, sku)
			if code:
				return code
		return None

	def _show_quantities(self, marketplace_id: str, sku: str, quantities: FbaQuantities, report: SyncReport):
		try:
			with self.port.record_scope(SKU_KIND, sku):
				self.port.set_fba_quantities(marketplace_id, sku, quantities)
		except Exception as exc:  # the quantities are a view; the stock itself still mirrors
			_fail(report, SKU_KIND, sku, f"{type(exc).__name__}: {exc}")

	def _reconcile(self, changes: list[FbaStockChange], report: SyncReport) -> None:
		try:
			with self.port.record_scope(STOCK_KIND, "FBA stock"):
				result = self.port.reconcile_fba_stock(changes)
		except Exception as exc:  # the document as a whole failed: nothing changed, say why
			for change in changes:
				_fail(report, STOCK_KIND, change.item_code, f"{type(exc).__name__}: {exc}")
			return
		by_item = {change.item_code: change for change in changes}
		for item_code in result.applied:
			change = by_item[item_code]
			report.count(Outcome.UPDATED)
			report.events.append(
				{
					"item_code": item_code,
					"skus": list(change.skus),
					"before": change.current,
					"after": change.target,
					"difference": change.difference,
					"document": result.document,
				}
			)
		for item_code, reason in result.failed.items():
			_fail(report, STOCK_KIND, item_code, reason)
		if result.document:
			report.note(f"FBA stock of {len(result.applied)} items set by {result.document}.")


def _fail(report: SyncReport, kind: str, amazon_id: str, reason: str) -> None:
	report.count("failed")
	report.failures.append(RecordFailure(kind, amazon_id, reason))
	log.warning("%s %s: %s", kind, amazon_id, reason)


def _progress(progress, done: int, total: int | None, message: str) -> None:
	if progress is not None:
		progress(done, total, message)
