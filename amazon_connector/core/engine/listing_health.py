"""Listings health: each Amazon Item mapping shows its listing's status and Amazon's issues.

One getListingsItem per SKU and marketplace (includedData=summaries,issues; 5 requests/s, burst
10), so a run checks at most `listing_health_batch` listings (default 1,000: about 200 s of
Amazon's plan), those checked longest ago first: an hourly run covers 24,000 listings a day, and
a larger catalogue is gone through over several runs. A SKU Amazon no longer has (404) is Ended;
one read that fails for another reason is named and the run goes on; Amazon busy past the
retries ends the run early, and the next run starts with the listings it did not reach.
"""

from __future__ import annotations

from collections.abc import Callable

from ...spapi.errors import NotFoundError
from ..mapping.listing_health import listing_health
from ..ports import Outcome
from ..settings import SyncSettings
from .base import AccountEngine
from .report import RecordFailure, SyncReport, failure_reason, is_transient, source_stats

KIND = "listing_health"
RECORD_KIND = "listing_health"
INCLUDED_DATA = ("summaries", "issues")
DEFAULT_BATCH = 1000


class ListingHealthCheck(AccountEngine):
	def __init__(self, source, port, settings: SyncSettings, *, now=None):
		super().__init__(source, port, settings, now=now)
		self.batch = int((settings.extra or {}).get("listing_health_batch") or DEFAULT_BATCH)

	def run(self, progress: Callable[[int, int | None, str], None] | None = None) -> SyncReport:
		report = SyncReport(kind=KIND, account=self.settings.account_key)
		seller_id = self.settings.seller_id
		if not seller_id:
			raise ValueError(
				"Checking listings needs the account's Seller ID (getListingsItem names the seller)"
			)
		enabled = [m.marketplace_id for m in self.settings.enabled_marketplaces]
		listings = self.port.listings_to_check(enabled, self.batch)
		statuses: dict[str, int] = {}
		for done, (marketplace_id, sku) in enumerate(listings, start=1):
			if progress is not None:
				progress(done, len(listings), f"{sku} ({marketplace_id})")
			try:
				item = self.source.get_listings_item(
					seller_id, sku, [marketplace_id], included_data=INCLUDED_DATA
				)
			except NotFoundError:
				item = None
			except Exception as exc:
				report.count("failed")
				report.failures.append(
					RecordFailure(RECORD_KIND, f"{sku} ({marketplace_id})", failure_reason(exc))
				)
				if is_transient(exc):
					report.note(
						f"Amazon is busy; stopped after {done - 1} of {len(listings)} listings, the next run goes on."
					)
					break
				continue
			health = listing_health(item, marketplace_id)
			with self.port.record_scope(RECORD_KIND, sku):
				outcome = self.port.set_listing_health(marketplace_id, sku, health)
			report.count(outcome if isinstance(outcome, Outcome) else Outcome.UPDATED)
			statuses[health.status] = statuses.get(health.status, 0) + 1
			if health.status != "Active" or health.issues:
				report.events.append(
					{
						"marketplace_id": marketplace_id,
						"sku": sku,
						"status": health.status,
						"issues": [issue.line() for issue in health.issues],
					}  # fmt: skip
				)
		summary = ", ".join(f"{n} {status}" for status, n in sorted(statuses.items())) or "none"
		report.note(f"{len(listings)} listings checked: {summary}.")
		return report.finish(source_stats(self.source))
