"""VAT taken out of VAT-inclusive Amazon orders that carry no TAX breakdown, kept as Amazon reports it
when they do: map_order -> take_out_vat -> order_rows, to the minor unit in GBP, EUR and JPY."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from test_order_mapping_examples import _examples
from test_order_shapes import DE, JP, UK, US, amazon_order, assert_amazon_shaped, order_item

from amazon_connector.core.drafts.orders import FACILITATOR_VAT, OUTPUT_VAT, SALES_TAX
from amazon_connector.core.mapping.order_rows import order_rows
from amazon_connector.core.mapping.orders import map_order
from amazon_connector.core.mapping.vat import needs_vat_taken_out, take_out_vat, vat_inside
from amazon_connector.core.money import quantum
from amazon_connector.core.settings import MarketplaceConfig, SyncSettings

D = Decimal
SETTINGS = SyncSettings(
	account_key="test",
	after_date=date(2024, 1, 1),
	marketplaces=(
		MarketplaceConfig(US, "US", "USD", "Amazon US"),
		MarketplaceConfig(DE, "DE", "EUR", "Amazon DE", vat_rates=(D(19), D(7))),
		MarketplaceConfig(UK, "GB", "GBP", "Amazon UK", vat_rates=(D(20), D(5))),
		MarketplaceConfig(JP, "JP", "JPY", "Amazon JP", vat_rates=(D(10), D(8))),
	),
)


@pytest.fixture(scope="module")
def model(load_model):
	return load_model("orders-2026-01-01.json")


def rates(by_sku: dict[str, Decimal]):
	return lambda line: by_sku.get(line.sku)


def booked(order: dict, model: dict, by_sku: dict[str, Decimal]):
	assert_amazon_shaped(order, model)
	draft = take_out_vat(map_order(order, SETTINGS), rates(by_sku), account="VAT - T")
	rows = order_rows(draft)
	step = quantum(draft.currency)
	assert rows.total == draft.grand_total
	for row in rows.items:
		assert row.rate == row.rate.quantize(step)
	for row in rows.charges:
		assert row.amount == row.amount.quantize(step)
		if row.charge.is_tax:
			assert sum(row.charge.per_item.values(), D(0)) == row.amount
	return draft, rows


def taxes(rows):
	return [(c.charge.tax_role, c.charge.rate, c.amount) for c in rows.charges if c.charge.is_tax]


def net_of(rows, kind=None):
	if kind is None:
		return sum((r.amount for r in rows.items), D(0))
	return sum((c.amount for c in rows.charges if c.charge.kind == kind), D(0))


@pytest.mark.parametrize(
	"gross, rate, currency, vat",
	[
		("12.00", "20", "GBP", "2.00"),
		("12.03", "20", "GBP", "2.01"),  # 2.005: half-up
		("-5.00", "20", "GBP", "-0.83"),  # a discount's VAT mirrors a charge's
		("-12.03", "20", "GBP", "-2.01"),
		("10.70", "7", "EUR", "0.70"),
		("119.00", "19", "EUR", "19.00"),
		("1100", "10", "JPY", "100"),
		("1350", "10", "JPY", "123"),  # 122.7 -> 123 yen, no minor unit
		("9.99", "0", "GBP", "0"),
	],
)
def test_vat_inside_a_gross_amount_is_rounded_half_up_to_the_minor_unit(gross, rate, currency, vat):
	assert vat_inside(D(gross), D(rate), currency) == D(vat)


def test_uk_order_without_tax_breakdown_books_books_at_zero_and_a_gadget_at_twenty(model):
	order = amazon_order(
		"202-2000000-0000001",
		UK,
		[
			order_item("b1", "BOOK", 2, "GBP", item_total="15.98", shipping="2.99"),
			order_item(
				"g1", "GADGET", 3, "GBP", item_total="40.00", shipping="4.99", discount="-5.00",
				discount_details={"ITEM": "-5.00"}, promotions=("SPRING",),
			),
		],
		currency="GBP",
	)  # fmt: skip
	draft, rows = booked(order, model, {"BOOK": D(0), "GADGET": D(20)})
	assert draft.grand_total == D("58.96")  # what the buyer paid: unchanged
	# gadget: 40.00 -> 6.67 VAT; its shipping 4.99 -> 0.83; its discount -5.00 -> -0.83
	assert taxes(rows) == [(OUTPUT_VAT, D(0), D("0")), (OUTPUT_VAT, D(20), D("6.67"))]
	assert net_of(rows) == D("15.98") + D("40.00") - D("6.67")
	assert net_of(rows, "shipping") == D("2.99") + D("4.99") - D("0.83")
	assert net_of(rows, "discount") == D("-5.00") + D("0.83")
	vat20 = next(c.charge for c in rows.charges if c.charge.rate == 20)
	assert vat20.per_item == {"g1": D("6.67")}
	assert vat20.account == "VAT - T" and vat20.included_in_rate
	# 33.33 net for 3 units (Amazon's 40.00 was 2 x 13.33 + 1 x 13.34): rates at the minor unit
	gadget = [r for r in rows.items if r.line.sku == "GADGET"]
	assert sum((r.amount for r in gadget), D(0)) == D("33.33") and sum(r.qty for r in gadget) == 3


def test_german_order_at_seven_and_nineteen_percent_with_gift_wrap(model):
	order = amazon_order(
		"302-2000000-0000001",
		DE,
		[
			order_item("f1", "FOOD", 1, "EUR", item_total="10.70", shipping="3.90"),
			order_item("t1", "TOY", 1, "EUR", item_total="59.50", gift_wrap="2.38"),
		],
		currency="EUR",
	)
	draft, rows = booked(order, model, {"FOOD": D(7), "TOY": D(19)})
	assert draft.grand_total == D("76.48")
	# food 0.70 + its shipping 0.26; toy 9.50 + its gift wrap 0.38
	assert taxes(rows) == [(OUTPUT_VAT, D(7), D("0.96")), (OUTPUT_VAT, D(19), D("9.88"))]
	assert net_of(rows, "gift_wrap") == D("2.00")
	assert net_of(rows) + net_of(rows, "shipping") + net_of(rows, "gift_wrap") + D("10.84") == D("76.48")


def test_japanese_order_in_whole_yen(model):
	order = amazon_order(
		"503-2000000-0000001", JP, [order_item("j1", "TEA", 3, "JPY", item_total="1000", shipping="350")],
		currency="JPY",
	)  # fmt: skip
	draft, rows = booked(order, model, {"TEA": D(8)})
	assert draft.grand_total == D("1350")
	assert taxes(rows) == [(OUTPUT_VAT, D(8), D("100"))]  # 74.07 -> 74, shipping 25.93 -> 26
	assert all(r.rate == r.rate.to_integral_value() for r in rows.items)
	assert net_of(rows) == D("926") and net_of(rows, "shipping") == D("324")


def test_deemed_supplier_vat_is_facilitator_vat_on_amazons_account(model):
	order = amazon_order(
		"202-2000000-0000002", UK, [order_item("d1", "GADGET", 1, "GBP", item_total="24.00", facilitator=True)],
		currency="GBP",
	)  # fmt: skip
	draft, rows = booked(order, model, {"GADGET": D(20)})
	[(role, rate, amount)] = taxes(rows)
	assert (role, rate, amount) == (FACILITATOR_VAT, D(20), D("4.00"))
	vat = next(c.charge for c in rows.charges if c.charge.is_tax)
	assert vat.account == ""  # never the seller's Output VAT: the withheld account the fees debit


def test_without_a_rate_the_order_stays_gross_and_says_what_to_set_up(model):
	order = amazon_order(
		"202-2000000-0000003", UK, [order_item("n1", "MYSTERY", 1, "GBP", item_total="12.00")], currency="GBP"
	)
	draft = take_out_vat(map_order(order, SETTINGS), rates({}), missing_setup="set the standard VAT rate")
	rows = order_rows(draft)
	assert taxes(rows) == []
	assert rows.total == D("12.00")
	[remark] = [r for r in draft.remarks if r.startswith("Needs attention")]
	assert "n1" in remark and "set the standard VAT rate" in remark and "Amazon.co.uk" in remark


def test_a_tax_breakdown_is_booked_as_amazon_reports_it_with_its_rate(model):
	order = amazon_order(
		"202-2000000-0000004",
		UK,
		[order_item("r1", "GADGET", 2, "GBP", item_total="25.98", gift_wrap="2.99", tax="4.83", tax_inclusive=True)],
		currency="GBP",
	)  # fmt: skip
	draft, rows = booked(order, model, {"GADGET": D(99)})  # a wrong rate would be ignored
	assert not needs_vat_taken_out(draft)
	# 4.83 on 24.14 net: the set-up's 20 % gives exactly Amazon's figure
	assert taxes(rows) == [(OUTPUT_VAT, D(20), D("4.83"))]


def test_us_sales_tax_rows_carry_the_rate_amazons_figures_imply(model):
	order = amazon_order(
		"111-2000000-0000001",
		US,
		[order_item("u1", "GADGET", 1, "USD", item_total="80.00", shipping="5.00", tax="7.01",
			tax_details={"ITEM": "6.60", "SHIPPING": "0.41"})],
		currency="USD",
	)  # fmt: skip
	draft, rows = booked(order, model, {})
	assert taxes(rows) == [(SALES_TAX, D("8.25"), D("7.01"))]  # one row: items and shipping merged
	assert rows.total == D("92.01")


def test_amazons_own_uk_and_jp_examples_get_their_vat_taken_out(load_model):
	examples = _examples(load_model("orders-2026-01-01.json"))
	seen = set()
	for order in examples.values():
		marketplace = (order.get("salesChannel") or {}).get("marketplaceId")
		if marketplace not in (UK, JP):
			continue
		try:
			drafted = map_order(order, SETTINGS)
		except Exception:  # pending examples have no prices yet
			continue
		if not needs_vat_taken_out(drafted):
			continue
		rate = D(20) if marketplace == UK else D(10)
		draft = take_out_vat(drafted, lambda line, rate=rate: rate)
		rows = order_rows(draft)
		assert rows.total == drafted.grand_total
		vat = sum((c.amount for c in rows.charges if c.charge.is_tax), D(0))
		gross = drafted.net_total + drafted.added_charges_total
		assert vat > 0 and vat == sum(
			(vat_inside(line.amount, rate, draft.currency) for line in drafted.lines), D(0)
		) + sum(
			(vat_inside(v, rate, draft.currency) for line in drafted.lines for v in line.charges.values()),
			D(0),
		)
		assert gross == drafted.grand_total
		seen.add(marketplace)
	assert seen == {UK, JP}


def test_a_business_buyers_vat_number_reaches_the_customer_and_the_order(model):
	order = amazon_order(
		"302-2000000-0000009",
		DE,
		[order_item("v1", "TOY", 1, "EUR", item_total="59.50")],
		currency="EUR",
		programs=["AMAZON_BUSINESS"],
		buyer={"buyerCompanyName": "Muster GmbH"},
	)
	order["tax"] = {
		"taxRegistrations": [
			{
				"entityType": "MARKETPLACE",
				"taxRegistrationType": "VAT",
				"taxRegistrationNumber": "LU20260743",
			},
			{"entityType": "BUYER", "taxRegistrationType": "BUSINESS", "taxRegistrationNumber": "HRB 1234"},
			{"entityType": "BUYER", "taxRegistrationType": "VAT", "taxRegistrationNumber": "DE123456789"},
		]
	}
	assert_amazon_shaped(order, model)
	draft = map_order(order, SETTINGS)
	assert draft.buyer_tax_id == "DE123456789"
	# No e-mail (an FBA order): one customer per VAT number, never the marketplace's shared customer.
	assert (draft.customer.key, draft.customer.tax_id) == ("tax-id:DE123456789", "DE123456789")
	assert draft.customer.customer_name == "Muster GmbH" and not draft.customer.is_marketplace_customer


def test_a_consumer_order_has_no_tax_id(model):
	order = amazon_order(
		"302-2000000-0000010", DE, [order_item("c1", "TOY", 1, "EUR", item_total="59.50")], currency="EUR"
	)
	draft = map_order(order, SETTINGS)
	assert draft.buyer_tax_id == "" and draft.customer.is_marketplace_customer


def test_deemed_supplier_vat_taken_out_equals_what_amazon_withholds_in_the_simulated_world():
	"""UK orders Amazon collects VAT on, with no TAX breakdown: the VAT the order books on the
	withheld account equals, per order, what the finance events say Amazon withheld."""
	from amazon_connector.simulator import generate_world
	from amazon_connector.simulator.marketplaces import BY_ID
	from amazon_connector.simulator.pricing import vat_rate_of

	world = generate_world(seed=5, orders=300, start="2025-03-01", end="2025-05-01", marketplaces=("UK",))
	withheld: dict[str, Decimal] = {}
	for event in world["financialEvents"].get("ShipmentEventList", []):
		for item in event.get("ShipmentItemList", []):
			for block in item.get("ItemTaxWithheldList", []):
				for tax in block["TaxesWithheld"]:
					amount = -D(str(tax["ChargeAmount"]["CurrencyAmount"]))
					withheld[event["AmazonOrderId"]] = withheld.get(event["AmazonOrderId"], D(0)) + amount
	uk = BY_ID[UK]
	asin_of = {
		i["product"]["sellerSku"]: i["product"]["asin"] for o in world["orders"] for i in o["orderItems"]
	}
	compared = 0
	for order in world["orders"]:
		if order["orderId"] not in withheld:
			continue
		draft = take_out_vat(
			map_order(order, SETTINGS), lambda line: (vat_rate_of(uk, asin_of[line.sku]) * 100).normalize()
		)
		rows = order_rows(draft)
		booked = sum((c.amount for c in rows.charges if c.charge.tax_role == FACILITATOR_VAT), D(0))
		assert booked == withheld[order["orderId"]], order["orderId"]
		compared += 1
	assert compared >= 5
