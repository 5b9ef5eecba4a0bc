"""Notifications v1: the SQS destination and the subscriptions that send notifications to it.

Destinations belong to the application, not to a seller: getDestinations, createDestination and
deleteSubscriptionById are grantless (an LWA client_credentials token of the
`sellingpartnerapi::notifications` scope). Subscriptions are per seller: getSubscription and
createSubscription use the seller's own token. Every answer is Amazon's body (`payload`, `errors`).
"""

from __future__ import annotations

from amazon_connector.spapi.apis import NotificationsApi


def get_destinations(session) -> list[dict]:
	"""Every destination of the application (Destination objects: destinationId, name, resource)."""
	body = session.call("getDestinations", NotificationsApi, "get_destinations", grantless=True).body
	return list((body or {}).get("payload") or [])


def create_destination(session, name: str, queue_arn: str) -> dict:
	"""A destination for the SQS queue `queue_arn`; returns the Destination."""
	body = session.call(
		"createDestination", NotificationsApi, "create_destination", name=name, arn=queue_arn, grantless=True
	).body
	return (body or {}).get("payload") or {}


def get_subscription(session, notification_type: str, payload_version: str | None = None) -> dict:
	"""The seller's subscription to `notification_type` (Subscription); NotFoundError when none."""
	params = {"payloadVersion": payload_version} if payload_version else {}
	body = session.call(
		"getSubscription", NotificationsApi, "get_subscription", notification_type, **params
	).body
	return (body or {}).get("payload") or {}


def create_subscription(
	session,
	notification_type: str,
	destination_id: str,
	payload_version: str,
	processing_directive: dict | None = None,
) -> dict:
	"""Subscribe the seller to `notification_type` at the destination; returns the Subscription."""
	extra = {"processingDirective": processing_directive} if processing_directive else {}
	body = session.call(
		"createSubscription",
		NotificationsApi,
		"create_subscription",
		notification_type,
		destination_id=destination_id,
		payload_version=payload_version,
		**extra,
	).body
	return (body or {}).get("payload") or {}


def delete_subscription(session, notification_type: str, subscription_id: str) -> None:
	"""Delete a subscription (grantless), e.g. one that points at a destination no longer wanted."""
	session.call(
		"deleteSubscriptionById",
		NotificationsApi,
		"delete_subscription_grantless",
		notification_type,
		subscription_id,
		grantless=True,
	)
