"""ORDER_CHANGE notifications end to end: the simulator sends them to a real SQS-compatible queue
(moto's server, started here on loopback), the consumer reads each changed order with getOrder and
books it through the order engine; duplicates, reordering, a poison message, an unreachable queue."""

from __future__ import annotations

import copy
import json
import socket
from datetime import date, datetime, time, timedelta, timezone

import boto3
import pytest
from fixtures_simulator import AWS

from amazon_connector.core.drafts.items import ItemDraft
from amazon_connector.core.engine.notifications import OrderNotificationConsumer, parse_notification
from amazon_connector.core.engine.orders import OrderSync
from amazon_connector.core.preview import PreviewErp
from amazon_connector.core.settings import SyncSettings
from amazon_connector.simulator import Simulator, generate_world
from amazon_connector.simulator.connect import account_config, marketplace_configs
from amazon_connector.simulator.notifications import order_change
from amazon_connector.spapi.client import SpApiSession
from amazon_connector.spapi.source import SpApiSource
from amazon_connector.spapi.sqs import SqsQueue


@pytest.fixture
def queues(sqs_endpoint, request):
	client = boto3.client("sqs", endpoint_url=sqs_endpoint, **AWS)
	name = f"order-change-{request.node.name[:40].replace('[', '-').replace(']', '')}"
	dead = client.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
	dead_arn = client.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"][
		"QueueArn"
	]
	main = client.create_queue(
		QueueName=name,
		Attributes={
			"VisibilityTimeout": "1",
			"RedrivePolicy": json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": "5"}),
		},
	)["QueueUrl"]
	yield client, main, dead
	client.delete_queue(QueueUrl=main)
	client.delete_queue(QueueUrl=dead)


@pytest.fixture(scope="module")
def world():
	end = datetime.combine(datetime.now(timezone.utc).date(), time(0), tzinfo=timezone.utc)
	return generate_world(seed=41, orders=60, start=end - timedelta(days=20), end=end)


@pytest.fixture
def sim(world):
	simulator = Simulator(copy.deepcopy(world), limits=False, token_ttl=30 * 86400.0)
	simulator.start()
	yield simulator
	simulator.stop()


def consumer(sim, world, queue, port=None):
	port = port or PreviewErp("sim")
	source = SpApiSource(SpApiSession(account_config(sim.account, sim.base_url, key="sim")))
	settings = SyncSettings(
		account_key="sim",
		after_date=date(2020, 1, 1),
		marketplaces=marketplace_configs({"marketplaces": world["account"]["marketplaces"]}),
	)

	def items(marketplace_id, skus):
		for sku in skus:
			port.upsert_item(ItemDraft(sku=sku, marketplace_id=marketplace_id, item_code=sku, item_name=sku))
		return {sku: sku for sku in skus}

	orders = OrderSync(source, port, settings, item_resolver=items, now=sim.now)
	return OrderNotificationConsumer(queue, orders), port, source


def open_orders(world, status):
	return [o["orderId"] for o in world["orders"] if o["fulfillment"]["fulfillmentStatus"] == status]


def left(client, url) -> int:
	attributes = client.get_queue_attributes(
		QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
	)["Attributes"]
	return int(attributes["ApproximateNumberOfMessages"]) + int(
		attributes["ApproximateNumberOfMessagesNotVisible"]
	)


def test_a_notified_order_becomes_a_sales_order_without_a_search(sim, world, queues, sqs_endpoint):
	client, main, dead = queues
	sim.notify_order_changes(main, endpoint_url=sqs_endpoint, **AWS)
	order_id = open_orders(world, "UNSHIPPED")[0]
	sim.advance_clock(60)
	sim.transition_order(order_id, "SHIPPED", post_fees="never")
	worker, port, source = consumer(sim, world, SqsQueue(main, endpoint_url=sqs_endpoint, **_keys()))
	report = worker.drain(5, wait_seconds=1)
	assert report.failed == 0, report.summary()["failures"]
	assert port.sales_orders[order_id]["draft"].amazon_status == "SHIPPED"
	calls = source.stats()["calls"]
	assert calls.get("searchOrders", 0) == 0 and calls["getOrder"] == 1
	assert left(client, main) == 0  # deleted once stored


def test_duplicates_cost_one_get_order_and_an_older_message_none(sim, world, queues, sqs_endpoint):
	client, main, _ = queues
	first, second = open_orders(world, "UNSHIPPED")[:2]
	sim.advance_clock(60)
	old = order_change(
		sim.transition_order(first, "SHIPPED", post_fees="never"), sim.world.seller_id, sim.now()
	)
	for body in (old, old, order_change(sim.world.order(second), sim.world.seller_id, sim.now())):
		client.send_message(QueueUrl=main, MessageBody=json.dumps(body))
	worker, port, source = consumer(sim, world, SqsQueue(main, endpoint_url=sqs_endpoint, **_keys()))
	worker.drain(5, wait_seconds=1)
	assert set(port.sales_orders) >= {first, second}
	assert source.stats()["calls"]["getOrder"] == 2  # one per order, however often it was notified
	assert left(client, main) == 0
	# An out-of-order message (a change older than the Sales Order) is dropped without a call.
	stale = json.loads(json.dumps(old))
	stale["Payload"]["OrderChangeNotification"]["OrderChangeTrigger"]["TimeOfOrderChange"] = (
		"2020-01-01T00:00:00Z"
	)
	client.send_message(QueueUrl=main, MessageBody=json.dumps(stale))
	report = worker.drain(5, wait_seconds=1)
	assert source.stats()["calls"]["getOrder"] == 2 and report.counts["unchanged"] == 1
	assert port.sales_orders[first]["draft"].amazon_status == "SHIPPED"
	assert left(client, main) == 0


def test_a_newer_state_read_first_is_never_rolled_back_by_an_older_message(sim, world, queues, sqs_endpoint):
	client, main, _ = queues
	order_id = open_orders(world, "UNSHIPPED")[-1]
	earlier = order_change(sim.world.order(order_id), sim.world.seller_id, sim.now())
	sim.advance_clock(60)
	later = order_change(
		sim.transition_order(order_id, "SHIPPED", post_fees="never"), sim.world.seller_id, sim.now()
	)
	client.send_message(QueueUrl=main, MessageBody=json.dumps(later))
	worker, port, _ = consumer(sim, world, SqsQueue(main, endpoint_url=sqs_endpoint, **_keys()))
	worker.drain(5, wait_seconds=1)
	client.send_message(QueueUrl=main, MessageBody=json.dumps(earlier))
	worker.drain(5, wait_seconds=1)
	assert port.sales_orders[order_id]["draft"].amazon_status == "SHIPPED"


def test_a_poison_message_is_dead_lettered_with_its_reason_and_the_rest_go_on(
	sim, world, queues, sqs_endpoint
):
	client, main, dead = queues
	order_id = open_orders(world, "UNSHIPPED")[0]
	client.send_message(QueueUrl=main, MessageBody="{not json")
	client.send_message(QueueUrl=main, MessageBody=json.dumps({"NotificationType": "ANY_OFFER_CHANGED"}))
	client.send_message(
		QueueUrl=main,
		MessageBody=json.dumps(order_change(sim.world.order(order_id), sim.world.seller_id, sim.now())),
	)
	worker, port, _ = consumer(sim, world, SqsQueue(main, endpoint_url=sqs_endpoint, **_keys()))
	report = worker.drain(5, wait_seconds=1)
	assert order_id in port.sales_orders
	assert report.failed == 2 and any("not JSON" in f.reason for f in report.failures)
	assert left(client, main) == 0
	moved = client.receive_message(QueueUrl=dead, MaxNumberOfMessages=10, MessageAttributeNames=["All"])[
		"Messages"
	]
	reasons = sorted(m["MessageAttributes"]["error"]["StringValue"] for m in moved)
	assert len(moved) == 2 and reasons[0].startswith("not JSON") and "ANY_OFFER_CHANGED" in reasons[1]


def test_an_order_that_cannot_be_read_stays_in_the_queue(sim, world, queues, sqs_endpoint):
	client, main, _ = queues
	missing = order_change(
		sim.world.order(open_orders(world, "UNSHIPPED")[0]), sim.world.seller_id, sim.now()
	)
	missing["Payload"]["OrderChangeNotification"]["AmazonOrderId"] = "111-0000000-0000000"
	client.send_message(QueueUrl=main, MessageBody=json.dumps(missing))
	worker, port, _ = consumer(sim, world, SqsQueue(main, endpoint_url=sqs_endpoint, **_keys()))
	report = worker.drain(2, wait_seconds=1)
	assert report.failed >= 1 and "111-0000000-0000000" in report.failures[0].amazon_id
	assert left(client, main) == 1  # SQS delivers it again; its redrive policy ends that in time


def test_the_queue_unreachable_is_a_note_not_a_crash(sim, world):
	with socket.socket() as s:
		s.bind(("127.0.0.1", 0))
		closed = s.getsockname()[1]
	queue = SqsQueue(
		f"http://127.0.0.1:{closed}/123456789012/q", endpoint_url=f"http://127.0.0.1:{closed}", **_keys()
	)
	worker, _, source = consumer(sim, world, queue)
	report = worker.drain(3, wait_seconds=1)
	assert report.failed == 1 and "notification queue could not be read" in report.messages[0]
	assert source.stats()["calls"].get("getOrder", 0) == 0


def test_the_notification_is_parsed_as_amazon_documents_it():
	example = {
		"NotificationVersion": "1.0", "NotificationType": "ORDER_CHANGE", "PayloadVersion": "1.0",
		"EventTime": "2020-01-11T00:09:53.109Z",
		"Payload": {"OrderChangeNotification": {"NotificationLevel": "OrderLevel", "SellerId": "A3TH9S8BH6GOGM",
			"AmazonOrderId": "903-8868176-2219830", "OrderChangeType": "BuyerRequestedChange",
			"OrderChangeTrigger": {"TimeOfOrderChange": "2022-11-29T19:42:04.284Z", "ChangeReason": "Buyer Requested Cancel"}}},
		"NotificationMetadata": {"NotificationId": "d0e9e693-c3ad-4373-979f-ed4ec98dd746"},
	}  # fmt: skip
	change = parse_notification(json.dumps(example))
	assert change.amazon_order_id == "903-8868176-2219830"
	assert change.changed_at == datetime(2022, 11, 29, 19, 42, 4, 284000, tzinfo=timezone.utc)


def _keys() -> dict:
	return {"region": "us-east-1", "access_key": "testing", "secret_key": "testing"}


def test_messages_are_deleted_only_after_the_batch_is_committed(sim, world, queues, sqs_endpoint):
	client, main, _ = queues
	order_id = open_orders(world, "UNSHIPPED")[0]
	client.send_message(
		QueueUrl=main,
		MessageBody=json.dumps(order_change(sim.world.order(order_id), sim.world.seller_id, sim.now())),
	)
	worker, port, _ = consumer(sim, world, SqsQueue(main, endpoint_url=sqs_endpoint, **_keys()))
	at_commit = []
	worker.commit = lambda: at_commit.append((order_id in port.sales_orders, left(client, main)))
	worker.drain(5, wait_seconds=1)
	assert at_commit == [(True, 1)]  # stored, and its message still in the queue when committing
	assert left(client, main) == 0
