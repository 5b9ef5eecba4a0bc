"""The python-amazon-sp-api client classes the access layer uses, pinned to the API versions it
speaks.

Each is a subclass of the library's concrete version class (its versioned front classes choose a
version at construction, and `CatalogItems()` would choose 2020-12-01). The one change: the library
adds the client's default marketplace to requests that name none (as MarketplaceId, MarketplaceIds,
marketplace_ids and marketplaceIds at once), even to operations that take no marketplace, such as
the Finances and Tokens calls. The access layer always passes marketplaces explicitly where
Amazon's models ask for them, so that guess is switched off.
"""

from __future__ import annotations

from sp_api.api import (
	CatalogItemsV20220401,
	FeedsV20210630,
	Inventories,
	ListingsItemsV20210801,
	Notifications,
	OrdersV0,
	OrdersV20260101,
	Reports,
	Sellers,
	Tokens,
)
from sp_api.api.finances.finances_2024_06_19 import FinancesV20240619
from sp_api.api.finances.finances_v0 import FinancesV0
from sp_api.api.fulfillment_outbound.fulfillment_outbound import FulfillmentOutbound
from sp_api.base import ApiResponse, fill_query_params, sp_endpoint


class _ExplicitMarketplaces:
	def _request(self, path, *args, add_marketplace=True, **kwargs):
		# A mixin before the library's API class, whose _request it calls.
		return super()._request(path, *args, add_marketplace=False, **kwargs)  # type: ignore[misc]


class SellersApi(_ExplicitMarketplaces, Sellers):
	pass


class OrdersApi(_ExplicitMarketplaces, OrdersV20260101):
	pass


class FinancesApi(_ExplicitMarketplaces, FinancesV0):
	pass


class TransactionsApi(_ExplicitMarketplaces, FinancesV20240619):
	"""Finances 2024-06-19: only `list_transactions` is used (the library's other 2024 methods name
	paths Amazon's model does not have)."""


class ReportsApi(_ExplicitMarketplaces, Reports):
	pass


class CatalogApi(_ExplicitMarketplaces, CatalogItemsV20220401):
	pass


class ListingsApi(_ExplicitMarketplaces, ListingsItemsV20210801):
	pass


class TokensApi(_ExplicitMarketplaces, Tokens):
	pass


class InventoriesApi(_ExplicitMarketplaces, Inventories):
	pass


class OrdersV0Api(_ExplicitMarketplaces, OrdersV0):
	pass


class FulfillmentOutboundApi(_ExplicitMarketplaces, FulfillmentOutbound):
	"""Fulfillment Outbound 2020-07-01 (Multi-Channel Fulfillment): the library sends a POST's or PUT's
	keyword arguments as the JSON body, so a request body is passed as `**body`."""


class FeedsApi(_ExplicitMarketplaces, FeedsV20210630):
	"""Three calls of the library's Feeds client are replaced: its createFeedDocument and createFeed
	copy their internal `path` argument into the request body and upload with an HTTP client of their
	own, and its getFeedDocument downloads the document with a guessed charset. Here each sends the
	model's body only; the session uploads and downloads documents itself."""

	@sp_endpoint("/feeds/2021-06-30/documents", method="POST")
	def new_feed_document(self, content_type: str, **kwargs) -> ApiResponse:
		# The library reads the HTTP method out of the body it is given (and takes it out again).
		return self._request(
			kwargs.pop("path"), data={"contentType": content_type, "method": kwargs.pop("method")}
		)

	@sp_endpoint("/feeds/2021-06-30/feeds", method="POST")
	def new_feed(self, feed_type: str, document_id: str, marketplace_ids: list[str], **kwargs) -> ApiResponse:
		data = {
			"feedType": feed_type,
			"marketplaceIds": list(marketplace_ids),
			"inputFeedDocumentId": document_id,
		}
		# The library reads the HTTP method out of the body it is given (and takes it out again).
		return self._request(kwargs.pop("path"), data={**data, "method": kwargs.pop("method")})

	@sp_endpoint("/feeds/2021-06-30/documents/{}", method="GET")
	def feed_document(self, feedDocumentId, **kwargs) -> ApiResponse:
		return self._request(fill_query_params(kwargs.pop("path"), feedDocumentId), params=kwargs)


class NotificationsApi(_ExplicitMarketplaces, Notifications):
	"""The library's deleteSubscriptionById sends the seller's token, but the operation is grantless;
	this one sends the app's grantless token, as the destination calls do."""

	@sp_endpoint("/notifications/v1/subscriptions/{}/{}", method="DELETE")
	def delete_subscription_grantless(
		self, notification_type: str, subscription_id: str, **kwargs
	) -> ApiResponse:
		return self._request_grantless_operation(
			fill_query_params(kwargs.pop("path"), notification_type, subscription_id), params=kwargs
		)
