"""Amazon's order report (GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL) -> Orders 2026-01-01 orders.

The report is what makes a long history cheap: one report per marketplace and period instead of a
searchOrders page (of the 0.0056 req/s plan) per 100 orders. Its rows are turned into orders in the
shape searchOrders returns, so that `map_order` books them with exactly the code, and so the money,
of the searchOrders path.

The file (Amazon's "Order Tracking reports attributes"): tab-separated, a header row, one row per
order item, in the marketplace's charset (decoded by the access layer). Amounts are for the item's
whole quantity; this parser reads "12.34", "-5.00", "1,234.56", "12,34", "1.234,56" and "1 234,56".

What the report lacks, and how it is filled (`ReportOrderIncomplete` keeps an order on searchOrders
when it cannot be):
- Order item ids: not in the file. They come from Amazon's Finances shipment events of the order
  (ShipmentItemList: SellerSKU and OrderItemId), which the connector reads for fees anyway: `item_ids`
  maps (order id, SKU) to the order item id. An order whose SKUs are not each matched to one order
  item (not shipped yet, no events, the same SKU twice) stays on searchOrders.
- Who collected the tax: the `tax-collection-model` column when the file has it (many files do,
  Amazon's documented list does not); else whether Amazon withheld the item's tax as marketplace
  facilitator in the same shipment events (`facilitator_items`: Amazon withholds what it collects
  there, so an item of those events without it is the seller's to collect); else, for an item with
  tax, the order stays on searchOrders.
- VAT-inclusive marketplaces: Amazon's searchOrders orders carry no TAX breakdown there (the VAT is
  inside the prices and taken out at the item's rate), so the report's VAT columns are not used, and
  the Sales Order is the same.
- An order that is not pending but has an item without amounts (a zero-priced replacement) stays on
  searchOrders: the report cannot tell a free item from a missing figure.
- Not money, and different from searchOrders: no buyer name or e-mail (the marketplace's customer
  is used, as for searchOrders without personal data), no street, no delivery promise, no
  packages; a partly cancelled item shows only its remaining quantity, and an item cancelled in
  full (no money) is left out instead of being kept as a cancelled line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

ORDER_REPORT = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"
REQUIRED_COLUMNS = ("amazon-order-id", "purchase-date", "last-updated-date", "order-status", "sku",
	"quantity", "currency", "item-price")  # fmt: skip

_STATUS = {"pending": "PENDING", "unshipped": "UNSHIPPED", "shipping": "PARTIALLY_SHIPPED", "shipped": "SHIPPED",
	"cancelled": "CANCELLED", "canceled": "CANCELLED", "pendingavailability": "PENDING_AVAILABILITY"}  # fmt: skip
_FULFILLED_BY = {"amazon": "AMAZON", "afn": "AMAZON", "merchant": "MERCHANT", "mfn": "MERCHANT"}
_NUMBER = re.compile(r"^[+-]?[\d.,\s\u00a0\u202f']+$")


class OrderReportError(ValueError):
	"""The file is not an order report this parser can read; the message says where."""


class ReportOrderIncomplete(ValueError):
	"""The report lacks something this order's Sales Order needs: read it with searchOrders."""

	def __init__(self, amazon_order_id: str, reason: str):
		super().__init__(f"Amazon order {amazon_order_id}: {reason}")
		self.amazon_order_id = amazon_order_id
		self.reason = reason


def parse_rows(text: str) -> list[dict[str, str]]:
	"""The report's rows as {column: value}. Raises OrderReportError naming the line at fault."""
	lines = text.lstrip("\ufeff").splitlines()
	while lines and not lines[0].strip():
		lines.pop(0)
	if not lines:
		return []
	header = [c.strip().lower() for c in lines[0].split("\t")]
	missing = [c for c in REQUIRED_COLUMNS if c not in header]
	if missing:
		raise OrderReportError(
			f"the order report has no column {', '.join(missing)} (header: {lines[0][:200]!r})"
		)
	rows = []
	for number, line in enumerate(lines[1:], start=2):
		if not line.strip():
			continue
		cells = line.split("\t")
		if len(cells) > len(header):
			raise OrderReportError(f"line {number} has {len(cells)} cells for {len(header)} columns")
		cells += [""] * (len(header) - len(cells))
		rows.append({column: value.strip() for column, value in zip(header, cells, strict=True)})
	return rows


def parse_amount(value: str, where: str) -> Decimal | None:
	"""An amount as Amazon's files write it, in either decimal convention; None when empty."""
	text = (value or "").strip()
	if not text:
		return None
	if not _NUMBER.match(text):
		raise OrderReportError(f"{where}: {value!r} is not an amount")
	text = re.sub(r"[\s\u00a0\u202f']", "", text)
	last_dot, last_comma = text.rfind("."), text.rfind(",")
	if last_dot >= 0 and last_comma >= 0:  # the later one is the decimal mark
		thousands, decimal = (",", ".") if last_dot > last_comma else (".", ",")
		text = text.replace(thousands, "").replace(decimal, ".")
	elif last_comma >= 0:
		groups = text.lstrip("+-").split(",")
		if all(len(g) == 3 for g in groups[1:]) and 1 <= len(groups[0]) <= 3:
			text = text.replace(",", "")  # "1,234" or "12,345,678": thousands marks (no Amazon
			# currency has three decimals)
		elif len(groups) == 2:
			text = text.replace(",", ".")  # "12,34": a decimal comma
		else:
			raise OrderReportError(f"{where}: {value!r} is not an amount")
	elif text.count(".") > 1:
		text = text.replace(".", "")  # "1.234.567": dots as thousands marks
	try:
		return Decimal(text)
	except InvalidOperation:
		raise OrderReportError(f"{where}: {value!r} is not an amount") from None


@dataclass
class ReportOrder:
	"""One order's rows of the report, in file order."""

	amazon_order_id: str
	rows: list[dict[str, str]] = field(default_factory=list)


def group_orders(rows: Iterable[dict[str, str]]) -> list[ReportOrder]:
	"""Rows grouped by amazon-order-id, orders in the order they first appear."""
	orders: dict[str, ReportOrder] = {}
	for row in rows:
		order_id = row.get("amazon-order-id", "")
		if not order_id:
			raise OrderReportError("a row has no amazon-order-id")
		orders.setdefault(order_id, ReportOrder(order_id)).rows.append(row)
	return list(orders.values())


ItemIds = Mapping[tuple[str, str], str] | Callable[[str, str], str | None]


def to_order(
	report_order: ReportOrder,
	marketplace_id: str,
	*,
	tax_exclusive: bool,
	item_ids: ItemIds,
	facilitator_items: set[str] | frozenset[str] | None = None,
) -> dict:
	"""The order as searchOrders returns it (PROCEEDS, TAX, FULFILLMENT), from its report rows.

	tax_exclusive: the marketplace's prices exclude tax (US, CA). item_ids: (order id, SKU) -> order
	item id. facilitator_items: order item ids whose tax Amazon withheld as marketplace facilitator, from
	the same shipment events (an item of those events not in it: the seller collected its tax); None
	when there is no such evidence.
	Raises ReportOrderIncomplete (see the module docstring) or OrderReportError.
	"""
	order_id = report_order.amazon_order_id
	first = report_order.rows[0]
	status = _STATUS.get(re.sub(r"[\s_]", "", first.get("order-status", "")).lower())
	if status is None:
		raise OrderReportError(f"Amazon order {order_id}: unknown order-status {first.get('order-status')!r}")
	order: dict = {
		"orderId": order_id,
		"createdTime": _utc(first["purchase-date"], order_id, "purchase-date"),
		"lastUpdatedTime": _utc(first["last-updated-date"], order_id, "last-updated-date"),
		"programs": ["AMAZON_BUSINESS"] if first.get("is-business-order", "").lower() == "true" else [],
		"salesChannel": {
			"channelName": "AMAZON",
			"marketplaceId": marketplace_id,
			"marketplaceName": first.get("sales-channel", ""),
		},
		"fulfillment": {
			"fulfillmentStatus": status,
			"fulfilledBy": _FULFILLED_BY.get(first.get("fulfillment-channel", "").lower(), "MERCHANT"),
		},
		"orderItems": [],
	}
	address = {
		key: first.get(column, "")
		for key, column in (
			("city", "ship-city"),
			("stateOrRegion", "ship-state"),
			("postalCode", "ship-postal-code"),
			("countryCode", "ship-country"),
		)  # fmt: skip
		if first.get(column)
	}
	if address:
		order["recipient"] = {"deliveryAddress": address}
	if status in ("PENDING", "PENDING_AVAILABILITY", "CANCELLED"):
		# Neither is booked from its amounts: pending orders wait, cancelled ones are not imported or
		# are cancelled by id. Their items need no money or item id.
		for row in report_order.rows:
			order["orderItems"].append(_item(row, row.get("sku", ""), None))
		return order
	lookup = item_ids if callable(item_ids) else (lambda o, s: item_ids.get((o, s)))
	seen: set[str] = set()
	for row in report_order.rows:
		sku = row.get("sku", "")
		if row.get("item-status", "").lower() in ("cancelled", "canceled") and not row.get("item-price"):
			continue  # an item cancelled in full carries no money (see the module docstring)
		if sku in seen:
			raise ReportOrderIncomplete(
				order_id, f"SKU {sku} is on two rows, which the report cannot tell apart"
			)
		seen.add(sku)
		item_id = lookup(order_id, sku)
		if not item_id:
			raise ReportOrderIncomplete(order_id, f"no order item id for SKU {sku} (no shipment event yet)")
		order["orderItems"].append(
			_item(
				row,
				item_id,
				_proceeds(row, order_id),
				order_id,
				facilitator_items,
				tax_exclusive,
			)
		)
	return order


def _item(row, item_id, proceeds, order_id="", facilitator_items=None, tax_exclusive=False) -> dict:
	item: dict = {
		"orderItemId": item_id,
		"quantityOrdered": int(parse_amount(row.get("quantity", ""), "quantity") or 0),
		"product": {"asin": row.get("asin", ""), "title": row.get("product-name", ""), "sellerSku": row.get("sku", "")},
	}  # fmt: skip
	if proceeds is None:
		return item
	item["proceeds"] = proceeds
	promotions = [p.strip() for p in row.get("promotion-ids", "").split(",") if p.strip()]
	if promotions:
		item["promotion"] = {"breakdowns": [{"promotionId": p} for p in promotions]}
	taxed = any(b["type"] == "TAX" for b in proceeds["breakdowns"])
	model = row.get("tax-collection-model")
	if model is not None and "tax-collection-model" in row:
		facilitator = "facilitator" in model.lower().replace("_", "")
	elif facilitator_items is not None:
		facilitator = item_id in facilitator_items
	elif taxed:
		raise ReportOrderIncomplete(
			order_id, f"the report does not say who collected the tax of SKU {row.get('sku')}"
		)
	else:
		facilitator = False
	if facilitator:
		collection = {"model": "MARKETPLACE_FACILITATOR"}
		if row.get("tax-collection-responsible-party"):
			collection["responsibleParty"] = row["tax-collection-responsible-party"]
		item["tax"] = {"taxCollections": [collection]}
	return item


def _proceeds(row: dict, order_id: str) -> dict:
	currency = row.get("currency", "")

	def amount(column: str) -> Decimal | None:
		return parse_amount(row.get(column, ""), f"Amazon order {order_id}, SKU {row.get('sku')}, {column}")

	item_price = amount("item-price")
	if item_price is None or not currency:
		raise ReportOrderIncomplete(order_id, f"SKU {row.get('sku')} has no amounts in the report")

	def money(value: Decimal) -> dict:
		return {"amount": f"{value:f}", "currencyCode": currency}

	breakdowns = [{"type": "ITEM", "subtotal": money(item_price)}]
	for kind, column in (("SHIPPING", "shipping-price"), ("GIFT_WRAP", "gift-wrap-price")):
		value = amount(column)
		if value:
			breakdowns.append({"type": kind, "subtotal": money(value)})
	# The tax columns are Amazon's tax: added on top where prices exclude it, the VAT inside the prices
	# elsewhere (with no proceedsTotal, the marketplace's convention tells which); empty where
	# Amazon reports no VAT, which is then taken out at the item's rate (`core.mapping.vat`).
	read = [(subtype, amount(column)) for subtype, column in
		(("ITEM", "item-tax"), ("SHIPPING", "shipping-tax"), ("GIFT_WRAP", "gift-wrap-tax"))]  # fmt: skip
	taxes = [(s, v) for s, v in read if v]
	if taxes:
		breakdowns.append({
			"type": "TAX",
			"subtotal": money(sum((v for _, v in taxes), Decimal(0))),
			"detailedBreakdowns": [{"subtype": s, "value": money(v)} for s, v in taxes],
		})  # fmt: skip
	promoted = [
		(s, amount(c))
		for s, c in (("ITEM", "item-promotion-discount"), ("SHIPPING", "ship-promotion-discount"))
	]
	discounts = [(s, -abs(v)) for s, v in promoted if v]
	if discounts:
		breakdowns.append({
			"type": "DISCOUNT",
			"subtotal": money(sum((v for _, v in discounts), Decimal(0))),
			"detailedBreakdowns": [{"subtype": s, "value": money(v)} for s, v in discounts],
		})  # fmt: skip
	return {"breakdowns": breakdowns}


def _utc(value: str, order_id: str, column: str) -> str:
	from datetime import timezone

	from ..timestamps import TimestampError, parse_timestamp

	try:
		moment = parse_timestamp(value)
	except (TimestampError, ValueError):
		moment = None
	if moment is None:
		raise OrderReportError(f"Amazon order {order_id}: {column} {value!r} is not a date-time")
	return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
