"""FBA Inventory v1: getInventorySummaries, every page, for one marketplace's fulfilment network.

Amazon's `nextToken` expires 30 seconds after it was issued, so the listing is read straight
through (the caller maps the summaries after the last page, not between pages). When a token
has expired nevertheless (a long throttling wait, a slow network), Amazon refuses the page with
400; the listing then starts again from the first page, a few times at most. Summaries are keyed
by seller SKU, so a restarted listing replaces what the first attempt had read.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from amazon_connector.spapi._params import csv
from amazon_connector.spapi.apis import InventoriesApi
from amazon_connector.spapi.errors import InvalidInputError, SpApiError

log = logging.getLogger(__name__)

OPERATION = "getInventorySummaries"
GRANULARITY = "Marketplace"
MAX_SKUS_PER_CALL = 50  # the model's limit for `sellerSkus`
MAX_RESTARTS = 3


def get_inventory_summaries(
	session,
	marketplace_id: str,
	*,
	seller_skus: Iterable[str] | None = None,
	details: bool = True,
	max_restarts: int = MAX_RESTARTS,
) -> list[dict]:
	"""Every InventorySummary of the marketplace's fulfilment network (or of `seller_skus` only,
	asked 50 at a time), with `inventoryDetails` when `details` is true. One summary per SKU."""
	if not marketplace_id:
		raise ValueError("get_inventory_summaries needs a marketplace id")
	base = {
		"granularityType": GRANULARITY,
		"granularityId": marketplace_id,
		"marketplaceIds": marketplace_id,
		"details": "true" if details else "false",
	}
	summaries: dict[str, dict] = {}
	if seller_skus is not None:
		skus = list(dict.fromkeys(s for s in seller_skus if s))
		for start in range(0, len(skus), MAX_SKUS_PER_CALL):
			chunk = skus[start : start + MAX_SKUS_PER_CALL]
			params = dict(base, sellerSkus=csv(chunk, name="seller_skus"))
			_read_listing(session, params, summaries, max_restarts)
		return list(summaries.values())
	_read_listing(session, base, summaries, max_restarts)
	return list(summaries.values())


def _read_listing(session, params: dict, into: dict[str, dict], max_restarts: int) -> None:
	restarts = 0
	while True:
		try:
			for summary in _pages(session, params):
				sku = summary.get("sellerSku")
				if sku:
					into[str(sku)] = summary
			return
		except _ExpiredPageToken as expired:
			restarts += 1
			if restarts > max_restarts:
				raise expired.error from None
			log.info("getInventorySummaries: page token expired, reading the listing again (%s)", restarts)


def _pages(session, params: dict):
	token = None
	seen: set[str] = set()
	while True:
		current = dict(params, nextToken=token) if token else params
		try:
			body = session.call(
				OPERATION, InventoriesApi, "get_inventory_summary_marketplace", **current
			).body
		except InvalidInputError as error:
			if token:  # the first page has no token to expire: that 400 is a real input error
				raise _ExpiredPageToken(error) from None
			raise
		payload = (body or {}).get("payload") or {}
		yield from payload.get("inventorySummaries") or []
		token = ((body or {}).get("pagination") or {}).get("nextToken")
		if not token:
			return
		if token in seen:
			raise SpApiError(
				"Amazon returned the same page token twice; stopping to avoid an endless loop",
				operation=OPERATION,
				code="RepeatedPageToken",
			)
		seen.add(token)


class _ExpiredPageToken(Exception):
	def __init__(self, error: InvalidInputError):
		super().__init__(str(error))
		self.error = error
