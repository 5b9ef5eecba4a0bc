"""Stock to Amazon: the quantity ERPNext can sell of each merchant-fulfilled SKU, when it changed.

The ERP port lists the account's merchant-fulfilled SKUs only (an FBA SKU's quantity is Amazon's
own) with the quantity available to sell and the quantity Amazon was last told. Only the SKUs
whose quantity differs are sent, through the offer-patch path (`listing_patches`): a patch per SKU
and quantity (covering every marketplace of the SKU with that quantity in one call) for up to
`stock_patch_limit` (default 20) changes, a JSON_LISTINGS_FEED per marketplace for more. A SKU
Amazon refuses keeps its last pushed quantity (so the next run tries again) and shows Amazon's
message on its mapping and in the log; a feed that fails as a whole names every SKU in it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from ...spapi.listings_push import quantity_patch
from ..drafts.stock import MerchantStock
from ..ports import Outcome
from ..sources import StockSource
from .base import AccountEngine
from .listing_patches import ListingsPatchSender, PatchChange
from .report import SyncReport, source_stats

KIND = "stock_push"
SKU_KIND = "stock_sku"


class StockPush(AccountEngine[StockSource]):
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
		groups: dict[tuple[str, int], list[MerchantStock]] = defaultdict(list)
		for entry in changed:
			groups[(entry.sku, entry.available)].append(entry)
		changes = [
			PatchChange(sku, quantity_patch(quantity), entries, f"{sku}: {quantity}")
			for (sku, quantity), entries in groups.items()
		]
		sender = ListingsPatchSender(
			self.source,
			self.port,
			self.settings,
			report,
			record_kind=SKU_KIND,
			on_pushed=lambda e: self.port.mark_stock_pushed(e.marketplace_id, e.sku, e.available),
			on_rejected=lambda e, reason: self.port.mark_stock_rejected(
				e.marketplace_id, e.sku, e.available, reason
			),
			event_of=lambda e: {
				"marketplace_id": e.marketplace_id,
				"sku": e.sku,
				"before": e.last_pushed,
				"after": e.available,
			},
		)
		sender.send(changes, progress)
		report.note(
			f"{len(stock)} merchant-fulfilled listings, {len(changed)} changed: "
			f"{report.counts.get('updated', 0)} sent, {report.counts.get('failed', 0)} refused or failed."
		)
		return report.finish(source_stats(self.source))
