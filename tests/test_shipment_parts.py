"""Orders shipped in parts: which units each part ships (packages, or Amazon's fulfilled quantities),
and each part's invoice: its quantities and its share of every charge and tax row, so that the
invoices of an order add up to the Sales Order to the minor unit and nothing is invoiced twice."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from amazon_connector.core.drafts import CustomerDraft, PackageDraft, SalesOrderDraft, SalesOrderLineDraft
from amazon_connector.core.mapping.invoice_parts import (
	ChargeRow,
	InvoicePartError,
	OrderRow,
	is_closing,
	part_charges,
	part_quantities,
)
from amazon_connector.core.mapping.shipment_parts import (
	ShipmentPart,
	covers_all,
	parts_from_json,
	parts_to_json,
	shipment_parts,
)

D = Decimal
NONE = Decimal(0)
T0 = datetime(2026, 11, 3, 9, 0, tzinfo=timezone.utc)


def order(
	status: str, shipped: dict[str, int], packages=(), fulfilled_by="AMAZON", updated=T0
) -> SalesOrderDraft:
	lines = [
		SalesOrderLineDraft("A", "SKU-A", D(3), D("10.00"), D("30.00"), qty_shipped=D(shipped.get("A", 0))),
		SalesOrderLineDraft("B", "SKU-B", D(1), D("5.00"), D("5.00"), qty_shipped=D(shipped.get("B", 0))),
	]
	return SalesOrderDraft(
		amazon_order_id="303-0000001-0000001",
		marketplace_id="A1F83G8C2ARO7P",
		currency="GBP",
		purchase_date=T0 - timedelta(days=2),
		last_updated=updated,
		amazon_status=status,
		fulfilled_by=fulfilled_by,
		customer=CustomerDraft(key="k", customer_name="buyer"),
		lines=lines,
		grand_total=D("35.00"),
		packages=list(packages),
	)


def test_amazon_fulfilled_parts_are_what_shipped_since_the_last_part():
	first = shipment_parts(order("PARTIALLY_SHIPPED", {"A": 1}), [])
	assert first == [ShipmentPart("1", T0, {"A": 1})]
	# Amazon's next update, nothing new shipped: the same parts.
	assert (
		shipment_parts(order("PARTIALLY_SHIPPED", {"A": 1}, updated=T0 + timedelta(hours=1)), first) == first
	)
	later = T0 + timedelta(days=1)
	second = shipment_parts(order("SHIPPED", {"A": 3, "B": 1}, updated=later), first)
	assert second == [first[0], ShipmentPart("2", later, {"A": 2, "B": 1})]
	assert covers_all(second, {"A": D(3), "B": D(1)}) and not covers_all(first, {"A": D(3), "B": D(1)})
	assert parts_from_json(parts_to_json(second)) == second


def test_a_shipped_order_without_fulfilled_quantities_is_one_part_of_everything():
	assert shipment_parts(order("SHIPPED", {}), []) == [ShipmentPart("1", T0, {"A": 3, "B": 1})]
	assert shipment_parts(order("UNSHIPPED", {}), []) == []


def test_merchant_packages_are_the_parts_whatever_was_recorded_before():
	packages = [
		PackageDraft("PKG-2", status="SHIPPED", ship_time=T0 + timedelta(days=1), items={"A": 2, "B": 1}),
		PackageDraft("PKG-1", status="SHIPPED", ship_time=T0, items={"A": 1}),
	]
	draft = order("SHIPPED", {"A": 3, "B": 1}, packages, fulfilled_by="MERCHANT")
	stale = [ShipmentPart("1", T0, {"A": 3})]
	assert shipment_parts(draft, stale) == [
		ShipmentPart("PKG-1", T0, {"A": 1}),
		ShipmentPart("PKG-2", T0 + timedelta(days=1), {"A": 2, "B": 1}),
	]
	# A package without its items: the fulfilled quantities decide.
	bare = replace(draft, packages=[PackageDraft("PKG-1", ship_time=T0)])
	assert shipment_parts(bare, []) == [ShipmentPart("1", T0, {"A": 3, "B": 1})]


# -- the invoice of a part --------------------------------------------------------------------------


def rows(billed_a1=NONE, billed_a2=NONE, billed_b=NONE) -> list[OrderRow]:
	"""Order item A split over two rows (2 x 3.33 + 1 x 3.34, net of VAT), and B."""
	return [
		OrderRow("so-1", "A", "ITEM-A", D(2), D("6.66"), billed_a1),
		OrderRow("so-2", "A", "ITEM-A", D(1), D("3.34"), billed_a2),
		OrderRow("so-3", "B", "ITEM-B", D(1), D("4.17"), billed_b),
	]


def charges() -> list[ChargeRow]:
	return [
		ChargeRow("vat20", D("2.83"), {"ITEM-A": 2.0, "ITEM-B": 0.83}),
		ChargeRow("shipping", D("3.99")),
	]


def test_a_parts_units_go_to_unbilled_rows_and_never_more():
	assert part_quantities(rows(), {"A": 1}) == {"so-1": D(1)}
	assert part_quantities(rows(billed_a1=D(2)), {"A": 1, "B": 1}) == {"so-2": D(1), "so-3": D(1)}
	with pytest.raises(InvoicePartError, match="A \\(1 units\\)"):
		part_quantities(rows(billed_a1=D(2), billed_a2=D(1)), {"A": 1})


def test_parts_share_each_row_and_the_closing_part_takes_the_rest():
	first_qty = part_quantities(rows(), {"A": 1})
	assert not is_closing(rows(), first_qty)
	first = part_charges(rows(), first_qty, charges(), "GBP")
	# VAT: a third of item A's 2.00; shipping: the part's share of the net (3.33 of 14.17).
	assert first["vat20"].amount == D("0.67")
	assert first["vat20"].detail == pytest.approx({"ITEM-A": 2.0 / 3, "ITEM-B": 0.0})
	assert first["shipping"].amount == (D("3.99") * D("3.33") / D("14.17")).quantize(D("0.01"))

	after = rows(billed_a1=D(1))
	second_qty = part_quantities(after, {"A": 2, "B": 1})
	assert second_qty == {"so-1": D(1), "so-2": D(1), "so-3": D(1)}
	assert is_closing(after, second_qty)
	billed = [
		ChargeRow(c.name, c.amount, c.detail, first[c.name].amount, first[c.name].detail) for c in charges()
	]
	second = part_charges(after, second_qty, billed, "GBP")
	for charge in charges():
		assert first[charge.name].amount + second[charge.name].amount == charge.amount
	assert second["vat20"].detail == pytest.approx({"ITEM-A": 2.0 - 2.0 / 3, "ITEM-B": 0.83})


def test_yen_shares_keep_whole_yen():
	order_rows = [OrderRow("r1", "A", "ITEM-A", D(3), D(2727)), OrderRow("r2", "B", "ITEM-B", D(1), D(909))]
	yen = [ChargeRow("vat10", D(364), {"ITEM-A": 273.0, "ITEM-B": 91.0}), ChargeRow("ship", D(350))]
	part = part_charges(order_rows, {"r1": D(1)}, yen, "JPY")
	assert part["vat10"].amount == D(91)  # 273 / 3
	assert part["ship"].amount == (D(350) * D(909) / D(3636)).quantize(D(1))
