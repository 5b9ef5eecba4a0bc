"""The simulator: a threaded HTTP server on 127.0.0.1 serving the world as the SP-API would."""

from __future__ import annotations

import json
import re
import secrets
import socket
import threading
import time
import uuid
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from . import lifecycle
from .auth import Auth
from .clock import SimClock, parse_iso
from .connect import credentials
from .faults import FaultConfigError, Faults
from .fulfillment import DEFAULT_DELAYS, DEFAULT_RETURN_DELAY, Fulfillment
from .http_types import ApiError, Reply, Request, invalid
from .inventory import InventoryError, InventoryOperations
from .listing_issues import ListingIssues
from .listings_push import ListingsPush
from .notification_api import NotificationOperations
from .operations import Operations
from .pagination import Tokens
from .reports import Reports
from .settlements import FinanceBook
from .shipments import Shipments
from .throttle import Throttle
from .world import World, WorldError, load_world

HOST = "127.0.0.1"
FINANCES_V0_MODES = ("on", "events-off", "off")
V0_FINANCE_OPERATIONS = ("listFinancialEvents", "listFinancialEventsByOrderId", "listFinancialEventGroups",
	"listFinancialEventsByGroupId")  # fmt: skip

# (method, path pattern, operation name, Operations method)
ROUTES = [
	("GET", "/sellers/v1/marketplaceParticipations", "getMarketplaceParticipations", "get_marketplace_participations"),
	("GET", "/orders/2026-01-01/orders", "searchOrders", "search_orders"),
	("GET", "/orders/2026-01-01/orders/{orderId}", "getOrder", "get_order"),
	("GET", "/finances/v0/financialEvents", "listFinancialEvents", "list_financial_events"),
	("GET", "/finances/v0/orders/{orderId}/financialEvents", "listFinancialEventsByOrderId",
		"list_financial_events_by_order_id"),
	("GET", "/finances/v0/financialEventGroups", "listFinancialEventGroups", "list_financial_event_groups"),
	("GET", "/finances/v0/financialEventGroups/{eventGroupId}/financialEvents", "listFinancialEventsByGroupId",
		"list_financial_events_by_group_id"),
	("GET", "/finances/2024-06-19/transactions", "listTransactions", "list_transactions"),
	("POST", "/reports/2021-06-30/reports", "createReport", "create_report"),
	("GET", "/reports/2021-06-30/reports", "getReports", "get_reports"),
	("GET", "/reports/2021-06-30/reports/{reportId}", "getReport", "get_report"),
	("GET", "/reports/2021-06-30/documents/{reportDocumentId}", "getReportDocument", "get_report_document"),
	("GET", "/catalog/2022-04-01/items", "searchCatalogItems", "search_catalog_items"),
	("GET", "/catalog/2022-04-01/items/{asin}", "getCatalogItem", "get_catalog_item"),
	("GET", "/listings/2021-08-01/items/{sellerId}/{sku}", "getListingsItem", "get_listings_item"),
	("GET", "/fba/inventory/v1/summaries", "getInventorySummaries", "inventory.get_inventory_summaries"),
	("POST", "/orders/v0/orders/{orderId}/shipmentConfirmation", "confirmShipment", "shipments.confirm_shipment"),
	("PATCH", "/listings/2021-08-01/items/{sellerId}/{sku}", "patchListingsItem", "listings.patch_listings_item"),
	("POST", "/feeds/2021-06-30/documents", "createFeedDocument", "listings.create_feed_document"),
	("GET", "/feeds/2021-06-30/documents/{feedDocumentId}", "getFeedDocument", "listings.get_feed_document"),
	("POST", "/feeds/2021-06-30/feeds", "createFeed", "listings.create_feed"),
	("GET", "/feeds/2021-06-30/feeds", "getFeeds", "listings.get_feeds"),
	("GET", "/feeds/2021-06-30/feeds/{feedId}", "getFeed", "listings.get_feed"),
	("DELETE", "/feeds/2021-06-30/feeds/{feedId}", "cancelFeed", "listings.cancel_feed"),
	("POST", "/fba/outbound/2020-07-01/fulfillmentOrders/preview", "getFulfillmentPreview",
		"fulfillment.get_fulfillment_preview"),
	("POST", "/fba/outbound/2020-07-01/fulfillmentOrders", "createFulfillmentOrder", "fulfillment.create_fulfillment_order"),
	("GET", "/fba/outbound/2020-07-01/fulfillmentOrders/{sellerFulfillmentOrderId}", "getFulfillmentOrder",
		"fulfillment.get_fulfillment_order"),
	("PUT", "/fba/outbound/2020-07-01/fulfillmentOrders/{sellerFulfillmentOrderId}/cancel", "cancelFulfillmentOrder",
		"fulfillment.cancel_fulfillment_order"),
	("PUT", "/fba/outbound/2020-07-01/fulfillmentOrders/{sellerFulfillmentOrderId}", "updateFulfillmentOrder",
		"fulfillment.update_fulfillment_order"),
	("GET", "/fba/outbound/2020-07-01/returnReasonCodes", "listReturnReasonCodes",
		"fulfillment.list_return_reason_codes"),
	("PUT", "/fba/outbound/2020-07-01/fulfillmentOrders/{sellerFulfillmentOrderId}/return", "createFulfillmentReturn",
		"fulfillment.create_fulfillment_return"),
	("POST", "/tokens/2021-03-01/restrictedDataToken", "createRestrictedDataToken", "create_restricted_data_token"),
	("GET", "/notifications/v1/destinations", "getDestinations", "notifications.get_destinations"),
	("POST", "/notifications/v1/destinations", "createDestination", "notifications.create_destination"),
	("GET", "/notifications/v1/subscriptions/{notificationType}", "getSubscription", "notifications.get_subscription"),
	("POST", "/notifications/v1/subscriptions/{notificationType}", "createSubscription",
		"notifications.create_subscription"),
	("DELETE", "/notifications/v1/subscriptions/{notificationType}/{subscriptionId}", "deleteSubscriptionById",
		"notifications.delete_subscription_by_id"),
]  # fmt: skip
# Operations of the application itself, called with a grantless token of this LWA scope.
GRANTLESS = {"getDestinations", "createDestination", "deleteSubscriptionById"}
NOTIFICATIONS_SCOPE = "sellingpartnerapi::notifications"


def _compile(template: str) -> re.Pattern:
	pattern = re.sub(r"\\\{(\w+)\\\}", lambda m: f"(?P<{m.group(1)}>[^/]+)", re.escape(template))
	return re.compile(f"^{pattern}$")


COMPILED = [(method, _compile(path), op, handler) for method, path, op, handler in ROUTES]
DOWNLOAD = re.compile(r"^/_sim/documents/(?P<documentId>[^/]+)$")
UPLOAD = re.compile(r"^/_sim/uploads/(?P<documentId>[^/]+)$")


class _Handler(BaseHTTPRequestHandler):
	protocol_version = "HTTP/1.1"
	server_version = "AmazonSpApiSimulator/1"

	def setup(self):
		super().setup()
		# Headers and body go out in separate writes; without this, Nagle's algorithm and delayed
		# ACKs add ~40 ms to every reply.
		self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

	def log_message(self, format, *args):  # requests carry tokens; keep the console quiet
		pass

	def _serve(self):
		sim: Simulator = self.server.simulator  # type: ignore[attr-defined]
		length = int(self.headers.get("Content-Length") or 0)
		body = self.rfile.read(length) if length else b""
		url = urlsplit(self.path)
		request = Request(
			method=self.command,
			path=url.path,
			query=Request.parse_query(url.query),
			headers={k.lower(): v for k, v in self.headers.items()},
			body=body,
		)
		reply, fault = sim.handle(request)
		self._send(reply, fault, sim)

	def _send(self, reply: Reply, fault: str | None, sim: Simulator):
		if fault == "slow":
			time.sleep(sim.faults.slow_seconds)
		self.send_response(reply.status)
		self.send_header("Content-Type", reply.content_type)
		self.send_header("Content-Length", str(len(reply.body)))
		self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
		for name, value in reply.headers.items():
			self.send_header(name, value)
		if fault == "truncate":
			self.send_header("Connection", "close")
			self.end_headers()
			self.wfile.write(reply.body[: max(1, len(reply.body) // 2)])
			self.wfile.flush()
			self.close_connection = True
			return
		self.end_headers()
		self.wfile.write(reply.body)

	do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve


class Simulator:
	"""A local Selling Partner API serving one world.

	time_scale: the simulator clock runs this many times faster than real time (buckets refill and
	reports progress that much faster). limits: enforce the usage plans. faults: see faults.py.
	token_ttl: access token lifetime in simulator seconds. report_delays: seconds a report spends
	IN_QUEUE and IN_PROGRESS. fee_delay_days: when fees post after a shipment made by transition_order.
	start_time: the simulator clock's starting instant (default: now).
	finances_v0: "on"; "events-off" (listFinancialEvents, ...ByOrderId and ...ByGroupId answer 404, as
	once Amazon removes them; the settlement list stays); "off" (every Finances v0 path answers 404).
	transactions_page_size: transactions per listTransactions page. settlement_days: the length of
	a settlement period (Amazon: usually 14 days). mcf_delays: simulated seconds a Multi-Channel
	Fulfillment order spends Received, Planning and Processing, mcf_validation_delay those it is New
	before Amazon validates it, mcf_return_delay those until a returned unit is processed;
	mcf_update_requires_hold: updateFulfillmentOrder refuses orders without an order hold
	(fulfillment.py).
	"""

	def __init__(self, world, *, time_scale: float = 1.0, limits: bool = True, faults: dict | None = None,
		token_ttl: float = 3600.0, report_delays: tuple[float, float] = (20.0, 40.0), compress_reports: bool = True,
		fee_delay_days: float = 2.0, start_time: datetime | str | None = None, port: int = 0,
		finances_v0: str = "on", transactions_page_size: int = 100, settlement_days: float = 14.0,
		mcf_delays: tuple[float, float, float] = DEFAULT_DELAYS, mcf_validation_delay: float = 0.0,
		mcf_return_delay: float = DEFAULT_RETURN_DELAY, mcf_update_requires_hold: bool = False):  # fmt: skip
		if isinstance(world, World):
			self.world = world
		elif isinstance(world, dict):
			self.world = World(world)
		elif isinstance(world, (str, Path)):
			self.world = load_world(world)
		else:
			raise TypeError("world must be a World, a world dict or a path to a world file")
		if isinstance(start_time, str):
			start_time = parse_iso(start_time)
		self.clock = SimClock(start_time, time_scale)
		self.throttle = Throttle(enabled=limits)
		self.faults = Faults(faults)
		self.auth = Auth(self.world, self.clock, token_ttl)
		self.reports = Reports(self, report_delays[0], report_delays[1], compress_reports)
		self.tokens = Tokens(secrets.token_bytes(16))
		self.operations = Operations(self)
		# Handlers named "<group>.<method>" live in their own modules, one per API.
		self.listings_push = ListingsPush(self)
		self.shipments = Shipments(self)
		self.notifications = NotificationOperations(self)
		self.fulfillment = Fulfillment(
			self, mcf_delays, mcf_validation_delay, mcf_return_delay, mcf_update_requires_hold
		)
		self.listing_issues = ListingIssues()
		self.handlers = {
			"fulfillment": self.fulfillment,
			"inventory": InventoryOperations(self),
			"listings": self.listings_push,
			"shipments": self.shipments,
			"notifications": self.notifications,
		}
		self.fee_delay = timedelta(days=fee_delay_days)
		self.set_finances_v0(finances_v0)
		self.transactions_page_size = max(1, int(transactions_page_size))
		self._book: FinanceBook | None = None
		self._book_lock = threading.Lock()
		self.order_changes = None  # an OrderChangeSender once notify_order_changes is called
		self.sqs_options: dict | None = None  # how the simulator reaches SQS queues (connect_sqs)
		self.settlement_period = timedelta(days=settlement_days)
		self._port = port
		self._server: ThreadingHTTPServer | None = None
		self._thread: threading.Thread | None = None
		self._stats_lock = threading.Lock()
		self.reset_stats()

	# lifecycle

	def start(self) -> str:
		if self._server is not None:
			return self.base_url
		# The settlement book takes in every event of the world once (seconds at 100,000 orders):
		# done before serving, not inside the first finances request, which would then outlast a
		# client's timeout. Later requests take in only what was added since.
		self.finance_book()
		server = ThreadingHTTPServer((HOST, self._port), _Handler)
		server.daemon_threads = True
		server.simulator = self  # type: ignore[attr-defined]
		self._server = server
		self._thread = threading.Thread(
			target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="spapi-simulator", daemon=True
		)
		self._thread.start()
		return self.base_url

	def stop(self) -> None:
		if self._server is None:
			return
		self._server.shutdown()
		self._server.server_close()
		if self._thread is not None:
			self._thread.join(timeout=5)
		self._server = None
		self._thread = None

	def __enter__(self) -> Simulator:
		self.start()
		return self

	def __exit__(self, *exc) -> None:
		self.stop()

	@property
	def base_url(self) -> str:
		if self._server is None:
			raise RuntimeError("the simulator is not started")
		return f"http://{HOST}:{self._server.server_address[1]}"

	@property
	def account(self) -> dict:
		return credentials(self.world.account)

	# statistics

	def stats(self) -> dict:
		with self._stats_lock:
			return {
				"calls": dict(self._calls),
				"responses": {
					op: {str(k): v for k, v in codes.items()} for op, codes in self._responses.items()
				},
				"throttled": dict(self._throttled),
				"faults": dict(self._faults),
				"tokens_issued": self._lwa_calls,
				"orders_returned": self._orders_returned,
			}

	def reset_stats(self) -> None:
		with self._stats_lock:
			self._calls: Counter = Counter()
			self._responses: defaultdict = defaultdict(Counter)
			self._throttled: Counter = Counter()
			self._faults: Counter = Counter()
			self._lwa_calls = 0
			self._orders_returned = 0

	# controls (also under /_sim/)

	def now(self) -> datetime:
		return self.clock.now()

	def advance_clock(self, seconds: float) -> datetime:
		return self.clock.advance(seconds)

	def configure_faults(self, config: dict | None) -> None:
		self.faults.configure(config or {})

	def notify_order_changes(self, queue_url: str, **client_options) -> None:
		"""Send an ORDER_CHANGE notification to this SQS queue whenever `transition_order` changes an
		order (client_options go to boto3: endpoint_url, region_name, credentials)."""
		from .notifications import OrderChangeSender

		self.order_changes = OrderChangeSender(queue_url, **client_options)

	def connect_sqs(self, **client_options) -> None:
		"""Where SQS is (boto3 options: endpoint_url, region_name, keys): once the seller subscribes to
		ORDER_CHANGE at an SQS destination, order changes go to that queue, as Amazon sends them."""
		self.sqs_options = dict(client_options)
		self.subscriptions_changed()

	def subscriptions_changed(self) -> None:
		"""Point order-change delivery at the seller's ORDER_CHANGE subscription (or stop it)."""
		from amazon_connector.spapi.sqs import parse_queue_arn

		from .notifications import OrderChangeSender

		if self.sqs_options is None:
			return
		target = self.notifications.order_change_target(self.world.seller_id)
		if target is None:
			self.order_changes = None
			return
		arn, marketplace_ids = target
		region, owner, name = parse_queue_arn(arn)
		self.order_changes = OrderChangeSender.for_queue(
			name, owner, marketplace_ids=marketplace_ids, **{"region_name": region, **self.sqs_options}
		)

	def transition_order(
		self, order_id: str, status: str, *, post_fees: str = "later", prices: dict | None = None
	) -> dict:
		"""Move an order (PENDING -> UNSHIPPED -> SHIPPED, or -> CANCELLED). Shipping schedules its
		ShipmentEvent fee_delay_days later in simulator time (post_fees="now": at once; "never": not)."""
		order = lifecycle.transition(
			self.world,
			order_id,
			status,
			self.clock.now(),
			post_fees=post_fees,
			fee_delay=self.fee_delay,
			prices=prices,
		)
		if self.order_changes is not None:
			self.order_changes.send(order, self.world.seller_id, self.clock.now())
		return order

	def ship_part(self, order_id: str, units: dict[str, int], *, post_fees: str = "later") -> dict:
		"""Amazon ships part of an Amazon-fulfilled order (order item id -> units); see lifecycle.ship_part."""
		order = lifecycle.ship_part(
			self.world, order_id, units, self.clock.now(), post_fees=post_fees, fee_delay=self.fee_delay
		)
		if self.order_changes is not None:
			self.order_changes.send(order, self.world.seller_id, self.clock.now())
		return order

	def set_finances_v0(self, mode: str) -> None:
		if mode not in FINANCES_V0_MODES:
			raise ValueError(f"finances_v0 must be one of {', '.join(FINANCES_V0_MODES)}, not {mode!r}")
		self.finances_v0 = mode

	def finance_book(self) -> FinanceBook:
		"""The seller's books as of the current hour (settlements close, deferred money is released on
		the hour after its moment). One book, kept up to date: each call takes in only the events
		added since the last one (see settlements.py)."""
		hour = self.clock.now().replace(minute=0, second=0, microsecond=0)
		with self._book_lock:
			if self._book is None:
				self._book = FinanceBook(self.world, hour, self.settlement_period)
			return self._book.refresh(hour)

	def reserve_events(self) -> list[tuple[str, dict, datetime]]:
		"""The reserves settlements hold and release, as (list name, event, posted): the same list
		while no event is added and no settlement closes."""
		return self.finance_book().reserves

	def add_financial_event(
		self, event: dict, list_name: str = "AdjustmentEventList", *, posted_date=None
	) -> dict:
		"""Add a Finances v0 event (e.g. a late AdjustmentEvent). posted_date sets its PostedDate;
		without it the event must carry one."""
		event = dict(event)
		if posted_date is not None:
			event["PostedDate"] = (
				posted_date if isinstance(posted_date, str) else posted_date.strftime("%Y-%m-%dT%H:%M:%SZ")
			)
		self.world.add_event(list_name, event)
		return event

	@property
	def fba_inventory(self):
		"""The world's FBA stock pools (simulator/inventory.py)."""
		return self.world.fba_inventory

	def set_fba_quantities(self, marketplace_id: str, sku: str, **quantities: int) -> dict:
		"""Set a SKU's FBA quantities (fulfillable=, inboundShipped=, reserved=, unfulfillable=, ...)."""
		return self.world.fba_inventory.set_quantities(marketplace_id, sku, self.clock.now(), **quantities)

	def receive_fba_return(
		self, marketplace_id: str, sku: str, quantity: int, *, sellable: bool = True
	) -> dict:
		"""A customer return reaches Amazon's warehouse (sellable, or customer damaged)."""
		return self.world.fba_inventory.receive_return(
			marketplace_id, sku, quantity, self.clock.now(), sellable
		)

	def access_token(self) -> str:
		"""A valid access token for the world's seller (for raw HTTP tests)."""
		return self.auth.issue_access_token()

	def expire_tokens(self) -> None:
		"""Expire every access token issued so far (callers must refresh through LWA)."""
		self.auth.expire_all()

	# request handling

	def handle(self, request: Request) -> tuple[Reply, str | None]:
		try:
			if request.path == "/auth/o2/token" and request.method == "POST":
				with self._stats_lock:
					self._lwa_calls += 1
				return self.auth.lwa(request.body), None
			if request.path.startswith("/_sim/"):
				return self._control(request), None
			return self._api(request)
		except ApiError as error:
			return error.reply(), None
		except Exception as exc:  # a simulator bug must still answer, as Amazon's 500 does
			return ApiError(
				500, "InternalFailure", "We encountered an internal error.", type(exc).__name__
			).reply(), None

	def _route(self, request: Request):
		allowed = False
		for method, pattern, operation, handler in COMPILED:
			match = pattern.match(request.path)
			if match:
				allowed = True
				if method == request.method:
					return operation, handler, match.groupdict()
		if allowed:
			raise ApiError(405, "MethodNotAllowed", f"{request.method} is not allowed on {request.path}.")
		raise ApiError(404, "NotFound", f"Resource {request.path} is not found.")

	def _api(self, request: Request) -> tuple[Reply, str | None]:
		operation, handler, params = self._route(request)
		if self._v0_switched_off(operation):
			raise ApiError(404, "NotFound", f"Resource {request.path} is not found.")
		request.operation = operation
		request.path_params = params
		with self._stats_lock:
			self._calls[operation] += 1
		reply, fault = self._api_reply(request, handler)
		with self._stats_lock:
			self._responses[operation][reply.status] += 1
			if reply.status == 429:
				self._throttled[operation] += 1
			if fault:
				self._faults[operation] += 1
			if reply.status == 200 and operation in ("searchOrders", "getOrder"):
				payload = json.loads(reply.body)
				self._orders_returned += len(payload.get("orders", [])) if "orders" in payload else 1
		return reply, fault

	def _v0_switched_off(self, operation: str) -> bool:
		if self.finances_v0 == "off":
			return operation in V0_FINANCE_OPERATIONS
		if self.finances_v0 == "events-off":
			return operation in V0_FINANCE_OPERATIONS and operation != "listFinancialEventGroups"
		return False

	def _api_reply(self, request: Request, handler: str) -> tuple[Reply, str | None]:
		plan = self.throttle.plan(request.operation)
		limit = {"x-amzn-RateLimit-Limit": f"{plan.rate:g}"}
		grant = self.auth.check(
			request.headers.get("x-amz-access-token"),
			request.method,
			request.path,
			grantless_scope=NOTIFICATIONS_SCOPE if request.operation in GRANTLESS else "",
		)
		request.seller_id = grant.seller_id
		# Orders 2026-01-01 returns personal data per the app's roles, with or without an RDT; older
		# restricted operations by the RDT's data elements.
		orders_api = request.operation in ("searchOrders", "getOrder")
		request.pii = self.world.personal_data_elements() if orders_api else set(grant.elements)
		fault = self.faults.draw(request.operation)
		if fault == "expired_token":
			return self.auth.expired_reply(), fault
		# Grantless operations are limited per application, the others per seller.
		if fault == "throttle" or not self.throttle.allow(
			grant.seller_id or "application", request.operation, self.clock.seconds()
		):
			error = ApiError(429, "QuotaExceeded", "You exceeded your quota for the requested resource.")
			reply = error.reply()
			reply.headers.update(limit)
			return reply, fault
		if fault == "server_error":
			reply = ApiError(
				500, "InternalFailure", "We encountered an internal error. Please try again."
			).reply()
			return reply, fault
		if fault == "unavailable":
			reply = ApiError(
				503, "ServiceUnavailable", "Service temporarily unavailable. Please try again."
			).reply()
			return reply, fault
		group, _, method = handler.rpartition(".")
		target = self.handlers[group] if group else self.operations
		try:
			reply = getattr(target, method)(request)
		except ApiError as error:
			reply = error.reply()
		if reply.status != 403:
			reply.headers.update(limit)
		return reply, fault

	# /_sim/ control endpoints

	def _control(self, request: Request) -> Reply:
		path = request.path
		match = DOWNLOAD.match(path)
		if match and request.method == "GET":
			request.path_params = match.groupdict()
			return self.operations.download_document(request)
		match = UPLOAD.match(path)
		if match and request.method == "PUT":
			return self.listings_push.upload(
				match["documentId"], request.param("X-Amz-Expires-At"), request.body
			)
		try:
			body = request.json() or {}
		except ValueError:
			raise invalid("The request body is not valid JSON.") from None
		if path == "/_sim/stats" and request.method == "GET":
			return Reply.json(200, self.stats())
		if path == "/_sim/stats/reset" and request.method == "POST":
			self.reset_stats()
			return Reply.json(200, self.stats())
		if path == "/_sim/faults":
			if request.method == "POST":
				try:
					self.configure_faults(body)
				except FaultConfigError as exc:
					raise invalid(str(exc)) from None
			return Reply.json(200, self.faults.config)
		if path == "/_sim/clock":
			if request.method == "POST":
				self.advance_clock(float(body.get("advanceSeconds", 0)))
			return Reply.json(
				200,
				{"now": self.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"), "timeScale": self.clock.time_scale},
			)
		if path == "/_sim/tokens/expire" and request.method == "POST":
			self.expire_tokens()
			return Reply.json(200, {"expired": True})
		order_match = re.match(r"^/_sim/orders/(?P<orderId>[^/]+)/transition$", path)
		if order_match and request.method == "POST":
			try:
				order = self.transition_order(
					order_match["orderId"], body.get("status", ""), post_fees=body.get("postFees", "later"),
					prices=body.get("prices"),
				)  # fmt: skip
			except lifecycle.TransitionError as exc:
				raise invalid(str(exc)) from None
			return Reply.json(200, {"order": order})
		if path == "/_sim/financial-events" and request.method == "POST":
			try:
				event = self.add_financial_event(
					body.get("event") or {},
					body.get("list", "AdjustmentEventList"),
					posted_date=body.get("postedDate"),
				)
			except WorldError as exc:
				raise invalid(str(exc)) from None
			return Reply.json(200, {"event": event})
		if path == "/_sim/finances-v0" and request.method == "POST":
			try:
				self.set_finances_v0(str(body.get("mode", "")))
			except ValueError as exc:
				raise invalid(str(exc)) from None
			return Reply.json(200, {"mode": self.finances_v0})
		inventory_match = re.match(r"^/_sim/inventory/(?P<sku>[^/]+)(?P<ret>/return)?$", path)
		if inventory_match and request.method == "POST":
			sku = unquote(inventory_match["sku"])
			marketplace_id = body.pop("marketplaceId", "")
			try:
				if inventory_match["ret"]:
					summary = self.receive_fba_return(
						marketplace_id,
						sku,
						int(body.get("quantity") or 0),
						sellable=bool(body.get("sellable", True)),
					)
				else:
					summary = self.set_fba_quantities(marketplace_id, sku, **body)
			except (InventoryError, TypeError, ValueError) as exc:
				raise invalid(str(exc)) from None
			return Reply.json(200, {"summary": summary})
		if path == "/_sim/world" and request.method == "GET":
			return Reply.json(200, self.world.to_dict())
		raise ApiError(404, "NotFound", f"Unknown simulator control {request.method} {path}.")
