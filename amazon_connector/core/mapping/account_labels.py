"""The bookkeeper-facing name of every account the app books on, in one place.

- Fees: which account under the configured Amazon account group each of Amazon's fee types lands
  on (`account_label`).
- Sales Order charges: which account each charge row of an order (shipping, gift wrap, discounts,
  the tax the seller or Amazon collects) lands on (`charge_account_label`).
- The clearing account: what Amazon owes the seller.
Where each account lives in the chart (which group, which account type) is the ERPNext adapter's
decision (`erpnext_adapter.accounts`).

One account per kind of charge, named so a bookkeeper recognises it without knowing Amazon's API:
the adapter creates "<label> - <company abbr>" under the group on first need and reuses it after.
Related components of one charge share an account (all MarketplaceFacilitatorTax-* components are
one tax; fixed and variable closing fees are separate fees and get separate accounts); the line's
`fee_type` keeps Amazon's exact name, so the entry still shows the component.

A fee type missing from the table is never dropped or lumped in silently: it gets its own account
"Amazon Other Fees (<FeeType>)" (or the withheld-tax / chargeback equivalent), so each unknown type
is still one account, and can be renamed by the bookkeeper without breaking anything (the adapter
looks accounts up by this label only when creating them; see the adapter's notes).
"""

from __future__ import annotations

import hashlib
import re

from ..drafts import orders as order_kinds
from ..drafts.fees import (
	CATEGORY_CHARGEBACK,
	CATEGORY_FEE,
	CATEGORY_POINTS,
	CATEGORY_PROMOTION,
	CATEGORY_WITHHELD_TAX,
)

# The account the balancing row of every fee entry goes to: what Amazon owes the seller.
CLEARING_ACCOUNT_LABEL = "Amazon Clearing"

# Amazon's FeeType / ChargeType -> account label. Names from Amazon's fee schedule and the
# Finances v0 FeeComponent/ChargeComponent values seen in settlement data.
FEE_ACCOUNT_LABELS: dict[str, str] = {
	# Selling on Amazon
	"Commission": "Amazon Referral Fees",
	"RefundCommission": "Amazon Refund Administration Fees",
	"FixedClosingFee": "Amazon Fixed Closing Fees",
	"VariableClosingFee": "Amazon Variable Closing Fees",
	"GiftwrapCommission": "Amazon Gift Wrap Commission",
	"ShippingHB": "Amazon Shipping Holdback",
	"SalesTaxCollectionFee": "Amazon Sales Tax Collection Fees",
	"DigitalServicesFee": "Amazon Digital Services Fees",
	"DigitalServicesFeeFBA": "Amazon Digital Services Fees",
	"TechnologyFee": "Amazon Technology Fees",
	"HighVolumeListingFee": "Amazon High Volume Listing Fees",
	"RenewedProgramFee": "Amazon Renewed Program Fees",
	"GetPaidFasterFee": "Amazon Get Paid Faster Fees",
	"MFNPostageFee": "Amazon Shipping Label Fees",
	"Subscription": "Amazon Subscription Fees",
	"RunLightningDealFee": "Amazon Deal Fees",
	"ImagingServicesFee": "Amazon Imaging Services Fees",
	# Fulfilment by Amazon
	"FBAPerUnitFulfillmentFee": "Amazon FBA Fulfilment Fees",
	"FBAPerOrderFulfillmentFee": "Amazon FBA Fulfilment Fees",
	"FBAWeightBasedFee": "Amazon FBA Fulfilment Fees",
	"FulfillmentNetworkFee": "Amazon FBA Fulfilment Fees",
	"FBACustomerReturnPerUnitFee": "Amazon FBA Customer Return Fees",
	"FBACustomerReturnPerOrderFee": "Amazon FBA Customer Return Fees",
	"FBACustomerReturnWeightBasedFee": "Amazon FBA Customer Return Fees",
	"FBAStorageFee": "Amazon FBA Storage Fees",
	"FBALongTermStorageFee": "Amazon FBA Long-Term Storage Fees",
	"StorageRenewalBilling": "Amazon FBA Long-Term Storage Fees",
	"FBARemovalFee": "Amazon FBA Removal Fees",
	"FBADisposalFee": "Amazon FBA Disposal Fees",
	"FBAInboundTransportationFee": "Amazon FBA Inbound Fees",
	"FBAInboundConvenienceFee": "Amazon FBA Inbound Fees",
	"FBATransportationFee": "Amazon FBA Inbound Fees",
	"LabelingFee": "Amazon FBA Prep Fees",
	"PolybaggingFee": "Amazon FBA Prep Fees",
	"BubblewrapFee": "Amazon FBA Prep Fees",
	"TapingFee": "Amazon FBA Prep Fees",
	"OpaqueBaggingFee": "Amazon FBA Prep Fees",
	# Charged back to the seller
	"ShippingChargeback": "Amazon Shipping Chargebacks",
	"GiftwrapChargeback": "Amazon Gift Wrap Chargebacks",
	"CODChargeback": "Amazon COD Chargebacks",
	# Amazon Points (JP), funded by the seller
	"CostOfPointsGranted": "Amazon Points Cost",
	"CostOfPointsReturned": "Amazon Points Cost",
}

# Withheld taxes are matched on the tax name before "-<component>" (Principal, Shipping, Giftwrap, Other).
WITHHELD_TAX_LABELS: dict[str, str] = {
	"MarketplaceFacilitatorTax": "Amazon Marketplace Facilitator Tax Withheld",
	"MarketplaceFacilitatorVAT": "Amazon Marketplace Facilitator VAT Withheld",
	"LowValueGoodsTax": "Amazon Low Value Goods Tax Withheld",
	"TCS": "Amazon Tax Collected at Source",
}

PROMOTION_ACCOUNT_LABEL = "Amazon Promotion Rebates"
POINTS_ACCOUNT_LABEL = "Amazon Points Cost"

# Sales Order charge rows: (kind, collected_by, included in prices) -> label.
SHIPPING_LABEL = "Amazon Shipping Income"
GIFT_WRAP_LABEL = "Amazon Gift Wrap Income"
OTHER_CHARGES_LABEL = "Amazon Other Charges Income"
DISCOUNT_LABEL = "Amazon Promotion Discounts"
SALES_TAX_LABEL = "Amazon Sales Tax Collected"
OUTPUT_VAT_LABEL = "Amazon Output VAT"
FACILITATOR_TAX_LABEL = WITHHELD_TAX_LABELS["MarketplaceFacilitatorTax"]
FACILITATOR_VAT_LABEL = WITHHELD_TAX_LABELS["MarketplaceFacilitatorVAT"]

_FALLBACK_PREFIX = {
	CATEGORY_FEE: "Amazon Other Fees",
	CATEGORY_WITHHELD_TAX: "Amazon Other Taxes Withheld",
	CATEGORY_CHARGEBACK: "Amazon Other Chargebacks",
}

# ERPNext account names: keep them short and free of characters that read badly in a chart.
_UNSAFE = re.compile(r"[^A-Za-z0-9 _.\-]+")
_MAX_TYPE_LENGTH = 60


def type_in_label(amazon_type: str) -> str:
	"""Amazon's type as it appears in an account's name: as it is when it reads well; otherwise what
	reads well of it plus a digest of the whole, so two types that differ only in characters left out
	(or past the length kept), such as Japanese names, never share an account."""
	raw = (amazon_type or "").strip()
	clean = _UNSAFE.sub("", raw).strip()[:_MAX_TYPE_LENGTH].strip()
	if clean == raw:
		return clean
	digest = hashlib.sha256(raw.encode()).hexdigest()[:6]
	return f"{clean} ~{digest}" if clean else f"~{digest}"


def withheld_tax_name(fee_type: str) -> str:
	"""'MarketplaceFacilitatorTax-Principal' -> 'MarketplaceFacilitatorTax'; 'TCS-CGST' -> 'TCS'."""
	return (fee_type or "").split("-", 1)[0]


def account_label(fee_type: str, category: str) -> str:
	"""The bookkeeper-facing name of the account a line of this type and category is booked on."""
	if category == CATEGORY_PROMOTION:
		return PROMOTION_ACCOUNT_LABEL
	if category == CATEGORY_POINTS:
		return POINTS_ACCOUNT_LABEL
	if category == CATEGORY_WITHHELD_TAX:
		label = WITHHELD_TAX_LABELS.get(withheld_tax_name(fee_type))
	else:
		label = FEE_ACCOUNT_LABELS.get(fee_type)
	if label:
		return label
	prefix = _FALLBACK_PREFIX.get(category, _FALLBACK_PREFIX[CATEGORY_FEE])
	clean = type_in_label(fee_type)
	return f"{prefix} ({clean})" if clean else prefix


def charge_account_label(kind: str, collected_by: str, included: bool) -> str:
	"""The account label of a Sales Order charge row."""
	if kind == order_kinds.SHIPPING:
		return SHIPPING_LABEL
	if kind == order_kinds.GIFT_WRAP:
		return GIFT_WRAP_LABEL
	if kind == order_kinds.DISCOUNT:
		return DISCOUNT_LABEL
	if kind in (order_kinds.TAX, order_kinds.FACILITATOR_TAX):
		if kind == order_kinds.FACILITATOR_TAX or collected_by == order_kinds.MARKETPLACE:
			return FACILITATOR_VAT_LABEL if included else FACILITATOR_TAX_LABEL
		return OUTPUT_VAT_LABEL if included else SALES_TAX_LABEL
	return OTHER_CHARGES_LABEL
