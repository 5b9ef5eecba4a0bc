"""map_order on Amazon's own sandbox examples from the Orders 2026-01-01 model."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from amazon_connector.core.mapping.orders import map_order
from amazon_connector.core.money import minor_units, quantum
from amazon_connector.core.settings import MarketplaceConfig, SyncSettings

SETTINGS = SyncSettings(
	account_key="test",
	after_date=date(2024, 1, 1),
	marketplaces=(MarketplaceConfig("A1VC38T7YXB528", "JP", "JPY", "Amazon JP"),),
	request_personal_data=True,  # the model's examples are orders as an app with the roles reads them
)


def _examples(model: dict) -> dict[str, dict]:
	found = {}
	for operations in model["paths"].values():
		for method, operation in operations.items():
			if method == "parameters":
				continue
			sandbox = operation["responses"].get("200", {}).get("x-amzn-api-sandbox", {})
			for example in sandbox.get("static", []):
				body = example["response"]
				for order in body.get("orders") or [body["order"]]:
					found[order["orderId"]] = order
	return found


@pytest.fixture(scope="module")
def examples(load_model):
	found = _examples(load_model("orders-2026-01-01.json"))
	assert len(found) == 6, sorted(found)
	return found


def test_every_example_maps_with_amazons_total_to_the_minor_unit(examples):
	for order_id, order in examples.items():
		draft = map_order(order, SETTINGS)
		amazon_total = Decimal(order["proceeds"]["grandTotal"]["amount"])
		assert draft.grand_total == amazon_total, order_id
		assert draft.currency == order["proceeds"]["grandTotal"]["currencyCode"]
		assert draft.net_total + draft.added_charges_total == draft.grand_total, order_id
		per_item = defaultdict(Decimal)
		for line in draft.lines:
			assert line.amount == line.qty * line.rate, (order_id, line.key)
			assert line.rate == line.rate.quantize(quantum(draft.currency)), (order_id, line.rate)
			per_item[line.order_item_id] += line.amount
		for item in order["orderItems"]:
			item_subtotal = sum(
				Decimal(b["subtotal"]["amount"])
				for b in item["proceeds"]["breakdowns"]
				if b["type"] == "ITEM"
			)
			assert per_item[item["orderItemId"]] == item_subtotal, (order_id, item["orderItemId"])


def test_japanese_example_has_no_minor_unit_and_whole_yen_rates(examples):
	draft = map_order(examples["250-1234567-8901234"], SETTINGS)
	assert minor_units("JPY") == 0
	assert draft.grand_total == Decimal("19940")
	assert [(line.sku, line.qty, line.rate) for line in draft.lines] == [
		("ECHO-DOT-4-JP-CHARCOAL", 1, Decimal("5980")),
		("FIRE-TV-4K-MAX-JP", 2, Decimal("6980")),
	]
	assert draft.is_prime and draft.fulfilled_by == "AMAZON" and draft.amazon_status == "SHIPPED"
	assert draft.seller_order_id == "JP-ORDER-2024-001"
	assert draft.price_list == "Amazon JP"
	assert draft.submit is True
	# Points are the seller's expense, not the buyer's payment: noted, never in the total.
	assert any("points" in remark for remark in draft.remarks)


def test_us_example_adds_the_tax_amazon_reports_on_top_of_the_price(examples):
	draft = map_order(examples["114-9876543-1234567"], SETTINGS)
	assert [(line.qty, line.rate) for line in draft.lines] == [(1, Decimal("39.99"))]
	assert [(c.kind, c.amount, c.included_in_rate) for c in draft.charges] == [
		("tax", Decimal("10.00"), False)
	]
	assert draft.grand_total == Decimal("49.99")
	# No buyer e-mail in this example: one customer stands for the marketplace.
	assert draft.customer.key == "marketplace:ATVPDKIKX0DER"
	assert draft.customer.is_marketplace_customer


def test_turkish_example_is_marked_as_collected_by_amazon(examples):
	draft = map_order(examples["028-1234567-8901234"], SETTINGS)
	assert draft.lines[0].tax_collected_by == "MARKETPLACE"
	assert (draft.lines[0].qty, draft.lines[0].rate, draft.grand_total) == (
		2,
		Decimal("62.50"),
		Decimal("125.00"),
	)


def test_brazilian_business_example_keeps_company_and_purchase_order(examples):
	draft = map_order(examples["171-2345678-9012345"], SETTINGS)
	assert draft.is_business and draft.customer.is_business
	assert draft.customer.company_name == "Oliveira Tecnologia Ltda"
	assert draft.buyer_po == "PO-BR-2024-5678" and draft.po_no == "PO-BR-2024-5678"
	address = draft.shipping_address
	assert (address.city, address.state, address.postal_code, address.country_code) == (
		"São Paulo", "SP", "01310-100", "BR",
	)  # fmt: skip
	assert draft.delivery_date == date(2024, 12, 30)


def test_uk_example_records_its_package(examples):
	draft = map_order(examples["202-7654321-1098765"], SETTINGS)
	assert draft.grand_total == Decimal("34.99") and draft.currency == "GBP"
	assert [(p.carrier, p.tracking_number, p.items) for p in draft.packages] == [
		("DPD", "15501234567890123456", {"20276543210987": 1})
	]
	assert draft.po_no == "202-7654321-1098765"


def test_gift_message_from_the_brazilian_example_reaches_the_line(examples):
	draft = map_order(examples["171-9876543-2109876"], SETTINGS)
	assert draft.lines[0].is_gift and draft.lines[0].gift_message.startswith("Feliz Natal")
	assert draft.lines[0].promotion_ids == ("BR-NATAL-2024",)


def test_an_account_that_does_not_import_personal_data_drops_what_amazon_sent(examples):
	"""Amazon sends names and street lines to an app with the roles; an account that does not import
	them keeps the marketplace's customer and the coarse address, and a business buyer's company."""
	order = examples["171-2345678-9012345"]
	assert order["buyer"].get("buyerName") and order["recipient"]["deliveryAddress"].get("addressLine1")
	draft = map_order(order, replace(SETTINGS, request_personal_data=False))
	assert not draft.customer.email and not draft.customer.key.startswith("buyer:")  # a company, no person
	address = draft.shipping_address
	assert not (address.address_line1 or address.name or address.phone)
	assert (address.city, address.postal_code) == ("São Paulo", "01310-100")
	assert draft.grand_total == map_order(order, SETTINGS).grand_total
