"""Setting up ORDER_CHANGE notifications against the simulator's Notifications v1 (validated against
Amazon's model) and a real SQS-compatible queue (moto's server on loopback): grantless destination
calls, the seller's subscription, idempotence, moving to another queue, and delivery on order change."""

from __future__ import annotations

import copy
import json

import boto3
import httpx
import jsonschema
import pytest
from fixtures_simulator import AWS, account_for

from amazon_connector.core.engine.notification_setup import (
	InvalidQueueArn,
	order_change_directive,
	set_up_order_notifications,
)
from amazon_connector.spapi.client import SpApiSession
from amazon_connector.spapi.source import SpApiSource

MODEL = "notifications-v1.json"
SCOPE = "sellingpartnerapi::notifications"


@pytest.fixture
def sqs(sqs_endpoint):
	return boto3.client("sqs", endpoint_url=sqs_endpoint, **AWS)


def make_queue(sqs, name: str) -> tuple[str, str]:
	url = sqs.create_queue(QueueName=name)["QueueUrl"]
	arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
	return url, arn


def received(sqs, url: str) -> list[dict]:
	messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
		"Messages", []
	)
	return [json.loads(m["Body"]) for m in messages]


@pytest.fixture
def notified_sim(make_simulator, sim_world, sqs_endpoint):
	sim = make_simulator(copy.deepcopy(sim_world))
	sim.connect_sqs(endpoint_url=sqs_endpoint, aws_access_key_id="testing", aws_secret_access_key="testing")
	return sim


@pytest.fixture
def source(notified_sim):
	session = SpApiSession(account_for(notified_sim))
	yield SpApiSource(session)
	session.close()


def open_orders(sim) -> list[dict]:
	"""Orders that can still ship."""
	orders = (sim.world.order(order_id) for order_id in sim.world.orders)
	return [o for o in orders if o["fulfillment"]["fulfillmentStatus"] in ("UNSHIPPED", "PENDING")]


def marketplace_ids(sim) -> list[str]:
	return [m["marketplaceId"] for m in sim.world.account["marketplaces"]]


def test_set_up_creates_the_destination_and_subscription_once(notified_sim, source, sqs, request):
	_, arn = make_queue(sqs, f"q-{request.node.name[:60]}")
	first = set_up_order_notifications(source, arn, marketplace_ids(notified_sim), name="ERPNext orders")
	calls = notified_sim.stats()["calls"]
	assert {op: calls.get(op, 0) for op in ("getDestinations", "createDestination", "getSubscription",
		"createSubscription")} == {"getDestinations": 1, "createDestination": 1, "getSubscription": 1,
		"createSubscription": 1}  # fmt: skip
	assert first.destination_id and first.subscription_id
	subscription = notified_sim.notifications.subscriptions[(notified_sim.world.seller_id, "ORDER_CHANGE")]
	assert subscription["payloadVersion"] == "1.0"
	assert subscription["processingDirective"]["eventFilter"]["marketplaceIds"] == sorted(
		marketplace_ids(notified_sim)
	)
	again = set_up_order_notifications(source, arn, marketplace_ids(notified_sim), name="ERPNext orders")
	calls = notified_sim.stats()["calls"]
	assert calls["createDestination"] == 1 and calls["createSubscription"] == 1  # nothing made twice
	assert (again.destination_id, again.subscription_id) == (first.destination_id, first.subscription_id)
	assert "already" in again.summary
	# Two tokens: the seller's (subscriptions) and the app's grantless one (destinations).
	assert source.stats()["token_requests"] == 2


def test_an_order_change_is_sent_to_the_subscribed_queue_for_its_marketplaces_only(
	notified_sim, source, sqs, request
):
	url, arn = make_queue(sqs, f"q-{request.node.name[:60]}")
	pending = next(o for o in open_orders(notified_sim) if o["fulfillment"]["fulfillmentStatus"] == "PENDING")
	wanted = pending["salesChannel"]["marketplaceId"]
	other = next(o for o in open_orders(notified_sim) if o["salesChannel"]["marketplaceId"] != wanted)
	notified_sim.transition_order(pending["orderId"], "UNSHIPPED")
	assert received(sqs, url) == []  # no subscription yet: nothing is sent
	set_up_order_notifications(source, arn, [wanted], name="ERPNext orders")
	notified_sim.transition_order(pending["orderId"], "SHIPPED", post_fees="never")
	notified_sim.transition_order(other["orderId"], "SHIPPED", post_fees="never")
	bodies = received(sqs, url)
	assert [b["Payload"]["OrderChangeNotification"]["AmazonOrderId"] for b in bodies] == [pending["orderId"]]
	assert bodies[0]["NotificationType"] == "ORDER_CHANGE"


def test_a_new_queue_moves_the_subscription(notified_sim, source, sqs, request):
	old_url, old_arn = make_queue(sqs, f"old-{request.node.name[:50]}")
	new_url, new_arn = make_queue(sqs, f"new-{request.node.name[:50]}")
	first = set_up_order_notifications(source, old_arn, [], name="ERPNext orders")
	moved = set_up_order_notifications(source, new_arn, [], name="ERPNext orders")
	assert moved.destination_id != first.destination_id and moved.subscription_id != first.subscription_id
	assert notified_sim.stats()["calls"]["deleteSubscriptionById"] == 1
	order = open_orders(notified_sim)[0]
	notified_sim.transition_order(order["orderId"], "SHIPPED", post_fees="never")
	assert received(sqs, old_url) == [] and len(received(sqs, new_url)) == 1


def test_a_bad_arn_is_refused_before_any_call(source):
	with pytest.raises(InvalidQueueArn, match="not an SQS queue ARN"):
		set_up_order_notifications(source, "https://sqs.us-east-1.amazonaws.com/1/q", [], name="x")
	assert source.stats()["calls"] == {}


def test_order_change_directive_filters_by_marketplace_only_when_there_are_some():
	assert order_change_directive([]) is None
	assert order_change_directive(["B", "A"]) == {
		"eventFilter": {"eventFilterType": "ORDER_CHANGE", "marketplaceIds": ["A", "B"]}
	}


# -- the simulator's side, checked against Amazon's model ---------------------------------------


@pytest.fixture(scope="module")
def check(load_model):
	def run(operation_id: str, response) -> dict:
		model = load_model(MODEL)
		operation = next(
			op
			for methods in model["paths"].values()
			for method, op in methods.items()
			if isinstance(op, dict) and op.get("operationId") == operation_id
		)
		declared = operation["responses"].get(str(response.status_code))
		assert declared is not None, f"{operation_id}: status {response.status_code} is not in the model"
		schema = dict(declared["schema"], definitions=model["definitions"])
		body = response.json()
		errors = list(jsonschema.Draft4Validator(schema).iter_errors(body))
		assert not errors, f"{operation_id} {response.status_code}: {errors[0].message}"
		return body

	return run


def lwa(sim, **form):
	account = sim.account
	data = {"client_id": account["client_id"], "client_secret": account["client_secret"], **form}
	return httpx.post(sim.base_url + "/auth/o2/token", data=data, timeout=10)


def test_grantless_tokens_come_from_client_credentials_with_the_scope(simulator):
	missing = lwa(simulator, grant_type="client_credentials")
	assert missing.status_code == 400 and "scope" in missing.json()["error_description"]
	unknown = lwa(simulator, grant_type="client_credentials", scope="sellingpartnerapi::orders")
	assert unknown.status_code == 400 and unknown.json()["error"] == "invalid_scope"
	granted = lwa(simulator, grant_type="client_credentials", scope=SCOPE)
	assert granted.status_code == 200 and granted.json()["access_token"]
	assert "refresh_token" not in granted.json()


def test_notifications_operations_answer_as_the_model_says(simulator, check):
	grantless = simulator.auth.issue_access_token(scope=SCOPE)
	seller = simulator.access_token()
	http = httpx.Client(base_url=simulator.base_url, timeout=10)

	def call(method, path, token, body=None):
		return http.request(method, path, json=body, headers={"x-amz-access-token": token})

	# Grantless operations take only the app's token; the seller's operations only a seller's.
	assert call("GET", "/notifications/v1/destinations", seller).status_code == 403
	assert call("GET", "/notifications/v1/subscriptions/ORDER_CHANGE", grantless).status_code == 403
	assert call("GET", "/orders/2026-01-01/orders/1", grantless).status_code == 403
	assert check("getDestinations", call("GET", "/notifications/v1/destinations", grantless))["payload"] == []
	body = {"name": "q", "resourceSpecification": {"sqs": {"arn": "arn:aws:sqs:us-east-1:123456789012:q"}}}
	created = check("createDestination", call("POST", "/notifications/v1/destinations", grantless, body))
	destination_id = created["payload"]["destinationId"]
	check("createDestination", call("POST", "/notifications/v1/destinations", grantless, body))  # 409
	bad = {"name": "q", "resourceSpecification": {"sqs": {"arn": "not-an-arn"}}}
	assert check("createDestination", call("POST", "/notifications/v1/destinations", grantless, bad))[
		"errors"
	]
	listed = check("getDestinations", call("GET", "/notifications/v1/destinations", grantless))
	assert [d["destinationId"] for d in listed["payload"]] == [destination_id]
	path = "/notifications/v1/subscriptions/ORDER_CHANGE"
	none = call("GET", path, seller)
	assert none.status_code == 404 and check("getSubscription", none)["errors"]
	request = {"payloadVersion": "1.0", "destinationId": destination_id,
		"processingDirective": {"eventFilter": {"eventFilterType": "ORDER_CHANGE", "marketplaceIds": ["ATVPDKIKX0DER"]}}}  # fmt: skip
	made = check("createSubscription", call("POST", path, seller, request))["payload"]
	assert made["destinationId"] == destination_id and made["payloadVersion"] == "1.0"
	assert call("POST", path, seller, request).status_code == 409
	assert call("POST", path, seller, {**request, "payloadVersion": "9.9"}).status_code == 400
	assert check("getSubscription", call("GET", path, seller))["payload"] == made
	gone = call("DELETE", f"{path}/{made['subscriptionId']}", grantless)
	assert gone.status_code == 200
	assert call("GET", path, seller).status_code == 404
	http.close()
