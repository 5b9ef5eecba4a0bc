"""The SP-API operations the simulator serves, each answering with Amazon's payload shapes."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import unquote

from amazon_connector.core.money import minor_units
from amazon_connector.spapi.charsets import python_codec

from . import order_report, settlement_report
from .clock import iso, parse_iso
from .http_types import ApiError, Reply, Request, invalid, not_found
from .marketplaces import BY_ID
from .pagination import signature
from .store import unpack
from .views import INCLUDED_DATA, render_order

if TYPE_CHECKING:
	from .server import Simulator

TWO_MINUTES = timedelta(minutes=2)
ORDER_HISTORY = timedelta(days=730)  # searchOrders returns about two years of orders
HISTORY_EXEMPT = {"A1VC38T7YXB528", "A39IBJ37TRP1C6", "A19VAU5U5O7RUS"}  # JP, AU, SG keep older orders
FULFILLMENT_STATUSES = ("PENDING_AVAILABILITY", "PENDING", "UNSHIPPED", "PARTIALLY_SHIPPED", "SHIPPED", "CANCELLED",
	"UNFULFILLABLE")  # fmt: skip
FINANCE_LISTS = ("ShipmentEventList", "RefundEventList", "GuaranteeClaimEventList", "ChargebackEventList",
	"PayWithAmazonEventList", "ServiceProviderCreditEventList", "RetrochargeEventList", "RentalTransactionEventList",
	"ProductAdsPaymentEventList", "ServiceFeeEventList", "SellerDealPaymentEventList", "DebtRecoveryEventList",
	"LoanServicingEventList", "AdjustmentEventList", "SAFETReimbursementEventList",
	"SellerReviewEnrollmentPaymentEventList", "FBALiquidationEventList", "CouponPaymentEventList",
	"ImagingServicesFeeEventList", "NetworkComminglingTransactionEventList", "AffordabilityExpenseEventList",
	"AffordabilityExpenseReversalEventList", "RemovalShipmentEventList", "RemovalShipmentAdjustmentEventList",
	"TrialShipmentEventList", "TDSReimbursementEventList", "AdhocDisbursementEventList", "TaxWithholdingEventList",
	"ChargeRefundEventList", "FailedAdhocDisbursementEventList", "ValueAddedServiceChargeEventList",
	"CapacityReservationBillingEventList")  # fmt: skip
CATALOG_DATA = ("attributes", "classifications", "dimensions", "identifiers", "images", "productTypes", "relationships",
	"salesRanks", "summaries", "vendorDetails")  # fmt: skip
LISTINGS_DATA = ("summaries", "attributes", "issues", "offers", "fulfillmentAvailability", "procurement",
	"relationships", "productTypes")  # fmt: skip
LISTINGS_REPORT = "GET_MERCHANT_LISTINGS_ALL_DATA"
REPORT_COLUMNS = ("item-name", "item-description", "listing-id", "seller-sku", "price", "quantity", "open-date",
	"image-url", "item-is-marketplace", "product-id-type", "zshop-shipping-fee", "item-note", "item-condition",
	"zshop-category1", "zshop-browse-path", "zshop-storefront-feature", "asin1", "asin2", "asin3",
	"will-ship-internationally", "expedited-shipping", "zshop-boldface", "product-id", "bid-for-featured-placement",
	"add-delete", "pending-quantity", "fulfillment-channel", "merchant-shipping-group", "status")  # fmt: skip


def _visible(created: datetime, marketplace_id: str | None, now: datetime) -> bool:
	"""Whether searchOrders and the reports show an order placed at `created` at `now`."""
	if created > now:
		return False  # not placed yet in simulator time
	return marketplace_id in HISTORY_EXEMPT or created >= now - ORDER_HISTORY


def _date(request: Request, name: str) -> datetime | None:
	value = request.param(name)
	if value is None or value == "":
		return None
	try:
		return parse_iso(value)
	except ValueError:
		raise invalid(f"Invalid {name}: {value!r} is not an ISO 8601 date-time.") from None


def _int(request: Request, name: str, default: int, low: int, high: int) -> int:
	value = request.param(name)
	if value is None or value == "":
		return default
	try:
		number = int(value)
	except ValueError:
		raise invalid(f"Invalid {name}: {value!r} is not an integer.") from None
	if not low <= number <= high:
		raise invalid(f"Invalid {name}: must be between {low} and {high}.")
	return number


def _enum_list(request: Request, name: str, allowed) -> list[str] | None:
	values = request.params(name)
	if values is None:
		return None
	bad = [v for v in values if v not in allowed]
	if bad:
		raise invalid(f"Invalid {name}: {', '.join(bad)}.", f"Allowed values: {', '.join(allowed)}.")
	return values


class Operations:
	def __init__(self, sim: Simulator):
		self.sim = sim
		self.world = sim.world

	# Sellers

	def get_marketplace_participations(self, request: Request) -> Reply:
		payload = []
		for m in self.world.account.get("marketplaces", []):
			known = BY_ID.get(m["marketplaceId"])
			payload.append(
				{
					"marketplace": {
						"id": m["marketplaceId"],
						"name": m.get("name") or (known.name if known else m["marketplaceId"]),
						"countryCode": m["countryCode"],
						"defaultCurrencyCode": m["currencyCode"],
						"defaultLanguageCode": m.get("languageCode")
						or (known.language if known else "en_US"),
						"domainName": m.get("domainName") or (known.domain if known else ""),
					},
					"participation": {
						"isParticipating": m.get("isParticipating", True),
						"hasSuspendedListings": m.get("hasSuspendedListings", False),
					},
					"storeName": self.world.account.get("storeName", "Simulated Store"),
				}
			)
		return Reply.json(200, {"payload": payload})

	# Orders 2026-01-01

	def _marketplace_ids(
		self, request: Request, name: str = "marketplaceIds", required: bool = False
	) -> list[str] | None:
		ids = request.params(name)
		if not ids:
			if required:
				raise invalid(f"Missing required parameter {name}.")
			return None
		unknown = [i for i in ids if self.world.marketplace(i) is None]
		if unknown:
			raise invalid(
				f"Invalid {name}: {', '.join(unknown)}.",
				"The seller does not participate in these marketplaces.",
			)
		return ids

	def _included(self, request: Request) -> set[str]:
		return set(_enum_list(request, "includedData", INCLUDED_DATA) or ())

	def search_orders(self, request: Request) -> Reply:
		now = self.sim.clock.now()
		included = self._included(request)
		page_size = _int(request, "maxResultsPerPage", 100, 1, 100)
		created_after = _date(request, "createdAfter")
		created_before = _date(request, "createdBefore")
		updated_after = _date(request, "lastUpdatedAfter")
		updated_before = _date(request, "lastUpdatedBefore")
		if (created_after is None) == (updated_after is None):
			raise invalid("Exactly one of createdAfter and lastUpdatedAfter must be provided.")
		if created_after is not None and (updated_after or updated_before):
			raise invalid("lastUpdatedBefore may not be combined with createdAfter.")
		if updated_after is not None and created_before:
			raise invalid("createdBefore may not be combined with lastUpdatedAfter.")
		statuses = _enum_list(request, "fulfillmentStatuses", FULFILLMENT_STATUSES)
		fulfilled_by = _enum_list(request, "fulfilledBy", ("MERCHANT", "AMAZON"))
		marketplaces = self._marketplace_ids(request)
		by_created = created_after is not None
		after = created_after if by_created else updated_after
		before = created_before if by_created else updated_before
		name_before = "createdBefore" if by_created else "lastUpdatedBefore"
		filters = {
			"after": iso(after),
			"before": iso(before) if before else None,
			"by": "created" if by_created else "updated",
			"marketplaces": sorted(marketplaces or []),
			"statuses": sorted(statuses or []),
			"fulfilledBy": sorted(fulfilled_by or []),
		}
		token = request.param("paginationToken")
		offset = 0
		if token:
			state = self.sim.tokens.read(token, "paginationToken")
			if state.get("kind") != "orders" or state.get("sig") != signature(filters):
				raise invalid(
					"Invalid paginationToken.",
					"All other parameters must have the values of the request that returned the token.",
				)
			if now.timestamp() - state["issued"] > 24 * 3600:
				raise invalid("The paginationToken has expired.", "Pagination tokens are valid for 24 hours.")
			offset = state["offset"]
			before = parse_iso(state["before"])
		else:
			if before is not None:
				if before < after:
					raise invalid(f"{name_before} must be equal to or after the corresponding After date.")
				if before > now - TWO_MINUTES:
					raise invalid(
						f"{name_before} must be at least two minutes before the time of the request."
					)
			else:
				before = now - TWO_MINUTES
		field = "createdTime" if by_created else "lastUpdatedTime"
		with self.world.lock:
			store = self.world.orders
			# Filtered on the store's facts, so that only the page's orders are decoded.
			matches = []
			for _, order_id in store.ids_between(field, after, before):
				facts = store.facts(order_id)
				if not _visible(store.created_time(order_id), facts.marketplace_id, now):
					continue
				if marketplaces and facts.marketplace_id not in marketplaces:
					continue
				if statuses and facts.status not in statuses:
					continue
				if fulfilled_by and facts.fulfilled_by not in fulfilled_by:
					continue
				matches.append(order_id)
			page = [
				render_order(store[i], included, request.pii) for i in matches[offset : offset + page_size]
			]
		body: dict = {"orders": page}
		if offset + page_size < len(matches):
			body["pagination"] = {
				"nextToken": self.sim.tokens.issue(
					{
						"kind": "orders",
						"sig": signature(filters),
						"offset": offset + page_size,
						"before": iso(before),
						"issued": int(now.timestamp()),
					}
				)
			}
		body[name_before] = iso(before)
		return Reply.json(200, body)

	def get_order(self, request: Request) -> Reply:
		order_id = request.path_params["orderId"]
		included = self._included(request)
		now = self.sim.clock.now()
		with self.world.lock:
			order = self.world.order(order_id)
			if order is None or parse_iso(order["createdTime"]) > now:
				raise not_found(f"Order {order_id} was not found.")
			view = render_order(order, included, request.pii)
		return Reply.json(200, {"order": view})

	# Finances v0

	def _finance_page(self, events: list[tuple[str, bytes]], state: dict, page_size: int) -> Reply:
		"""One page of (list name, packed event): only the page's events are decoded."""
		offset = state.get("offset", 0)
		chosen = events[offset : offset + page_size]
		lists: dict[str, list] = {name: [] for name in FINANCE_LISTS}
		for name, blob in chosen:
			lists.setdefault(name, []).append(unpack(blob))
		payload: dict = {"FinancialEvents": lists}
		if offset + page_size < len(events):
			payload["NextToken"] = self.sim.tokens.issue(
				dict(state, offset=offset + page_size, size=page_size)
			)
		return Reply.json(200, {"payload": payload})

	def list_financial_events(self, request: Request) -> Reply:
		now = self.sim.clock.now()
		token = request.param("NextToken")
		if token:
			state = self.sim.tokens.read(token, "NextToken")
			if state.get("kind") != "finances":
				raise invalid("Invalid NextToken.")
			page_size = _int(request, "MaxResultsPerPage", state.get("size", 100), 1, 100)
			after, before = parse_iso(state["after"]), parse_iso(state["before"])
		else:
			page_size = _int(request, "MaxResultsPerPage", 100, 1, 100)
			after = _date(request, "PostedAfter")
			before = _date(request, "PostedBefore")
			if after is None:
				if before is not None:
					raise invalid("PostedAfter must be provided with PostedBefore.")
				raise invalid("Missing required parameter PostedAfter.")
			if after > now - TWO_MINUTES:
				raise invalid("PostedAfter must be more than two minutes before the time of the request.")
			if before is None:
				before = now - TWO_MINUTES
			elif before <= after:
				raise invalid("PostedBefore must be later than PostedAfter.")
			elif before > now - TWO_MINUTES:
				raise invalid("PostedBefore must be more than two minutes before the time of the request.")
			state = {"kind": "finances", "after": iso(after), "before": iso(before), "offset": 0}
		if before - after > timedelta(days=180):
			events = []  # Amazon answers an empty result for ranges over 180 days
		else:
			# The reserves settlements hold and release (see settlements.py) come after the events.
			events = self.world.events_packed(after, before) + self.sim.finance_book().reserves_between(
				after, before
			)
		return self._finance_page(events, state, page_size)

	def list_financial_event_groups(self, request: Request) -> Reply:
		now = self.sim.clock.now()
		token = request.param("NextToken")
		page_size = _int(request, "MaxResultsPerPage", 10, 1, 100)
		if token:
			state = self.sim.tokens.read(token, "NextToken")
			if state.get("kind") != "groups":
				raise invalid("Invalid NextToken.")
			after, before = parse_iso(state["after"]), parse_iso(state["before"])
		else:
			after = _date(request, "FinancialEventGroupStartedAfter")
			before = _date(request, "FinancialEventGroupStartedBefore") or now - TWO_MINUTES
			if after is None:
				after = now - timedelta(days=90)  # Amazon's default: the last 90 days
			if before > now - TWO_MINUTES:
				raise invalid(
					"FinancialEventGroupStartedBefore must be more than two minutes before the time of the request."
				)
			if before <= after:
				raise invalid(
					"FinancialEventGroupStartedBefore must be later than FinancialEventGroupStartedAfter."
				)
			state = {"kind": "groups", "after": iso(after), "before": iso(before), "offset": 0}
		groups = self.sim.finance_book().event_groups(after, before)
		offset = state.get("offset", 0)
		payload: dict = {"FinancialEventGroupList": copy.deepcopy(groups[offset : offset + page_size])}
		if offset + page_size < len(groups):
			payload["NextToken"] = self.sim.tokens.issue(dict(state, offset=offset + page_size))
		return Reply.json(200, {"payload": payload})

	def list_financial_events_by_group_id(self, request: Request) -> Reply:
		group_id = request.path_params["eventGroupId"]
		return self._events_of_one(
			request,
			"finances-group",
			"group",
			group_id,
			lambda: self.sim.finance_book().events_of_group(group_id),
		)

	def _events_of_one(self, request: Request, kind: str, key: str, value: str, events) -> Reply:
		"""A page of the v0 events of one settlement or one order (`events()`); a NextToken is good
		only for the same one."""
		token = request.param("NextToken")
		if token:
			state = self.sim.tokens.read(token, "NextToken")
			if state.get("kind") != kind or state.get(key) != value:
				raise invalid("Invalid NextToken.")
			page_size = _int(request, "MaxResultsPerPage", state.get("size", 100), 1, 100)
		else:
			page_size = _int(request, "MaxResultsPerPage", 100, 1, 100)
			state = {"kind": kind, key: value, "offset": 0}
		return self._finance_page(events(), state, page_size)

	# Finances 2024-06-19

	def list_transactions(self, request: Request) -> Reply:
		now = self.sim.clock.now()
		related_name = request.param("relatedIdentifierName") or None
		related_value = request.param("relatedIdentifierValue") or None
		if related_name and related_name not in ("ORDER_ID", "FINANCIAL_EVENT_GROUP_ID"):
			raise invalid(f"relatedIdentifierName {related_name} cannot be used to filter.")
		if bool(related_name) != bool(related_value):
			raise invalid("relatedIdentifierName and relatedIdentifierValue go together.")
		after = _date(request, "postedAfter")
		before = _date(request, "postedBefore")
		if after is None and not related_name:
			raise invalid("Start date cannot be null")
		if after is not None and after > now - TWO_MINUTES:
			raise invalid("postedAfter must be more than two minutes before the time of the request.")
		if before is None:
			before = now - TWO_MINUTES
		elif before > now - TWO_MINUTES:
			raise invalid("postedBefore must be more than two minutes before the time of the request.")
		if after is not None and before <= after:
			raise invalid("postedBefore must be later than postedAfter.")
		filters = {
			"after": iso(after) if after else None,
			"before": iso(before),
			"marketplaceId": request.param("marketplaceId") or None,
			"status": request.param("transactionStatus") or None,
			"related": [related_name, related_value],
		}
		token = request.param("nextToken")
		offset = 0
		if token:
			state = self.sim.tokens.read(token, "nextToken")
			if state.get("kind") != "transactions" or state.get("sig") != signature(
				{k: v for k, v in filters.items() if k != "before" or request.param("postedBefore")}
			):
				raise invalid(
					"Invalid nextToken.", "A nextToken must come with the same arguments as its first call."
				)
			offset = state["offset"]
			before = parse_iso(state["before"])
		page_size = self.sim.transactions_page_size
		book = self.sim.finance_book()
		if after is not None and before - after > timedelta(days=180):
			chosen: list[
				dict
			] = []  # "If PostedAfter and PostedBefore are more than 180 days apart, the response is empty."
		else:
			chosen = book.select(
				after,
				before,
				marketplace_id=filters["marketplaceId"],
				status=filters["status"],
				related=tuple(filters["related"]),
			)
		page = [book.transaction(entry) for entry in chosen[offset : offset + page_size]]
		payload: dict = {"transactions": page}
		if offset + page_size < len(chosen):
			sig = signature(
				{k: v for k, v in filters.items() if k != "before" or request.param("postedBefore")}
			)
			payload["nextToken"] = self.sim.tokens.issue(
				{"kind": "transactions", "sig": sig, "offset": offset + page_size, "before": iso(before)}
			)
		return Reply.json(200, {"payload": payload})

	def list_financial_events_by_order_id(self, request: Request) -> Reply:
		order_id = request.path_params["orderId"]
		now = self.sim.clock.now()
		return self._events_of_one(
			request,
			"finances-order",
			"order",
			order_id,
			lambda: self.world.events_packed(datetime.min.replace(tzinfo=now.tzinfo), now, order_id=order_id),
		)

	# Reports 2021-06-30

	def create_report(self, request: Request) -> Reply:
		try:
			body = request.json() or {}
		except ValueError:
			raise invalid("The request body is not valid JSON.") from None
		report_type = body.get("reportType")
		marketplace_ids = body.get("marketplaceIds") or []
		if not report_type or not marketplace_ids:
			raise invalid("reportType and marketplaceIds are required.")
		if report_type not in (LISTINGS_REPORT, order_report.ORDER_REPORT):
			raise invalid(
				f"Report type {report_type} is not supported by this simulator.",
				f"Only {LISTINGS_REPORT} and {order_report.ORDER_REPORT}.",
			)
		if len(marketplace_ids) != 1:
			raise invalid(f"{report_type} is requested for one marketplace at a time.")
		marketplace_id = marketplace_ids[0]
		if self.world.marketplace(marketplace_id) is None:
			raise invalid(f"Invalid marketplaceIds: {marketplace_id}.")
		if report_type == LISTINGS_REPORT:
			document = self._listings_document(marketplace_id)
			report = self.sim.reports.create(report_type, marketplace_id, lambda: document)
		else:
			orders = self._report_orders(marketplace_id, body)
			report = self.sim.reports.create(
				report_type,
				marketplace_id,
				lambda: self._orders_document(marketplace_id, orders),
				background=True,
			)
		return Reply.json(202, {"reportId": report["reportId"]})

	def _report_orders(self, marketplace_id: str, body: dict) -> list[str]:
		"""The ids of the orders an order report covers: placed in [dataStartTime, dataEndTime]
		(default: the last 30 days up to now) in the marketplace, as of the request."""
		now = self.sim.clock.now()
		try:
			end = parse_iso(body["dataEndTime"]) if body.get("dataEndTime") else now
			start = (
				parse_iso(body["dataStartTime"]) if body.get("dataStartTime") else end - timedelta(days=30)
			)
		except ValueError:
			raise invalid("dataStartTime and dataEndTime must be ISO 8601 date-times.") from None
		if start > end:
			raise invalid("dataStartTime must be before dataEndTime.")
		end = min(end, now)
		with self.world.lock:
			store = self.world.orders
			return [
				i
				for _, i in store.ids_between("createdTime", start, end)
				if store.facts(i).marketplace_id == marketplace_id
				and _visible(store.created_time(i), marketplace_id, now)
			]

	def _orders_document(self, marketplace_id: str, order_ids: list[str]) -> tuple[bytes, str]:
		"""The order report's file, made from the orders as they are when Amazon makes it."""
		store = self.world.orders
		orders = (store[i] for i in order_ids)
		# A world may serve the documented columns only (`orderReportTaxCollection: false`).
		marketplace = self.world.marketplace(marketplace_id) or {}
		tax_collection = bool(marketplace.get("orderReportTaxCollection", True))
		text = order_report.render(orders, tax_collection)
		charset = self.world.report_charset(marketplace_id)
		return text.encode(python_codec(charset), errors="replace"), charset

	def _listings_document(self, marketplace_id: str) -> tuple[bytes, str]:
		charset = self.world.report_charset(marketplace_id)
		with self.world.lock:
			rows = list(self.world.listings.get(marketplace_id, []))
		columns = list(REPORT_COLUMNS)
		for row in rows:  # a hand-written world may carry more columns; keep them, in order of appearance
			columns += [c for c in row if c not in columns]
		lines = ["\t".join(columns)]
		for row in rows:
			lines.append(
				"\t".join(str(row.get(c, "")).replace("\t", " ").replace("\n", " ") for c in columns)
			)
		text = "\n".join(lines) + "\n"
		# Characters the charset lacks become "?", as they do in Amazon's own files.
		return text.encode(python_codec(charset), errors="replace"), charset

	def get_reports(self, request: Request) -> Reply:
		"""getReports: reports requested with createReport, and the settlement reports Amazon makes by
		itself (one per closed settlement, created when its money is transferred)."""
		token = request.param("nextToken")
		if token is not None:
			if len({k for k, _ in request.query}) > 1:
				raise invalid("nextToken must be the only parameter.", "Specifying nextToken with any other parameters will cause the request to fail.")  # fmt: skip
			state = self.sim.tokens.read(token, "nextToken")
		else:
			now = self.sim.clock.now()
			try:
				since = (
					parse_iso(request.param("createdSince"))
					if request.param("createdSince")
					else now - timedelta(days=90)
				)
				until = parse_iso(request.param("createdUntil")) if request.param("createdUntil") else now
			except ValueError:
				raise invalid("createdSince and createdUntil must be ISO 8601 date-times.") from None
			size = int(request.param("pageSize") or 10)
			if not 1 <= size <= 100:
				raise invalid("pageSize must be from 1 to 100.")
			types = request.params("reportTypes")
			if (
				types is None
				and request.param("reportTypes") is None
				and not request.params("processingStatuses")
			):
				types = None
			state = {"types": types, "statuses": request.params("processingStatuses"), "since": iso(since),
				"until": iso(min(until, now)), "size": size, "offset": 0}  # fmt: skip
		if not state["types"] or settlement_report.REPORT_TYPE in state["types"]:
			self._publish_settlement_reports()
		found = self.sim.reports.listed(
			state["types"], state["statuses"], parse_iso(state["since"]), parse_iso(state["until"])
		)
		offset, size = state["offset"], state["size"]
		body: dict = {"reports": found[offset : offset + size]}
		if offset + size < len(found):
			body["nextToken"] = self.sim.tokens.issue({**state, "offset": offset + size})
		return Reply.json(200, body)

	def _publish_settlement_reports(self) -> None:
		"""Each closed settlement's report, published once; its file is made when first read (see
		reports.py), not on every listing."""
		book = self.sim.finance_book()
		marketplaces = self.world.account.get("marketplaces", [])
		for group in sorted(book.groups.values(), key=lambda g: (g.currency, g.index)):
			if not group.closed:
				continue
			report_id = str(int(group.group_id[-10:], 16) % 10**11).zfill(11)
			if self.sim.reports.published(report_id):
				continue
			market = next((m for m in marketplaces if m.get("currencyCode") == group.currency), {})
			charset = self.world.report_charset(market.get("marketplaceId", ""))

			def make(group=group, market=market, charset=charset) -> tuple[bytes, str]:
				current = self.sim.finance_book()
				text = settlement_report.render(
					current.group_body(group),
					current.group_transactions(group),
					country=market.get("countryCode", ""),
					grouped=bool(group.index % 2),
					minor=minor_units(group.currency),
				)
				return text.encode(python_codec(charset), errors="replace"), charset

			self.sim.reports.publish(
				report_id,
				settlement_report.REPORT_TYPE,
				[market["marketplaceId"]] if market.get("marketplaceId") else [],
				group.transfer_date,
				{"dataStartTime": iso(group.start), "dataEndTime": iso(group.end)},
				make,
			)

	def get_report(self, request: Request) -> Reply:
		report = self.sim.reports.status(request.path_params["reportId"])
		if report is None:
			raise not_found(f"Report {request.path_params['reportId']} was not found.")
		return Reply.json(200, report)

	def get_report_document(self, request: Request) -> Reply:
		document = self.sim.reports.document(request.path_params["reportDocumentId"])
		if document is None:
			raise not_found(f"Report document {request.path_params['reportDocumentId']} was not found.")
		return Reply.json(200, document)

	def download_document(self, request: Request) -> Reply:
		found = self.sim.reports.download(
			request.path_params["documentId"], request.param("X-Amz-Expires-At")
		)
		if isinstance(found, str):
			body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>{found}</Message></Error>'
			return Reply(403, body.encode(), "application/xml")
		content, charset = found
		return Reply(200, content, f"text/plain; charset={charset}")

	# Catalog Items 2022-04-01

	def _catalog_view(self, item: dict, marketplace_id: str, included: list[str]) -> dict:
		view: dict = {"asin": item["asin"]}
		for block in included:
			value = item.get(block)
			if value is None:
				continue
			if block == "attributes":
				view[block] = {
					name: [
						v
						for v in values
						if not isinstance(v, dict) or v.get("marketplace_id") in (None, marketplace_id)
					]
					for name, values in value.items()
				}
			elif isinstance(value, list):
				view[block] = [copy.deepcopy(v) for v in value if v.get("marketplaceId") == marketplace_id]
			else:
				view[block] = copy.deepcopy(value)
		return view

	def search_catalog_items(self, request: Request) -> Reply:
		marketplaces = self._marketplace_ids(request, required=True)
		if len(marketplaces) != 1:
			raise invalid("marketplaceIds accepts exactly one marketplace.")
		marketplace_id = marketplaces[0]
		included = _enum_list(request, "includedData", CATALOG_DATA) or ["summaries"]
		page_size = _int(request, "pageSize", 10, 1, 20)
		identifiers = request.params("identifiers")
		keywords = request.params("keywords")
		if bool(identifiers) == bool(keywords):
			raise invalid("Exactly one of identifiers and keywords must be provided.")
		if identifiers and len(identifiers) > 20:
			raise invalid("identifiers accepts up to 20 values.")
		if keywords and len(keywords) > 20:
			raise invalid("keywords accepts up to 20 values.")
		with self.world.lock:
			catalog = list(self.world.catalog.values())
		if identifiers:
			kind = (request.param("identifiersType") or "").upper()
			if not kind:
				raise invalid("identifiersType is required with identifiers.")
			if kind == "SKU" and not request.param("sellerId"):
				raise invalid("sellerId is required when identifiersType is SKU.")
			wanted = set(identifiers)
			matches = [item for item in catalog if self._identifies(item, kind, wanted, marketplace_id)]
		else:
			words = [w.lower() for w in keywords]
			matches = [
				item
				for item in catalog
				if any(
					any(w in (s.get("itemName") or "").lower() for w in words)
					for s in item.get("summaries", [])
					if s.get("marketplaceId") == marketplace_id
				)
			]
		matches = [
			m
			for m in matches
			if any(s.get("marketplaceId") == marketplace_id for s in m.get("summaries", []))
		]
		offset = 0
		token = request.param("pageToken")
		query_sig = signature(
			{"m": marketplace_id, "i": identifiers, "k": keywords, "t": request.param("identifiersType")}
		)
		if token:
			state = self.sim.tokens.read(token, "pageToken")
			if state.get("kind") != "catalog" or state.get("sig") != query_sig:
				raise invalid(
					"Invalid pageToken.", "The other parameters must repeat those of the first page."
				)
			offset = state["offset"]
		page = matches[offset : offset + page_size]
		body: dict = {
			"numberOfResults": len(matches),
			"items": [self._catalog_view(item, marketplace_id, included) for item in page],
			"refinements": {"brands": [], "classifications": []},
		}
		pagination = {}
		if offset + page_size < len(matches):
			pagination["nextToken"] = self.sim.tokens.issue(
				{"kind": "catalog", "sig": query_sig, "offset": offset + page_size}
			)
		if offset > 0:
			pagination["previousToken"] = self.sim.tokens.issue(
				{"kind": "catalog", "sig": query_sig, "offset": max(0, offset - page_size)}
			)
		if pagination:
			body["pagination"] = pagination
		return Reply.json(200, body)

	def _identifies(self, item: dict, kind: str, wanted: set[str], marketplace_id: str) -> bool:
		if kind == "ASIN":
			return item["asin"] in wanted
		if kind == "SKU":
			rows = self.world.listings.get(marketplace_id, [])
			return any(r.get("seller-sku") in wanted and r.get("asin1") == item["asin"] for r in rows)
		for group in item.get("identifiers", []):
			if group.get("marketplaceId") != marketplace_id:
				continue
			for identifier in group.get("identifiers", []):
				if (
					identifier.get("identifierType", "").upper() == kind
					and identifier.get("identifier") in wanted
				):
					return True
		return False

	def get_catalog_item(self, request: Request) -> Reply:
		asin = request.path_params["asin"]
		marketplaces = self._marketplace_ids(request, required=True)
		included = _enum_list(request, "includedData", CATALOG_DATA) or ["summaries"]
		with self.world.lock:
			item = self.world.catalog.get(asin)
		marketplace_id = marketplaces[0]
		if item is None or not any(s.get("marketplaceId") in marketplaces for s in item.get("summaries", [])):
			raise ApiError(
				404,
				"NOT_FOUND",
				f"Requested item '{asin}' not found in marketplace(s) {', '.join(marketplaces)}.",
			)
		return Reply.json(200, self._catalog_view(item, marketplace_id, included))

	# Listings Items 2021-08-01

	def get_listings_item(self, request: Request) -> Reply:
		seller_id = request.path_params["sellerId"]
		sku = unquote(request.path_params["sku"])
		if seller_id != request.seller_id:
			raise ApiError(
				403,
				"Unauthorized",
				"Access to requested resource is denied.",
				"The seller id does not match.",
			)
		marketplaces = self._marketplace_ids(request, required=True)
		included = _enum_list(request, "includedData", LISTINGS_DATA) or ["summaries"]
		marketplace_id = marketplaces[0]
		with self.world.lock:
			explicit = self.world.listings_items.get((seller_id, sku))
			row = next(
				(r for r in self.world.listings.get(marketplace_id, []) if r.get("seller-sku") == sku), None
			)
		if explicit is not None:
			item = explicit
		elif row is not None:
			item = self._listings_item_from_row(sku, row, marketplace_id)
		else:
			raise ApiError(404, "NOT_FOUND", f"SKU '{sku}' not found in marketplace {marketplace_id}.")
		item = self.sim.listing_issues.apply(item, marketplace_id)
		view = {"sku": item["sku"]}
		for block in included:
			if block in item:
				value = item[block]
				if isinstance(value, list):
					value = [
						v
						for v in value
						if not isinstance(v, dict) or v.get("marketplaceId") in (None, marketplace_id)
					]
				view[block] = copy.deepcopy(value)
		return Reply.json(200, view)

	def _listings_item_from_row(self, sku: str, row: dict, marketplace_id: str) -> dict:
		marketplace = self.world.marketplace(marketplace_id) or {}
		asin = row.get("asin1") or row.get("product-id") or ""
		catalog = self.world.catalog.get(asin) or {}
		product_type = next(
			(
				p["productType"]
				for p in catalog.get("productTypes", [])
				if p.get("marketplaceId") == marketplace_id
			),
			"PRODUCT",
		)
		active = (row.get("status") or "").lower() == "active"
		created = iso(self.sim.clock.now() - timedelta(days=90))
		summary = {
			"marketplaceId": marketplace_id,
			"asin": asin,
			"productType": product_type,
			"conditionType": "new_new",
			"status": ["BUYABLE", "DISCOVERABLE"] if active else ["DISCOVERABLE"],
			"itemName": row.get("item-name", ""),
			"createdDate": created,
			"lastUpdatedDate": created,
		}
		if row.get("image-url"):
			summary["mainImage"] = {"link": row["image-url"], "height": 500, "width": 500}
		channel = row.get("fulfillment-channel") or "DEFAULT"
		availability = {"fulfillmentChannelCode": channel}
		if channel == "DEFAULT" and (row.get("quantity") or "").isdigit():
			availability["quantity"] = int(row["quantity"])
		item = {
			"sku": sku,
			"summaries": [summary],
			"attributes": {
				"item_name": [{"value": row.get("item-name", ""), "marketplace_id": marketplace_id}]
			},
			"issues": [],
			"fulfillmentAvailability": [availability],
			"productTypes": [{"marketplaceId": marketplace_id, "productType": product_type}],
		}
		if row.get("price"):
			item["offers"] = [
				{
					"marketplaceId": marketplace_id,
					"offerType": "B2C",
					"price": {"currencyCode": marketplace.get("currencyCode", ""), "amount": row["price"]},
				}
			]
		return item

	# Tokens 2021-03-01

	def create_restricted_data_token(self, request: Request) -> Reply:
		try:
			body = request.json() or {}
		except ValueError:
			raise invalid("The request body is not valid JSON.") from None
		if not self.sim.world.account.get("restrictedDataRole", True):
			# An app without Amazon's restricted-data role is refused every RDT.
			raise ApiError(
				403,
				"Unauthorized",
				"Access to requested resource is denied.",
				"The application is not authorized for restricted data.",
			)
		resources = body.get("restrictedResources")
		if not isinstance(resources, list) or not resources:
			raise invalid("restrictedResources is required.")
		for resource in resources:
			if not isinstance(resource, dict) or resource.get("method") not in (
				"GET",
				"PUT",
				"POST",
				"DELETE",
			):
				raise invalid("Each restricted resource needs a method of GET, PUT, POST or DELETE.")
			path = resource.get("path") or ""
			if not path.startswith("/orders/"):
				raise invalid(f"{path!r} is not a restricted operation.")
		token, expires_in = self.sim.auth.issue_rdt(request.seller_id, resources)
		return Reply.json(200, {"restrictedDataToken": token, "expiresIn": expires_in})
