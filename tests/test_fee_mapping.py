"""Amazon financial events -> fee drafts: amounts to the cent per currency, what is booked, keys.

Expected totals are computed here from the raw events by a plain walk over Amazon's JSON (every
FeeAmount, every withheld tax, every points cost), not by the code under test.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from test_fee_fixtures import (
	charge,
	de_shipment,
	fee,
	inventory_reimbursement,
	jp_shipment,
	mfn_shipment_positive_commission,
	model_examples,
	money,
	page_of,
	sample_pages,
	service_fee,
	us_fba_shipment,
	us_refund,
)

from amazon_connector.core.mapping.account_labels import FEE_ACCOUNT_LABELS, account_label
from amazon_connector.core.mapping.fees import map_financial_events
from amazon_connector.core.timestamps import parse_timestamp

# Lists whose events are per order and whose fees the app books (the documented decision).
SHIPMENT_SHAPED = ("ShipmentEventList", "RefundEventList", "GuaranteeClaimEventList", "ChargebackEventList")
ORDER_FEE_LISTS = ("ServiceFeeEventList", "TrialShipmentEventList", "RentalTransactionEventList")


def reported_fees(value, into=None) -> dict[str, Decimal]:
	"""Per currency, the sum of everything Amazon charges or withholds in an event, as reported:
	every FeeAmount, every TaxesWithheld charge, every CostOfPoints* amount, wherever they sit."""
	into = defaultdict(Decimal) if into is None else into
	if isinstance(value, dict):
		for key, inner in value.items():
			if key in ("FeeAmount", "CostOfPointsGranted", "CostOfPointsReturned"):
				into[inner["CurrencyCode"]] += Decimal(str(inner["CurrencyAmount"]))
			elif key == "TaxesWithheld":
				for tax in inner:
					into[tax["ChargeAmount"]["CurrencyCode"]] += Decimal(
						str(tax["ChargeAmount"]["CurrencyAmount"])
					)
			else:
				reported_fees(inner, into)
	elif isinstance(value, list):
		for inner in value:
			reported_fees(inner, into)
	return into


def expected_booked(pages) -> dict[str, Decimal]:
	"""What the drafts must add up to, per currency: minus what Amazon reported for booked events."""
	total = defaultdict(Decimal)
	for page in pages:
		for name, events in page.items():
			for event in events:
				if name in SHIPMENT_SHAPED or (name in ORDER_FEE_LISTS and event.get("AmazonOrderId")):
					for currency, amount in reported_fees(event).items():
						total[currency] -= amount
	return {currency: amount for currency, amount in total.items()}


def drafted(mapping) -> dict[str, Decimal]:
	total = defaultdict(Decimal)
	for draft in mapping.drafts:
		total[draft.currency] += draft.total
	return dict(total)


def lines_of(draft) -> dict[str, Decimal]:
	return {line.fee_type: line.amount for line in draft.lines}


def only_draft(mapping, event_type="Shipment"):
	drafts = [d for d in mapping.drafts if d.event_type == event_type]
	assert len(drafts) == 1, drafts
	return drafts[0]


# -- totals ---------------------------------------------------------------------------------------


def test_drafts_sum_to_amazon_totals_per_currency():
	pages = sample_pages()
	mapping = map_financial_events(pages)
	assert not mapping.errors
	expected = expected_booked(pages)
	assert set(expected) == {"USD", "JPY", "EUR"}
	assert drafted(mapping) == expected
	# and to the cent: a hand check of the US figures
	assert expected["USD"] == Decimal("37.86")  # 31.83 + 5.15 + 3.00 - 2.12


@pytest.mark.parametrize("index", range(3))
def test_model_examples_sum_to_amazon_totals(load_model, index):
	examples = model_examples(load_model("finances-v0.json"))
	assert len(examples) == 3  # listFinancialEvents, ...ByOrderId, ...ByGroupId
	operation, events = examples[index]
	mapping = map_financial_events(events)
	assert not mapping.errors, (operation, mapping.errors)
	assert drafted(mapping) == expected_booked([events]), operation


@pytest.mark.parametrize("index", range(3))
def test_every_model_example_event_is_booked_or_recorded(load_model, index):
	operation, events = model_examples(load_model("finances-v0.json"))[index]
	mapping = map_financial_events(events)
	accounted = {d.event_type for d in mapping.drafts} | {u.event_type for u in mapping.unposted}
	for name, items in events.items():
		assert items and name.removesuffix("EventList") in accounted, (operation, name)
	# Every recorded event carries its amount and currency as Amazon reported them.
	for record in mapping.unposted:
		assert record.currency == "USD" and record.amount != 0, record


def test_shipment_money_is_conserved():
	"""Amazon's net for the shipment = booked fees (negated) + the sale amounts kept on the draft."""
	event = us_fba_shipment()
	net = Decimal(0)
	for item in event["ShipmentItemList"]:
		for name in ("ItemChargeList", "ItemFeeList"):
			net += sum(
				Decimal(str(c.get("ChargeAmount", c.get("FeeAmount"))["CurrencyAmount"]))
				for c in item.get(name, [])
			)
		for w in item.get("ItemTaxWithheldList", []):
			net += sum(Decimal(str(t["ChargeAmount"]["CurrencyAmount"])) for t in w["TaxesWithheld"])
		net += sum(
			Decimal(str(p["PromotionAmount"]["CurrencyAmount"])) for p in item.get("PromotionList", [])
		)
	draft = only_draft(map_financial_events(page_of(ShipmentEventList=[event])))
	assert -draft.total + sum(draft.sale_amounts.values()) == net == Decimal("28.56")


# -- what is booked -------------------------------------------------------------------------------


def test_facilitator_tax_withheld_is_booked_on_its_account():
	draft = only_draft(map_financial_events(page_of(ShipmentEventList=[us_fba_shipment()])))
	taxes = [line for line in draft.lines if line.category == "withheld_tax"]
	assert {line.fee_type: line.amount for line in taxes} == {
		"MarketplaceFacilitatorTax-Principal": Decimal("4.20"),  # 3.20 (SKU-A) + 1.00 (SKU-B)
		"MarketplaceFacilitatorTax-Shipping": Decimal("0.48"),
		"MarketplaceFacilitatorTax-Other": Decimal("0.24"),
	}
	assert {line.account_label for line in taxes} == {"Amazon Marketplace Facilitator Tax Withheld"}


def test_item_fees_and_chargebacks_are_booked():
	draft = only_draft(map_financial_events(page_of(ShipmentEventList=[us_fba_shipment()])))
	lines = {line.fee_type: line for line in draft.lines}
	assert lines["Commission"].amount == Decimal("7.87")
	assert lines["Commission"].account_label == "Amazon Referral Fees"
	assert lines["FBAPerUnitFulfillmentFee"].amount == Decimal("10.06")
	assert lines["FBAPerUnitFulfillmentFee"].account_label == "Amazon FBA Fulfilment Fees"
	assert (lines["ShippingChargeback"].category, lines["ShippingChargeback"].amount) == (
		"chargeback",
		Decimal("5.99"),
	)
	assert (lines["GiftwrapChargeback"].category, lines["GiftwrapChargeback"].amount) == (
		"chargeback",
		Decimal("2.99"),
	)
	assert lines["GiftwrapChargeback"].account_label == "Amazon Gift Wrap Chargebacks"
	assert "SKU-A" in lines["Commission"].remark and "SKU-B" in lines["Commission"].remark
	# Zero fees are not booked.
	assert not {"FixedClosingFee", "VariableClosingFee", "SalesTaxCollectionFee"} & set(lines)
	assert draft.amazon_order_id == "111-0000001-0000001"
	assert draft.posted_date == datetime(2026, 3, 2, 10, 15, tzinfo=timezone.utc)
	assert draft.marketplace_name == "Amazon.com"


def test_what_the_buyer_paid_is_not_booked_but_kept_for_reconciliation():
	draft = only_draft(map_financial_events(page_of(ShipmentEventList=[us_fba_shipment()])))
	assert not {"Principal", "Tax", "ShippingCharge", "GiftWrap", "PromotionMetaDataDefinitionValue"} & set(
		lines_of(draft)
	)
	assert draft.sale_amounts["Principal"] == Decimal("52.48")
	assert draft.sale_amounts["Tax"] == Decimal("4.20")
	assert draft.sale_amounts["PromotionMetaDataDefinitionValue"] == Decimal("-5.99")


def test_promotions_are_booked_when_configured():
	page = page_of(ShipmentEventList=[us_fba_shipment()])
	plain = only_draft(map_financial_events(page))
	with_promotions = only_draft(map_financial_events(page, book_promotions=True))
	promotion = [line for line in with_promotions.lines if line.category == "promotion"]
	assert [(p.amount, p.account_label) for p in promotion] == [(Decimal("5.99"), "Amazon Promotion Rebates")]
	assert with_promotions.total - plain.total == Decimal("5.99")
	assert with_promotions.event_key == plain.event_key  # same event, same identity


def test_a_positive_commission_is_a_credit_not_a_cost():
	draft = only_draft(map_financial_events(page_of(ShipmentEventList=[mfn_shipment_positive_commission()])))
	assert lines_of(draft) == {
		"ShippingHB": Decimal("0.50"),
		"Commission": Decimal("2.85"),  # 3.60 charged, 0.75 credited
		"FixedClosingFee": Decimal("1.80"),
	}
	only_credit = mfn_shipment_positive_commission()
	only_credit["ShipmentFeeList"] = []
	only_credit["ShipmentItemList"][0]["ItemFeeList"] = [fee("Commission", 0.75)]
	draft = only_draft(map_financial_events(page_of(ShipmentEventList=[only_credit])))
	assert lines_of(draft) == {"Commission": Decimal("-0.75")}
	assert draft.total == Decimal("-0.75")


def test_float_noise_in_a_json_number_is_not_money():
	noisy = mfn_shipment_positive_commission()
	noisy["ShipmentFeeList"] = []
	noisy["ShipmentItemList"][0]["ItemFeeList"] = [
		fee("Commission", -1.9500000000000002),
		fee("FixedClosingFee", -0.333),
	]
	draft = only_draft(map_financial_events(page_of(ShipmentEventList=[noisy])))
	# the noise goes; an amount finer than a cent by more than noise stays as Amazon wrote it
	assert lines_of(draft) == {"Commission": Decimal("1.95"), "FixedClosingFee": Decimal("0.333")}


def test_jpy_amounts_and_points_cost():
	draft = only_draft(map_financial_events(page_of(ShipmentEventList=[jp_shipment()])))
	assert draft.currency == "JPY"
	assert lines_of(draft) == {"Commission": 330, "FBAPerUnitFulfillmentFee": 434, "CostOfPointsGranted": 33}
	assert draft.total == Decimal(797)
	assert {line.account_label for line in draft.lines if line.category == "points"} == {"Amazon Points Cost"}


def test_vat_withheld_and_unknown_fee_type():
	draft = only_draft(map_financial_events(page_of(ShipmentEventList=[de_shipment()])))
	lines = {line.fee_type: line for line in draft.lines}
	assert (
		lines["MarketplaceFacilitatorVAT-Principal"].account_label
		== "Amazon Marketplace Facilitator VAT Withheld"
	)
	unknown = lines["BrandNewMarketplaceFee"]
	assert (unknown.amount, unknown.category) == (Decimal("0.25"), "fee")
	assert unknown.account_label == "Amazon Other Fees (BrandNewMarketplaceFee)"
	assert draft.total == Decimal("7.05")


def test_a_shipment_with_only_zero_fees_gives_an_empty_draft():
	event = mfn_shipment_positive_commission()
	event["ShipmentFeeList"] = []
	event["ShipmentItemList"][0]["ItemFeeList"] = [fee("FixedClosingFee", 0), fee("Commission", "0.00")]
	draft = only_draft(map_financial_events(page_of(ShipmentEventList=[event])))
	assert draft.is_empty and draft.lines == [] and draft.total == 0
	assert draft.sale_amounts["Principal"] == Decimal("20.00")


# -- refunds, adjustments, events without an order ------------------------------------------------


def test_refund_books_its_fees_and_records_the_refund():
	mapping = map_financial_events(page_of(RefundEventList=[us_refund()]))
	draft = only_draft(mapping, "Refund")
	assert lines_of(draft) == {
		"Commission": Decimal("-1.50"),
		"RefundCommission": Decimal("0.38"),
		"MarketplaceFacilitatorTax-Principal": Decimal("-1.00"),
	}
	assert draft.total == Decimal("-2.12")
	[record] = mapping.unposted
	assert (record.event_type, record.amazon_order_id, record.currency) == (
		"Refund",
		"111-0000001-0000001",
		"USD",
	)
	assert record.amount == Decimal("-13.50")  # returned to the buyer: price and tax
	assert record.posted_date == datetime(2026, 3, 20, 8, tzinfo=timezone.utc)
	assert "credit note" in record.reason
	assert record.details["booked_fees"] == "2.12"


def test_service_fee_on_an_order_is_booked_with_the_fallback_date():
	fallback = datetime(2026, 3, 8, tzinfo=timezone.utc)
	mapping = map_financial_events(page_of(ServiceFeeEventList=[service_fee()]), fallback_posted=fallback)
	draft = only_draft(mapping, "ServiceFee")
	assert lines_of(draft) == {"FBACustomerReturnPerUnitFee": Decimal("3.00")}
	assert draft.lines[0].account_label == "Amazon FBA Customer Return Fees"
	assert draft.posted_date == fallback
	later = map_financial_events(
		page_of(ServiceFeeEventList=[service_fee()]), fallback_posted=datetime.now(timezone.utc)
	)
	assert only_draft(later, "ServiceFee").event_key == draft.event_key  # the fallback date is not identity


def test_account_level_events_are_recorded_with_their_amounts():
	no_order = service_fee()
	del no_order["AmazonOrderId"]
	mapping = map_financial_events(
		page_of(AdjustmentEventList=[inventory_reimbursement()], ServiceFeeEventList=[no_order])
	)
	assert mapping.drafts == []
	amounts = {(u.event_type, u.amount, u.currency) for u in mapping.unposted}
	assert amounts == {("Adjustment", Decimal("15.00"), "USD"), ("ServiceFee", Decimal("-3.00"), "USD")}


def test_a_shipment_without_an_order_id_is_recorded_not_booked():
	event = us_fba_shipment()
	del event["AmazonOrderId"]
	mapping = map_financial_events(page_of(ShipmentEventList=[event]))
	assert mapping.drafts == []
	[record] = mapping.unposted
	assert record.amount == Decimal("28.56")  # all its amounts: the net Amazon reported


def test_direct_payments_are_recorded_apart():
	event = us_fba_shipment()
	event["DirectPaymentList"] = [
		{"DirectPaymentType": "CollectOnDeliveryRevenue", "DirectPaymentAmount": money(-10.00)}
	]
	mapping = map_financial_events(page_of(ShipmentEventList=[event]))
	draft = only_draft(mapping)
	[record] = mapping.unposted
	assert record.amount == Decimal("-10.00") and "directly" in record.reason
	assert record.event_key != draft.event_key


def test_a_malformed_event_is_reported_and_the_others_still_map():
	bad = us_fba_shipment(order_id="111-9999999-9999999")
	bad["ShipmentItemList"][0]["ItemFeeList"][0]["FeeAmount"]["CurrencyAmount"] = "six dollars"
	mapping = map_financial_events(page_of(ShipmentEventList=[bad, jp_shipment()]))
	assert [d.amazon_order_id for d in mapping.drafts] == ["250-0000004-0000004"]
	[error] = mapping.errors
	assert error.amazon_id == "111-9999999-9999999" and error.event_type == "Shipment"
	assert "six dollars" in error.reason


def test_an_event_with_two_currencies_gives_one_draft_per_currency():
	event = us_fba_shipment()
	event["ShipmentFeeList"] = [fee("ShippingHB", -1.25, "CAD")]
	mapping = map_financial_events(page_of(ShipmentEventList=[event]))
	by_currency = {d.currency: d for d in mapping.drafts}
	assert set(by_currency) == {"USD", "CAD"}
	assert by_currency["CAD"].total == Decimal("1.25")
	assert drafted(mapping) == expected_booked([page_of(ShipmentEventList=[event])])
	assert by_currency["CAD"].event_key.endswith(":CAD") and by_currency["USD"].event_key.endswith(":USD")


# -- keys -----------------------------------------------------------------------------------------


def keys(mapping) -> set[str]:
	return {d.event_key for d in mapping.drafts}


def test_the_same_events_give_the_same_keys():
	first = map_financial_events(sample_pages())
	again = map_financial_events(sample_pages())
	assert keys(first) == keys(again) and len(keys(first)) == len(first.drafts)
	assert [u.event_key for u in first.unposted] == [u.event_key for u in again.unposted]


def test_keys_ignore_number_style_component_order_and_new_fields():
	original = us_fba_shipment()
	restyled = copy.deepcopy(original)
	item = restyled["ShipmentItemList"][0]
	item["ItemFeeList"].reverse()
	for component in item["ItemFeeList"]:
		component["FeeAmount"]["CurrencyAmount"] = (
			f"{Decimal(str(component['FeeAmount']['CurrencyAmount'])):.3f}"
		)
	restyled["StoreName"] = "A field Amazon added later"
	a = only_draft(map_financial_events(page_of(ShipmentEventList=[original])))
	b = only_draft(map_financial_events(page_of(ShipmentEventList=[restyled])))
	assert a.event_key == b.event_key
	assert a.event_key.startswith("111-0000001-0000001:Shipment:20260302T101500Z:")


def test_a_changed_amount_gives_a_new_key():
	changed = us_fba_shipment()
	changed["ShipmentItemList"][1]["ItemFeeList"][0] = fee("Commission", -1.89)
	a = only_draft(map_financial_events(page_of(ShipmentEventList=[us_fba_shipment()])))
	b = only_draft(map_financial_events(page_of(ShipmentEventList=[changed])))
	assert a.event_key != b.event_key


def test_a_late_adjustment_gives_exactly_one_new_key():
	before = keys(map_financial_events(sample_pages()[:1]))
	after = keys(map_financial_events(sample_pages()[:1] + [page_of(RefundEventList=[us_refund()])]))
	new = after - before
	assert before <= after and len(new) == 1
	assert next(iter(new)).startswith("111-0000001-0000001:Refund:")


def test_identical_twin_events_are_told_apart_and_stay_stable():
	twins = page_of(ShipmentEventList=[jp_shipment()])
	second_page = page_of(ShipmentEventList=[jp_shipment()])
	first = map_financial_events([twins, second_page])
	assert len(keys(first)) == 2
	assert keys(map_financial_events([twins, second_page])) == keys(first)
	assert drafted(first) == {"JPY": Decimal(1594)}


# -- helpers --------------------------------------------------------------------------------------


def test_account_labels():
	assert account_label("Commission", "fee") == "Amazon Referral Fees"
	assert (
		account_label("MarketplaceFacilitatorTax-Shipping", "withheld_tax")
		== "Amazon Marketplace Facilitator Tax Withheld"
	)
	assert (
		account_label("SomeNewTax-Principal", "withheld_tax")
		== "Amazon Other Taxes Withheld (SomeNewTax-Principal)"
	)
	# characters an account name does without are left out, and a digest keeps the type its own account
	weird = account_label("Weird<Fee>/Type", "fee")
	assert weird.startswith("Amazon Other Fees (WeirdFeeType ~") and weird != account_label(
		"WeirdFeeType", "fee"
	)
	assert account_label("", "fee") == "Amazon Other Fees"
	assert account_label("X" * 300, "chargeback").startswith("Amazon Other Chargebacks (")
	assert all(len(label) <= 100 for label in FEE_ACCOUNT_LABELS.values())


@pytest.mark.parametrize(
	("text", "expected"),
	[
		("2020-02-05T13:56:00.363Z", datetime(2020, 2, 5, 13, 56, 0, 363000, tzinfo=timezone.utc)),
		("2020-02-05T13:56:00Z", datetime(2020, 2, 5, 13, 56, tzinfo=timezone.utc)),
		("2020-02-05T15:56:00+02:00", datetime(2020, 2, 5, 13, 56, tzinfo=timezone.utc)),
		("2020-02-05T13:56:00.1234567Z", datetime(2020, 2, 5, 13, 56, 0, 123456, tzinfo=timezone.utc)),
		("2020-02-05", datetime(2020, 2, 5, tzinfo=timezone.utc)),
	],
)
def test_posted_dates(text, expected):
	assert parse_timestamp(text) == expected


def test_a_bad_posted_date_is_an_error_naming_the_order():
	event = jp_shipment()
	event["PostedDate"] = "yesterday"
	mapping = map_financial_events(page_of(ShipmentEventList=[event]))
	assert mapping.drafts == [] and mapping.errors[0].amazon_id == "250-0000004-0000004"


def test_charge_helper_is_amazon_shaped():
	# guards the fixtures' own builders: ChargeComponent carries ChargeType and ChargeAmount only
	assert set(charge("Tax", 1)) == {"ChargeType", "ChargeAmount"}


def test_amounts_take_the_currency_notation_without_changing_value():
	event = jp_shipment()
	event["ShipmentItemList"][0]["ItemFeeList"] = [fee("Commission", -330.0, "JPY")]
	del event["ShipmentItemList"][0]["CostOfPointsGranted"]
	[line] = only_draft(map_financial_events(page_of(ShipmentEventList=[event]))).lines
	assert line.amount == 330 and line.amount.as_tuple().exponent == 0
	us = mfn_shipment_positive_commission()
	us["ShipmentFeeList"] = []
	us["ShipmentItemList"][0]["ItemFeeList"] = [fee("Commission", -7.8), fee("FixedClosingFee", -0.125)]
	lines = lines_of(only_draft(map_financial_events(page_of(ShipmentEventList=[us]))))
	assert str(lines["Commission"]) == "7.80"
	assert str(lines["FixedClosingFee"]) == "0.125"  # finer than a cent: kept as Amazon reported it
