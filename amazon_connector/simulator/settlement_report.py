"""The V2 settlement report (GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2) of a closed settlement, as
Amazon writes it: tab-separated, Amazon's column names, a summary row (settlement id, dates, total,
currency) and one row per amount of each of its transactions, in the marketplace's number and date
format: amazon.com (and the other non-European marketplaces) `1234.56` and `2026-11-01 07:00:00 UTC`,
amazon.co.uk `1234.56` and `01/11/2026 07:00:00 UTC`, the euro marketplaces `1234,56` and
`01.11.2026 07:00:00 UTC`. Every other settlement of a currency groups thousands (`1,234.56`,
`1.234,56`), so both shapes are served. Made from the same transactions the feed serves, so its rows
add up to its total, which is the payout; a balance carried in from the previous settlement is a row
of its own ("Repayment of negative Amazon balance"), and a settlement whose negative balance Amazon
carries on has no deposit date.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ..core.mapping.transactions import related_identifier

REPORT_TYPE = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
COLUMNS = ("settlement-id", "settlement-start-date", "settlement-end-date", "deposit-date", "total-amount",
	"currency", "transaction-type", "order-id", "merchant-order-id", "adjustment-id", "shipment-id",
	"marketplace-name", "amount-type", "amount-description", "amount", "fulfillment-id", "posted-date",
	"posted-date-time", "order-item-code", "merchant-order-item-id", "merchant-adjustment-item-id", "sku",
	"quantity-purchased", "promotion-id")  # fmt: skip
DECIMAL_COMMA = {"DE", "FR", "IT", "ES", "NL", "BE", "SE", "PL", "TR"}
TRANSACTION_TYPES = {"Shipment": "Order", "Refund": "Refund", "GuaranteeClaim": "A-to-z Guarantee Claim",
	"Chargeback": "Chargeback Refund"}  # fmt: skip
OPENING_DESCRIPTION = "Repayment of negative Amazon balance"
AMOUNT_TYPES = {
	"Sales": "ItemPrice",
	"Expenses": "ItemFees",
	"Promotions": "Promotion",
	"Tax": "ItemWithheldTax",
}


class Format:
	def __init__(self, country: str, grouped: bool, minor: int):
		self.country = country
		self.grouped = grouped
		self.minor = minor

	def amount(self, value: Decimal) -> str:
		text = f"{abs(value):,.{self.minor}f}" if self.grouped else f"{abs(value):.{self.minor}f}"
		if self.country in DECIMAL_COMMA:
			text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
		return ("-" if value < 0 else "") + text

	def moment(self, value: datetime | None) -> str:
		if value is None:
			return ""
		if self.country in DECIMAL_COMMA:
			return value.strftime("%d.%m.%Y %H:%M:%S UTC")
		if self.country in ("UK", "GB"):
			return value.strftime("%d/%m/%Y %H:%M:%S UTC")
		return value.strftime("%Y-%m-%d %H:%M:%S UTC")

	def day(self, value: datetime | None) -> str:
		text = self.moment(value)
		return text.split(" ")[0]


def render(
	body: dict,
	transactions: list[dict],
	*,
	country: str,
	grouped: bool,
	minor: int,
) -> str:
	"""The report of one closed settlement: `body` is its financial event group, `transactions` what
	the feed shows for it (the payout excluded)."""
	fmt = Format(country, grouped, minor)
	currency = body["OriginalTotal"]["CurrencyCode"]
	settlement_id = body["FinancialEventGroupId"]

	def time_of(name: str) -> datetime | None:
		value = body.get(name)
		return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None

	summary = {
		"settlement-id": settlement_id,
		"settlement-start-date": fmt.moment(time_of("FinancialEventGroupStart")),
		"settlement-end-date": fmt.moment(time_of("FinancialEventGroupEnd")),
		"deposit-date": fmt.moment(time_of("FundTransferDate")),
		"total-amount": fmt.amount(Decimal(str(body["OriginalTotal"]["CurrencyAmount"]))),
		"currency": currency,
	}
	rows = [summary]
	opening = Decimal(str((body.get("BeginningBalance") or {}).get("CurrencyAmount") or 0))
	if opening:
		start = time_of("FinancialEventGroupStart")
		rows.append(
			{
				"settlement-id": settlement_id,
				"transaction-type": "other-transaction",
				"amount-type": "other-transaction",
				"amount-description": OPENING_DESCRIPTION,
				"amount": fmt.amount(opening),
				"posted-date": fmt.day(start),
				"posted-date-time": fmt.moment(start),
			}
		)
	for transaction in transactions:
		rows += _rows(transaction, settlement_id, fmt)
	lines = ["\t".join(COLUMNS)]
	lines += ["\t".join(str(row.get(c, "")).replace("\t", " ") for c in COLUMNS) for row in rows]
	return "\n".join(lines) + "\n"


def _leaves(breakdowns, path=()):
	for node in breakdowns or []:
		children = node.get("breakdowns") or []
		here = path + (node["breakdownType"],)
		if children:
			yield from _leaves(children, here)
		else:
			yield here, Decimal(str(node["breakdownAmount"]["currencyAmount"]))


def _rows(transaction: dict, settlement_id: str, fmt: Format) -> list[dict]:
	posted = datetime.fromisoformat(transaction["postedDate"].replace("Z", "+00:00"))
	kind = transaction.get("transactionType") or ""
	base = {
		"settlement-id": settlement_id,
		"transaction-type": TRANSACTION_TYPES.get(kind, "other-transaction"),
		"order-id": related_identifier(transaction, "ORDER_ID"),
		"shipment-id": related_identifier(transaction, "SHIPMENT_ID"),
		"adjustment-id": related_identifier(transaction, "REFUND_ID"),
		"marketplace-name": (transaction.get("marketplaceDetails") or {}).get("marketplaceName", ""),
		"posted-date": fmt.day(posted),
		"posted-date-time": fmt.moment(posted),
	}
	amounts: list[tuple[dict, tuple[str, ...], Decimal]] = []
	top = list(_leaves(transaction.get("breakdowns")))
	if top:
		amounts = [({}, path, amount) for path, amount in top]
	else:
		for item in transaction.get("items") or []:
			context = next((c for c in item.get("contexts") or [] if c.get("sku")), {})
			extra = {"sku": context.get("sku", ""), "quantity-purchased": context.get("quantityShipped", "")}
			amounts += [(extra, path, amount) for path, amount in _leaves(item.get("breakdowns"))]
	if not amounts:  # no breakdown: the transaction's total, under its own name
		total = Decimal(str(transaction["totalAmount"]["currencyAmount"]))
		amounts = [({}, ("other-transaction", transaction.get("description") or kind), total)]
	rows = []
	for extra, path, amount in amounts:
		rows.append(
			{
				**base,
				**extra,
				"amount-type": AMOUNT_TYPES.get(path[0], path[0]) if len(path) > 1 else "other-transaction",
				"amount-description": path[-1],
				"amount": fmt.amount(amount),
			}
		)
	return rows
