"""listTransactions and listFinancialEventGroups send what Amazon's models ask for, page and window."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from spapi_servers import FakeAmazon, Reply, session_for

from amazon_connector.spapi import transactions
from amazon_connector.spapi.usage_plans import plan_for

PATH = "/finances/2024-06-19/transactions"
GROUPS = "/finances/v0/financialEventGroups"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)


def _parse(value: str) -> datetime:
	return datetime.fromisoformat(value.replace("Z", "+00:00"))


@pytest.fixture
def fake():
	with FakeAmazon() as server:
		yield server


def _transaction(n: int) -> dict:
	return {"transactionId": f"T{n}", "transactionType": "Shipment"}


def test_pages_follow_next_token_with_the_same_arguments(fake):
	def handler(request):
		token = request.param("nextToken")
		if not token:
			return Reply(200, {"payload": {"transactions": [_transaction(1)], "nextToken": "page-2"}})
		if token == "page-2":
			return Reply(200, {"payload": {"transactions": [], "nextToken": "page-3"}})  # an empty page
		return Reply(200, {"payload": {"transactions": [_transaction(3)]}})

	fake.route("GET", PATH, handler)
	after = NOW - timedelta(days=3)
	pages = list(
		transactions.list_transactions(
			session_for(fake), posted_after=after, marketplace_id="A1PA6795UKMFR9", now=lambda: NOW
		)
	)
	assert [[t["transactionId"] for t in page] for page in pages] == [["T1"], [], ["T3"]]
	requests = fake.requests_to(PATH)
	assert [r.param("nextToken") for r in requests] == [None, "page-2", "page-3"]
	for request in requests:
		assert request.param("postedAfter") == "2026-05-29T12:00:00Z"
		assert request.param("marketplaceId") == "A1PA6795UKMFR9"
		# The request-time cut-off: never less than two minutes before the request.
		assert _parse(request.param("postedBefore")) <= NOW - timedelta(minutes=2)


def test_a_range_over_180_days_is_read_in_windows_of_at_most_180_days(fake):
	fake.route("GET", PATH, {"payload": {"transactions": []}})
	after = NOW - timedelta(days=400)
	before = NOW - timedelta(days=1)
	list(
		transactions.list_transactions(
			session_for(fake), posted_after=after, posted_before=before, now=lambda: NOW
		)
	)
	windows = [
		(_parse(r.param("postedAfter")), _parse(r.param("postedBefore"))) for r in fake.requests_to(PATH)
	]
	assert windows[0][0] == after and windows[-1][1] == before
	assert len(windows) == 3
	for (start, end), following in zip(windows, windows[1:] + [None], strict=True):
		assert timedelta(0) < end - start <= timedelta(days=180)
		if following:
			assert following[0] == end  # no gap, no overlap


def test_posted_before_in_the_future_is_cut_at_the_request_time(fake):
	fake.route("GET", PATH, {"payload": {"transactions": []}})
	list(
		transactions.list_transactions(
			session_for(fake),
			posted_after=NOW - timedelta(days=1),
			posted_before=NOW + timedelta(days=1),
			now=lambda: NOW,
		)
	)
	(request,) = fake.requests_to(PATH)
	assert _parse(request.param("postedBefore")) == NOW - transactions.REQUEST_CUTOFF


def test_related_identifier_filters_without_dates(fake):
	fake.route("GET", PATH, {"payload": {"transactions": [_transaction(7)]}})
	pages = list(transactions.list_transactions(session_for(fake), related_identifier=("ORDER_ID", "303-1")))
	assert pages == [[_transaction(7)]]
	(request,) = fake.requests_to(PATH)
	assert request.param("relatedIdentifierName") == "ORDER_ID"
	assert request.param("relatedIdentifierValue") == "303-1"
	assert request.param("postedAfter") is None


def test_bad_arguments_are_refused_before_any_request(fake):
	session = session_for(fake)
	with pytest.raises(ValueError, match="posted_after"):
		list(transactions.list_transactions(session))
	with pytest.raises(ValueError, match="filters only"):
		list(transactions.list_transactions(session, related_identifier=("SHIPMENT_ID", "x")))
	with pytest.raises(ValueError, match="later"):
		list(transactions.list_transactions(session, posted_after=NOW, posted_before=NOW))
	with pytest.raises(ValueError, match="timezone"):
		list(transactions.list_transactions(session, posted_after=datetime(2026, 1, 1)))
	assert fake.requests_to(PATH) == []


def test_financial_event_groups_are_paged_v0_style(fake):
	def handler(request):
		if request.param("NextToken") == "g2":
			return Reply(200, {"payload": {"FinancialEventGroupList": [{"FinancialEventGroupId": "G2"}]}})
		return Reply(
			200,
			{"payload": {"FinancialEventGroupList": [{"FinancialEventGroupId": "G1"}], "NextToken": "g2"}},
		)

	fake.route("GET", GROUPS, handler)
	groups = list(
		transactions.list_financial_event_groups(session_for(fake), started_after=NOW - timedelta(days=90))
	)
	assert [g["FinancialEventGroupId"] for g in groups] == ["G1", "G2"]
	first, second = fake.requests_to(GROUPS)
	assert first.param("FinancialEventGroupStartedAfter") == "2026-03-03T12:00:00Z"
	assert first.param("MaxResultsPerPage") == "100"
	assert second.param("NextToken") == "g2"
	assert second.param("FinancialEventGroupStartedAfter") == "2026-03-03T12:00:00Z"


def test_usage_plans_of_the_new_operations():
	assert (plan_for("listTransactions").rate, plan_for("listTransactions").burst) == (0.5, 10)
	assert (plan_for("listFinancialEventGroups").rate, plan_for("listFinancialEventGroups").burst) == (
		0.5,
		30,
	)
