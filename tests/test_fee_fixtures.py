"""Hand-written, Amazon-shaped Finances v0 events for the fee tests, checked against Amazon's model.

The builders below are imported by the other test_fee_* modules. Every FinancialEvents object they
make is validated here against the model's `FinancialEvents` schema, strictly (no property the
model does not declare), so a misspelt list or field name (say "GiftWrapChargeback" for Amazon's
"GiftwrapChargeback", or "ItemFeeAdjustments") fails here instead of making a test pass vacuously.
"""

from __future__ import annotations

import copy

import jsonschema
import pytest


def money(amount, currency="USD"):
	"""A Finances v0 Currency; amounts are JSON numbers, as Amazon sends them (BigDecimal)."""
	return {"CurrencyCode": currency, "CurrencyAmount": amount}


def fee(fee_type, amount, currency="USD"):
	return {"FeeType": fee_type, "FeeAmount": money(amount, currency)}


def charge(charge_type, amount, currency="USD"):
	return {"ChargeType": charge_type, "ChargeAmount": money(amount, currency)}


def withheld(*taxes, model="MarketplaceFacilitator"):
	return {"TaxCollectionModel": model, "TaxesWithheld": list(taxes)}


def us_fba_shipment(order_id="111-0000001-0000001", posted="2026-03-02T10:15:00Z"):
	"""An FBA order of two SKUs in a marketplace-facilitator state, with gift wrap and free shipping."""
	return {
		"AmazonOrderId": order_id,
		"MarketplaceName": "Amazon.com",
		"PostedDate": posted,
		"ShipmentItemList": [
			{
				"SellerSKU": "SKU-A",
				"OrderItemId": "10000000000001",
				"QuantityShipped": 2,
				"ItemChargeList": [
					charge("Principal", 39.98),
					charge("Tax", 3.20),
					charge("ShippingCharge", 5.99),
					charge("ShippingTax", 0.48),
					charge("GiftWrap", 2.99),
					charge("GiftWrapTax", 0.24),
				],
				"ItemFeeList": [
					fee("FBAPerUnitFulfillmentFee", -6.84),
					fee("Commission", -5.99),
					fee("FixedClosingFee", 0.00),
					fee("VariableClosingFee", 0.00),
					fee("ShippingChargeback", -5.99),
					fee("GiftwrapChargeback", -2.99),
					fee("SalesTaxCollectionFee", 0.00),
				],
				"ItemTaxWithheldList": [
					withheld(
						charge("MarketplaceFacilitatorTax-Principal", -3.20),
						charge("MarketplaceFacilitatorTax-Shipping", -0.48),
						charge("MarketplaceFacilitatorTax-Other", -0.24),
					)
				],
				"PromotionList": [
					{
						"PromotionType": "PromotionMetaDataDefinitionValue",
						"PromotionId": "Free Shipping 1",
						"PromotionAmount": money(-5.99),
					}
				],
			},
			{
				"SellerSKU": "SKU-B",
				"OrderItemId": "10000000000002",
				"QuantityShipped": 1,
				"ItemChargeList": [charge("Principal", 12.50), charge("Tax", 1.00)],
				"ItemFeeList": [fee("Commission", -1.88), fee("FBAPerUnitFulfillmentFee", -3.22)],
				"ItemTaxWithheldList": [withheld(charge("MarketplaceFacilitatorTax-Principal", -1.00))],
			},
		],
	}


def us_refund(order_id="111-0000001-0000001", posted="2026-03-20T08:00:00Z"):
	"""SKU-B returned: the buyer gets price and tax back; Amazon returns most of the commission,
	charges a refund administration fee, and gives back the facilitator tax it withheld."""
	return {
		"AmazonOrderId": order_id,
		"MarketplaceName": "Amazon.com",
		"PostedDate": posted,
		"ShipmentItemAdjustmentList": [
			{
				"SellerSKU": "SKU-B",
				"OrderAdjustmentItemId": "20000000000002",
				"QuantityShipped": 1,
				"ItemChargeAdjustmentList": [charge("Principal", -12.50), charge("Tax", -1.00)],
				"ItemFeeAdjustmentList": [fee("Commission", 1.50), fee("RefundCommission", -0.38)],
				"ItemTaxWithheldList": [withheld(charge("MarketplaceFacilitatorTax-Principal", 1.00))],
			}
		],
	}


def mfn_shipment_positive_commission(order_id="111-0000003-0000003", posted="2026-03-03T12:00:00Z"):
	"""A merchant-fulfilled order where a commission arrives positive (a credit), beside normal fees."""
	return {
		"AmazonOrderId": order_id,
		"MarketplaceName": "Amazon.com",
		"PostedDate": posted,
		"ShipmentFeeList": [fee("ShippingHB", -0.50)],
		"ShipmentItemList": [
			{
				"SellerSKU": "SKU-C",
				"OrderItemId": "30000000000001",
				"QuantityShipped": 1,
				"ItemChargeList": [charge("Principal", 20.00), charge("ShippingCharge", 4.00)],
				"ItemFeeList": [
					fee("Commission", 0.75),
					fee("FixedClosingFee", -1.80),
					fee("Commission", -3.60),
				],
			}
		],
	}


def jp_shipment(order_id="250-0000004-0000004", posted="2026-03-04T01:00:00Z"):
	"""JPY has no minor unit; Amazon Points granted are the seller's cost."""
	return {
		"AmazonOrderId": order_id,
		"MarketplaceName": "Amazon.co.jp",
		"PostedDate": posted,
		"ShipmentItemList": [
			{
				"SellerSKU": "SKU-JP",
				"OrderItemId": "40000000000001",
				"QuantityShipped": 1,
				"ItemChargeList": [charge("Principal", 3300, "JPY")],
				"ItemFeeList": [fee("Commission", -330, "JPY"), fee("FBAPerUnitFulfillmentFee", -434, "JPY")],
				"CostOfPointsGranted": money(-33, "JPY"),
			}
		],
	}


def de_shipment(order_id="302-0000005-0000005", posted="2026-03-05T09:30:00Z"):
	"""EU: VAT collected by Amazon as the deemed supplier, and a fee type this app does not know."""
	return {
		"AmazonOrderId": order_id,
		"MarketplaceName": "Amazon.de",
		"PostedDate": posted,
		"ShipmentItemList": [
			{
				"SellerSKU": "SKU-DE",
				"OrderItemId": "50000000000001",
				"QuantityShipped": 1,
				"ItemChargeList": [charge("Principal", 19.99, "EUR"), charge("Tax", 3.80, "EUR")],
				"ItemFeeList": [fee("Commission", -3.00, "EUR"), fee("BrandNewMarketplaceFee", -0.25, "EUR")],
				"ItemTaxWithheldList": [
					withheld(charge("MarketplaceFacilitatorVAT-Principal", -3.80, "EUR"))
				],
			}
		],
	}


def service_fee(order_id="111-0000001-0000001"):
	"""A per-order service fee (FBA customer return); ServiceFeeEvent has no PostedDate in the model."""
	return {
		"AmazonOrderId": order_id,
		"FeeReason": "FBACustomerReturn",
		"SellerSKU": "SKU-B",
		"FeeList": [fee("FBACustomerReturnPerUnitFee", -3.00)],
	}


def inventory_reimbursement(posted="2026-03-06T00:00:00Z"):
	return {
		"AdjustmentType": "FBAInventoryReimbursement",
		"PostedDate": posted,
		"AdjustmentAmount": money(15.00),
		"AdjustmentItemList": [
			{
				"Quantity": "1",
				"PerUnitAmount": money(15.00),
				"TotalAmount": money(15.00),
				"SellerSKU": "SKU-A",
			}
		],
	}


def page_of(**lists):
	"""A FinancialEvents object: page_of(ShipmentEventList=[...], RefundEventList=[...])."""
	return {name: list(events) for name, events in lists.items()}


def sample_pages():
	"""Every hand-written event, over two pages, as listFinancialEvents could return them."""
	return [
		page_of(
			ShipmentEventList=[us_fba_shipment(), mfn_shipment_positive_commission(), jp_shipment()],
			ServiceFeeEventList=[service_fee()],
		),
		page_of(
			ShipmentEventList=[de_shipment()],
			RefundEventList=[us_refund()],
			AdjustmentEventList=[inventory_reimbursement()],
		),
	]


# -- validation against Amazon's model ------------------------------------------------------------


def strict_financial_events_schema(model: dict) -> dict:
	"""The model's FinancialEvents schema with `#/definitions` refs resolvable and no undeclared
	properties allowed anywhere."""
	definitions = copy.deepcopy(model["definitions"])
	for definition in definitions.values():
		if "properties" in definition:
			definition["additionalProperties"] = False
	return {"$ref": "#/definitions/FinancialEvents", "definitions": definitions}


@pytest.fixture(scope="module")
def financial_events_validator(load_model):
	schema = strict_financial_events_schema(load_model("finances-v0.json"))
	return jsonschema.Draft4Validator(schema)


@pytest.mark.parametrize("index", range(len(sample_pages())))
def test_hand_written_pages_follow_the_model(financial_events_validator, index):
	page = sample_pages()[index]
	errors = sorted(financial_events_validator.iter_errors(page), key=lambda e: list(e.path))
	assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def test_the_strict_schema_rejects_a_misspelt_list(financial_events_validator):
	wrong = page_of(ShipmentEventList=[us_fba_shipment()])
	wrong["ShipmentEventList"][0]["ShipmentItemList"][0]["ItemFeeAdjustments"] = []
	assert not financial_events_validator.is_valid(wrong)


def test_model_examples_follow_the_model(financial_events_validator, model_financial_events):
	assert len(model_financial_events) == 3  # listFinancialEvents, ...ByGroupId, ...ByOrderId
	for operation, events in model_financial_events:
		errors = list(financial_events_validator.iter_errors(events))
		assert not errors, (operation, [e.message for e in errors][:3])


@pytest.fixture(scope="module")
def model_financial_events(load_model):
	return model_examples(load_model("finances-v0.json"))


def model_examples(model: dict) -> list[tuple[str, dict]]:
	"""(operationId, FinancialEvents) of every successful sandbox example in the Finances v0 model."""
	found = []
	for operations in model["paths"].values():
		for operation in operations.values():
			if not isinstance(operation, dict) or "operationId" not in operation:
				continue
			for code, response in operation.get("responses", {}).items():
				for example in response.get("x-amzn-api-sandbox", {}).get("static", []):
					events = (example.get("response") or {}).get("payload", {}).get("FinancialEvents")
					if code.startswith("2") and events:
						found.append((operation["operationId"], events))
	return found
