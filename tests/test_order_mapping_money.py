"""map_order on hand-written Amazon-shaped orders: money to the cent in USD, EUR, GBP and JPY."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pytest
from test_order_shapes import DE, JP, UK, US, amazon_order, assert_amazon_shaped, order_item

from amazon_connector.core.mapping.order_money import split_line
from amazon_connector.core.mapping.orders import OrderMappingError, OrderNotReady, OrderSkipped, map_order
from amazon_connector.core.money import quantum
from amazon_connector.core.settings import MarketplaceConfig, SyncSettings

SETTINGS = SyncSettings(
	account_key="test",
	after_date=date(2024, 1, 1),
	request_personal_data=True,  # the orders here carry buyer data, as an app with the roles reads them
	marketplaces=(
		MarketplaceConfig(US, "US", "USD", "Amazon US"),
		MarketplaceConfig(DE, "DE", "EUR", "Amazon DE"),
		MarketplaceConfig(UK, "GB", "GBP", "Amazon UK"),
		MarketplaceConfig(JP, "JP", "JPY", "Amazon JP"),
	),
)


@pytest.fixture
def model(load_model):
	return load_model("orders-2026-01-01.json")


def mapped(order: dict, model: dict, settings: SyncSettings = SETTINGS):
	assert_amazon_shaped(order, model)
	draft = map_order(order, settings)
	# The draft's own invariants, for every order mapped in this module.
	for line in draft.lines:
		assert line.amount == line.qty * line.rate
		assert line.rate == line.rate.quantize(quantum(draft.currency))
	assert draft.net_total + draft.added_charges_total == draft.grand_total
	return draft


def charges(draft):
	return [(c.kind, c.applies_to, c.amount, c.included_in_rate, c.collected_by) for c in draft.charges]


# -- rates ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
	"amount, qty, currency, parts",
	[
		("10.00", 3, "USD", [(2, "3.33"), (1, "3.34")]),
		("9.99", 3, "USD", [(3, "3.33")]),
		("0.05", 3, "EUR", [(1, "0.01"), (2, "0.02")]),
		("1000", 3, "JPY", [(2, "333"), (1, "334")]),
		("0.00", 2, "USD", [(2, "0.00")]),
	],
)
def test_a_line_amount_splits_into_rates_that_multiply_back_exactly(amount, qty, currency, parts):
	result = split_line(Decimal(amount), qty, currency)
	assert [(q, str(r)) for q, r in result] == parts
	assert sum(q * r for q, r in result) == Decimal(amount)
	assert sum(q for q, _ in result) == qty


# -- USD with marketplace-facilitator tax ----------------------------------------------------------------
def test_us_order_with_facilitator_tax_shipping_promotion_and_non_dividing_price(model):
	order = amazon_order(
		"111-1000000-0000001",
		US,
		[
			order_item("i1", "SKU-A", 3, "USD", item_total="10.00", shipping="5.99", tax="1.73", facilitator=True,
				tax_details={"ITEM": "1.25", "SHIPPING": "0.48"}, discount="-2.00", discount_details={"ITEM": "-2.00"},
				promotions=("SPRING-10",)),
			order_item("i2", "SKU-B", 2, "USD", item_total="19.98", tax="1.80", facilitator=True),
		],
		currency="USD",
		buyer={"buyerEmail": "x7@marketplace.amazon.com", "buyerName": "Pat Doe"},
	)  # fmt: skip
	draft = mapped(order, model)
	assert draft.grand_total == Decimal("37.50")  # 10.00 + 5.99 - 2.00 + 1.73 + 19.98 + 1.80
	assert [(line.key, line.qty, line.rate, line.amount) for line in draft.lines] == [
		("i1", 2, Decimal("3.33"), Decimal("6.66")),
		("i1/2", 1, Decimal("3.34"), Decimal("3.34")),
		("i2", 2, Decimal("9.99"), Decimal("19.98")),
	]
	assert charges(draft) == [
		("shipping", "", Decimal("5.99"), False, "SELLER"),
		("discount", "ITEM", Decimal("-2.00"), False, "SELLER"),
		("facilitator_tax", "", Decimal("1.80"), False, "MARKETPLACE"),
		("facilitator_tax", "ITEM", Decimal("1.25"), False, "MARKETPLACE"),
		("facilitator_tax", "SHIPPING", Decimal("0.48"), False, "MARKETPLACE"),
	]
	assert "SPRING-10" in next(c.description for c in draft.charges if c.kind == "discount")
	# The line tax shares add back to the item's tax.
	assert sum(line.tax for line in draft.lines if line.order_item_id == "i1") == Decimal("1.73")
	assert (
		draft.customer.key == "buyer:x7@marketplace.amazon.com" and draft.customer.customer_name == "Pat Doe"
	)
	assert draft.lines[0].tax_collected_by == "MARKETPLACE"


def test_tax_the_seller_collects_is_tax_not_facilitator_tax(model):
	order = amazon_order(
		"111-1000000-0000002",
		US,
		[order_item("i1", "SKU-A", 1, "USD", item_total="20.00", tax="1.65")],
		currency="USD",
	)
	draft = mapped(order, model)
	assert charges(draft) == [("tax", "", Decimal("1.65"), False, "SELLER")]
	assert draft.grand_total == Decimal("21.65")


def test_discount_reduces_the_total_whatever_sign_amazon_gives_it(model):
	def total(sign: str):
		order = amazon_order("111-1000000-0000003", US,
			[order_item("i1", "SKU-A", 1, "USD", item_total="20.00", discount=f"{sign}3.00")], currency="USD")  # fmt: skip
		return mapped(order, model).grand_total

	assert total("-") == total("") == Decimal("17.00")


def test_an_amount_finer_than_the_currency_fails_the_order_instead_of_being_rounded(model):
	# A tax of 1.655 USD would become a 1.66 (or 1.65) tax row: a Sales Order a cent off Amazon's.
	order = amazon_order("111-1000000-0000009", US,
		[order_item("i1", "SKU-A", 1, "USD", item_total="20.00", tax="1.655")], currency="USD")  # fmt: skip
	with pytest.raises(
		OrderMappingError, match=r"111-1000000-0000009.*order item i1.*TAX subtotal 1\.655.*USD"
	):
		map_order(order, SETTINGS)


# -- EUR, VAT-inclusive ----------------------------------------------------------------------------------
def test_german_order_keeps_vat_inside_prices_and_totals_what_the_buyer_paid(model):
	order = amazon_order(
		"302-1000000-0000001",
		DE,
		[
			order_item("d1", "SKU-C", 1, "EUR", item_total="19.99", shipping="4.90", tax="3.97", tax_inclusive=True,
				tax_details={"ITEM": "3.19", "SHIPPING": "0.78"}),
			order_item("d2", "SKU-D", 3, "EUR", item_total="25.00", tax="3.99", tax_inclusive=True),
		],
		currency="EUR",
		status="SHIPPED",
		fulfilled_by="AMAZON",
		address={"city": "Berlin", "postalCode": "10115", "countryCode": "DE"},
	)  # fmt: skip
	draft = mapped(order, model)
	assert draft.grand_total == Decimal("49.89")  # 19.99 + 4.90 + 25.00: VAT is inside
	assert [(line.qty, line.rate) for line in draft.lines] == [
		(1, Decimal("19.99")),
		(2, Decimal("8.33")),
		(1, Decimal("8.34")),
	]
	assert all(line.tax_included for line in draft.lines)
	assert charges(draft) == [
		("shipping", "", Decimal("4.90"), False, "SELLER"),
		("tax", "", Decimal("3.99"), True, "SELLER"),
		("tax", "ITEM", Decimal("3.19"), True, "SELLER"),
		("tax", "SHIPPING", Decimal("0.78"), True, "SELLER"),
	]
	assert draft.fulfilled_by == "AMAZON" and draft.submit is True


def test_vat_inside_or_on_top_is_read_from_amazons_own_item_total(model):
	# The same figures, but Amazon's item total says the tax came on top of a net price.
	net = amazon_order("302-1000000-0000002", DE,
		[order_item("d1", "SKU-C", 1, "EUR", item_total="16.80", tax="3.19", tax_inclusive=False)], currency="EUR")  # fmt: skip
	draft = mapped(net, model)
	assert draft.grand_total == Decimal("19.99")
	assert charges(draft) == [("tax", "", Decimal("3.19"), False, "SELLER")]


def test_without_an_item_total_the_marketplace_convention_decides(model):
	gross = amazon_order("302-1000000-0000003", DE,
		[order_item("d1", "SKU-C", 1, "EUR", item_total="19.99", tax="3.19", proceeds_total=None)],
		currency="EUR", grand_total="19.99")  # fmt: skip
	assert mapped(gross, model).grand_total == Decimal("19.99")
	us = amazon_order("111-1000000-0000004", US,
		[order_item("u1", "SKU-A", 1, "USD", item_total="19.99", tax="1.60", proceeds_total=None)],
		currency="USD", grand_total="21.59")  # fmt: skip
	assert mapped(us, model).grand_total == Decimal("21.59")


def test_an_item_total_matching_neither_reading_fails_the_order_by_name(model):
	order = amazon_order("302-1000000-0000004", DE,
		[order_item("d1", "SKU-C", 1, "EUR", item_total="19.99", tax="3.19", proceeds_total="25.00")], currency="EUR")  # fmt: skip
	with pytest.raises(OrderMappingError, match=r"302-1000000-0000004.*order item d1.*25\.00"):
		map_order(order, SETTINGS)


# -- GBP -------------------------------------------------------------------------------------------------
def test_uk_order_with_gift_wrap(model):
	order = amazon_order(
		"202-1000000-0000001",
		UK,
		[
			order_item(
				"g1", "SKU-E", 2, "GBP", item_total="25.98", gift_wrap="2.99", tax="4.83", tax_inclusive=True
			)
		],
		currency="GBP",
		address={"city": "London", "postalCode": "SW1A 1AA", "countryCode": "GB"},
	)
	draft = mapped(order, model)
	assert draft.grand_total == Decimal("28.97")
	assert charges(draft) == [
		("gift_wrap", "", Decimal("2.99"), False, "SELLER"),
		("tax", "", Decimal("4.83"), True, "SELLER"),
	]


# -- JPY -------------------------------------------------------------------------------------------------
def test_japanese_order_in_whole_yen_with_non_dividing_price(model):
	order = amazon_order(
		"503-1000000-0000001",
		JP,
		[
			order_item(
				"j1", "SKU-F", 3, "JPY", item_total="1000", shipping="350", tax="122", tax_inclusive=True
			)
		],
		currency="JPY",
		created="2025-03-10T20:30:00Z",
		deliver_by="2025-03-10T22:00:00Z",
		address={"city": "Tokyo", "postalCode": "150-0002", "countryCode": "JP"},
	)
	settings = SyncSettings(account_key="t", after_date=date(2024, 1, 1), marketplaces=SETTINGS.marketplaces,
		extra={"time_zone": "Asia/Tokyo"})  # fmt: skip
	draft = mapped(order, model, settings)
	assert draft.grand_total == Decimal("1350")
	assert [(line.qty, line.rate) for line in draft.lines] == [(2, Decimal("333")), (1, Decimal("334"))]
	assert all(line.rate == line.rate.to_integral_value() for line in draft.lines)
	# 20:30 UTC is the next morning in Tokyo; delivery is never before the transaction date.
	assert draft.transaction_date == date(2025, 3, 11)
	assert draft.delivery_date == date(2025, 3, 11)


# -- cancellations ---------------------------------------------------------------------------------------
def test_a_cancelled_line_leaves_the_order_and_the_total(model):
	order = amazon_order(
		"111-1000000-0000010",
		US,
		[
			order_item("c1", "SKU-A", 1, "USD", item_total="12.00", tax="0.99"),
			order_item("c2", "SKU-B", 2, "USD", unit_price="8.00", priced=False, cancelled_by="BUYER", cancel_reason="Ordered by mistake"),
		],
		currency="USD",
	)  # fmt: skip
	draft = mapped(order, model)
	assert [line.sku for line in draft.lines] == ["SKU-A"]
	assert [(line.sku, line.qty, line.cancelled_qty) for line in draft.cancelled_lines] == [("SKU-B", 0, 2)]
	assert draft.grand_total == Decimal("12.99") and not draft.is_cancelled


def test_a_partly_cancelled_quantity_is_reflected_on_the_line(model):
	order = amazon_order("111-1000000-0000011", US,
		[order_item("p1", "SKU-A", 3, "USD", item_total="10.00", unit_price="5.00", cancelled_by="MERCHANT")],
		currency="USD")  # fmt: skip
	draft = mapped(order, model)
	assert [(line.qty, line.rate, line.cancelled_qty) for line in draft.lines] == [(2, Decimal("5.00"), 1)]
	assert draft.grand_total == Decimal("10.00")


def test_a_cancelled_order_is_cancelled_with_no_lines_and_says_why(model):
	order = amazon_order(
		"111-1000000-0000012", US,
		[order_item("x1", "SKU-A", 1, "USD", unit_price="9.00", priced=False, cancelled_by="BUYER", cancel_reason="Found cheaper")],
		currency="USD", status="CANCELLED", grand_total=None,
	)  # fmt: skip
	draft = mapped(order, model)
	assert draft.is_cancelled and not draft.lines and draft.grand_total == 0
	assert "found cheaper" in draft.cancellation_reason.lower()
	assert draft.submit is False


def test_every_line_cancelled_means_the_order_is_cancelled(model):
	order = amazon_order("111-1000000-0000013", US,
		[order_item("x1", "SKU-A", 1, "USD", unit_price="9.00", priced=False, cancelled_by="AMAZON")],
		currency="USD", grand_total=None)  # fmt: skip
	assert mapped(order, model).is_cancelled


# -- pending, skipped, malformed ---------------------------------------------------------------------------
@pytest.mark.parametrize("status", ["PENDING", "PENDING_AVAILABILITY"])
def test_pending_orders_are_not_ready(model, status):
	order = amazon_order("111-1000000-0000020", US, [order_item("p1", "SKU-A", 1, "USD", unit_price="9.00", priced=False)],
		currency="USD", status=status, grand_total=None)  # fmt: skip
	assert_amazon_shaped(order, model)
	with pytest.raises(OrderNotReady, match="111-1000000-0000020"):
		map_order(order, SETTINGS)


def test_an_accepted_order_with_an_unpriced_item_waits_too(model):
	order = amazon_order("111-1000000-0000021", US, [order_item("p1", "SKU-A", 1, "USD", unit_price="9.00", priced=False)],
		currency="USD", grand_total=None)  # fmt: skip
	with pytest.raises(OrderNotReady):
		map_order(order, SETTINGS)


def test_multi_channel_fulfilment_orders_are_not_sales_orders(model):
	order = amazon_order("111-1000000-0000022", US, [order_item("m1", "SKU-A", 1, "USD", item_total="9.00")],
		currency="USD", channel="NON_AMAZON")  # fmt: skip
	with pytest.raises(OrderSkipped, match="NON_AMAZON"):
		map_order(order, SETTINGS)


def test_an_order_total_that_disagrees_with_its_items_fails_with_both_figures(model):
	order = amazon_order("111-1000000-0000023", US, [order_item("m1", "SKU-A", 1, "USD", item_total="9.00")],
		currency="USD", grand_total="9.50")  # fmt: skip
	with pytest.raises(OrderMappingError, match=r"111-1000000-0000023.*9\.50.*9\.00"):
		map_order(order, SETTINGS)


def test_malformed_items_fail_with_the_order_and_item_named():
	order = amazon_order(
		"111-1000000-0000024", US, [order_item("m1", "SKU-A", 1, "USD", item_total="9.00")], currency="USD"
	)
	del order["orderItems"][0]["product"]["sellerSku"]
	with pytest.raises(OrderMappingError, match=r"111-1000000-0000024.*order item m1.*SKU"):
		map_order(order, SETTINGS)
	order = amazon_order(
		"111-1000000-0000025", US, [order_item("m1", "SKU-A", 1, "USD", item_total="9.00")], currency="USD"
	)
	order["orderItems"][0]["proceeds"]["breakdowns"][0]["subtotal"]["amount"] = "nine"
	with pytest.raises(OrderMappingError, match=r"111-1000000-0000025.*nine"):
		map_order(order, SETTINGS)
	order = amazon_order(
		"111-1000000-0000026", US, [order_item("m1", "SKU-A", 1, "USD", item_total="9.00")], currency="USD"
	)
	order["orderItems"][0]["proceeds"]["breakdowns"][0]["subtotal"]["currencyCode"] = "EUR"
	with pytest.raises(OrderMappingError, match=r"111-1000000-0000026.*currencies"):
		map_order(order, SETTINGS)


# -- business, replacement, customers, submit ---------------------------------------------------------------
def test_business_order(model):
	order = amazon_order(
		"111-1000000-0000030", US, [order_item("b1", "SKU-A", 10, "USD", item_total="95.00", tax="7.60")],
		currency="USD", programs=["AMAZON_BUSINESS"],
		buyer={"buyerEmail": "b9@marketplace.amazon.com", "buyerName": "Lee Chan", "buyerCompanyName": "Chan Tools LLC",
			"buyerPurchaseOrderNumber": "PO-7781"},
	)  # fmt: skip
	draft = mapped(order, model)
	assert draft.is_business and draft.customer.is_business
	assert (draft.customer.customer_name, draft.customer.company_name) == ("Chan Tools LLC", "Chan Tools LLC")
	assert draft.po_no == "PO-7781" and draft.grand_total == Decimal("102.60")


def test_replacement_order_is_zero_priced_and_points_at_the_original(model):
	order = amazon_order(
		"111-1000000-0000031", US, [order_item("r1", "SKU-A", 1, "USD", unit_price="19.99", priced=False)],
		currency="USD", fulfilled_by="AMAZON", grand_total=None,
		associated=[{"orderId": "111-1000000-0000001", "associationType": "REPLACEMENT_ORIGINAL_ID"}],
	)  # fmt: skip
	draft = mapped(order, model)
	assert draft.replaced_order_id == "111-1000000-0000001"
	assert [(line.qty, line.rate) for line in draft.lines] == [(1, Decimal("0.00"))]
	assert draft.grand_total == Decimal("0")


def test_one_customer_per_marketplace_without_a_buyer_and_address_without_a_token(model):
	order = amazon_order(
		"111-1000000-0000032", US, [order_item("a1", "SKU-A", 1, "USD", item_total="5.00")], currency="USD"
	)
	draft = mapped(order, model)
	assert draft.customer.key == f"marketplace:{US}" and draft.customer.customer_name == "Amazon.com Customer"
	address = draft.shipping_address
	assert (address.address_line1, address.city, address.state, address.postal_code, address.country_code) == (
		"", "Seattle", "WA", "98101", "US",
	)  # fmt: skip
	same = mapped(
		amazon_order(
			"111-1000000-0000033",
			US,
			[order_item("a1", "SKU-A", 1, "USD", item_total="5.00")],
			currency="USD",
		),
		model,
	)
	assert same.shipping_address.key == address.key


def test_submit_follows_the_setting_and_amazons_acceptance(model):
	order = amazon_order(
		"111-1000000-0000034", US, [order_item("a1", "SKU-A", 1, "USD", item_total="5.00")], currency="USD"
	)
	assert mapped(order, model).submit is True
	no_submit = SyncSettings(
		account_key="t", after_date=date(2024, 1, 1), marketplaces=SETTINGS.marketplaces, submit_orders=False
	)
	assert mapped(order, model, no_submit).submit is False
	order["fulfillment"]["fulfillmentStatus"] = "UNFULFILLABLE"
	assert mapped(order, model).submit is False


def test_delivery_tip_counted_by_amazon_is_a_charge(model):
	order = amazon_order("111-1000000-0000035", US, [order_item("t1", "SKU-A", 1, "USD", item_total="30.00")],
		currency="USD", grand_total="33.00")  # fmt: skip
	order["proceeds"]["breakdowns"] = [
		{"type": "DELIVERY_TIP", "status": "FINALIZED", "subtotal": {"amount": "3.00", "currencyCode": "USD"}}
	]
	draft = mapped(order, model)
	assert draft.grand_total == Decimal("33.00")
	assert ("other", "", Decimal("3.00"), False, "SELLER") in charges(draft)


# -- many random orders keep every invariant ---------------------------------------------------------------
@pytest.mark.parametrize(
	"currency, marketplace, inclusive",
	[("USD", US, False), ("EUR", DE, True), ("JPY", JP, True), ("GBP", UK, True)],
)
def test_random_orders_total_to_the_minor_unit(model, currency, marketplace, inclusive):
	rng = random.Random(f"orders-{currency}")
	step = quantum(currency)
	for n in range(60):
		items = []
		expected = Decimal(0)
		for i in range(rng.randint(1, 4)):
			qty = rng.randint(1, 7)
			units = lambda low, high: Decimal(rng.randint(low, high)) * step  # noqa: E731
			line, ship, tax, disc = units(1, 50000), units(0, 900), units(0, 4000), units(0, 300)
			items.append(order_item(f"{n}-{i}", f"SKU-{i}", qty, currency, item_total=line, shipping=ship, tax=tax,
				tax_inclusive=inclusive, discount=-disc, facilitator=rng.random() < 0.5))  # fmt: skip
			expected += line + ship - disc + (0 if inclusive else tax)
		order = amazon_order(f"{n:03d}-1000000-0000000", marketplace, items, currency=currency)
		draft = mapped(order, model)
		assert draft.grand_total == expected
		for item in items:
			lines = [line for line in draft.lines if line.order_item_id == item["orderItemId"]]
			assert sum(line.amount for line in lines) == Decimal(
				item["proceeds"]["breakdowns"][0]["subtotal"]["amount"]
			)
			assert sum(line.qty for line in lines) == item["quantityOrdered"]
