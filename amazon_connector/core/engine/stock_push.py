"""Stock to Amazon: the quantity ERPNext can sell of each merchant-fulfilled SKU, when it changed.

The ERP port lists the account's merchant-fulfilled SKUs only (an FBA SKU's quantity is Amazon's
own) with the quantity available to sell and the quantity Amazon last confirmed. A run first reads
the reports of the feeds earlier runs submitted (`feeds_in_flight`: a SKU's confirmed quantity
becomes the feed's only when that feed carries the SKU's newest quantity), then sends the SKUs
whose quantity differs from the newest one sent (the one in flight, else the confirmed one),
through the offer-patch path (`listing_patches`): a patch per SKU and quantity (covering every
marketplace of the SKU with that quantity in one call) for up to `stock_patch_limit` (default 20)
changes, a JSON_LISTINGS_FEED per marketplace for more, submitted without waiting for Amazon's
processing. A SKU Amazon refuses keeps its last confirmed quantity (so the next run tries again)
and shows Amazon's message on its mapping and in the log; a feed that fails as a whole names
every SKU in it, and they are sent again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from ...spapi.listings_push import quantity_patch
from ..drafts.stock import MerchantStock
from ..ports import Outcome
from ..sources import StockSource
from .base import AccountEngine
from .feeds_in_flight import FeedsInFlight, Item
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
		sender = ListingsPatchSender.for_push(
			self,
			report,
			record_kind=SKU_KIND,
			on_pushed=lambda i: self.port.mark_stock_pushed(i.marketplace_id, i.sku, int(i.value)),
			on_rejected=lambda i, reason: self.port.mark_stock_rejected(
				i.marketplace_id, i.sku, int(i.value), reason
			),
			event_of=lambda i: {
				"marketplace_id": i.marketplace_id,
				"sku": i.sku,
				"before": i.before,
				"after": i.value,
			},
		)
		sender.collect(progress)
		in_flight = sender.in_flight
		enabled = {m.marketplace_id for m in self.settings.enabled_marketplaces}
		stock = [s for s in self.port.merchant_stock() if s.marketplace_id in enabled]
		changed = [s for s in stock if _changed(s, in_flight)]
		waiting = sender.still_processing((s.marketplace_id, s.sku) for s in stock)
		report.count(Outcome.UNCHANGED, len(stock) - len(changed))
		groups: dict[tuple[str, int], list[MerchantStock]] = defaultdict(list)
		for entry in changed:
			groups[(entry.sku, entry.available)].append(entry)
		changes = [
			PatchChange(
				sku,
				quantity_patch(quantity),
				[Item(e.marketplace_id, e.sku, e.available, e.last_pushed) for e in entries],
				f"{sku}: {quantity}",
			)
			for (sku, quantity), entries in groups.items()
		]
		sender.send(changes, progress)
		sender.summary(f"{len(stock)} merchant-fulfilled listings", len(changed), waiting)
		return report.finish(source_stats(self.source))


def _changed(entry: MerchantStock, in_flight: FeedsInFlight) -> bool:
	key = (entry.marketplace_id, entry.sku)
	return in_flight.needs_sending(key, entry.available, entry.last_pushed, lambda a, b: a == int(b))
