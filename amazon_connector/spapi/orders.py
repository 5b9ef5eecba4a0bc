"""Orders 2026-01-01: searchOrders (all pages) and getOrder, with items, proceeds and taxes inline.

Buyer and recipient data come according to the application's roles: Orders 2026-01-01 needs no
Restricted Data Token ("Accessing PII with the Orders API v2026-01-01 does not require a Restricted
Data Token"). The `restricted_data_token` arguments remain for callers of the library's RDT flow."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

from amazon_connector.spapi._params import csv, iso8601
from amazon_connector.spapi.apis import OrdersApi
from amazon_connector.spapi.pagination import PAGINATION_PAGINATION_TOKEN, iterate_pages

# What the sync needs from an order; each name is in the model's includedData enum.
DEFAULT_INCLUDED_DATA = (
	"BUYER",
	"RECIPIENT",
	"PROCEEDS",
	"EXPENSE",
	"PROMOTION",
	"CANCELLATION",
	"FULFILLMENT",
	"PACKAGES",  # carrier and tracking of merchant-fulfilled shipments
	"TAX",
)
MAX_RESULTS_PER_PAGE = 100


def search_orders(
	session,
	*,
	marketplace_ids: Iterable[str] | str,
	created_after: datetime | None = None,
	created_before: datetime | None = None,
	last_updated_after: datetime | None = None,
	last_updated_before: datetime | None = None,
	included_data: Iterable[str] = DEFAULT_INCLUDED_DATA,
	fulfillment_statuses: Iterable[str] | None = None,
	max_results_per_page: int = MAX_RESULTS_PER_PAGE,
	restricted_data_token: str | Callable[[], str | None] | None = None,
	pagination_token: str | None = None,
	on_page: Callable[[str | None], None] | None = None,
) -> Iterator[dict]:
	"""Every Order matching the filter, page after page (`pagination.nextToken` -> `paginationToken`).

	Amazon wants exactly one of `created_after` / `last_updated_after`, and a `*_before` only with
	its own `*_after`. Datetimes must be timezone-aware.

	`pagination_token` resumes a search at the page it names (the filter must be the same as when
	Amazon issued it). `on_page(next_token)` is called once the caller has taken every order of a page,
	before the next page is asked for, with the token of that next page (None after the last): the
	caller can checkpoint it, and a search stopped later resumes there instead of at page 1.
	"""
	if (created_after is None) == (last_updated_after is None):
		raise ValueError("search_orders needs exactly one of created_after and last_updated_after")
	if created_before is not None and created_after is None:
		raise ValueError("created_before goes with created_after")
	if last_updated_before is not None and last_updated_after is None:
		raise ValueError("last_updated_before goes with last_updated_after")
	if not 1 <= int(max_results_per_page) <= MAX_RESULTS_PER_PAGE:
		raise ValueError(f"max_results_per_page must be between 1 and {MAX_RESULTS_PER_PAGE}")
	params: dict = {"marketplaceIds": csv(marketplace_ids, name="marketplace_ids")}
	for name, value in (
		("createdAfter", created_after),
		("createdBefore", created_before),
		("lastUpdatedAfter", last_updated_after),
		("lastUpdatedBefore", last_updated_before),
	):
		if value is not None:
			params[name] = iso8601(value, name=name)
	if fulfillment_statuses:
		params["fulfillmentStatuses"] = csv(fulfillment_statuses, name="fulfillment_statuses")
	if included_data:
		params["includedData"] = csv(included_data, name="included_data")
	params["maxResultsPerPage"] = int(max_results_per_page)

	def fetch(current: dict) -> dict:
		# A callable is asked for the token page by page: a long search outlives one token.
		token = restricted_data_token() if callable(restricted_data_token) else restricted_data_token
		return session.call(
			"searchOrders", OrdersApi, "search_orders", restricted_data_token=token, **current
		).body

	if pagination_token:
		params["paginationToken"] = pagination_token
	pages = iterate_pages(fetch, params, PAGINATION_PAGINATION_TOKEN, operation="searchOrders")
	return _orders_of(pages, on_page)


def _orders_of(pages, on_page=None) -> Iterator[dict]:
	for body in pages:
		yield from (body.get("orders") or []) if isinstance(body, dict) else []
		if on_page is not None:
			on_page(PAGINATION_PAGINATION_TOKEN.next_token(body))


def get_order(
	session,
	order_id: str,
	included_data: Iterable[str] = DEFAULT_INCLUDED_DATA,
	*,
	restricted_data_token: str | None = None,
) -> dict:
	"""The Order `order_id` (the `order` of getOrder's answer).

	With a Restricted Data Token for this path, Amazon includes the buyer's and recipient's
	personal data; without one, only what it gives everybody."""
	if not order_id:
		raise ValueError("get_order needs an Amazon order id")
	kwargs = {"includedData": csv(included_data, name="included_data")} if included_data else {}
	body = session.call(
		"getOrder", OrdersApi, "get_order", order_id, restricted_data_token=restricted_data_token, **kwargs
	).body
	order = body.get("order") if isinstance(body, dict) and "order" in body else body
	return order if isinstance(order, dict) else {}
