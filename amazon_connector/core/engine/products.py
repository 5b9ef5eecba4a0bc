"""Sync Products: every Amazon listing of the account becomes (or links to) one ERP Item.

Per enabled marketplace, the GET_MERCHANT_LISTINGS_ALL_DATA report lists the seller's SKUs
(active and inactive); Catalog Items adds title, brand, image, product type and barcodes by ASIN.
A SKU sold in several marketplaces is one Item: its content comes from the first marketplace (in
the settings' order) that lists it, and every marketplace adds its own listing and price. Each
listing is upserted on its own, so one bad row is reported with its SKU and the rest lands.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from ...spapi.errors import DeadlineExceeded, NotFoundError, ReportFailed, SpApiError, user_message
from ..drafts import ItemDraft
from ..mapping import catalog as catalog_data
from ..mapping.listings_report import REPORT_TYPE, ListingRow, ListingsReportError, parse_listings_report
from ..mapping.products import (
	ListingMappingError,
	build_item_draft,
	catalog_from_listings_item,
	listing_row_from_listings_item,
	with_item_fields_of,
)
from ..ports import ErpPort, Outcome
from ..sentences import sentence
from ..settings import MarketplaceConfig, SyncSettings
from ..sources import ProductsSource
from .report import RecordFailure, SyncReport, run_isolated, source_stats

log = logging.getLogger(__name__)

RECORD_KIND = "item"
MARKETPLACE_KIND = "marketplace"


@dataclass
class _Listing:
	marketplace: MarketplaceConfig
	row: ListingRow


class ProductSync:
	"""Listings -> Items for one account. `run()` syncs everything; `ensure_items()` creates the
	Items of SKUs met on orders that no listings report has shown yet."""

	def __init__(
		self,
		source: ProductsSource,
		port: ErpPort,
		settings: SyncSettings,
		*,
		now=None,
		report_options: dict | None = None,
	):
		self.source = source
		self.port = port
		self.settings = settings
		self.now = now
		# poll_interval / deadline for the report, e.g. from the settings or a test's time scale.
		extra = settings.extra or {}
		self.report_options = {
			name: float(extra[key])
			for name, key in (("poll_interval", "report_poll_interval"), ("deadline", "report_deadline"))
			if extra.get(key)
		}
		self.report_options.update(report_options or {})
		# ensure_items: (marketplace, SKU) that could not be created this run, so that an unknown SKU
		# on many orders costs Amazon one call, not one per order.
		self._ensure_failed: set[tuple[str, str]] = set()
		self.ensure_failures: list[RecordFailure] = []

	# -- the full run ------------------------------------------------------------------------

	def run(self, progress: Callable[[int, int | None, str], None] | None = None) -> SyncReport:
		report = SyncReport(kind="products", account=self.settings.account_key)
		marketplaces = self.settings.enabled_marketplaces
		if not marketplaces:
			report.note("No marketplace is enabled in the settings: nothing to sync.")
			return report.finish(source_stats(self.source))

		listings: list[_Listing] = []
		for index, marketplace in enumerate(marketplaces):
			_progress(
				progress,
				0,
				None,
				f"Waiting for Amazon to prepare the listings report of {_name(marketplace)} "
				f"({index + 1}/{len(marketplaces)}); Amazon takes minutes, sometimes longer, to make it",
			)
			rows = self._read_report(marketplace, report)
			listings.extend(_Listing(marketplace, row) for row in rows)

		primary = self._primary_listings(listings)
		_progress(progress, 0, len(listings), f"Reading catalog details of {len(primary)} SKUs")
		catalog_items = self._catalog_for(primary.values(), report)

		# Drafts of each SKU's primary listing first: the other marketplaces copy its Item content.
		primary_drafts: dict[str, ItemDraft] = {}
		# The counts are per Item: an Item this run created, or a variation parent it skipped, is
		# counted once, not again for each further marketplace that lists it (which only adds that
		# marketplace's price to the new Item); an empty ERPNext must not show "updated".
		counted_once: set[str] = set()
		total = len(listings)
		for done, listing in enumerate(listings, start=1):
			sku = listing.row.sku
			first = primary[sku]
			# Every listing of a SKU reads the catalog as its primary marketplace saw it.
			catalog_item = catalog_items.get((first.marketplace.marketplace_id, first.row.asin))

			def work(listing=listing, first=first, catalog_item=catalog_item, sku=sku):
				outcome = self._upsert_listing(listing, first, catalog_item, primary_drafts, report)
				if sku in counted_once and outcome in (Outcome.UPDATED, Outcome.UNCHANGED, Outcome.SKIPPED):
					return None
				if outcome in (Outcome.CREATED, Outcome.SKIPPED):
					counted_once.add(sku)
				return outcome

			run_isolated(report, self.port, RECORD_KIND, sku, work)
			_progress(progress, done, total, f"{_name(listing.marketplace)} {sku}")

		counts = ", ".join(
			f"{report.counts.get(k, 0)} {k}" for k in ("created", "updated", "unchanged", "skipped", "failed")
		)
		report.note(f"{_count(len(primary), 'SKU')} in {_count(len(marketplaces), 'marketplace')}: {counts}.")
		return report.finish(source_stats(self.source))

	def _read_report(self, marketplace: MarketplaceConfig, report: SyncReport) -> list[ListingRow]:
		"""The marketplace's listings, or [] with a failure and a clear message when Amazon could not
		produce the report. Other marketplaces go on either way."""
		mkt = marketplace.marketplace_id
		try:
			document = self.source.fetch_report_document(REPORT_TYPE, [mkt], **self.report_options)
		except ReportFailed as exc:
			status = exc.processing_status or exc.code or "failed"
			return self._marketplace_failed(
				report,
				marketplace,
				f"Amazon ended the listings report with status {status}; its listings were not synced this "
				"time and will be on the next run",
				exc,
			)
		except DeadlineExceeded as exc:
			return self._marketplace_failed(
				report,
				marketplace,
				"Amazon did not finish the listings report in the time allowed; its listings were not synced "
				"this time and will be on the next run",
				exc,
			)
		except SpApiError as exc:
			return self._marketplace_failed(report, marketplace, user_message(exc), exc)
		try:
			parsed = parse_listings_report(
				document.content,
				document.charset,
				country=marketplace.country,
				currency=marketplace.currency,
			)
		except ListingsReportError as exc:
			return self._marketplace_failed(report, marketplace, str(exc), exc)
		report.note(
			f"{_name(marketplace)}: listings report {document.report_id or ''} has "
			f"{len(parsed.rows)} listings (read as {parsed.encoding})."
		)
		for problem in parsed.errors:
			report.count("failed")
			report.failures.append(
				RecordFailure(
					RECORD_KIND,
					problem.sku or f"{mkt} line {problem.line}",
					f"{_name(marketplace)} {problem}",
				)
			)
		for problem in parsed.warnings:
			report.note(f"{_name(marketplace)} {problem}")
		return parsed.rows

	def _marketplace_failed(
		self, report: SyncReport, marketplace: MarketplaceConfig, message: str, exc
	) -> list:
		text = sentence(f"{_name(marketplace)}: {message}")
		report.count("failed")
		report.failures.append(
			RecordFailure(MARKETPLACE_KIND, marketplace.marketplace_id, text, f"{type(exc).__name__}: {exc}")
		)
		report.note(text)
		return []

	@staticmethod
	def _primary_listings(listings: list[_Listing]) -> dict[str, _Listing]:
		primary: dict[str, _Listing] = {}
		for listing in listings:
			primary.setdefault(listing.row.sku, listing)
		return primary

	def _catalog_for(self, listings: Iterable[_Listing], report: SyncReport) -> dict[tuple[str, str], dict]:
		"""Catalog items of the primary listings' ASINs, by (marketplace, ASIN). An ASIN the catalog does
		not know, or a catalog Amazon cannot serve right now, leaves the report's data alone."""
		asins_by_marketplace: dict[str, list[str]] = {}
		for listing in listings:
			if listing.row.asin:
				asins = asins_by_marketplace.setdefault(listing.marketplace.marketplace_id, [])
				if listing.row.asin not in asins:
					asins.append(listing.row.asin)
		found: dict[tuple[str, str], dict] = {}
		for mkt, asins in asins_by_marketplace.items():
			found.update(self._search(mkt, asins, report))
		return found

	def _search(self, mkt: str, asins: list[str], report: SyncReport | None) -> dict[tuple[str, str], dict]:
		found: dict[tuple[str, str], dict] = {}
		try:
			for item in self.source.search_catalog_items(mkt, asins):
				if isinstance(item, dict) and item.get("asin"):
					found[(mkt, item["asin"].upper())] = item
		except SpApiError as exc:
			message = (
				f"Catalog details for {len(asins) - len(found)} ASINs of {mkt} could not be read "
				f"({user_message(exc)}); those Items use the listings report's data until the next run."
			)
			if report is not None:
				report.note(message)
			log.warning(message)
		return found

	def _upsert_listing(
		self,
		listing: _Listing,
		first: _Listing,
		catalog_item: dict | None,
		primary_drafts: dict[str, ItemDraft],
		report: SyncReport,
	) -> Outcome:
		row, marketplace = listing.row, listing.marketplace
		if catalog_item is not None and catalog_data.is_variation_parent(
			catalog_item, first.marketplace.marketplace_id
		):
			# A variation parent only groups its children; each child SKU is its own sellable Item.
			if listing is first:
				report.note(
					f"{_name(marketplace)} SKU {row.sku} is a variation parent (ASIN {row.asin}); not an Item."
				)
			return Outcome.SKIPPED
		warnings: list[str] = []
		draft = build_item_draft(row, catalog_item, marketplace, self.settings, warnings=warnings)
		if listing is first:
			for warning in warnings:
				report.note(f"{_name(marketplace)} {warning}")
			primary_drafts[row.sku] = draft
		elif row.sku in primary_drafts:
			draft = with_item_fields_of(draft, primary_drafts[row.sku])
		return self._upsert(draft)

	def _upsert(self, draft: ItemDraft) -> Outcome:
		if not self.settings.update_prices:
			draft = replace(draft, price_update=False)
		return self.port.upsert_item(draft)

	# -- SKUs met on orders ----------------------------------------------------------------------

	def ensure_items(self, marketplace_id: str, skus_with_asins: dict[str, str]) -> dict[str, str]:
		"""Item codes of the given SKUs (sku -> ASIN as the order says), creating the Items that are
		missing from Amazon's listing and catalog data. SKUs that cannot be created are left out of
		the answer (and kept in `ensure_failures` with the reason); the caller decides what an order
		with such a SKU does."""
		marketplace = self.settings.marketplace(marketplace_id) or MarketplaceConfig(marketplace_id)
		resolved: dict[str, str] = {}
		missing: dict[str, str] = {}
		for sku, asin in skus_with_asins.items():
			# Ask the port every time: an Item created here may have been undone since, with the
			# order that needed it.
			code = self.port.item_for_sku(marketplace_id, sku)
			if code:
				resolved[sku] = code
			elif (marketplace_id, sku) not in self._ensure_failed:
				missing[sku] = (asin or "").upper()
		if not missing:
			return resolved

		rows: dict[str, ListingRow] = {}
		extra_catalog: dict[str, dict] = {}
		for sku, asin in missing.items():
			try:
				row, stand_in = self._listing_of(marketplace, sku, asin)
			except Exception as exc:  # a listing that cannot be read fails its SKU, not the others
				self._ensure_failed_for(marketplace_id, sku, exc)
				continue
			rows[sku] = row
			if stand_in:
				extra_catalog[sku] = stand_in
		asins = sorted({row.asin for row in rows.values() if row.asin})
		catalog_items = self._search(marketplace_id, asins, None) if asins else {}

		for sku, row in rows.items():
			catalog_item = catalog_items.get((marketplace_id, row.asin)) or extra_catalog.get(sku)
			try:
				with self.port.record_scope(RECORD_KIND, sku):
					if catalog_item is not None and catalog_data.is_variation_parent(
						catalog_item, marketplace_id
					):
						raise ListingMappingError(sku, "is a variation parent on Amazon, not a sellable item")
					draft = build_item_draft(row, catalog_item, marketplace, self.settings)
					self._upsert(draft)
					code = self.port.item_for_sku(marketplace_id, sku) or draft.item_code
			except Exception as exc:  # one SKU that cannot be created must not stop the others
				self._ensure_failed_for(marketplace_id, sku, exc)
				continue
			resolved[sku] = code
		return resolved

	def _ensure_failed_for(self, marketplace_id: str, sku: str, exc: Exception) -> None:
		reason = f"{type(exc).__name__}: {exc}"
		self.ensure_failures.append(RecordFailure(RECORD_KIND, sku, reason))
		self._ensure_failed.add((marketplace_id, sku))
		log.warning("Item for SKU %s (%s) could not be created: %s", sku, marketplace_id, reason)

	def _listing_of(
		self, marketplace: MarketplaceConfig, sku: str, asin: str
	) -> tuple[ListingRow, dict | None]:
		"""The SKU's listing from getListingsItem, or a bare row (SKU and the order's ASIN) when
		Amazon has no listing for it any more (the catalog then provides what it knows)."""
		seller_id = self.settings.seller_id or self.source.seller_id
		if seller_id:
			try:
				item = self.source.get_listings_item(seller_id, sku, [marketplace.marketplace_id])
			except NotFoundError:
				item = None
			except SpApiError as exc:
				log.warning("getListingsItem for SKU %s failed: %s", sku, exc)
				item = None
			if item:
				row = listing_row_from_listings_item(item, marketplace)
				if not row.asin and asin:
					row = replace(row, asin=asin)
				if not row.sku:
					row = replace(row, sku=sku)
				return row, catalog_from_listings_item(item, marketplace.marketplace_id)
		return ListingRow(line=0, sku=sku, asin=asin), None


def _count(n: int, noun: str) -> str:
	return f"{n} {noun}{'' if n == 1 else 's'}"


def _name(marketplace: MarketplaceConfig) -> str:
	return marketplace.country or marketplace.marketplace_id


def _progress(progress, done: int, total: int | None, message: str) -> None:
	if progress is not None:
		progress(done, total, message)
