"""Prices to Amazon (opt-in): the ERPNext Item Price of each marketplace's price list as the offer price.

The ERP port lists, per SKU and marketplace, the price on the marketplace's price list and the
price Amazon last accepted. As the stock push does, a run first reads the reports of the feeds
earlier runs submitted (`feeds_in_flight`, checkpoint "price_push_feeds": a price becomes the
accepted one only when its feed carries the SKU's newest price), then sends the prices that differ
from the newest one sent (the one in flight, else the accepted one) as `purchasable_offer`
patches through the same path (`listing_patches`: patches for a few, a feed per marketplace for
many, submitted without waiting for Amazon's processing). A price in another currency than the
marketplace's, or not above zero, is named and left out; a price Amazon refuses keeps the last
pushed one (the next run tries again) and shows Amazon's message on the SKU's mapping and in the log.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from ...spapi.listings_push import price_patch
from ..drafts.listings import OfferPrice
from ..ports import Outcome
from .base import AccountEngine
from .feeds_in_flight import FeedsInFlight, Item
from .listing_patches import ListingsPatchSender, PatchChange
from .report import RecordFailure, SyncReport, source_stats

KIND = "price_push"
SKU_KIND = "price_sku"


class PricePush(AccountEngine):
	def run(self, progress: Callable[[int, int | None, str], None] | None = None) -> SyncReport:
		report = SyncReport(kind=KIND, account=self.settings.account_key)
		if not self.settings.seller_id:
			raise ValueError(
				"Pushing prices needs the account's Seller ID (patchListingsItem names the seller)"
			)
		currencies = {m.marketplace_id: m.currency for m in self.settings.enabled_marketplaces}
		offer_currency: dict[tuple[str, str], str] = {}
		sender = ListingsPatchSender.for_push(
			self,
			report,
			record_kind=SKU_KIND,
			on_pushed=lambda i: self.port.mark_price_pushed(i.marketplace_id, i.sku, Decimal(i.value)),
			on_rejected=lambda i, reason: self.port.mark_price_rejected(
				i.marketplace_id, i.sku, Decimal(i.value), reason
			),
			event_of=lambda i: {
				"marketplace_id": i.marketplace_id,
				"sku": i.sku,
				"before": i.before,
				"after": i.value,
				# A price goes only in its marketplace's currency (or, with none set, its list's).
				"currency": currencies.get(i.marketplace_id) or offer_currency.get(i.key, ""),
			},
		)
		sender.collect(progress)
		in_flight = sender.in_flight
		prices = [p for p in self.port.offer_prices() if p.marketplace_id in currencies]
		offer_currency.update({(p.marketplace_id, p.sku): p.currency for p in prices})
		changed = [p for p in prices if _changed(p, in_flight)]
		waiting = sender.still_processing((p.marketplace_id, p.sku) for p in prices)
		report.count(Outcome.UNCHANGED, len(prices) - len(changed))
		changes = []
		for offer in changed:
			wanted = currencies[offer.marketplace_id]
			if wanted and offer.currency != wanted:
				self._refuse(
					report,
					offer,
					f"the price list's price is in {offer.currency}, the marketplace sells in {wanted}",
				)
				continue
			try:
				patch = price_patch(offer.marketplace_id, offer.currency, offer.price)
			except ValueError as exc:
				self._refuse(report, offer, str(exc))
				continue
			before = None if offer.last_pushed is None else str(offer.last_pushed)
			item = Item(offer.marketplace_id, offer.sku, str(offer.price), before)
			changes.append(
				PatchChange(offer.sku, patch, [item], f"{offer.sku}: {offer.price} {offer.currency}")
			)
		sender.send(changes, progress)
		sender.summary(f"{len(prices)} offer prices", len(changed), waiting)
		return report.finish(source_stats(self.source))

	def _refuse(self, report: SyncReport, offer: OfferPrice, reason: str) -> None:
		report.count("failed")
		report.failures.append(
			RecordFailure(
				SKU_KIND, f"{offer.sku} ({offer.marketplace_id})", f"Item {offer.item_code}: {reason}"
			)
		)


def _changed(offer: OfferPrice, in_flight: FeedsInFlight) -> bool:
	key = (offer.marketplace_id, offer.sku)
	# Prices in flight are kept as text; 19.9 and 19.90 are one price.
	return in_flight.needs_sending(key, offer.price, offer.last_pushed, lambda a, b: a == Decimal(str(b)))
