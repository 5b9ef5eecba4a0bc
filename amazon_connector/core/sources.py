"""The Amazon source port: everything the sync engines ask of Amazon, bound to one account.

The engines (`core.engine`) read Amazon only through this Protocol, so they import nothing of the
access layer and take no per-call injections. Implementations:
- `amazon_connector.spapi.source.SpApiSource`: the real SP-API (or the simulator, which speaks it);
- the framework-free tests' small sources (e.g. a dict of orders), which answer the same calls.

Answers are Amazon's payloads as plain dicts, shaped as in Amazon's published models. Errors are
the access layer's typed errors (`spapi.errors`), which the engines turn into one sentence each.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Protocol


class ReportDocument(Protocol):
	"""A downloaded (and decompressed) report document."""

	@property
	def report_id(self) -> str: ...

	@property
	def content(self) -> bytes: ...

	@property
	def charset(self) -> str | None:
		"""From the download's Content-Type; None when Amazon named none."""


class UsageCounted(Protocol):
	def stats(self) -> dict:
		"""API usage so far: `calls` (per operation) and `throttle_wait_seconds`; counters only grow."""


class Reachability(Protocol):
	def outage(self) -> Exception | None:
		"""Why the last call got nothing from Amazon (no answer after the retries, or the credentials
		refused), as the access layer's typed error; None when it was answered."""


class OrdersSource(UsageCounted, Protocol):
	def search_orders(
		self,
		*,
		marketplace_ids: list[str],
		created_after: datetime | None = None,
		created_before: datetime | None = None,
		last_updated_after: datetime | None = None,
		last_updated_before: datetime | None = None,
		pagination_token: str | None = None,
		on_page: Callable[[str | None], None] | None = None,
	) -> Iterable[dict]:
		"""Orders 2026-01-01 searchOrders, every page: the Orders of one window (exactly one of
		`created_after` / `last_updated_after`). `pagination_token` resumes at the page it names;
		`on_page(next_token)` is called when the caller has taken a page's last order, before the next
		page is asked for (None after the last page). A source without pages may ignore both."""

	def get_order(self, order_id: str) -> dict:
		"""Orders 2026-01-01 getOrder: the Order `order_id`. Buyer data comes by the app's roles
		(Orders 2026-01-01 needs no Restricted Data Token)."""

	def fetch_order_report(self, marketplace_id: str, start: datetime, end: datetime) -> ReportDocument:
		"""GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL for one marketplace's orders placed in
		[start, end] (createReport, wait until DONE, download): the document."""


class FinancesSource(UsageCounted, Protocol):
	def list_financial_events(self, *, posted_after: datetime, posted_before: datetime) -> Iterable[dict]:
		"""Finances v0: each page's `FinancialEvents` for events posted in [posted_after, posted_before)."""

	def list_financial_events_by_order_id(self, order_id: str) -> Iterable[dict]:
		"""Finances v0: each page's `FinancialEvents` of one Amazon order."""

	def list_transactions(
		self,
		*,
		posted_after: datetime | None = None,
		posted_before: datetime | None = None,
		related_identifier: tuple[str, str] | None = None,
	) -> Iterable[list[dict]]:
		"""Finances 2024-06-19 listTransactions: each page's `transactions` (possibly empty), for a
		posted-date range (any length: read in windows of at most 180 days) or a related identifier
		(("ORDER_ID", id) or ("FINANCIAL_EVENT_GROUP_ID", id))."""

	def list_financial_event_groups(self, *, started_after: datetime) -> Iterable[dict]:
		"""Finances v0 listFinancialEventGroups: every settlement opened since `started_after`."""

	def list_reports(self, report_types: list[str], *, created_since: datetime) -> Iterable[dict]:
		"""Reports 2021-06-30 getReports: every report of these types created since then (each as
		Amazon's Report), such as the settlement reports Amazon makes by itself."""

	def download_report(self, report_id: str, document_id: str) -> ReportDocument:
		"""getReportDocument and the download of a report Amazon has made: the document."""


class ProductsSource(UsageCounted, Protocol):
	@property
	def seller_id(self) -> str:
		"""The account's merchant token (for getListingsItem), or "" when not known."""

	def fetch_report_document(
		self,
		report_type: str,
		marketplace_ids: list[str],
		*,
		poll_interval: float | None = None,
		deadline: float | None = None,
	) -> ReportDocument:
		"""createReport, wait until DONE, download: the document (None options: the access layer's)."""

	def search_catalog_items(self, marketplace_id: str, asins: list[str]) -> Iterable[dict]:
		"""Catalog Items 2022-04-01 searchCatalogItems for the ASINs: every Item found."""

	def get_listings_item(
		self,
		seller_id: str,
		sku: str,
		marketplace_ids: list[str],
		*,
		included_data: tuple[str, ...] | None = None,
	) -> dict:
		"""Listings Items 2021-08-01 getListingsItem: the seller's listing of `sku` (with the
		`included_data` blocks; None: the access layer's default set)."""


class SellersSource(UsageCounted, Protocol):
	def get_marketplace_participations(self) -> list[dict]:
		"""Sellers v1 getMarketplaceParticipations: the `payload` list."""


class StockSource(UsageCounted, Protocol):
	def get_inventory_summaries(self, marketplace_id: str) -> list[dict]:
		"""FBA Inventory v1 getInventorySummaries (with details), every page: one InventorySummary per
		SKU of the fulfilment network behind the marketplace."""

	def patch_listings_item(self, seller_id: str, sku: str, marketplace_ids: list[str], patches: list[dict]):
		"""Listings Items patchListingsItem: a `spapi.listings_push.Submission` (ACCEPTED or INVALID
		with Amazon's issues)."""

	def upload_listings_feed(self, seller_id: str, messages: list):
		"""createFeedDocument and the upload of `spapi.feeds.FeedMessage`s as one JSON_LISTINGS_FEED:
		its `spapi.feeds.FeedDocument` (the document id, and the SKU of each message id)."""

	def create_feed(self, document_id: str, marketplace_ids: list[str]) -> str:
		"""Feeds createFeed of an uploaded document, not waited for: the feed id."""

	def get_feed_status(self, feed_id: str):
		"""Feeds getFeed: a `spapi.feeds.FeedStatus` (processing status, result document, end time)."""

	def read_feed_result(self, status, skus_by_message: dict[int, str]):
		"""The processing report of a finished feed (its `spapi.feeds.FeedStatus`): a
		`spapi.feeds.FeedResult` with Amazon's errors per SKU."""

	def cancel_feed(self, feed_id: str) -> None:
		"""Feeds cancelFeed: Amazon cancels a feed still IN_QUEUE; any other it refuses (an error)."""

	def find_feeds(self, marketplace_ids: list[str], created_since: datetime) -> list:
		"""Feeds getFeeds: the `spapi.feeds.FeedStatus` of every JSON_LISTINGS_FEED of these
		marketplaces created since `created_since`, in any status."""


class ShipmentsSource(Protocol):
	def confirm_shipment(
		self,
		order_id: str,
		marketplace_id: str,
		*,
		package_reference_id: str,
		carrier_code: str,
		tracking_number: str,
		ship_date: datetime,
		lines: list,
		carrier_name: str = "",
	) -> None:
		"""Orders v0 confirmShipment of one package (`spapi.shipments.PackageLine`s); raises Amazon's refusal."""


class NotificationsSource(Protocol):
	"""Notifications v1: the app's destinations (grantless) and the seller's subscriptions."""

	def get_destinations(self) -> list[dict]: ...

	def create_destination(self, name: str, queue_arn: str) -> dict: ...

	def get_subscription(self, notification_type: str, payload_version: str | None = None) -> dict:
		"""The Subscription; raises the access layer's NotFoundError when the seller has none."""

	def create_subscription(
		self,
		notification_type: str,
		destination_id: str,
		payload_version: str,
		processing_directive: dict | None = None,
	) -> dict: ...

	def delete_subscription(self, notification_type: str, subscription_id: str) -> None: ...


class FulfilmentSource(UsageCounted, Protocol):
	"""Fulfillment Outbound 2020-07-01 (Multi-Channel Fulfillment); bodies and payloads as in its model."""

	def get_fulfillment_preview(self, body: dict) -> dict:
		"""getFulfillmentPreview: its `payload` (`fulfillmentPreviews`)."""

	def create_fulfillment_order(self, body: dict) -> None:
		"""createFulfillmentOrder; raises Amazon's refusal."""

	def get_fulfillment_order(self, seller_fulfillment_order_id: str) -> dict:
		"""getFulfillmentOrder: its `payload` (the order, its items, shipments and returns)."""

	def cancel_fulfillment_order(self, seller_fulfillment_order_id: str) -> None:
		"""cancelFulfillmentOrder; raises Amazon's refusal (an order past Planning)."""

	def update_fulfillment_order(self, seller_fulfillment_order_id: str, body: dict) -> None:
		"""updateFulfillmentOrder; raises Amazon's refusal (an order Amazon is picking, ...)."""

	def list_return_reason_codes(
		self, seller_sku: str, marketplace_id: str = "", seller_fulfillment_order_id: str = ""
	) -> dict:
		"""listReturnReasonCodes: its `payload` (`reasonCodeDetails`)."""

	def create_fulfillment_return(self, seller_fulfillment_order_id: str, body: dict) -> dict:
		"""createFulfillmentReturn: its `payload` (accepted and invalid return items, authorizations)."""


class AmazonSource(
	OrdersSource,
	FinancesSource,
	ProductsSource,
	SellersSource,
	StockSource,
	ShipmentsSource,
	NotificationsSource,
	FulfilmentSource,
	Reachability,
	Protocol,
):
	"""Everything the engines ask of Amazon, for one account."""
