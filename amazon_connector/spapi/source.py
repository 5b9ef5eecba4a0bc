"""`SpApiSource`: the engines' Amazon source port (`core.sources.AmazonSource`) over SP-API.

One account's paced, retried session (`client.SpApiSession`, against Amazon or the simulator) and
the operations the engines use, each a thin call of this package's operation modules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime

from amazon_connector.core.mapping.order_report import ORDER_REPORT
from amazon_connector.core.sources import AmazonSource
from amazon_connector.spapi import (
	catalog,
	feeds,
	finances,
	fulfillment_outbound,
	inventory,
	listings,
	listings_push,
	notifications,
	orders,
	reports,
	sellers,
	shipments,
	transactions,
)
from amazon_connector.spapi.client import SpApiSession


class SpApiSource:
	"""Amazon as the engines see it, through one `SpApiSession` (which the caller closes)."""

	def __init__(self, session: SpApiSession):
		self.session = session

	def __repr__(self) -> str:
		return f"SpApiSource({self.session!r})"

	@property
	def seller_id(self) -> str:
		return self.session.account.seller_id or ""

	def stats(self) -> dict:
		return self.session.stats()

	def outage(self) -> Exception | None:
		return self.session.outage()

	def filling_waits(self, operation: str, work: Iterator[object]) -> AbstractContextManager:
		"""Spend this thread's waits for `operation`'s tokens on steps of `work` (see the session's)."""
		return self.session.filling_waits(operation, work)

	# -- orders ----------------------------------------------------------------------------------
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
	) -> Iterator[dict]:
		return orders.search_orders(
			self.session,
			marketplace_ids=marketplace_ids,
			created_after=created_after,
			created_before=created_before,
			last_updated_after=last_updated_after,
			last_updated_before=last_updated_before,
			pagination_token=pagination_token,
			on_page=on_page,
		)

	def get_order(self, order_id: str) -> dict:
		return orders.get_order(self.session, order_id)

	def fetch_order_report(
		self, marketplace_id: str, start: datetime, end: datetime
	) -> reports.ReportDocument:
		return reports.fetch_report_document(
			self.session, ORDER_REPORT, [marketplace_id], data_start_time=start, data_end_time=end
		)

	# -- finances --------------------------------------------------------------------------------
	def list_financial_events(self, *, posted_after: datetime, posted_before: datetime) -> Iterator[dict]:
		return finances.list_financial_events(
			self.session, posted_after=posted_after, posted_before=posted_before
		)

	def list_financial_events_by_order_id(self, order_id: str) -> Iterator[dict]:
		return finances.list_financial_events_by_order_id(self.session, order_id)

	# -- products --------------------------------------------------------------------------------
	def list_transactions(
		self,
		*,
		posted_after: datetime | None = None,
		posted_before: datetime | None = None,
		related_identifier: tuple[str, str] | None = None,
	) -> Iterator[list[dict]]:
		return transactions.list_transactions(
			self.session,
			posted_after=posted_after,
			posted_before=posted_before,
			related_identifier=related_identifier,
		)

	def list_financial_event_groups(self, *, started_after: datetime) -> Iterator[dict]:
		return transactions.list_financial_event_groups(self.session, started_after=started_after)

	def list_reports(self, report_types: list[str], *, created_since: datetime) -> Iterator[dict]:
		return reports.list_reports(self.session, report_types, created_since=created_since)

	def download_report(self, report_id: str, document_id: str) -> reports.ReportDocument:
		return reports.download_report_document(self.session, report_id, document_id)

	def fetch_report_document(
		self,
		report_type: str,
		marketplace_ids: list[str],
		*,
		poll_interval: float | None = None,
		deadline: float | None = None,
	) -> reports.ReportDocument:
		return reports.fetch_report_document(
			self.session,
			report_type,
			marketplace_ids,
			poll_interval=reports.DEFAULT_POLL_INTERVAL if poll_interval is None else poll_interval,
			deadline=reports.DEFAULT_DEADLINE if deadline is None else deadline,
		)

	def search_catalog_items(self, marketplace_id: str, asins: list[str]) -> Iterator[dict]:
		return catalog.search_catalog_items(self.session, marketplace_id, asins)

	def get_listings_item(
		self,
		seller_id: str,
		sku: str,
		marketplace_ids: list[str],
		*,
		included_data: tuple[str, ...] | None = None,
	) -> dict:
		return listings.get_listings_item(
			self.session,
			seller_id,
			sku,
			marketplace_ids,
			included_data=listings.DEFAULT_INCLUDED_DATA if included_data is None else included_data,
		)

	# -- sellers ---------------------------------------------------------------------------------
	def get_marketplace_participations(self) -> list[dict]:
		return sellers.get_marketplace_participations(self.session)

	# -- stock -----------------------------------------------------------------------------------
	def get_inventory_summaries(self, marketplace_id: str) -> list[dict]:
		return inventory.get_inventory_summaries(self.session, marketplace_id)

	def patch_listings_item(
		self, seller_id: str, sku: str, marketplace_ids: list[str], patches: list[dict]
	) -> listings_push.Submission:
		return listings_push.patch_listings_item(self.session, seller_id, sku, marketplace_ids, patches)

	def upload_listings_feed(self, seller_id: str, messages: list[feeds.FeedMessage]) -> feeds.FeedDocument:
		return feeds.upload_listings_feed(self.session, seller_id, messages)

	def create_feed(self, document_id: str, marketplace_ids: list[str]) -> str:
		return feeds.create_feed(self.session, document_id, marketplace_ids)

	def get_feed_status(self, feed_id: str) -> feeds.FeedStatus:
		return feeds.get_feed_status(self.session, feed_id)

	def read_feed_result(self, status: feeds.FeedStatus, skus_by_message: dict[int, str]) -> feeds.FeedResult:
		return feeds.read_feed_result(self.session, status, skus_by_message)

	def cancel_feed(self, feed_id: str) -> None:
		feeds.cancel_feed(self.session, feed_id)

	def find_feeds(self, marketplace_ids: list[str], created_since: datetime) -> list[feeds.FeedStatus]:
		return feeds.find_feeds(self.session, marketplace_ids, created_since)

	# -- shipments -------------------------------------------------------------------------------
	def confirm_shipment(
		self,
		order_id: str,
		marketplace_id: str,
		*,
		package_reference_id: str,
		carrier_code: str,
		tracking_number: str,
		ship_date: datetime,
		lines: list[shipments.PackageLine],
		carrier_name: str = "",
	) -> None:
		shipments.confirm_shipment(
			self.session,
			order_id,
			marketplace_id,
			package_reference_id=package_reference_id,
			carrier_code=carrier_code,
			tracking_number=tracking_number,
			ship_date=ship_date,
			lines=lines,
			carrier_name=carrier_name,
		)

	# -- notifications ---------------------------------------------------------------------------
	def get_destinations(self) -> list[dict]:
		return notifications.get_destinations(self.session)

	def create_destination(self, name: str, queue_arn: str) -> dict:
		return notifications.create_destination(self.session, name, queue_arn)

	def get_subscription(self, notification_type: str, payload_version: str | None = None) -> dict:
		return notifications.get_subscription(self.session, notification_type, payload_version)

	def create_subscription(
		self,
		notification_type: str,
		destination_id: str,
		payload_version: str,
		processing_directive: dict | None = None,
	) -> dict:
		return notifications.create_subscription(
			self.session, notification_type, destination_id, payload_version, processing_directive
		)

	def delete_subscription(self, notification_type: str, subscription_id: str) -> None:
		notifications.delete_subscription(self.session, notification_type, subscription_id)

	# -- Multi-Channel Fulfillment -------------------------------------------------------------
	def get_fulfillment_preview(self, body: dict) -> dict:
		return fulfillment_outbound.get_fulfillment_preview(self.session, body)

	def create_fulfillment_order(self, body: dict) -> None:
		fulfillment_outbound.create_fulfillment_order(self.session, body)

	def get_fulfillment_order(self, seller_fulfillment_order_id: str) -> dict:
		return fulfillment_outbound.get_fulfillment_order(self.session, seller_fulfillment_order_id)

	def cancel_fulfillment_order(self, seller_fulfillment_order_id: str) -> None:
		fulfillment_outbound.cancel_fulfillment_order(self.session, seller_fulfillment_order_id)

	def update_fulfillment_order(self, seller_fulfillment_order_id: str, body: dict) -> None:
		fulfillment_outbound.update_fulfillment_order(self.session, seller_fulfillment_order_id, body)

	def list_return_reason_codes(
		self, seller_sku: str, marketplace_id: str = "", seller_fulfillment_order_id: str = ""
	) -> dict:
		return fulfillment_outbound.list_return_reason_codes(
			self.session, seller_sku, marketplace_id, seller_fulfillment_order_id
		)

	def create_fulfillment_return(self, seller_fulfillment_order_id: str, body: dict) -> dict:
		return fulfillment_outbound.create_fulfillment_return(self.session, seller_fulfillment_order_id, body)


def _spapi_source_is_an_amazon_source(source: SpApiSource) -> AmazonSource:
	# Never called: the type checker (mypy, see pyproject.toml) fails here when SpApiSource drifts
	# from the Amazon source port it implements.
	return source
