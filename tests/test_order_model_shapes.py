"""Orders 2026-01-01 orders of the shapes the model allows, drawn from its own `Order` definition:
every optional field absent, null or present; fulfilment statuses it names and one it does not; a
marketplace the account has not set up; currencies with 0, 2 and 3 minor units; quantities of 0 or
below; proceeds breakdown types the model does not list; discounts of either sign; tax inside or on
top of the prices; totals given or not.

The contract: an order becomes a Sales Order draft, or it is skipped / not ready / refused with its
order id named (nothing else escapes, so one order never stops the others); a draft's grand total
is what the buyer paid to Amazon, to the minor unit: its lines and charges add up to it, and when
Amazon gives the order's total it is that total.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from model_payloads import AMOUNTS, CURRENCIES, TIMES, UNDOCUMENTED, one_in, payloads

from amazon_connector.core.mapping.order_money import at_minor_unit
from amazon_connector.core.mapping.orders import OrderMappingError, OrderSkipped, map_order
from amazon_connector.core.money import quantum
from amazon_connector.core.settings import MarketplaceConfig, SyncSettings

US, DE, JP = "ATVPDKIKX0DER", "A1PA6795UKMFR9", "A1VC38T7YXB528"
SYNC = SyncSettings(
	account_key="shapes",
	after_date=date(2024, 1, 1),
	marketplaces=(
		MarketplaceConfig(US, "US", "USD", "Amazon US"),
		MarketplaceConfig(DE, "DE", "EUR", "Amazon DE", vat_rates=(Decimal(19), Decimal(7))),
		MarketplaceConfig(JP, "JP", "JPY", "Amazon JP"),
	),
)
EXAMPLES = settings(
	max_examples=120, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
ADDED = ("SHIPPING", "GIFT_WRAP", "COD_FEE", "OTHER", "SURCHARGE_NOT_IN_THE_MODEL")


def _orders(model: dict):
	overrides = {
		"orderId": st.sampled_from(["302-1234567-7654321", "249-0000000-0000001"]),
		"createdTime": TIMES,
		"lastUpdatedTime": TIMES,
		"channelName": st.sampled_from(["AMAZON", "AMAZON", "AMAZON", "NON_AMAZON"]),
		"marketplaceId": st.sampled_from([US, DE, JP, "A2UNKNOWNMKT"]),
		"fulfillmentStatus": st.sampled_from(
			[
				"UNSHIPPED",
				"SHIPPED",
				"PARTIALLY_SHIPPED",
				"CANCELLED",
				"PENDING",
				"UNFULFILLABLE",
				UNDOCUMENTED,
			]
		),
		"orderItemId": st.sampled_from(["11111", "22222", "33333"]),
		"quantityOrdered": st.sampled_from([1, 1, 2, 3, 7, 0, -1]),
		"sellerSku": st.sampled_from(["SKU-1", "sku 2", "ÄÖ-3", "", "SKU-1", "SKU-4"]),
		# Money the mapper reads besides proceeds (unit prices, points): amounts, or now and then not
		"amount": st.one_of(AMOUNTS.map(abs).map(str), AMOUNTS.map(abs).map(str), st.just("12,50")),
		# The items' and the order's money is drawn in the test, consistent most of the time.
		"proceeds": st.none(),
		"packages": st.none(),
	}
	often = ("fulfillment", "product", "salesChannel", "sellerSku", "orderItemId", "marketplaceId")
	items = payloads(model, "OrderItem", overrides=overrides, often=often, depth=4)
	overrides["orderItems"] = st.lists(items, min_size=1, max_size=3)
	return payloads(model, "Order", overrides=overrides, often=often, depth=5)


def _one_currency(node, currency: str, data) -> None:
	"""Every Money of the order in the order's currency, but for one in twenty."""
	if isinstance(node, dict):
		if "currencyCode" in node and not data.draw(one_in(20)):
			node["currencyCode"] = currency
		for value in node.values():
			_one_currency(value, currency, data)
	elif isinstance(node, list):
		for value in node:
			_one_currency(value, currency, data)


def _amount(data, currency: str, low: int = 0, high: int = 500) -> Decimal:
	units = data.draw(st.integers(low * 10**3, high * 10**3))
	return (Decimal(units) * quantum(currency)).quantize(quantum(currency))


def _text(amount: Decimal, currency: str) -> dict:
	return {"amount": str(amount), "currencyCode": currency}


def _proceeds(data, currency: str, inclusive: bool) -> tuple[dict, Decimal]:
	"""An item's proceeds and what the buyer paid for it."""
	breakdowns = []
	paid = Decimal(0)
	price = _amount(data, currency)
	breakdowns.append({"type": "ITEM", "subtotal": _text(price, currency)})
	paid += price
	for kind in data.draw(st.lists(st.sampled_from(ADDED), max_size=2, unique=True)):
		amount = _amount(data, currency, 0, 20)
		breakdowns.append({"type": kind, "subtotal": _text(amount, currency)})
		paid += amount
	if data.draw(st.booleans()):
		discount = _amount(data, currency, 0, 10)
		shown = -discount if data.draw(st.booleans()) else discount  # the model fixes no sign
		breakdowns.append({"type": "DISCOUNT", "subtotal": _text(shown, currency)})
		paid -= discount
	if data.draw(st.booleans()):
		tax = _amount(data, currency, 0, 50)
		detail = []
		if data.draw(st.booleans()):
			part = (tax / 2).quantize(quantum(currency))
			detail = [
				{"subtype": "ITEM", "value": _text(part, currency)},
				{"subtype": "SHIPPING", "value": _text(tax - part, currency)},
			]
		breakdowns.append({"type": "TAX", "subtotal": _text(tax, currency), "detailedBreakdowns": detail})
		if not inclusive:
			paid += tax
	proceeds = {"breakdowns": data.draw(st.permutations(breakdowns))}
	if not data.draw(one_in(5)):
		proceeds["proceedsTotal"] = _text(paid, currency)
	return proceeds, paid


@pytest.fixture(scope="module")
def orders_model(load_model):
	return load_model("orders-2026-01-01.json")


def test_every_model_shaped_order_is_a_draft_to_the_cent_or_refused_by_name(orders_model):
	@EXAMPLES
	@given(_orders(orders_model), st.data())
	def check(order, data):
		currency = data.draw(CURRENCIES)
		inclusive = data.draw(st.booleans())
		expected = Decimal(0)
		_one_currency(order, currency, data)
		plain = True  # no item cancelled: what the buyer paid is the items' sum
		for item in order.get("orderItems") or []:
			if not data.draw(one_in(10)):
				item["proceeds"], paid = _proceeds(data, currency, inclusive)
				if isinstance(item.get("quantityOrdered"), int) and item["quantityOrdered"] > 0:
					expected += paid
			if item.get("cancellation") and not data.draw(one_in(3)):
				del item["cancellation"]
			plain = plain and not item.get("cancellation")
		if not data.draw(one_in(5)):
			order["proceeds"] = {"grandTotal": _text(expected, currency)}
		try:
			draft = map_order(order, SYNC)
		except (OrderSkipped, OrderMappingError) as exc:
			assert str(order.get("orderId") or "(no id)") in str(exc)
			return
		configured = SYNC.marketplace(draft.marketplace_id)
		# Amazon's currency; the marketplace's only for an order that carries no money at all
		assert draft.currency == currency or (configured and draft.currency == configured.currency)
		for line in draft.lines:
			assert line.amount == line.qty * line.rate
			assert at_minor_unit(line.rate, currency) and line.qty > 0
		added = sum((c.amount for c in draft.charges if not c.included_in_rate), Decimal(0))
		assert draft.grand_total == sum((line.amount for line in draft.lines), Decimal(0)) + added
		if draft.is_cancelled:
			assert draft.lines == [] and not draft.submit
			return
		given_total = (order.get("proceeds") or {}).get("grandTotal")
		if given_total:
			assert draft.grand_total == Decimal(given_total["amount"])
		if plain and (order.get("fulfillment") or {}).get("fulfillmentStatus") != "CANCELLED":
			assert draft.grand_total == expected
		assert draft.submit == (draft.amazon_status in ("UNSHIPPED", "PARTIALLY_SHIPPED", "SHIPPED"))

	check()
