"""Stock to Amazon: the quantity ERPNext can sell of each merchant-fulfilled SKU, when it changed.

The ERP port lists the account's merchant-fulfilled SKUs only (an FBA SKU's quantity is Amazon's
own) with the quantity available to sell and the quantity Amazon was last told. Only the SKUs
whose quantity differs are sent:
- up to `stock_patch_limit` (default 20) changes: one patchListingsItem per SKU and quantity (5
  requests/s, burst 5), covering every marketplace of the SKU with that quantity in one call;
- more: a JSON_LISTINGS_FEED per marketplace (at most 25,000 messages each), so that 1,000
  changed SKUs of one marketplace cost five calls and one feed, not 1,000 calls.
A SKU Amazon refuses keeps its last pushed quantity (so the next run tries again) and shows
Amazon's message on its mapping and in the log; a feed that fails as a whole names every SKU in it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable

from ...spapi.feeds import MAX_MESSAGES, FeedMessage
from ...spapi.listings_push import quantity_patch
from ..drafts.stock import MerchantStock
from ..ports import Outcome
from ..settings import SyncSettings
from ..sources import StockSource
from .report import RecordFailure, SyncReport, failure_reason, source_stats

log = logging.getLogger(__name__)

KIND = "stock_push"
SKU_KIND = "stock_sku"
DEFAULT_PATCH_LIMIT = 20


class StockPush:
	def __init__(self, source: StockSource, port, settings: SyncSettings, *, now=None):
		self.source = source
		self.port = port
		self.settings = settings
		self.now = now
		extra = settings.extra or {}
		self.patch_limit = int(extra.get("stock_patch_limit") or DEFAULT_PATCH_LIMIT)
		self.feed_options = {
			name: float(extra[key])
			for name, key in (("poll_interval", "report_poll_interval"), ("deadline", "report_deadline"))
			if extra.get(key)
		}

	def run(self, progress: Callable[[int, int | None, str], None] | None = None) -> SyncReport:
		report = SyncReport(kind=KIND, account=self.settings.account_key)
		if not self.settings.seller_id:
			raise ValueError(
				"Pushing stock needs the account's Seller ID (patchListingsItem names the seller)"
			)
		enabled = {m.marketplace_id for m in self.settings.enabled_marketplaces}
		stock = [s for s in self.port.merchant_stock() if s.marketplace_id in enabled]
		changed = [s for s in stock if s.available != s.last_pushed]
		report.count(Outcome.UNCHANGED, len(stock) - len(changed))
		if changed:
			groups: dict[tuple[str, int], list[MerchantStock]] = defaultdict(list)
			for entry in changed:
				groups[(entry.sku, entry.available)].append(entry)
			if len(groups) <= self.patch_limit:
				self._patch(groups, report, progress)
			else:
				self._feeds(changed, report, progress)
		report.note(
			f"{len(stock)} merchant-fulfilled listings, {len(changed)} changed: "
			f"{report.counts.get('updated', 0)} sent, {report.counts.get('failed', 0)} refused or failed."
		)
		return report.finish(source_stats(self.source))

	def _patch(self, groups, report: SyncReport, progress) -> None:
		seller = self.settings.seller_id
		for done, ((sku, quantity), entries) in enumerate(groups.items(), start=1):
			marketplaces = [e.marketplace_id for e in entries]
			_progress(progress, done, len(groups), f"{sku}: {quantity}")
			try:
				submission = self.source.patch_listings_item(
					seller, sku, marketplaces, [quantity_patch(quantity)]
				)
			except Exception as exc:  # one SKU's trouble leaves the others to go
				self._failed(entries, failure_reason(exc), report, tell_port=False)
				continue
			if submission.accepted:
				self._pushed(entries, report)
			else:
				self._failed(entries, submission.error_text(), report)

	def _feeds(self, changed: list[MerchantStock], report: SyncReport, progress) -> None:
		by_marketplace: dict[str, list[MerchantStock]] = defaultdict(list)
		for entry in changed:
			by_marketplace[entry.marketplace_id].append(entry)
		batches = [
			(marketplace_id, entries[start : start + MAX_MESSAGES])
			for marketplace_id, entries in by_marketplace.items()
			for start in range(0, len(entries), MAX_MESSAGES)
		]
		for done, (marketplace_id, entries) in enumerate(batches, start=1):
			_progress(progress, done, len(batches), f"Feed of {len(entries)} SKUs for {marketplace_id}")
			messages = [FeedMessage(e.sku, (quantity_patch(e.available),)) for e in entries]
			try:
				result = self.source.submit_listings_feed(
					self.settings.seller_id, [marketplace_id], messages, **self.feed_options
				)
			except Exception as exc:  # the feed failed as a whole: none of its SKUs changed
				reason = failure_reason(exc)
				report.note(f"The stock feed for {marketplace_id} failed: {reason}")
				self._failed(entries, reason, report, tell_port=False)
				continue
			report.note(
				f"Feed {result.feed_id} for {marketplace_id}: {len(entries)} SKUs, {result.summary or {}}"
			)
			for entry in entries:
				if result.accepted(entry.sku):
					self._pushed([entry], report)
				else:
					self._failed(
						[entry], "; ".join(result.errors.get(entry.sku) or result.feed_issues), report
					)

	def _pushed(self, entries: list[MerchantStock], report: SyncReport) -> None:
		for entry in entries:
			with self.port.record_scope(SKU_KIND, entry.sku):
				self.port.mark_stock_pushed(entry.marketplace_id, entry.sku, entry.available)
			report.count(Outcome.UPDATED)
			report.events.append(
				{
					"marketplace_id": entry.marketplace_id,
					"sku": entry.sku,
					"before": entry.last_pushed,
					"after": entry.available,
				}  # fmt: skip
			)

	def _failed(
		self, entries: list[MerchantStock], reason: str, report: SyncReport, *, tell_port=True
	) -> None:
		for entry in entries:
			report.count("failed")
			report.failures.append(
				RecordFailure(
					SKU_KIND, f"{entry.sku} ({entry.marketplace_id})", reason or "refused by Amazon"
				)
			)
			if tell_port:
				try:
					with self.port.record_scope(SKU_KIND, entry.sku):
						self.port.mark_stock_rejected(
							entry.marketplace_id, entry.sku, entry.available, reason
						)
				except Exception:  # the message is in the log either way
					log.exception("could not note Amazon's refusal of %s on its mapping", entry.sku)


def _progress(progress, done: int, total: int | None, message: str) -> None:
	if progress is not None:
		progress(done, total, message)
