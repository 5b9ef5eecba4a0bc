"""order_rows: a SalesOrderDraft laid out as item rows and tax/charge rows, to the minor unit."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest

from amazon_connector.core.drafts.orders import (
	DISCOUNT,
	SHIPPING,
	TAX,
	ChargeDraft,
	CustomerDraft,
	SalesOrderDraft,
	SalesOrderLineDraft,
)
from amazon_connector.core.mapping.order_rows import OrderRowsError, order_rows

D = Decimal


def draft(
	currency: str, lines: list[tuple[str, int, str, str]], charges: list[ChargeDraft]
) -> SalesOrderDraft:
	"""lines: (order item id, qty, rate, included tax)."""
	drafted = [
		SalesOrderLineDraft(
			order_item_id=item_id,
			sku=f"SKU-{item_id}",
			qty=D(qty),
			rate=D(rate),
			amount=D(qty) * D(rate),
			key=item_id,
			tax=D(tax),
			tax_included=D(tax) > 0,
		)
		for item_id, qty, rate, tax in lines
	]
	total = sum((line.amount for line in drafted), D(0)) + sum(
		(c.amount for c in charges if not c.included_in_rate), D(0)
	)
	moment = datetime(2026, 3, 1, tzinfo=timezone.utc)
	return SalesOrderDraft(
		amazon_order_id="202-0000000-0000001",
		marketplace_id="A1F83G8C2ARO7P",
		currency=currency,
		purchase_date=moment,
		last_updated=moment,
		amazon_status="SHIPPED",
		fulfilled_by="AMAZON",
		customer=CustomerDraft(key="buyer", customer_name="Buyer"),
		lines=drafted,
		grand_total=total,
		charges=charges,
	)


def test_tax_on_top_keeps_the_drafted_rates():
	rows = order_rows(draft("USD", [("1", 3, "3.33", "0")], [ChargeDraft(TAX, "Tax", D("0.70"))]))
	assert [(r.qty, r.rate) for r in rows.items] == [(D(3), D("3.33"))]
	assert rows.total == D("10.69")


def test_included_vat_comes_out_of_shipping_and_lines_and_the_total_stays_amazons():
	order = draft(
		"GBP",
		[("1", 3, "10.00", "5.00")],
		[
			ChargeDraft(SHIPPING, "Shipping", D("4.99")),
			ChargeDraft(DISCOUNT, "Promotion", D("-1.00")),
			ChargeDraft(TAX, "VAT", D("5.00"), included_in_rate=True, applies_to="ITEM"),
			ChargeDraft(TAX, "VAT on shipping", D("0.83"), included_in_rate=True, applies_to="SHIPPING"),
		],
	)
	rows = order_rows(order)
	assert rows.total == order.grand_total == D("33.99")
	# 30.00 - 5.00 = 25.00 for 3 units: 2 x 8.33 + 1 x 8.34
	assert [(r.qty, r.rate) for r in rows.items] == [(D(2), D("8.33")), (D(1), D("8.34"))]
	shipping = next(c for c in rows.charges if c.charge.kind == SHIPPING)
	assert (shipping.amount, shipping.vat_included) == (D("4.16"), D("0.83"))


def test_yen_rows_have_no_decimals():
	order = draft(
		"JPY", [("1", 3, "1000", "272")], [ChargeDraft(TAX, "Tax", D("272"), included_in_rate=True)]
	)
	rows = order_rows(order)
	assert [(r.qty, r.rate) for r in rows.items] == [(D(2), D("909")), (D(1), D("910"))]
	assert rows.total == D("3000")


def test_a_line_rate_finer_than_the_currency_is_refused():
	order = draft("USD", [("1", 1, "3.333", "0")], [])
	with pytest.raises(OrderRowsError, match="order item 1"):
		order_rows(order)
