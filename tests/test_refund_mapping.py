"""Finances v0 refund events -> RefundDrafts: exactly the amounts Amazon reports, to the minor unit.

The events are Amazon-shaped and validated against the model's FinancialEvents schema (strictly),
with and without each optional part: tax components, shipping, gift wrap, promotions, OrderItemId.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from test_fee_fixtures import charge, fee, financial_events_validator, money, page_of, us_refund, withheld  # noqa: F401

from amazon_connector.core.drafts.refunds import RefundDraft
from amazon_connector.core.mapping.fee_keys import KeyNumbering
from amazon_connector.core.mapping.fees import map_financial_events
from amazon_connector.core.mapping.refunds import map_refund_events


def uk_refund_full(order_id="202-0000006-0000006", posted="2026-04-02T09:30:00Z"):
	"""A VAT marketplace refund with every component: price, VAT, shipping and its VAT, gift wrap and
	its VAT, a promotion taken back, and a restocking fee the buyer does not get back."""
	return {
		"AmazonOrderId": order_id,
		"MarketplaceName": "Amazon.co.uk",
		"PostedDate": posted,
		"ShipmentItemAdjustmentList": [
			{
				"SellerSKU": "SKU-UK-1",
				"OrderItemId": "60000000000001",
				"OrderAdjustmentItemId": "61000000000001",
				"QuantityShipped": 2,
				"ItemChargeAdjustmentList": [
					charge("Principal", -33.33, "GBP"),
					charge("Tax", -6.67, "GBP"),
					charge("ShippingCharge", -2.49, "GBP"),
					charge("ShippingTax", -0.50, "GBP"),
					charge("GiftWrap", -2.50, "GBP"),
					charge("GiftWrapTax", -0.50, "GBP"),
					charge("RestockingFee", 1.20, "GBP"),
				],
				"PromotionAdjustmentList": [
					{
						"PromotionType": "PromotionMetaDataDefinitionValue",
						"PromotionId": "PROMO-UK",
						"PromotionAmount": money(4.00, "GBP"),
					}
				],
				"ItemFeeAdjustmentList": [
					fee("Commission", 5.10, "GBP"),
					fee("RefundCommission", -1.02, "GBP"),
				],
				"ItemTaxWithheldList": [withheld(charge("MarketplaceFacilitatorVAT-Principal", 6.67, "GBP"))],
			},
			{
				"SellerSKU": "SKU-UK-2",
				"OrderAdjustmentItemId": "61000000000002",
				"QuantityShipped": 1,
				"ItemChargeAdjustmentList": [charge("Principal", -9.99, "GBP")],
			},
		],
	}


def jp_refund_without_tax(order_id="250-0000007-0000007", posted="2026-04-03T00:00:00Z"):
	"""JPY, no minor unit, no tax component at all (prices include consumption tax)."""
	return {
		"AmazonOrderId": order_id,
		"MarketplaceName": "Amazon.co.jp",
		"PostedDate": posted,
		"ShipmentItemAdjustmentList": [
			{
				"SellerSKU": "SKU-JP",
				"OrderAdjustmentItemId": "71000000000001",
				"QuantityShipped": 1,
				"ItemChargeAdjustmentList": [charge("Principal", -3300, "JPY")],
				"ItemFeeAdjustmentList": [fee("Commission", 330, "JPY")],
			}
		],
	}


def goodwill_refund(order_id="111-0000008-0000008", posted="2026-04-04T12:00:00Z"):
	"""An amount-only refund (no unit goes back): part of the price, quantity 0, as a guarantee claim."""
	return {
		"AmazonOrderId": order_id,
		"PostedDate": posted,
		"ShipmentItemAdjustmentList": [
			{
				"SellerSKU": "SKU-A",
				"OrderAdjustmentItemId": "81000000000001",
				"QuantityShipped": 0,
				"ItemChargeAdjustmentList": [charge("Principal", -5.00), charge("Tax", -0.41)],
			}
		],
	}


PAGES = [
	page_of(RefundEventList=[uk_refund_full(), jp_refund_without_tax(), us_refund()]),
	page_of(GuaranteeClaimEventList=[goodwill_refund()]),
]


@pytest.mark.parametrize("index", range(len(PAGES)))
def test_the_refund_events_follow_the_model(financial_events_validator, index):  # noqa: F811
	errors = list(financial_events_validator.iter_errors(PAGES[index]))
	assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def only(drafts: list[RefundDraft], order_id: str) -> RefundDraft:
	found = [d for d in drafts if d.amazon_order_id == order_id]
	assert len(found) == 1, found
	return found[0]


def test_every_component_of_a_full_refund_is_the_buyers_credit_to_the_penny():
	mapping = map_refund_events(PAGES[0])
	assert not mapping.errors
	draft = only(mapping.drafts, "202-0000006-0000006")
	assert (draft.currency, draft.kind, draft.marketplace_name) == ("GBP", "Refund", "Amazon.co.uk")
	assert draft.posted_date.isoformat() == "2026-04-02T09:30:00+00:00"
	first, second = draft.lines
	assert (first.sku, first.order_item_id, first.adjustment_item_id, first.quantity) == (
		"SKU-UK-1",
		"60000000000001",
		"61000000000001",
		Decimal(2),
	)
	assert (first.principal, first.tax, first.shipping, first.shipping_tax) == (
		Decimal("33.33"),
		Decimal("6.67"),
		Decimal("2.49"),
		Decimal("0.50"),
	)
	assert (first.gift_wrap, first.gift_wrap_tax, first.promotion) == (
		Decimal("2.50"),
		Decimal("0.50"),
		Decimal("-4.00"),
	)
	assert first.promotion_ids == ("PROMO-UK",)
	assert first.other == {"RestockingFee": Decimal("-1.20")}
	assert first.tax_total == Decimal("7.67")
	# 33.33 + 6.67 + 2.49 + 0.50 + 2.50 + 0.50 - 4.00 - 1.20 = 40.79, the second line 9.99
	assert first.total == Decimal("40.79")
	assert (second.sku, second.order_item_id, second.quantity, second.principal, second.tax) == (
		"SKU-UK-2",
		"",
		Decimal(1),
		Decimal("9.99"),
		Decimal(0),
	)
	assert draft.total == Decimal("50.78")


def test_the_refund_total_is_minus_what_amazon_charged_back_on_the_sale_side():
	"""Fees and withheld tax stay with the fee entry: the refund total is exactly minus the event's
	ItemChargeAdjustmentList and PromotionAdjustmentList, never touched by the commission."""
	fees = map_financial_events(PAGES[0])
	refunds = map_refund_events(PAGES[0])
	for record in (r for r in fees.unposted if r.event_type == "Refund"):
		draft = only(refunds.drafts, record.amazon_order_id)
		assert draft.total == -record.amount, record.amazon_order_id


def test_a_refund_without_tax_components_and_jpy_amounts():
	draft = only(map_refund_events(PAGES[0]).drafts, "250-0000007-0000007")
	(line,) = draft.lines
	assert (draft.currency, line.principal, line.tax, line.tax_total, draft.total) == (
		"JPY",
		Decimal(3300),
		Decimal(0),
		Decimal(0),
		Decimal(3300),
	)


def test_us_refund_with_sales_tax_and_an_amount_only_guarantee_claim():
	us = only(map_refund_events(PAGES[0]).drafts, "111-0000001-0000001")
	(line,) = us.lines
	assert (line.sku, line.quantity, line.principal, line.tax, us.total) == (
		"SKU-B",
		Decimal(1),
		Decimal("12.50"),
		Decimal("1.00"),
		Decimal("13.50"),
	)
	claim = only(map_refund_events(PAGES[1]).drafts, "111-0000008-0000008")
	(line,) = claim.lines
	assert (claim.kind, line.quantity, line.principal, line.tax, claim.total) == (
		"GuaranteeClaim",
		Decimal(0),
		Decimal("5.00"),
		Decimal("0.41"),
		Decimal("5.41"),
	)


def test_refund_keys_are_stable_and_tell_lookalikes_apart():
	again = map_refund_events(PAGES[0])
	assert [d.refund_key for d in map_refund_events(PAGES[0]).drafts] == [d.refund_key for d in again.drafts]
	twice = page_of(RefundEventList=[jp_refund_without_tax(), jp_refund_without_tax()])
	keys = [d.refund_key for d in map_refund_events(twice, numbering=KeyNumbering()).drafts]
	assert len(set(keys)) == 2 and keys[1] == keys[0] + "#2"
	# A different amount is a different refund.
	other = jp_refund_without_tax()
	other["ShipmentItemAdjustmentList"][0]["ItemChargeAdjustmentList"][0]["ChargeAmount"][
		"CurrencyAmount"
	] = -3299
	assert map_refund_events(page_of(RefundEventList=[other])).drafts[0].refund_key != keys[0]
	# The number style does not matter (25.3 == 25.30).
	styled = us_refund()
	styled["ShipmentItemAdjustmentList"][0]["ItemChargeAdjustmentList"][0]["ChargeAmount"][
		"CurrencyAmount"
	] = "-12.5"
	assert (
		map_refund_events(page_of(RefundEventList=[styled])).drafts[0].refund_key
		== map_refund_events(page_of(RefundEventList=[us_refund()])).drafts[0].refund_key
	)


def test_a_bad_refund_is_reported_and_the_others_are_mapped():
	broken = us_refund(order_id="111-0000009-0000009")
	broken["ShipmentItemAdjustmentList"][0]["ItemChargeAdjustmentList"][0]["ChargeAmount"][
		"CurrencyAmount"
	] = "x"
	mapping = map_refund_events(page_of(RefundEventList=[broken, jp_refund_without_tax()]))
	assert [e.amazon_id for e in mapping.errors] == ["111-0000009-0000009"]
	assert [d.amazon_order_id for d in mapping.drafts] == ["250-0000007-0000007"]
