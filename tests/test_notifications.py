"""ORDER_CHANGE notifications end to end: the simulator sends them to a real SQS-compatible queue
(moto's server, started here on loopback), the consumer reads each changed order with getOrder and
books it through the order engine; duplicates, reordering, a poison message, an unreachable queue."""

from __future__ import annotations

import copy
import json
import socket
import time as tm
from datetime import date, datetime, time, timedelta, timezone

import boto3
import pytest
from fixtures_simulator import AWS

from amazon_connector.core.drafts.items import ItemDraft
from amazon_connector.core.engine.notifications import (
	MAX_DELIVERIES,
	OrderNotificationConsumer,
	parse_notification,
	retry_delay,
)
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


MISSING = "111-0000000-0000000"  # an order Amazon does not have: getOrder fails on every delivery


def send_missing_order(sim, world, client, url) -> None:
	missing = order_change(
		sim.world.order(open_orders(world, "UNSHIPPED")[0]), sim.world.seller_id, sim.now()
	)
	missing["Payload"]["OrderChangeNotification"]["AmazonOrderId"] = MISSING
	client.send_message(QueueUrl=url, MessageBody=json.dumps(missing))


def visible(client, url) -> int:
	return len(
		client.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages", [])
	)


def test_an_order_that_cannot_be_read_waits_in_the_queue_for_its_retry_delay(
	sim, world, queues, sqs_endpoint
):
	client, main, _ = queues
	send_missing_order(sim, world, client, main)
	worker, port, _ = consumer(sim, world, SqsQueue(main, endpoint_url=sqs_endpoint, **_keys()))
	worker.retry_seconds = 3
	report = worker.drain(2, wait_seconds=1)
	assert report.failed == 1 and report.failures[0].amazon_id == MISSING
	assert "could not be read from Amazon" in report.failures[0].reason
	assert left(client, main) == 1 and not worker.given_up  # kept: SQS delivers it again
	# Hidden for the retry delay (3 s here), longer than the queue's own visibility timeout (1 s).
	tm.sleep(1.5)
	assert visible(client, main) == 0
	tm.sleep(2.5)
	assert visible(client, main) == 1


def test_the_delay_doubles_with_each_delivery_up_to_sqs_longest():
	assert [retry_delay(n, 300) for n in (1, 2, 3, 4)] == [300, 600, 1200, 2400]
	assert retry_delay(20, 300) == 12 * 3600


def test_an_order_failing_at_its_last_delivery_is_dead_lettered_with_its_error(
	sim, world, queues, sqs_endpoint
):
	client, main, dead = queues
	client.set_queue_attributes(QueueUrl=main, Attributes={"RedrivePolicy": json.dumps(
		{"deadLetterTargetArn": queue_arn(client, dead), "maxReceiveCount": "3"})})  # fmt: skip
	send_missing_order(sim, world, client, main)
	worker, port, source = consumer(sim, world, SqsQueue(main, endpoint_url=sqs_endpoint, **_keys()))
	worker.retry_seconds = 0  # delivered again at once: the three deliveries within one drain
	report = worker.drain(10, wait_seconds=1)
	assert source.stats()["calls"]["getOrder"] == 3  # the queue's maxReceiveCount, then no more
	assert report.failed == 1 and [f.amazon_id for f in report.failures] == [MISSING]  # listed once
	assert [(g.record, g.deliveries, g.dead_lettered) for g in worker.given_up] == [
		(f"order {MISSING}", 3, True)
	]
	assert any(MISSING in m and "dead-letter queue" in m and "backstop" in m for m in report.messages)
	assert left(client, main) == 0
	moved = client.receive_message(QueueUrl=dead, MessageAttributeNames=["All"])["Messages"]
	assert len(moved) == 1 and json.loads(moved[0]["Body"])["Payload"]["OrderChangeNotification"][
		"AmazonOrderId"] == MISSING  # fmt: skip
	error = moved[0]["MessageAttributes"]["error"]["StringValue"]
	assert error.startswith(f"order {MISSING}: could not be read from Amazon")


def test_without_a_dead_letter_queue_a_failing_order_is_deleted_after_max_deliveries_and_named(
	sim, world, sqs_endpoint, request
):
	client = boto3.client("sqs", endpoint_url=sqs_endpoint, **AWS)
	url = client.create_queue(QueueName=f"plain-{request.node.name[:30]}")["QueueUrl"]
	send_missing_order(sim, world, client, url)
	client.send_message(QueueUrl=url, MessageBody="{not json")
	worker, port, source = consumer(sim, world, SqsQueue(url, endpoint_url=sqs_endpoint, **_keys()))
	worker.retry_seconds = 0
	report = worker.drain(15, wait_seconds=1)
	assert source.stats()["calls"]["getOrder"] == MAX_DELIVERIES
	given_up = {g.record: g for g in worker.given_up}
	assert given_up[f"order {MISSING}"].deliveries == MAX_DELIVERIES
	poison = next(g for r, g in given_up.items() if r.startswith("message "))
	assert poison.deliveries == 1 and "not JSON" in poison.reason  # no use retrying it
	assert not any(g.dead_lettered for g in given_up.values())
	assert sum(1 for m in report.messages if "deleted (no dead-letter queue)" in m) == 2
	assert left(client, url) == 0
	client.delete_queue(QueueUrl=url)


def test_set_up_gives_a_queue_without_one_a_dead_letter_queue_once(sim, world, sqs_endpoint, request):
	client = boto3.client("sqs", endpoint_url=sqs_endpoint, **AWS)
	name = f"bare-{request.node.name[:30]}"
	url = client.create_queue(QueueName=name)["QueueUrl"]
	queue = SqsQueue(url, endpoint_url=sqs_endpoint, **_keys())
	made = queue.ensure_dead_letter_queue()
	assert "set (after 5 deliveries)" in made
	policy = json.loads(client.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])[
		"Attributes"]["RedrivePolicy"])  # fmt: skip
	dead = client.get_queue_url(QueueName=f"{name}-dead-letters")["QueueUrl"]
	assert policy["deadLetterTargetArn"] == queue_arn(client, dead) and int(policy["maxReceiveCount"]) == 5
	retention = client.get_queue_attributes(QueueUrl=dead, AttributeNames=["MessageRetentionPeriod"])
	assert retention["Attributes"]["MessageRetentionPeriod"] == str(14 * 86400)
	again = SqsQueue(url, endpoint_url=sqs_endpoint, **_keys())
	assert "already set" in again.ensure_dead_letter_queue() and again.max_receives() == 5
	assert again.dead_letter_url() == dead
	assert len(client.list_queues(QueueNamePrefix=name)["QueueUrls"]) == 2  # nothing made twice
	client.delete_queue(QueueUrl=url)
	client.delete_queue(QueueUrl=dead)


def queue_arn(client, url) -> str:
	return client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


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
