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
	"""Sends each changed order's ORDER_CHANGE to one SQS queue (boto3, any SQS-compatible server)."""

	def __init__(self, queue_url: str, **client_options):
		import boto3

		self.queue_url = queue_url
		self.client = boto3.client("sqs", **client_options)
		self.sent = 0

	def send(self, order: dict, seller_id: str, now: datetime) -> dict:
		notification = order_change(order, seller_id, now)
		self.client.send_message(QueueUrl=self.queue_url, MessageBody=json.dumps(notification))
		self.sent += 1
		return notification
