"""Listings Items 2021-08-01: one listing of the seller by SKU."""

from __future__ import annotations

from collections.abc import Iterable

from amazon_connector.spapi._params import csv
from amazon_connector.spapi.apis import ListingsApi

DEFAULT_INCLUDED_DATA = ("summaries", "attributes", "offers", "fulfillmentAvailability", "issues")


def get_listings_item(
	session,
	seller_id: str,
	sku: str,
	marketplace_ids: Iterable[str] | str,
	*,
	included_data: Iterable[str] = DEFAULT_INCLUDED_DATA,
) -> dict:
	"""The listings Item (`sku`, `summaries`, `attributes`, `offers`, …) as Amazon sends it.

	The library quotes `sku` into the path, so SKUs with spaces or slashes are safe."""
	if not seller_id:
		raise ValueError("get_listings_item needs the seller id")
	if not sku:
		raise ValueError("get_listings_item needs a SKU")
	return session.call(
		"getListingsItem",
		ListingsApi,
		"get_listings_item",
		seller_id,
		sku,
		marketplaceIds=csv(marketplace_ids, name="marketplace_ids"),
		includedData=csv(included_data, name="included_data"),
	).body
