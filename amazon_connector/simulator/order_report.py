"""GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL made from the world's orders.

One tab-separated row per order item, in the columns Amazon documents for the report ("Order
Tracking reports attributes"), for the orders placed in [dataStartTime, dataEndTime] in the
requested marketplaces, encoded in the marketplace's report charset. Amounts are those of the
item's proceeds, as the buyer saw them: `item-price` is the ITEM subtotal for the whole quantity,
`item-tax`/`shipping-tax`/`gift-wrap-tax` the TAX breakdown's parts (empty where prices include VAT
and the order carries no TAX breakdown), promotion discounts negative. An order Amazon has not
priced yet (Pending) has empty amounts, as in Amazon's file.

With `tax_collection` the file also carries `tax-collection-model` and
`tax-collection-responsible-party` (present in many sellers' files but not in Amazon's documented
list), so that both shapes are served.
"""

from __future__ import annotations

from .clock import parse_iso
from .marketplaces import BY_ID

ORDER_REPORT = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"
COLUMNS = ("amazon-order-id", "merchant-order-id", "purchase-date", "last-updated-date", "order-status",
	"fulfillment-channel", "sales-channel", "order-channel", "ship-service-level", "product-name", "sku", "asin",
	"item-status", "quantity", "currency", "item-price", "item-tax", "shipping-price", "shipping-tax",
	"gift-wrap-price", "gift-wrap-tax", "item-promotion-discount", "ship-promotion-discount", "ship-city",
	"ship-state", "ship-postal-code", "ship-country", "promotion-ids", "cpf", "is-business-order",
	"purchase-order-number", "price-designation")  # fmt: skip
TAX_COLLECTION_COLUMNS = ("tax-collection-model", "tax-collection-responsible-party")

ORDER_STATUS = {"PENDING": "Pending", "PENDING_AVAILABILITY": "Pending", "UNSHIPPED": "Unshipped",
	"PARTIALLY_SHIPPED": "Shipping", "SHIPPED": "Shipped", "CANCELLED": "Cancelled", "UNFULFILLABLE": "Cancelled"}  # fmt: skip
FULFILLMENT_CHANNEL = {"AMAZON": "Amazon", "MERCHANT": "Merchant"}


def report_date(value: str) -> str:
	"""Amazon's flat-file time: ISO 8601 with a numeric offset (2026-01-18T15:48:08+00:00)."""
	return parse_iso(value).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _subtotals(item: dict) -> tuple[dict[str, str], dict[str, str], dict[str, str], str]:
	"""(added amounts by type, tax parts by subtype, discount parts by subtype, currency) of an item."""
	added: dict[str, str] = {}
	taxes: dict[str, str] = {}
	discounts: dict[str, str] = {}
	currency = ""
	for breakdown in (item.get("proceeds") or {}).get("breakdowns") or []:
		kind = breakdown.get("type")
		subtotal = breakdown.get("subtotal") or {}
		currency = currency or subtotal.get("currencyCode", "")
		if kind in ("TAX", "DISCOUNT"):
			target = taxes if kind == "TAX" else discounts
			details = breakdown.get("detailedBreakdowns") or []
			if details:
				for detail in details:
					target[detail.get("subtype") or "ITEM"] = detail["value"]["amount"]
			else:
				target["ITEM"] = subtotal.get("amount", "")
		else:
			added[kind] = subtotal.get("amount", "")
	return added, taxes, discounts, currency


def item_rows(order: dict, tax_collection: bool = False) -> list[dict[str, str]]:
	channel = order.get("salesChannel") or {}
	marketplace = BY_ID.get(channel.get("marketplaceId"))
	fulfillment = order.get("fulfillment") or {}
	status = fulfillment.get("fulfillmentStatus", "")
	address = (order.get("recipient") or {}).get("deliveryAddress") or {}
	buyer = order.get("buyer") or {}
	rows = []
	for item in order.get("orderItems") or []:
		product = item.get("product") or {}
		added, taxes, discounts, currency = _subtotals(item)
		if not currency:
			currency = ((product.get("price") or {}).get("unitPrice") or {}).get("currencyCode", "")
		ordered = int(item.get("quantityOrdered") or 0)
		# An item cancelled in full has a cancellation and no proceeds (see core.mapping.orders).
		cancelled_in_full = status == "CANCELLED" or ("cancellation" in item and not item.get("proceeds"))
		if cancelled_in_full:
			item_status = "Cancelled"
		else:
			item_status = "Shipped" if status == "SHIPPED" else "Unshipped"
		collections = (item.get("tax") or {}).get("taxCollections") or []
		row = {
			"amazon-order-id": order["orderId"],
			"merchant-order-id": "",
			"purchase-date": report_date(order["createdTime"]),
			"last-updated-date": report_date(order["lastUpdatedTime"]),
			"order-status": ORDER_STATUS.get(status, status.title()),
			"fulfillment-channel": FULFILLMENT_CHANNEL.get(fulfillment.get("fulfilledBy"), ""),
			"sales-channel": channel.get("marketplaceName") or (marketplace.name if marketplace else ""),
			"order-channel": "",
			"ship-service-level": (fulfillment.get("fulfillmentServiceLevel") or "").title(),
			"product-name": product.get("title", ""),
			"sku": product.get("sellerSku", ""),
			"asin": product.get("asin", ""),
			"item-status": item_status,
			"quantity": str(ordered),
			"currency": currency if item.get("proceeds") else "",
			"item-price": added.get("ITEM", ""),
			"item-tax": taxes.get("ITEM", ""),
			"shipping-price": added.get("SHIPPING", ""),
			"shipping-tax": taxes.get("SHIPPING", ""),
			"gift-wrap-price": added.get("GIFT_WRAP", ""),
			"gift-wrap-tax": taxes.get("GIFT_WRAP", ""),
			"item-promotion-discount": discounts.get("ITEM", ""),
			"ship-promotion-discount": discounts.get("SHIPPING", ""),
			"ship-city": address.get("city", ""),
			"ship-state": address.get("stateOrRegion", ""),
			"ship-postal-code": address.get("postalCode", ""),
			"ship-country": address.get("countryCode", ""),
			"promotion-ids": ",".join(
				p["promotionId"] for p in (item.get("promotion") or {}).get("breakdowns") or []
			),
			"cpf": "",
			"is-business-order": "true" if "AMAZON_BUSINESS" in (order.get("programs") or []) else "false",
			"purchase-order-number": buyer.get("buyerPurchaseOrderNumber", ""),
			"price-designation": "",
		}  # fmt: skip
		if tax_collection:
			row["tax-collection-model"] = collections[0].get("model", "") if collections else ""
			row["tax-collection-responsible-party"] = (
				collections[0].get("responsibleParty", "") if collections else ""
			)
		rows.append(row)
	return rows


def render(orders, tax_collection: bool = False) -> str:
	"""The report's text: a header row, then one row per order item, tabs between, LF after each."""
	columns = list(COLUMNS) + (list(TAX_COLLECTION_COLUMNS) if tax_collection else [])
	lines = ["\t".join(columns)]
	for order in orders:
		for row in item_rows(order, tax_collection):
			lines.append(
				"\t".join(str(row.get(c, "")).replace("\t", " ").replace("\n", " ") for c in columns)
			)
	return "\n".join(lines) + "\n"
