"""Near-real-time orders end to end, on the real ERPNext: the Set up Notifications button's work
creates the SQS destination and ORDER_CHANGE subscription at the simulator (once, however often it is
pressed), the simulator sends an ORDER_CHANGE to a real SQS-compatible queue (moto's server, on
loopback) when an order changes, and a drain books the Sales Order with one getOrder and no
searchOrders call; duplicates create nothing twice."""

from __future__ import annotations

import json

import boto3
import frappe
from moto import server as moto_server

from amazon_connector.core.engine.notifications import MAX_DELIVERIES
from amazon_connector.runner import queue
from amazon_connector.runner.notifications import drain_notifications, set_up_notifications
from amazon_connector.runner.options import Runtime
from amazon_connector.runner.throttle import throttle_registry
from amazon_connector.simulator.notifications import order_change
from amazon_connector.spapi.client import SpApiSession
from amazon_connector.spapi.throttle_redis import RedisThrottleRegistry
from amazon_connector.tests import e2e_support as e2e
from amazon_connector.tests.e2e_support import TestCase

KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


class TestE2ENotifications(TestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.moto = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
		cls.moto.start()
		cls.addClassCleanup(cls.moto.stop)
		host, port = cls.moto.get_host_and_port()
		cls.sqs_url = f"http://{host}:{port}"
		cls.sqs = boto3.client("sqs", endpoint_url=cls.sqs_url, region_name="us-east-1", **KEYS)
		cls.account = e2e.start_account(
			seed=43, orders=30, account_name="_Test E2E Notifications", marketplaces=("US",)
		)
		cls.addClassCleanup(cls.account.stop)
		cls.account.sim.connect_sqs(endpoint_url=cls.sqs_url, **KEYS)
		frappe.db.set_single_value("Stock Settings", "allow_negative_stock", 1)

	def setUp(self):
		name = f"orders-{frappe.generate_hash(length=8)}"
		self.queue_url = self.sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "2"})[
			"QueueUrl"
		]
		self.addCleanup(self.sqs.delete_queue, QueueUrl=self.queue_url)
		arn = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])
		doc = frappe.get_doc("Amazon Settings", self.account.name)
		doc.update(
			{
				"order_notifications": 1,
				"sqs_queue_arn": arn["Attributes"]["QueueArn"],
				"sqs_endpoint_url": self.sqs_url,
				"aws_access_key_id": KEYS["aws_access_key_id"],
				"aws_secret_access_key": KEYS["aws_secret_access_key"],
			}
		)
		doc.save(ignore_permissions=True)

	def runtime(self) -> Runtime:
		def session(config):
			session = SpApiSession(config)
			session.throttle_enabled = False  # the simulator's usage plans are off
			return session

		return Runtime(session_factory=session, now=self.account.sim.now)

	def open_order(self) -> str:
		world = self.account.sim.world
		for order_id in world.orders:
			order = world.order(order_id)
			if order["fulfillment"]["fulfillmentStatus"] in ("PENDING", "UNSHIPPED") and not frappe.db.exists(
				"Sales Order", {"amazon_order_id": order_id}
			):
				return order_id
		self.fail("the world has no open order left")

	def left_in_queue(self) -> int:
		attributes = self.sqs.get_queue_attributes(
			QueueUrl=self.queue_url,
			AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
		)["Attributes"]
		return int(attributes["ApproximateNumberOfMessages"]) + int(
			attributes["ApproximateNumberOfMessagesNotVisible"]
		)

	def test_set_up_is_done_once_however_often_it_is_pressed(self):
		sim = self.account.sim
		before = sim.stats()["calls"]
		first = set_up_notifications(self.account.name, runtime=self.runtime())
		second = set_up_notifications(self.account.name, runtime=self.runtime())
		calls = sim.stats()["calls"]
		made = {
			op: calls.get(op, 0) - before.get(op, 0) for op in ("createDestination", "createSubscription")
		}
		self.assertEqual(made, {"createDestination": 1, "createSubscription": 1}, (first, second))
		self.assertIn("created", first)
		self.assertIn("already", second)
		doc = frappe.get_doc("Amazon Settings", self.account.name)
		subscription = sim.notifications.subscriptions[(sim.world.seller_id, "ORDER_CHANGE")]
		self.assertEqual(doc.notification_subscription_id, subscription["subscriptionId"])
		self.assertEqual(doc.notification_destination_id, subscription["destinationId"])
		self.assertEqual(doc.notification_status, second)
		self.assertNotIn(self.account.sim.account["client_secret"], first + second)

	def test_a_notified_order_becomes_a_sales_order_without_a_search_and_duplicates_add_nothing(self):
		sim = self.account.sim
		set_up_notifications(self.account.name, runtime=self.runtime())
		order_id = self.open_order()
		sim.reset_stats()
		sim.transition_order(order_id, "SHIPPED", post_fees="never")
		report = drain_notifications(self.account.name, 30, runtime=self.runtime(), wait_seconds=1)
		self.assertFalse(report.failures, e2e.failure_lines(report))
		row = e2e.sales_orders(self.account.name)[order_id]
		self.assertEqual(frappe.db.get_value("Sales Order", row.name, "amazon_status"), "SHIPPED")
		calls = sim.stats()["calls"]
		self.assertEqual(calls.get("searchOrders", 0), 0)
		self.assertEqual(calls.get("getOrder", 0), 1)
		self.assertEqual(self.left_in_queue(), 0)  # deleted once stored
		# Amazon and SQS both deliver at least once: the same change twice more creates nothing.
		body = json.dumps(order_change(sim.world.order(order_id), sim.world.seller_id, sim.now()))
		for _ in range(2):
			self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=body)
		again = drain_notifications(self.account.name, 30, runtime=self.runtime(), wait_seconds=1)
		self.assertGreaterEqual(again.counts["unchanged"], 1)
		self.assertEqual(e2e.duplicated_order_ids(self.account.name), [])
		self.assertEqual(sim.stats()["calls"].get("getOrder", 0), 1)  # nothing newer to read
		self.assertEqual(self.left_in_queue(), 0)
		log = frappe.get_last_doc(
			"Amazon Sync Log",
			filters={"amazon_account": self.account.name, "triggered_by": ("like", "notifications%")},
		)
		self.assertEqual(log.kind, "orders")

	def test_a_notification_that_keeps_failing_ends_in_the_dead_letter_queue_named_on_log_and_account(self):
		sim = self.account.sim
		status = set_up_notifications(self.account.name, runtime=self.runtime())
		self.assertIn(f"after {MAX_DELIVERIES} deliveries", status)
		policy = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["RedrivePolicy"])
		dead_arn = json.loads(policy["Attributes"]["RedrivePolicy"])["deadLetterTargetArn"]
		dead_url = self.sqs.get_queue_url(QueueName=dead_arn.rsplit(":", 1)[-1])["QueueUrl"]
		self.addCleanup(self.sqs.delete_queue, QueueUrl=dead_url)
		missing = "111-0000000-0000000"  # Amazon has no such order: getOrder fails on every delivery
		good = self.open_order()
		body = order_change(sim.world.order(good), sim.world.seller_id, sim.now())
		body["Payload"]["OrderChangeNotification"]["AmazonOrderId"] = missing
		self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=json.dumps(body))
		sim.reset_stats()
		sim.transition_order(good, "SHIPPED", post_fees="never")  # notified to the queue too
		report = drain_notifications(
			self.account.name, 60, runtime=self.runtime(), wait_seconds=1, retry_seconds=0
		)
		# The good order is booked at once; the failing one is read once per delivery, then given up.
		self.assertIn(good, e2e.sales_orders(self.account.name))
		self.assertEqual(sim.stats()["calls"].get("getOrder", 0), 1 + MAX_DELIVERIES)
		self.assertEqual(self.left_in_queue(), 0)
		moved = self.sqs.receive_message(QueueUrl=dead_url, MessageAttributeNames=["All"])["Messages"]
		self.assertEqual(len(moved), 1)
		self.assertTrue(
			moved[0]["MessageAttributes"]["error"]["StringValue"].startswith(f"order {missing}: ")
		)
		log = frappe.get_last_doc(
			"Amazon Sync Log",
			filters={"amazon_account": self.account.name, "triggered_by": ("like", "notifications%")},
		)
		self.assertEqual(report.failed, 1)  # one failed record, however often it was delivered
		named = [f for f in log.failures if f.amazon_id == missing]
		self.assertEqual(len(named), 1, [(f.amazon_id, f.reason) for f in log.failures])
		self.assertIn("could not be read from Amazon", named[0].reason)
		self.assertIn("dead-letter queue", log.messages or "")
		given_up = frappe.db.get_value("Amazon Settings", self.account.name, "notifications_given_up")
		self.assertIn(f"order {missing}", given_up)
		self.assertIn(f"{MAX_DELIVERIES} deliveries; moved to the dead-letter queue", given_up)
		self.assertNotIn(sim.account["client_secret"], given_up + (log.messages or ""))

	def test_the_queued_job_paces_with_the_buckets_in_the_bench_redis(self):
		sim = self.account.sim
		set_up_notifications(self.account.name, runtime=self.runtime())
		order_id = self.open_order()
		sim.transition_order(order_id, "SHIPPED", post_fees="never")
		registry = throttle_registry()
		self.assertIsInstance(registry, RedisThrottleRegistry)
		key = f"{registry.prefix}:{sim.world.seller_id}@{self.account.sim.base_url}:getOrder"
		frappe.cache.delete_value(key, make_keys=False)
		# The production path: the RQ job (run in this process by the tests' runner options) and the
		# runner's default sessions, whose buckets live in the bench's Redis.
		self.assertTrue(queue.enqueue_notifications(self.account.name, seconds=5))
		log = frappe.get_last_doc("Amazon Sync Log", filters={"amazon_account": self.account.name})
		self.assertIn(order_id, e2e.sales_orders(self.account.name), (log.messages, log.failures))
		self.assertTrue(frappe.cache.exists(key, shared=True), "no getOrder bucket in the bench's Redis")
