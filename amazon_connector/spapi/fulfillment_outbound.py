"""Fulfillment Outbound 2020-07-01: Multi-Channel Fulfillment (Amazon ships a seller's other-channel
orders from the seller's FBA stock).

Why this version and not 2026-07-04 (both models are in ../shared/sp-api-models): 2020-07-01 is the
version python-amazon-sp-api implements (`FulfillmentOutbound`), through which every call of this
access layer goes (pacing, retries, token refresh, redaction); none of its operations is deprecated;
and 2026-07-04 (getOrderPreview, createOrder, getOrder, cancelOrder under
/fulfillment/outbound/2026-07-04) has the same usage plans and no operation the connector needs that
2020-07-01 lacks. Moving over is a change of this module and the simulator's routes only: the core
works on drafts, not on Amazon's paths.

Every operation here is 2 requests/s with a burst of 30 (the models' usage plans, `usage_plans`).
Amazon answers a refused request with 400 and an `errors` list naming what it refused (an unknown
SKU, an address it cannot ship to, an order that can no longer be cancelled); `refusal_message`
turns any failure into the one sentence shown on the Sales Order.
"""

from __future__ import annotations

from amazon_connector.spapi.apis import FulfillmentOutboundApi


def get_fulfillment_preview(session, body: dict) -> dict:
	"""The `payload` of getFulfillmentPreview: `fulfillmentPreviews`, one per shipping speed."""
	return (
		session.call("getFulfillmentPreview", FulfillmentOutboundApi, "get_fulfillment_preview", **body).body
		or {}
	).get("payload") or {}


def create_fulfillment_order(session, body: dict) -> None:
	"""createFulfillmentOrder; Amazon answers 200 with an empty body, or refuses (InvalidInputError)."""
	if not body.get("sellerFulfillmentOrderId"):
		raise ValueError("createFulfillmentOrder needs the seller's fulfillment order id")
	session.call("createFulfillmentOrder", FulfillmentOutboundApi, "create_fulfillment_order", **body)


def get_fulfillment_order(session, seller_fulfillment_order_id: str) -> dict:
	"""The `payload` of getFulfillmentOrder: `fulfillmentOrder`, its items, shipments and returns."""
	if not seller_fulfillment_order_id:
		raise ValueError("getFulfillmentOrder needs the seller's fulfillment order id")
	return (
		session.call(
			"getFulfillmentOrder",
			FulfillmentOutboundApi,
			"get_fulfillment_order",
			seller_fulfillment_order_id,
		).body
		or {}
	).get("payload") or {}


def cancel_fulfillment_order(session, seller_fulfillment_order_id: str) -> None:
	"""cancelFulfillmentOrder: Amazon stops trying (only while the order is Received or Planning)."""
	if not seller_fulfillment_order_id:
		raise ValueError("cancelFulfillmentOrder needs the seller's fulfillment order id")
	session.call(
		"cancelFulfillmentOrder",
		FulfillmentOutboundApi,
		"cancel_fulfillment_order",
		seller_fulfillment_order_id,
	)


def update_fulfillment_order(session, seller_fulfillment_order_id: str, body: dict) -> None:
	"""updateFulfillmentOrder: Amazon answers 200 with an empty body, or refuses (InvalidInputError)."""
	if not seller_fulfillment_order_id:
		raise ValueError("updateFulfillmentOrder needs the seller's fulfillment order id")
	session.call(
		"updateFulfillmentOrder",
		FulfillmentOutboundApi,
		"update_fulfillment_order",
		seller_fulfillment_order_id,
		**body,
	)


def list_return_reason_codes(
	session,
	seller_sku: str,
	marketplace_id: str = "",
	seller_fulfillment_order_id: str = "",
	language: str = "",
) -> dict:
	"""The `payload` of listReturnReasonCodes: `reasonCodeDetails` for one SKU (the marketplace, or the
	fulfilment order it was shipped on, tells Amazon which marketplace's reasons)."""
	if not seller_sku:
		raise ValueError("listReturnReasonCodes needs the seller SKU")
	params = {"sellerSku": seller_sku}
	for key, value in (
		("marketplaceId", marketplace_id),
		("sellerFulfillmentOrderId", seller_fulfillment_order_id),
		("language", language),
	):
		if value:
			params[key] = value
	return (
		session.call(
			"listReturnReasonCodes", FulfillmentOutboundApi, "list_return_reason_codes", **params
		).body
		or {}
	).get("payload") or {}


def create_fulfillment_return(session, seller_fulfillment_order_id: str, body: dict) -> dict:
	"""The `payload` of createFulfillmentReturn: `returnItems` Amazon took, `invalidReturnItems` it did
	not, and the `returnAuthorizations` the buyer sends the units under (each may be missing)."""
	if not seller_fulfillment_order_id:
		raise ValueError("createFulfillmentReturn needs the seller's fulfillment order id")
	return (
		session.call(
			"createFulfillmentReturn",
			FulfillmentOutboundApi,
			"create_fulfillment_return",
			seller_fulfillment_order_id,
			**body,
		).body
		or {}
	).get("payload") or {}
