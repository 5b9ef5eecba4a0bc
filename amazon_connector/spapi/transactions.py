"""Finances 2024-06-19 `listTransactions`, and the settlements (v0 financial event groups).

Amazon's rules for `listTransactions` (its model, finances-2024-06-19.json):
- `postedAfter` is required unless a related identifier (ORDER_ID or FINANCIAL_EVENT_GROUP_ID, the
  only two that filter) is given;
- `postedBefore` must be later than `postedAfter` and "more than two minutes before the request";
  left out, it defaults to two minutes before the request;
- "If PostedAfter and PostedBefore are more than 180 days apart, the response is empty": so a longer
  range is read as consecutive windows of at most 180 days, never as one silent empty answer;
- pages: `payload.nextToken` out, `nextToken` in together with the same arguments; pages may be empty.
The cut-off is taken from the clock when the first window is requested, with a margin, so a
postedBefore is never less than two minutes old when it reaches Amazon.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone

from amazon_connector.spapi._params import iso8601
from amazon_connector.spapi.apis import FinancesApi, TransactionsApi
from amazon_connector.spapi.pagination import PAYLOAD_NEXT_TOKEN, PAYLOAD_NEXT_TOKEN_LOWER, session_pages

MAX_WINDOW = timedelta(days=180)
# Amazon: postedBefore "more than two minutes before the time of the request"; one more minute covers
# the clock difference and the time a throttled request waits before it is sent.
REQUEST_CUTOFF = timedelta(minutes=3)
FILTERING_IDENTIFIERS = ("ORDER_ID", "FINANCIAL_EVENT_GROUP_ID")
MAX_GROUPS_PER_PAGE = 100


def _utcnow() -> datetime:
	return datetime.now(timezone.utc)


def latest_posted_before(now: datetime) -> datetime:
	"""The latest postedBefore Amazon accepts from a request sent at `now`."""
	return now - REQUEST_CUTOFF


def posted_windows(
	posted_after: datetime, posted_before: datetime | None, now: datetime
) -> list[tuple[datetime, datetime]]:
	"""[posted_after, posted_before) cut at the request cut-off and into windows of at most 180 days."""
	limit = latest_posted_before(now)
	end = min(posted_before, limit) if posted_before is not None else limit
	windows = []
	start = posted_after
	while start < end:
		stop = min(start + MAX_WINDOW, end)
		windows.append((start, stop))
		start = stop
	return windows


def list_transactions(
	session,
	*,
	posted_after: datetime | None = None,
	posted_before: datetime | None = None,
	marketplace_id: str | None = None,
	transaction_status: str | None = None,
	related_identifier: tuple[str, str] | None = None,
	now: Callable[[], datetime] = _utcnow,
) -> Iterator[list[dict]]:
	"""Each page's `transactions` list (possibly empty), window after window, oldest first.

	With `related_identifier` (("ORDER_ID", id) or ("FINANCIAL_EVENT_GROUP_ID", id)) the dates are
	optional; without it `posted_after` is required."""
	base: dict = {}
	if marketplace_id:
		base["marketplaceId"] = marketplace_id
	if transaction_status:
		base["transactionStatus"] = transaction_status
	if related_identifier:
		name, value = related_identifier
		if name not in FILTERING_IDENTIFIERS:
			raise ValueError(
				f"listTransactions filters only by {', '.join(FILTERING_IDENTIFIERS)}, not {name}"
			)
		if not value:
			raise ValueError(f"listTransactions: {name} needs a value")
		base["relatedIdentifierName"] = name
		base["relatedIdentifierValue"] = value
		if posted_after is None:
			return _pages(session, base)
	if posted_after is None:
		raise ValueError("list_transactions needs posted_after (or an ORDER_ID / FINANCIAL_EVENT_GROUP_ID)")
	if posted_before is not None and posted_before <= posted_after:
		raise ValueError("posted_before must be later than posted_after")
	iso8601(posted_after, name="posted_after")  # refuse a naive datetime before any request
	return _windowed(session, base, posted_after, posted_before, now)


def _windowed(session, base, posted_after, posted_before, now) -> Iterator[list[dict]]:
	# Planned when the first window is requested: every later request is later still, so each
	# postedBefore stays more than two minutes before its own request.
	for window_start, window_end in posted_windows(posted_after, posted_before, now()):
		params = {
			**base,
			"postedAfter": iso8601(window_start, name="posted_after"),
			"postedBefore": iso8601(window_end, name="posted_before"),
		}
		yield from _pages(session, params)


def _pages(session, params: dict) -> Iterator[list[dict]]:
	pages = session_pages(
		session, "listTransactions", TransactionsApi, "list_transactions", params, PAYLOAD_NEXT_TOKEN_LOWER
	)
	for body in pages:
		payload = body.get("payload") if isinstance(body, dict) else None
		yield list((payload or {}).get("transactions") or [])


def list_financial_event_groups(
	session, *, started_after: datetime, started_before: datetime | None = None
) -> Iterator[dict]:
	"""Every settlement (Finances v0 financial event group) opened in [started_after, started_before).

	2024-06-19 has no settlement list of its own: its transactions name their group
	(FINANCIAL_EVENT_GROUP_ID / SETTLEMENT_ID), and the groups' totals, deposit dates and statuses
	come from here."""
	params = {
		"FinancialEventGroupStartedAfter": iso8601(started_after, name="started_after"),
		"MaxResultsPerPage": MAX_GROUPS_PER_PAGE,
	}
	if started_before is not None:
		if started_before <= started_after:
			raise ValueError("started_before must be later than started_after")
		params["FinancialEventGroupStartedBefore"] = iso8601(started_before, name="started_before")
	pages = session_pages(
		session,
		"listFinancialEventGroups",
		FinancesApi,
		"list_financial_event_groups",
		params,
		PAYLOAD_NEXT_TOKEN,
	)
	for body in pages:
		payload = body.get("payload") if isinstance(body, dict) else None
		yield from (payload or {}).get("FinancialEventGroupList") or []
