"""Payloads of Catalog Items, Listings Items, FBA Inventory and Fulfillment Outbound of every shape
their models allow (optional fields absent, null or present; enums with a value the model does not
list; negative or huge quantities), drawn from the models' own definitions, through the readers
that take them. The contract: each reader gives its result or its own error naming the record
(SKU, fulfillment order id), never another exception; the same for ORDER_CHANGE notifications,
whose parts may hold anything, so one bad record never stops the others.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from model_payloads import TIMES, payloads

from amazon_connector.core.drafts.stock import FbaQuantities
from amazon_connector.core.engine.notifications import OrderChange, PoisonMessage, parse_notification
from amazon_connector.core.mapping import catalog
from amazon_connector.core.mapping.fba_inventory import FbaInventoryError, pooled, quantities_of
from amazon_connector.core.mapping.fulfilment import (
	FulfilmentAnswerError,
	read_fulfilment_order,
	read_preview,
)
from amazon_connector.core.mapping.listing_health import listing_health

EXAMPLES = settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
MARKETPLACES = st.sampled_from(["ATVPDKIKX0DER", "A1PA6795UKMFR9", "A2UNKNOWNMKT"])
SKUS = st.sampled_from(["SKU-1", "sku 2", "ÄÖ-3", "", "x" * 60])


def test_catalog_items(load_model):
	model = load_model("catalog-items-2022-04-01.json")

	@EXAMPLES
	@given(payloads(model, "Item", overrides={"marketplaceId": MARKETPLACES}, depth=5), MARKETPLACES)
	def check(item, marketplace_id):
		for reader in (catalog.item_name, catalog.brand, catalog.main_image, catalog.product_type,
			catalog.classification, catalog.parent_asin):  # fmt: skip
			assert isinstance(reader(item, marketplace_id), str)
		assert isinstance(catalog.is_variation_parent(item, marketplace_id), bool)
		for kind, value in catalog.identifiers(item, marketplace_id):
			assert isinstance(kind, str) and isinstance(value, str)

	check()


def test_listings_items(load_model):
	model = load_model("listings-items-2021-08-01.json")

	@EXAMPLES
	@given(
		payloads(model, "Item", overrides={"marketplaceId": MARKETPLACES, "sku": SKUS}, depth=5), MARKETPLACES
	)
	def check(item, marketplace_id):
		listing_health(item, marketplace_id)

	check()


def test_fba_inventory_summaries(load_model):
	model = load_model("fba-inventory-v1.json")
	summaries = payloads(
		model,
		"InventorySummary",
		overrides={"sellerSku": SKUS, "lastUpdatedTime": TIMES},
		often=("inventoryDetails", "fulfillableQuantity"),
		depth=4,
	)

	@EXAMPLES
	@given(st.lists(st.tuples(MARKETPLACES, summaries), max_size=4))
	def check(readings):
		for _, summary in readings:
			try:
				found = quantities_of(summary)
			except FbaInventoryError as exc:
				assert f"SKU {summary.get('sellerSku') or '?'}" in str(exc)
				continue
			assert isinstance(found, FbaQuantities)
			for value in (
				found.fulfillable,
				found.inbound,
				found.reserved,
				found.researching,
				found.unfulfillable,
			):
				assert isinstance(value, int) and value >= 0
		chosen = pooled(readings)
		assert all(sku for _, sku in chosen)

	check()


def test_fulfillment_orders_and_previews(load_model):
	model = load_model("fulfillment-outbound-2020-07-01.json")
	orders = payloads(
		model,
		"GetFulfillmentOrderResult",
		overrides={
			"sellerSku": SKUS,
			"sellerFulfillmentOrderId": st.sampled_from(["MCF-1", "", "SO-0001-1"]),
		},
		often=("fulfillmentOrder", "fulfillmentOrderStatus", "sellerFulfillmentOrderId"),
		depth=5,
	)
	previews = payloads(model, "GetFulfillmentPreviewResult", depth=5)

	@EXAMPLES
	@given(orders, previews)
	def check(order, preview):
		try:
			state = read_fulfilment_order(order)
		except FulfilmentAnswerError as exc:
			order_id = ((order or {}).get("fulfillmentOrder") or {}).get("sellerFulfillmentOrderId")
			if order_id and (order.get("fulfillmentOrder") or {}).get("fulfillmentOrderStatus"):
				assert order_id in str(exc)
		else:
			assert state.seller_fulfillment_order_id
			assert all(line.quantity >= 0 for line in state.lines.values())
		try:
			read_preview(preview)
		except FulfilmentAnswerError:
			pass

	check()


JSON = st.recursive(
	st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8), TIMES),
	lambda inner: st.one_of(
		st.lists(inner, max_size=2), st.dictionaries(st.text(max_size=4), inner, max_size=2)
	),
	max_leaves=6,
)


def _maybe(strategy):
	return st.one_of(strategy, JSON)


ORDER_CHANGES = st.fixed_dictionaries(
	{"NotificationType": st.sampled_from(["ORDER_CHANGE", "ORDER_CHANGE", "ANY_OFFER_CHANGED"])},
	optional={
		"EventTime": _maybe(TIMES),
		"NotificationMetadata": _maybe(
			st.fixed_dictionaries({"NotificationId": _maybe(st.text(max_size=8))})
		),
		"Payload": _maybe(
			st.fixed_dictionaries(
				{
					"OrderChangeNotification": _maybe(
						st.fixed_dictionaries(
							{"AmazonOrderId": _maybe(st.just("302-1234567-7654321"))},
							optional={
								"OrderChangeTrigger": _maybe(
									st.fixed_dictionaries({"TimeOfOrderChange": _maybe(TIMES)})
								)
							},
						)
					)
				}
			)
		),
	},
)


@EXAMPLES
@given(ORDER_CHANGES)
def test_order_change_notifications_of_any_shape(document):
	try:
		change = parse_notification(json.dumps(document))
	except PoisonMessage:
		return
	assert isinstance(change, OrderChange)
	assert change.amazon_order_id == "302-1234567-7654321"
	assert isinstance(change.notification_id, str)
