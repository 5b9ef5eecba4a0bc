"""Catalog Items 2022-04-01: item attributes, identifiers (EAN, UPC, …), images, by ASIN."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from amazon_connector.spapi._params import csv
from amazon_connector.spapi.apis import CatalogApi
from amazon_connector.spapi.pagination import PAGINATION_PAGE_TOKEN, session_pages

DEFAULT_INCLUDED_DATA = (
	"summaries",
	"identifiers",
	"images",
	"productTypes",
	"classifications",
	"relationships",
)
MAX_IDENTIFIERS = 20  # searchCatalogItems takes at most 20 identifiers a call
PAGE_SIZE = 20


def search_catalog_items(
	session,
	marketplace_id: str,
	asins: Iterable[str],
	included_data: Iterable[str] = DEFAULT_INCLUDED_DATA,
) -> Iterator[dict]:
	"""Every catalog Item for `asins` (each asked once, in batches of 20), following `pageToken`."""
	if not marketplace_id:
		raise ValueError("search_catalog_items needs a marketplace id")
	unique = list(dict.fromkeys(a.strip() for a in asins if a and a.strip()))
	included = csv(included_data, name="included_data")
	for start in range(0, len(unique), MAX_IDENTIFIERS):
		batch = unique[start : start + MAX_IDENTIFIERS]
		params = {
			"identifiers": ",".join(batch),
			"identifiersType": "ASIN",
			"marketplaceIds": marketplace_id,
			"includedData": included,
			"pageSize": PAGE_SIZE,
		}
		for body in session_pages(
			session, "searchCatalogItems", CatalogApi, "search_catalog_items", params, PAGINATION_PAGE_TOKEN
		):
			yield from (body.get("items") or []) if isinstance(body, dict) else []


def get_catalog_item(
	session, marketplace_id: str, asin: str, included_data: Iterable[str] = DEFAULT_INCLUDED_DATA
) -> dict:
	"""The catalog Item of one ASIN."""
	if not asin:
		raise ValueError("get_catalog_item needs an ASIN")
	return session.call(
		"getCatalogItem",
		CatalogApi,
		"get_catalog_item",
		asin,
		marketplaceIds=csv(marketplace_id, name="marketplace_id"),
		includedData=csv(included_data, name="included_data"),
	).body
