"""Amazon's order report -> orders: the parser (file shapes, charsets, number formats) and the money
of a report-built order, identical row by row to the searchOrders order it stands for."""

from dataclasses import asdict
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from amazon_connector.core.mapping.order_money import TAX_EXCLUSIVE_MARKETPLACES
from amazon_connector.core.mapping.order_report import (
	OrderReportError,
	ReportOrderIncomplete,
	group_orders,
	parse_amount,
	parse_rows,
	to_order,
)
from amazon_connector.core.mapping.orders import OrderNotReady, OrderSkipped, map_order
from amazon_connector.core.settings import SyncSettings
from amazon_connector.simulator import Simulator, generate_world
from amazon_connector.simulator.connect import credentials, marketplace_configs
from amazon_connector.simulator.order_report import COLUMNS, render
from amazon_connector.spapi.charsets import python_codec

START = datetime(2026, 1, 1, tzinfo=timezone.utc)
END = datetime(2026, 4, 1, tzinfo=timezone.utc)
HISTORY_END = "2026-03-18T00:00:00Z"  # the part of the world a backfill reads from reports


@pytest.mark.parametrize(
	("text", "value"),
	[
		("12.34", "12.34"),
		("-5.00", "-5.00"),
		("1,234.56", "1234.56"),
		("12,34", "12.34"),
		("1.234,56", "1234.56"),
		("1 234,56", "1234.56"),
		("1\u00a0234,56", "1234.56"),
		("1234", "1234"),
		("12,345", "12345"),
		("0", "0"),
	],
)
def test_amounts_in_either_decimal_convention(text, value):
	assert parse_amount(text, "item-price") == Decimal(value)


def test_an_empty_amount_is_none_and_a_bad_one_names_where_it_is():
	assert parse_amount("", "x") is None
	with pytest.raises(OrderReportError, match="order 1, item-price: 'twelve'"):
		parse_amount("twelve", "order 1, item-price")
	with pytest.raises(OrderReportError):
		parse_amount("1,23,4", "x")


def test_rows_with_a_bom_crlf_short_rows_and_blank_lines():
	header = "\t".join(COLUMNS)
	text = "\ufeff" + header + "\r\n" + "111-1\t\t2026-01-02T10:00:00+00:00" + "\r\n\r\n"
	rows = parse_rows(text)
	assert len(rows) == 1 and rows[0]["amazon-order-id"] == "111-1" and rows[0]["sku"] == ""
	with pytest.raises(OrderReportError, match="line 2 has"):
		parse_rows(header + "\n" + "\t".join(["x"] * (len(COLUMNS) + 1)) + "\n")
	with pytest.raises(OrderReportError, match="no column last-updated-date, .*item-price"):
		parse_rows("amazon-order-id\tpurchase-date\n")
	assert parse_rows("") == []


def test_a_japanese_report_in_windows_31j_reads_back_its_titles():
	world = generate_world(seed=3, orders=200, start=START, end=END, marketplaces="JP")
	sim = Simulator(world, start_time=END + timedelta(days=10))
	ops = sim.operations
	chosen = ops._report_orders("A1VC38T7YXB528", {"dataStartTime": "2026-01-01T00:00:00Z"})
	content, charset = ops._orders_document("A1VC38T7YXB528", chosen)
	assert charset.lower() in ("windows-31j", "cp932", "shift_jis")
	rows = parse_rows(content.decode(python_codec(charset)))
	titles = {i["product"]["title"] for o in world["orders"] for i in o["orderItems"]}
	assert rows and all(r["product-name"] in titles or "?" in r["product-name"] for r in rows)
	assert any(any(ord(ch) > 0x3000 for ch in r["product-name"]) for r in rows)


def _shipment_index(world: dict) -> tuple[dict, set]:
	"""(order id, SKU) -> order item id and the facilitator items, from the world's shipment events
	(what Finances v0 gives the connector)."""
	item_ids, facilitator = {}, set()
	for event in world["financialEvents"].get("ShipmentEventList", []):
		for entry in event.get("ShipmentItemList", []):
			item_ids[(event["AmazonOrderId"], entry["SellerSKU"])] = entry["OrderItemId"]
			for withheld in entry.get("ItemTaxWithheldList") or []:
				if withheld.get("TaxCollectionModel") == "MarketplaceFacilitator":
					facilitator.add(entry["OrderItemId"])
	return item_ids, facilitator


def _money_rows(draft) -> dict:
	"""Everything of a draft that is money, row by row."""
	lines = [
		{k: v for k, v in asdict(line).items() if k in ("order_item_id", "sku", "qty", "rate", "amount", "key",
			"tax", "tax_included", "tax_collected_by", "tax_rate", "tax_reported", "charges")}
		for line in draft.lines
	]  # fmt: skip
	return {
		"currency": draft.currency,
		"grand_total": draft.grand_total,
		"lines": lines,
		"charges": [asdict(c) for c in draft.charges],
	}


@pytest.mark.parametrize("tax_columns", [True, False])
def test_report_orders_book_the_same_money_as_searchorders(tax_columns):
	world = generate_world(seed=12, orders=600, start=START, end=END)
	for marketplace in world["account"]["marketplaces"]:
		marketplace["orderReportTaxCollection"] = tax_columns
	sim = Simulator(world, start_time=END + timedelta(days=10))
	settings = SyncSettings(
		account_key="report",
		after_date=date(2025, 1, 1),
		marketplaces=marketplace_configs(credentials(world["account"])),
	)
	item_ids, facilitator = _shipment_index(world)
	by_id = {o["orderId"]: o for o in world["orders"]}
	compared, kept_on_search, not_booked = 0, [], 0
	for marketplace in world["account"]["marketplaces"]:
		marketplace_id = marketplace["marketplaceId"]
		period = {"dataStartTime": "2025-12-31T00:00:00Z", "dataEndTime": HISTORY_END}
		chosen = sim.operations._report_orders(marketplace_id, period)
		content, charset = sim.operations._orders_document(marketplace_id, chosen)
		reported = group_orders(parse_rows(content.decode(python_codec(charset))))
		assert {r.amazon_order_id for r in reported} == {
			o["orderId"]
			for o in world["orders"]
			if o["salesChannel"]["marketplaceId"] == marketplace_id and o["createdTime"] <= HISTORY_END
		}
		for report_order in reported:
			searched = by_id[report_order.amazon_order_id]
			try:
				expected = map_order(searched, settings)
			except (OrderNotReady, OrderSkipped):
				not_booked += 1
				continue
			try:
				built = to_order(
					report_order,
					marketplace_id,
					tax_exclusive=marketplace_id in TAX_EXCLUSIVE_MARKETPLACES,
					item_ids=item_ids,
					facilitator_items=facilitator,
				)
			except ReportOrderIncomplete as exc:
				kept_on_search.append(exc.reason)
				continue
			draft = map_order(built, settings)
			if expected.is_cancelled:
				assert draft.is_cancelled, report_order.amazon_order_id
				continue
			assert _money_rows(draft) == _money_rows(expected), report_order.amazon_order_id
			compared += 1
	assert compared > 350, (compared, kept_on_search)
	# The history (older than two weeks, shipped and charged) is nearly all read from the report; the
	# few it cannot stand for stay on searchOrders, each with its reason.
	assert len(kept_on_search) < 0.03 * compared, kept_on_search[:5]


def test_an_order_the_report_cannot_fill_stays_on_searchorders():
	header = "\t".join(COLUMNS)
	row = dict.fromkeys(COLUMNS, "")
	row.update({"amazon-order-id": "111-2", "purchase-date": "2026-01-02T10:00:00+00:00",
		"last-updated-date": "2026-01-03T10:00:00+00:00", "order-status": "Shipped", "sku": "MUG",
		"quantity": "1", "currency": "USD", "item-price": "10.00", "item-tax": "0.80"})  # fmt: skip
	text = header + "\n" + "\t".join(row[c] for c in COLUMNS) + "\n"
	(order,) = group_orders(parse_rows(text))
	with pytest.raises(ReportOrderIncomplete, match="no order item id for SKU MUG"):
		to_order(order, "ATVPDKIKX0DER", tax_exclusive=True, item_ids={})
	with pytest.raises(ReportOrderIncomplete, match="who collected the tax"):
		to_order(order, "ATVPDKIKX0DER", tax_exclusive=True, item_ids={("111-2", "MUG"): "9"})
	built = to_order(
		order, "ATVPDKIKX0DER", tax_exclusive=True, item_ids={("111-2", "MUG"): "9"}, facilitator_items={"9"}
	)
	assert built["orderItems"][0]["tax"]["taxCollections"][0]["model"] == "MARKETPLACE_FACILITATOR"
	assert render([]).startswith("amazon-order-id\t")
