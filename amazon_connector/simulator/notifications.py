"""ORDER_CHANGE notifications, sent to an SQS queue when the simulator changes an order.

The shape is Amazon's ORDER_CHANGE notification (NotificationVersion 1.0, PayloadVersion 1.0,
Payload.OrderChangeNotification with the order's summary). The queue is a real SQS-compatible one
(the tests start moto's server on loopback); Amazon itself writes to the seller app's queue.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from .clock import iso

ORDER_STATUS = {"PENDING": "Pending", "PENDING_AVAILABILITY": "PendingAvailability", "UNSHIPPED": "Unshipped",
	"PARTIALLY_SHIPPED": "PartiallyShipped", "SHIPPED": "Shipped", "CANCELLED": "Canceled",
	"UNFULFILLABLE": "Unfulfillable"}  # fmt: skip


def order_change(order: dict, seller_id: str, now: datetime, reason: str = "") -> dict:
	fulfillment = order.get("fulfillment") or {}
	status = fulfillment.get("fulfillmentStatus", "")
	items = order.get("orderItems") or []
	return {
		"NotificationVersion": "1.0",
		"NotificationType": "ORDER_CHANGE",
		"PayloadVersion": "1.0",
		"EventTime": iso(now),
		"Payload": {
			"OrderChangeNotification": {
				"NotificationLevel": "OrderLevel",
				"SellerId": seller_id,
				"AmazonOrderId": order["orderId"],
				"OrderChangeType": "OrderStatusChange",
				"OrderChangeTrigger": {
					"TimeOfOrderChange": order.get("lastUpdatedTime") or iso(now),
					"ChangeReason": reason or "Order status changed",
				},
				"Summary": {
					"MarketplaceId": (order.get("salesChannel") or {}).get("marketplaceId", ""),
					"OrderStatus": ORDER_STATUS.get(status, status),
					"PurchaseDate": order.get("createdTime"),
					"FulfillmentType": "AFN" if fulfillment.get("fulfilledBy") == "AMAZON" else "MFN",
					"OrderType": "StandardOrder",
					"OrderItems": [
						{
							"OrderItemId": item.get("orderItemId"),
							"SellerSKU": (item.get("product") or {}).get("sellerSku"),
							"Quantity": item.get("quantityOrdered"),
						}
						for item in items
					],
				},
			}
		},
		"NotificationMetadata": {
			"ApplicationId": "amzn1.sp.solution.simulator",
			"SubscriptionId": "simulator-order-change",
			"PublishTime": iso(now),
			"NotificationId": str(uuid.uuid4()),
		},
	}


class OrderChangeSender:
	"""Sends each changed order's ORDER_CHANGE to one SQS queue (boto3, any SQS-compatible server),
	only for the marketplaces of the subscription's filter when it has one."""

	def __init__(
		self, queue_url: str, *, marketplace_ids: list[str] | None = None, client=None, **client_options
	):
		import boto3

		self.queue_url = queue_url
		self.client = client or boto3.client("sqs", **client_options)
		self.marketplace_ids = set(marketplace_ids) if marketplace_ids else None
		self.sent = 0

	@classmethod
	def for_queue(cls, name: str, owner: str, *, marketplace_ids=None, **client_options) -> OrderChangeSender:
		"""The sender for the queue an SQS ARN names (its name and owner account)."""
		import boto3

		client = boto3.client("sqs", **client_options)
		url = client.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=owner)["QueueUrl"]
		return cls(url, marketplace_ids=marketplace_ids, client=client)

	def send(self, order: dict, seller_id: str, now: datetime) -> dict | None:
		marketplace = (order.get("salesChannel") or {}).get("marketplaceId", "")
		if self.marketplace_ids is not None and marketplace not in self.marketplace_ids:
			return None  # filtered out by the subscription's processingDirective
		notification = order_change(order, seller_id, now)
		self.client.send_message(QueueUrl=self.queue_url, MessageBody=json.dumps(notification))
		self.sent += 1
		return notification
