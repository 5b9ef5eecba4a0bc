"""Which account each Finances 2024-06-19 transaction type lands on, by a name a bookkeeper knows.

The model itself names only `Shipment` ("Possible value"); Amazon's transaction types mirror the
Finances v0 event lists (ShipmentEventList -> Shipment, ServiceFeeEventList -> ServiceFee, ...), plus
`Transfer` for the payout to the bank. Every one of them has an account here. Within a transaction,
a breakdown whose type is a known fee (FEE_ACCOUNT_LABELS: Subscription, FBAStorageFee, ...) goes to
that fee's account, the one the v0 feed used too; everything else of the transaction goes to its
type's account, except in service fees and adjustments, which carry many kinds of money: a kind
not in the tables there gets an account of its own ("Amazon Service Fees (LowInventoryLevelFee)").
A type missing from the table is never put in a shared bucket: it gets its own
"Amazon Other Transactions (<type>)" account, and the engine logs it.

Two kinds of money are not costs or income but Amazon holding the seller's money; they live on
asset accounts beside the Amazon Clearing account, not under the fee group:
- "Amazon Reserve": what Amazon holds back when a settlement closes and gives back later;
- "Amazon Deferred": sales Amazon has posted but holds until their maturity date (DEFERRED);
- "Amazon Carried Balances": a settlement's balance Amazon did not pay out but carried into the
  next settlement (its opening balance), held there between the two deposits.
"""

from __future__ import annotations

from .account_labels import type_in_label

RESERVE_ACCOUNT_LABEL = "Amazon Reserve"
DEFERRED_ACCOUNT_LABEL = "Amazon Deferred"
CARRIED_ACCOUNT_LABEL = "Amazon Carried Balances"

TRANSACTION_ACCOUNT_LABELS: dict[str, str] = {
	# Order money: the sale is on the Sales Order / invoice, the fees on the order's fee entry; what
	# is left of these types (a goodwill, an unusual charge) lands here.
	"Shipment": "Amazon Order Adjustments",
	"Refund": "Amazon Refund Adjustments",
	"GuaranteeClaim": "Amazon A-to-z Guarantee Claims",
	"Chargeback": "Amazon Payment Chargebacks",
	"ShipmentSettle": "Amazon Order Adjustments",
	"TrialShipment": "Amazon Trial Shipments",
	"PayWithAmazon": "Amazon Pay Transactions",
	"RentalTransaction": "Amazon Rental Transactions",
	# The account
	"ServiceFee": "Amazon Service Fees",
	"ProductAdsPayment": "Amazon Advertising",
	"Adjustment": "Amazon Account Adjustments",
	"SAFETReimbursement": "Amazon SAFE-T Reimbursements",
	"Retrocharge": "Amazon Tax Retrocharges",
	"CouponPayment": "Amazon Coupon Fees",
	"SellerDealPayment": "Amazon Deal Fees",
	"SellerReviewEnrollmentPayment": "Amazon Early Reviewer Program Fees",
	"ImagingServicesFee": "Amazon Imaging Services Fees",
	"RemovalShipment": "Amazon FBA Removal Fees",
	"RemovalShipmentAdjustment": "Amazon FBA Removal Fees",
	"FBALiquidation": "Amazon FBA Liquidation Proceeds",
	"DebtRecovery": "Amazon Debt Recovery",
	"LoanServicing": "Amazon Lending Repayments",
	"ServiceProviderCredit": "Amazon Service Provider Credits",
	"NetworkComminglingTransaction": "Amazon Commingling Transactions",
	"AffordabilityExpense": "Amazon Affordability Expenses",
	"AffordabilityExpenseReversal": "Amazon Affordability Expenses",
	"TDSReimbursement": "Amazon TDS Reimbursements",
	"TaxWithholding": "Amazon Income Tax Withheld",
	"AdhocDisbursement": "Amazon Ad Hoc Disbursements",
	"FailedAdhocDisbursement": "Amazon Ad Hoc Disbursements",
	"ChargeRefund": "Amazon Charge Refunds",
	"ValueAddedServiceCharge": "Amazon Value Added Service Charges",
	"CapacityReservationBilling": "Amazon FBA Capacity Reservation Fees",
	"EBTRefundReimbursementOnly": "Amazon EBT Refund Reimbursements",
	"Reserve": RESERVE_ACCOUNT_LABEL,
}

# Breakdown types (and v0 adjustment types) with an account of their own, whatever the transaction type.
BREAKDOWN_ACCOUNT_LABELS: dict[str, str] = {
	"ReserveEvent": RESERVE_ACCOUNT_LABEL,
	"FBAInventoryReimbursement": "Amazon Inventory Reimbursements",
	"LostOrDamagedReimbursement": "Amazon Inventory Reimbursements",
	"CanceledButPickedUpReimbursement": "Amazon Inventory Reimbursements",
	"ReimbursementClawback": "Amazon Inventory Reimbursements",
	"PostageBilling": "Amazon Shipping Label Fees",
	"PostageRefund": "Amazon Shipping Label Fees",
	"SellerRewards": "Amazon Seller Rewards",
	"LiquidationProceedsAmount": "Amazon FBA Liquidation Proceeds",
	"LiquidationFeeAmount": "Amazon FBA Liquidation Fees",
}

# A refund-like transaction of an order with no breakdown at all (the model allows it): only its
# total is known, net of whatever fees Amazon gave back or kept, so no credit note can say what the
# buyer got back. The total is booked on an account of its own, for the bookkeeper to settle with
# the credit note they make by hand.
NOT_ITEMISED_ACCOUNT_LABELS: dict[str, str] = {
	"Refund": "Amazon Refunds Without Breakdown",
	"GuaranteeClaim": "Amazon A-to-z Guarantee Claims Without Breakdown",
	"Chargeback": "Amazon Chargebacks Without Breakdown",
}
# A sale Amazon shows without breakdowns (its net total only): what the invoice put on clearing
# beyond that total is Amazon's fees and withheld taxes, not itemised.
FEES_NOT_ITEMISED_ACCOUNT_LABEL = "Amazon Fees Without Breakdown"

# Types the transactions engine does not book as account money, and why.
TRANSFER_TYPES = ("Transfer", "Disbursement")  # the payout: booked by its settlement (clearing -> bank)


def transaction_account_label(transaction_type: str) -> tuple[str, bool]:
	"""(label, known): the type's account, or its own fallback account when the type is unknown."""
	label = TRANSACTION_ACCOUNT_LABELS.get(transaction_type)
	if label:
		return label, True
	clean = type_in_label(transaction_type) or "untyped"
	return f"Amazon Other Transactions ({clean})", False


def is_reserve(label: str) -> bool:
	return label == RESERVE_ACCOUNT_LABEL
