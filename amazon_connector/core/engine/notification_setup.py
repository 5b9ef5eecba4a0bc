"""Setting up near-real-time orders: the SQS destination and the seller's ORDER_CHANGE subscription.

Idempotent, so the button can be pressed again (after a failure, or to repair): a destination for the
queue is looked for among the app's destinations (getDestinations) before one is created, and the
seller's subscription (getSubscription) before one is made. A subscription that sends to another
destination (the queue was changed) is deleted and made again for this one: Amazon keeps one
subscription per notification type and payload version, so it cannot be added beside the old one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...spapi.errors import NotFoundError
from ..sources import NotificationsSource
from .notifications import ORDER_CHANGE

# ORDER_CHANGE's payload version (Amazon's notification type table; its sandbox answers use it too).
ORDER_CHANGE_PAYLOAD_VERSION = "1.0"
# What the model allows (SqsResource.arn's pattern).
SQS_ARN = re.compile(r"^arn:aws:sqs:\S+:\S+:\S+")


class InvalidQueueArn(ValueError):
	pass


def check_queue_arn(arn: str) -> str:
	arn = (arn or "").strip()
	if not SQS_ARN.match(arn) or len(arn) > 1000:
		raise InvalidQueueArn(
			f"{arn!r} is not an SQS queue ARN (arn:aws:sqs:<region>:<account id>:<queue name>)"
		)
	return arn


@dataclass
class NotificationSetup:
	destination_id: str
	subscription_id: str
	steps: list[str] = field(default_factory=list)  # what was found and what was done, in order

	@property
	def summary(self) -> str:
		return "; ".join(self.steps)


def order_change_directive(marketplace_ids: list[str]) -> dict | None:
	"""Only the account's marketplaces: a notification of another costs a getOrder for nothing."""
	if not marketplace_ids:
		return None
	return {"eventFilter": {"eventFilterType": ORDER_CHANGE, "marketplaceIds": sorted(marketplace_ids)}}


def set_up_order_notifications(
	source: NotificationsSource, queue_arn: str, marketplace_ids: list[str], *, name: str
) -> NotificationSetup:
	"""Make sure ORDER_CHANGE notifications of the seller go to the SQS queue `queue_arn`."""
	arn = check_queue_arn(queue_arn)
	steps: list[str] = []
	destination = next(
		(
			d
			for d in source.get_destinations()
			if ((d.get("resource") or {}).get("sqs") or {}).get("arn") == arn
		),
		None,
	)
	if destination is None:
		destination = source.create_destination(name[:256], arn)
		steps.append(f"destination {destination.get('destinationId')} created for {arn}")
	else:
		steps.append(f"destination {destination.get('destinationId')} already sends to {arn}")
	destination_id = str(destination.get("destinationId") or "")
	if not destination_id:
		raise ValueError("Amazon answered createDestination without a destinationId")
	try:
		subscription = source.get_subscription(ORDER_CHANGE, ORDER_CHANGE_PAYLOAD_VERSION)
	except NotFoundError:
		subscription = {}
	if subscription and subscription.get("destinationId") == destination_id:
		steps.append(f"ORDER_CHANGE subscription {subscription.get('subscriptionId')} already in place")
		return NotificationSetup(destination_id, str(subscription.get("subscriptionId") or ""), steps)
	if subscription:
		source.delete_subscription(ORDER_CHANGE, str(subscription.get("subscriptionId")))
		steps.append(
			f"ORDER_CHANGE subscription {subscription.get('subscriptionId')} to destination "
			f"{subscription.get('destinationId')} deleted"
		)
	subscription = source.create_subscription(
		ORDER_CHANGE, destination_id, ORDER_CHANGE_PAYLOAD_VERSION, order_change_directive(marketplace_ids)
	)
	steps.append(f"ORDER_CHANGE subscription {subscription.get('subscriptionId')} created")
	return NotificationSetup(destination_id, str(subscription.get("subscriptionId") or ""), steps)
