"""Amazon's published default usage plans (requests per second, burst) per operation.

The figures are the "Usage Plan" tables in the operations' descriptions of Amazon's models. Both the
client-side throttle and the simulator read them from here, so they agree by construction; a test
checks every row against the models themselves. Amazon may grant a seller more, which the client
learns from the ``x-amzn-RateLimit-Limit`` response header.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UsagePlan:
	rate: float  # sustained requests per second
	burst: int  # bucket size


# operation name -> (model file, HTTP method, path template, plan)
OPERATIONS: dict[str, tuple[str, str, str, UsagePlan]] = {
	# Orders 2026-01-01
	"searchOrders": ("orders-2026-01-01.json", "GET", "/orders/2026-01-01/orders", UsagePlan(0.0056, 20)),
	"getOrder": ("orders-2026-01-01.json", "GET", "/orders/2026-01-01/orders/{orderId}", UsagePlan(0.5, 30)),
	# Sellers v1
	"getMarketplaceParticipations": (
		"sellers-v1.json",
		"GET",
		"/sellers/v1/marketplaceParticipations",
		UsagePlan(0.016, 15),
	),
	# Finances v0
	"listFinancialEvents": ("finances-v0.json", "GET", "/finances/v0/financialEvents", UsagePlan(0.5, 30)),
	"listFinancialEventsByOrderId": (
		"finances-v0.json",
		"GET",
		"/finances/v0/orders/{orderId}/financialEvents",
		UsagePlan(0.5, 30),
	),
	"listFinancialEventGroups": (
		"finances-v0.json",
		"GET",
		"/finances/v0/financialEventGroups",
		UsagePlan(0.5, 30),
	),
	"listFinancialEventsByGroupId": (
		"finances-v0.json",
		"GET",
		"/finances/v0/financialEventGroups/{eventGroupId}/financialEvents",
		UsagePlan(0.5, 30),
	),
	# Finances 2024-06-19
	"listTransactions": (
		"finances-2024-06-19.json",
		"GET",
		"/finances/2024-06-19/transactions",
		UsagePlan(0.5, 10),
	),
	# Reports 2021-06-30
	"createReport": ("reports-2021-06-30.json", "POST", "/reports/2021-06-30/reports", UsagePlan(0.0167, 15)),
	"getReports": ("reports-2021-06-30.json", "GET", "/reports/2021-06-30/reports", UsagePlan(0.0222, 10)),
	"getReport": (
		"reports-2021-06-30.json",
		"GET",
		"/reports/2021-06-30/reports/{reportId}",
		UsagePlan(2, 15),
	),
	"getReportDocument": (
		"reports-2021-06-30.json",
		"GET",
		"/reports/2021-06-30/documents/{reportDocumentId}",
		UsagePlan(0.0167, 15),
	),
	# Catalog Items 2022-04-01
	"searchCatalogItems": (
		"catalog-items-2022-04-01.json",
		"GET",
		"/catalog/2022-04-01/items",
		UsagePlan(2, 2),
	),
	"getCatalogItem": (
		"catalog-items-2022-04-01.json",
		"GET",
		"/catalog/2022-04-01/items/{asin}",
		UsagePlan(2, 2),
	),
	# Listings Items 2021-08-01
	"getListingsItem": (
		"listings-items-2021-08-01.json",
		"GET",
		"/listings/2021-08-01/items/{sellerId}/{sku}",
		UsagePlan(5, 10),
	),
	"patchListingsItem": (
		"listings-items-2021-08-01.json",
		"PATCH",
		"/listings/2021-08-01/items/{sellerId}/{sku}",
		UsagePlan(5, 5),
	),
	# FBA Inventory v1
	"getInventorySummaries": ("fba-inventory-v1.json", "GET", "/fba/inventory/v1/summaries", UsagePlan(2, 2)),
	# Feeds 2021-06-30
	"createFeedDocument": (
		"feeds-2021-06-30.json",
		"POST",
		"/feeds/2021-06-30/documents",
		UsagePlan(0.5, 15),
	),
	"createFeed": ("feeds-2021-06-30.json", "POST", "/feeds/2021-06-30/feeds", UsagePlan(0.0083, 15)),
	"getFeed": ("feeds-2021-06-30.json", "GET", "/feeds/2021-06-30/feeds/{feedId}", UsagePlan(2, 15)),
	"getFeeds": ("feeds-2021-06-30.json", "GET", "/feeds/2021-06-30/feeds", UsagePlan(0.0222, 10)),
	"cancelFeed": ("feeds-2021-06-30.json", "DELETE", "/feeds/2021-06-30/feeds/{feedId}", UsagePlan(2, 15)),
	"getFeedDocument": (
		"feeds-2021-06-30.json",
		"GET",
		"/feeds/2021-06-30/documents/{feedDocumentId}",
		UsagePlan(0.0222, 10),
	),
	# Orders v0 (its one write operation; reads use 2026-01-01)
	"confirmShipment": (
		"orders-v0.json",
		"POST",
		"/orders/v0/orders/{orderId}/shipmentConfirmation",
		UsagePlan(2, 10),
	),
	# Fulfillment Outbound 2020-07-01 (Multi-Channel Fulfillment)
	"getFulfillmentPreview": (
		"fulfillment-outbound-2020-07-01.json",
		"POST",
		"/fba/outbound/2020-07-01/fulfillmentOrders/preview",
		UsagePlan(2, 30),
	),
	"createFulfillmentOrder": (
		"fulfillment-outbound-2020-07-01.json",
		"POST",
		"/fba/outbound/2020-07-01/fulfillmentOrders",
		UsagePlan(2, 30),
	),
	"getFulfillmentOrder": (
		"fulfillment-outbound-2020-07-01.json",
		"GET",
		"/fba/outbound/2020-07-01/fulfillmentOrders/{sellerFulfillmentOrderId}",
		UsagePlan(2, 30),
	),
	"cancelFulfillmentOrder": (
		"fulfillment-outbound-2020-07-01.json",
		"PUT",
		"/fba/outbound/2020-07-01/fulfillmentOrders/{sellerFulfillmentOrderId}/cancel",
		UsagePlan(2, 30),
	),
	"updateFulfillmentOrder": (
		"fulfillment-outbound-2020-07-01.json",
		"PUT",
		"/fba/outbound/2020-07-01/fulfillmentOrders/{sellerFulfillmentOrderId}",
		UsagePlan(2, 30),
	),
	"listReturnReasonCodes": (
		"fulfillment-outbound-2020-07-01.json",
		"GET",
		"/fba/outbound/2020-07-01/returnReasonCodes",
		UsagePlan(2, 30),
	),
	"createFulfillmentReturn": (
		"fulfillment-outbound-2020-07-01.json",
		"PUT",
		"/fba/outbound/2020-07-01/fulfillmentOrders/{sellerFulfillmentOrderId}/return",
		UsagePlan(2, 30),
	),
	# Tokens 2021-03-01
	"createRestrictedDataToken": (
		"tokens-2021-03-01.json",
		"POST",
		"/tokens/2021-03-01/restrictedDataToken",
		UsagePlan(1, 10),
	),
	# Notifications v1 (the destination and ById operations are grantless)
	"getDestinations": ("notifications-v1.json", "GET", "/notifications/v1/destinations", UsagePlan(1, 5)),
	"createDestination": ("notifications-v1.json", "POST", "/notifications/v1/destinations", UsagePlan(1, 5)),
	"getSubscription": (
		"notifications-v1.json",
		"GET",
		"/notifications/v1/subscriptions/{notificationType}",
		UsagePlan(1, 5),
	),
	"createSubscription": (
		"notifications-v1.json",
		"POST",
		"/notifications/v1/subscriptions/{notificationType}",
		UsagePlan(1, 5),
	),
	"deleteSubscriptionById": (
		"notifications-v1.json",
		"DELETE",
		"/notifications/v1/subscriptions/{notificationType}/{subscriptionId}",
		UsagePlan(1, 5),
	),
}


def plan_for(operation: str) -> UsagePlan:
	"""The published plan of an operation; unknown operations get a conservative 1 request/s."""
	entry = OPERATIONS.get(operation)
	return entry[3] if entry else UsagePlan(1.0, 1)
