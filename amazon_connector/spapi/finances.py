"""Finances v0: financial events (fees, charges, withheld taxes) by date range or by order."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from amazon_connector.spapi._params import iso8601
from amazon_connector.spapi.apis import FinancesApi
from amazon_connector.spapi.pagination import PAYLOAD_NEXT_TOKEN, session_pages

MAX_RESULTS_PER_PAGE = 100


def list_financial_events(
	session, *, posted_after: datetime, posted_before: datetime | None = None
) -> Iterator[dict]:
	"""Each page's `FinancialEvents` object for events posted in [posted_after, posted_before).

	Amazon wants `posted_before` at least two minutes in the past; leave it out for "until now"."""
	if posted_after is None:
		raise ValueError("list_financial_events needs posted_after")
	params = {
		"PostedAfter": iso8601(posted_after, name="posted_after"),
		"MaxResultsPerPage": MAX_RESULTS_PER_PAGE,
	}
	if posted_before is not None:
		params["PostedBefore"] = iso8601(posted_before, name="posted_before")
		if posted_before <= posted_after:
			raise ValueError("posted_before must be later than posted_after")
	pages = session_pages(
		session, "listFinancialEvents", FinancesApi, "list_financial_events", params, PAYLOAD_NEXT_TOKEN
	)
	return _events_of(pages)


def list_financial_events_by_order_id(session, order_id: str) -> Iterator[dict]:
	"""Each page's `FinancialEvents` object for one Amazon order."""
	if not order_id:
		raise ValueError("list_financial_events_by_order_id needs an Amazon order id")
	params = {"MaxResultsPerPage": MAX_RESULTS_PER_PAGE}
	pages = session_pages(
		session,
		"listFinancialEventsByOrderId",
		FinancesApi,
		"get_financial_events_for_order",
		params,
		PAYLOAD_NEXT_TOKEN,
		order_id,
	)
	return _events_of(pages)


def _events_of(pages) -> Iterator[dict]:
	for body in pages:
		payload = body.get("payload") if isinstance(body, dict) else None
		yield (payload or {}).get("FinancialEvents") or {}
