"""Notifications v1 as Amazon serves it: the app's destinations (grantless) and each seller's
subscriptions. Once a seller subscribes to ORDER_CHANGE at an SQS destination, every order change
(`Simulator.transition_order`) is sent to that queue, filtered by the subscription's marketplaces.

Amazon writes to the seller app's queue with its own AWS principal; the simulator writes with the
SQS endpoint and keys it is given (`Simulator.connect_sqs`; moto's server on loopback in the tests).
"""

from __future__ import annotations

import threading
import uuid

from amazon_connector.spapi.sqs import parse_queue_arn

from .http_types import ApiError, Reply, Request, invalid, not_found

# Notification types the simulator can send, with the payload versions Amazon offers for them.
PAYLOAD_VERSIONS = {"ORDER_CHANGE": ("1.0",)}


def _conflict(message: str) -> ApiError:
	return ApiError(409, "Conflict", message)


class NotificationOperations:
	def __init__(self, sim):
		self.sim = sim
		self._lock = threading.Lock()
		self.destinations: dict[str, dict] = {}  # destinationId -> Destination (the application's)
		self.subscriptions: dict[tuple[str, str], dict] = {}  # (seller, type) -> Subscription

	# -- destinations (grantless) ----------------------------------------------------------------
	def get_destinations(self, request: Request) -> Reply:
		with self._lock:
			return Reply.json(200, {"payload": list(self.destinations.values())})

	def create_destination(self, request: Request) -> Reply:
		body = _json_object(request)
		name = body.get("name")
		spec = body.get("resourceSpecification")
		if not isinstance(name, str) or not name or len(name) > 256:
			raise invalid("name is required (at most 256 characters).")
		if not isinstance(spec, dict) or len([k for k in ("sqs", "eventBridge") if spec.get(k)]) != 1:
			raise invalid("resourceSpecification needs exactly one of sqs or eventBridge.")
		if "sqs" not in spec:
			raise invalid("The simulator delivers to SQS destinations only.")
		arn = (spec["sqs"] or {}).get("arn")
		if not isinstance(arn, str) or not _is_queue_arn(arn) or len(arn) > 1000:
			raise invalid(f"{arn!r} is not a valid SQS queue ARN.")
		with self._lock:
			if any(d["resource"]["sqs"]["arn"] == arn for d in self.destinations.values()):
				raise _conflict("A destination for this resource already exists.")
			destination = {
				"name": name,
				"destinationId": str(uuid.uuid4()),
				"resource": {"sqs": {"arn": arn}},
			}
			self.destinations[destination["destinationId"]] = destination
		return Reply.json(200, {"payload": destination})

	def delete_subscription_by_id(self, request: Request) -> Reply:
		kind = request.path_params["notificationType"]
		wanted = request.path_params["subscriptionId"]
		with self._lock:
			key = next(
				(k for k, s in self.subscriptions.items() if k[1] == kind and s["subscriptionId"] == wanted),
				None,
			)
			if key is None:
				raise not_found(f"No {kind} subscription {wanted}.")
			del self.subscriptions[key]
		self.sim.subscriptions_changed()
		return Reply.json(200, {})

	# -- subscriptions (the seller's) ------------------------------------------------------------
	def get_subscription(self, request: Request) -> Reply:
		kind = _notification_type(request)
		version = request.param("payloadVersion")
		with self._lock:
			subscription = self.subscriptions.get((request.seller_id, kind))
		if subscription is None or (version and subscription["payloadVersion"] != version):
			raise not_found(f"The seller has no {kind} subscription.")
		return Reply.json(200, {"payload": subscription})

	def create_subscription(self, request: Request) -> Reply:
		kind = _notification_type(request)
		body = _json_object(request)
		version = body.get("payloadVersion")
		destination_id = body.get("destinationId")
		if not isinstance(version, str) or not isinstance(destination_id, str):
			raise invalid("payloadVersion and destinationId are required.")
		if version not in PAYLOAD_VERSIONS[kind]:
			raise invalid(f"{kind} has no payload version {version!r}.")
		directive = body.get("processingDirective")
		if directive is not None:
			_check_directive(kind, directive)
		with self._lock:
			if destination_id not in self.destinations:
				raise not_found(f"No destination {destination_id}.")
			if (request.seller_id, kind) in self.subscriptions:
				raise _conflict(f"The seller already has a {kind} subscription.")
			subscription = {
				"subscriptionId": str(uuid.uuid4()),
				"payloadVersion": version,
				"destinationId": destination_id,
			}
			if directive:
				subscription["processingDirective"] = directive
			self.subscriptions[(request.seller_id, kind)] = subscription
		self.sim.subscriptions_changed()
		return Reply.json(200, {"payload": subscription})

	# -- delivery --------------------------------------------------------------------------------
	def order_change_target(self, seller_id: str) -> tuple[str, list[str] | None] | None:
		"""(queue ARN, marketplace filter or None) of the seller's ORDER_CHANGE subscription."""
		with self._lock:
			subscription = self.subscriptions.get((seller_id, "ORDER_CHANGE"))
			if subscription is None:
				return None
			arn = self.destinations[subscription["destinationId"]]["resource"]["sqs"]["arn"]
		event_filter = (subscription.get("processingDirective") or {}).get("eventFilter") or {}
		return arn, event_filter.get("marketplaceIds")


def _is_queue_arn(arn: str) -> bool:
	try:
		parse_queue_arn(arn)
	except ValueError:
		return False
	return True


def _notification_type(request: Request) -> str:
	kind = request.path_params["notificationType"]
	if kind not in PAYLOAD_VERSIONS:
		raise invalid(f"The simulator does not offer notification type {kind!r}.")
	return kind


def _json_object(request: Request) -> dict:
	try:
		body = request.json()
	except ValueError:
		raise invalid("The request body is not valid JSON.") from None
	if not isinstance(body, dict):
		raise invalid("The request body must be a JSON object.")
	return body


def _check_directive(kind: str, directive) -> None:
	if not isinstance(directive, dict):
		raise invalid("processingDirective must be an object.")
	event_filter = directive.get("eventFilter")
	if event_filter is not None and directive.get("filterExpression") is not None:
		raise invalid("eventFilter and filterExpression are mutually exclusive.")
	if event_filter is not None:
		if not isinstance(event_filter, dict) or event_filter.get("eventFilterType") != kind:
			raise invalid(f"eventFilter.eventFilterType must be {kind}.")
		ids = event_filter.get("marketplaceIds")
		if ids is not None and (not isinstance(ids, list) or not all(isinstance(i, str) for i in ids)):
			raise invalid("eventFilter.marketplaceIds must be a list of marketplace ids.")
