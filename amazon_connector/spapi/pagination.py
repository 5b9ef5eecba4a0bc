"""Following Amazon's page tokens, in every style its models use, as generators of response bodies.

Where the token comes back, and how it goes in again, differs by API:

- `payload.NextToken` out, `NextToken` in, other arguments repeated (Orders v0, Finances v0);
- `payload.nextToken` out, `nextToken` in, other arguments repeated (Finances 2024 listTransactions, MCF);
- top-level `nextToken` out, `nextToken` in as the *only* argument (Reports getReports, Feeds getFeeds);
- top-level `nextToken` out, `nextToken` in, other arguments repeated (Finances 2024 listBalances);
- `pagination.nextToken` out, `pageToken` in, arguments repeated (Catalog search, Listings search);
- `pagination.nextToken` out, `paginationToken` in, arguments repeated (Orders 2026-01-01 searchOrders).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from amazon_connector.spapi.errors import SpApiError


def _dig(body: Any, *path: str):
	for name in path:
		if not isinstance(body, dict):
			return None
		body = body.get(name)
	return body or None


@dataclass(frozen=True)
class PageStyle:
	"""Where an API puts its next-page token, and how it wants it back."""

	token_out: tuple[str, ...]  # path to the token in the response body
	token_in: str  # query parameter that carries it
	token_only: bool = False  # the next request carries the token and nothing else

	def next_token(self, body: Any) -> str | None:
		token = _dig(body, *self.token_out)
		return str(token) if token else None

	def next_params(self, params: dict, token: str) -> dict:
		if self.token_only:
			return {self.token_in: token}
		return {**params, self.token_in: token}


PAYLOAD_NEXT_TOKEN = PageStyle(("payload", "NextToken"), "NextToken")
PAYLOAD_NEXT_TOKEN_LOWER = PageStyle(("payload", "nextToken"), "nextToken")
TOP_LEVEL_NEXT_TOKEN_ONLY = PageStyle(("nextToken",), "nextToken", token_only=True)
TOP_LEVEL_NEXT_TOKEN = PageStyle(("nextToken",), "nextToken")
PAGINATION_PAGE_TOKEN = PageStyle(("pagination", "nextToken"), "pageToken")
PAGINATION_PAGINATION_TOKEN = PageStyle(("pagination", "nextToken"), "paginationToken")


def iterate_pages(
	fetch: Callable[[dict], Any],
	params: dict,
	style: PageStyle,
	*,
	operation: str = "",
) -> Iterator[Any]:
	"""Yield each page's body: `fetch(params)` first, then with the token until none comes back.

	A token that comes back unchanged would loop forever; that is reported as an error instead.
	"""
	seen: set[str] = set()
	current = dict(params)
	while True:
		body = fetch(current)
		yield body
		token = style.next_token(body)
		if not token:
			return
		if token in seen:
			raise SpApiError(
				"Amazon returned the same page token twice; stopping to avoid an endless loop",
				operation=operation or None,
				code="RepeatedPageToken",
			)
		seen.add(token)
		current = style.next_params(params, token)


def session_pages(session, operation: str, api: type, method: str, params: dict, style: PageStyle, *args):
	"""`iterate_pages` over `session.call(operation, api, method, *args, **params)`."""
	return iterate_pages(
		lambda current: session.call(operation, api, method, *args, **current).body,
		params,
		style,
		operation=operation,
	)
