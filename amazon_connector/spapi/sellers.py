"""Sellers v1: which marketplaces the account sells in (also the Test Connection call)."""

from __future__ import annotations

from amazon_connector.spapi.apis import SellersApi
from amazon_connector.spapi.client import SpApiSession
from amazon_connector.spapi.retry import RetryPolicy

# A person is waiting on Test Connection: one quick retry, then an answer, rather than minutes of
# backoff (getMarketplaceParticipations refills one token a minute).
# token_intervals=0: Test Connection answers within its own deadline, never after a token interval of
# getMarketplaceParticipations (a minute at 0.016 requests per second).
CHECK_CONNECTION_RETRY = RetryPolicy(
	max_attempts=2, base_delay=1.0, max_delay=2.0, deadline=15.0, token_intervals=0
)
CHECK_CONNECTION_TIMEOUT = 10.0


def get_marketplace_participations(session) -> list[dict]:
	"""The `payload` list of getMarketplaceParticipations: each item has `marketplace`,
	`participation` and `storeName`, as in Amazon's model."""
	body = session.call("getMarketplaceParticipations", SellersApi, "get_marketplace_participation").body
	payload = body.get("payload") if isinstance(body, dict) else None
	return list(payload or [])


def check_connection(account, *, timeout: float = CHECK_CONNECTION_TIMEOUT) -> list[dict]:
	"""Test Connection: the account's marketplace participations, asked with a short retry budget.

	Raises the access layer's typed errors; `errors.user_message(exc)` turns any of them (and any
	other exception) into the sentence to show."""
	with SpApiSession(account, timeout=timeout, retry=CHECK_CONNECTION_RETRY) as session:
		return get_marketplace_participations(session)
