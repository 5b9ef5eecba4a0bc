"""Poison values: whatever Amazon puts in one record (a 27-digit price, a quantity of "Infinity", a fee of
1e26, a list where a string belongs) fails that record alone, with a message naming it. Property-based:
hypothesis poisons one value of Amazon-shaped payloads (the simulator's, which validate against the
models) and the parsers must never let an exception escape the record."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amazon_connector.core.mapping.fees import map_financial_events
from amazon_connector.core.mapping.listings_report import parse_listings_report
from amazon_connector.core.mapping.orders import OrderMappingError, OrderSkipped, map_order
from amazon_connector.core.money import MAX_AMOUNT, MoneyError, parse_amount, parse_quantity, round_money
from amazon_connector.core.settings import SyncSettings
from amazon_connector.simulator import generator, ledger
from amazon_connector.simulator.operations import REPORT_COLUMNS

WORLD = generator.generate_world(seed=12, orders=40)
SETTINGS = SyncSettings(account_key="poison", after_date=date(2020, 1, 1))
EXAMPLES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Values seen in broken reports and overflowed fields, and plain wrong types.
ABSURD_NUMBERS = st.sampled_from(
	[
		"123456789012345678901234567",
		"1e26",
		"-1E+26",
		"Infinity",
		"-Infinity",
		"NaN",
		"sNaN",
		"9" * 40,
	]
)
POISON_TEXT = st.one_of(ABSURD_NUMBERS, st.just("1e-400"), st.text(max_size=30))
POISON = st.one_of(
	POISON_TEXT,
	st.none(),
	st.booleans(),
	st.integers(min_value=-(10**30), max_value=10**30),
	st.floats(allow_nan=True, allow_infinity=True),
	st.lists(st.integers(), max_size=2),
	st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
)


def leaf_paths(value, path=()):
	"""Every place in a JSON document a value can be swapped for another."""
	yield path
	if isinstance(value, dict):
		for key, inner in value.items():
			yield from leaf_paths(inner, (*path, key))
	elif isinstance(value, list):
		for index, inner in enumerate(value):
			yield from leaf_paths(inner, (*path, index))


def poisoned(document, path, value):
	if not path:
		return value
	copied = copy.deepcopy(document)
	target = copied
	for step in path[:-1]:
		target = target[step]
	target[path[-1]] = value
	return copied


# -- money and quantities ------------------------------------------------------------------------


@given(ABSURD_NUMBERS)
def test_absurd_amounts_and_quantities_are_refused_by_name(text):
	with pytest.raises(MoneyError) as raised:
		parse_amount(text, "USD")
	assert text in str(raised.value)
	with pytest.raises(MoneyError):
		parse_quantity(text)


@given(st.decimals(allow_nan=True, allow_infinity=True), st.sampled_from(["USD", "JPY", "BHD"]))
def test_rounding_either_gives_a_storable_amount_or_a_money_error(amount, currency):
	try:
		rounded = round_money(amount, currency)
	except MoneyError:
		return
	assert abs(rounded) < MAX_AMOUNT


def test_believable_quantities_read():
	assert [parse_quantity(v) for v in ("3", 3, "3.0", "0")] == [3, 3, 3, 0]


# -- listings report ------------------------------------------------------------------------------


def listings_tsv(rows: list[dict]) -> str:
	lines = ["\t".join(REPORT_COLUMNS)]
	lines += ["\t".join(str(row.get(column, "")) for column in REPORT_COLUMNS) for row in rows]
	return "\n".join(lines) + "\n"


US_ROWS = WORLD["listings"]["ATVPDKIKX0DER"][:12]


@EXAMPLES
@given(
	st.integers(min_value=0, max_value=len(US_ROWS) - 1),
	st.sampled_from(REPORT_COLUMNS),
	POISON_TEXT.filter(lambda t: not set(t) & set("\t\r\n\x00\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")),
)
def test_a_poisoned_listings_cell_costs_at_most_its_own_row(row_index, column, value):
	rows = copy.deepcopy(US_ROWS)
	rows[row_index][column] = value
	report = parse_listings_report(listings_tsv(rows), currency="USD", country="US")
	poisoned_sku = rows[row_index]["seller-sku"]
	others = {row["seller-sku"] for row in rows} - {poisoned_sku}
	assert others <= {row.sku for row in report.rows}
	for row in report.rows:
		assert row.price is None or 0 <= row.price < MAX_AMOUNT
		assert row.quantity is None or 0 <= row.quantity < 10**9


@EXAMPLES
@given(st.text(max_size=60))
def test_any_text_in_a_row_never_breaks_the_report(garbage):
	text = listings_tsv(US_ROWS[:3]) + garbage + "\n" + listings_tsv(US_ROWS[3:5]).split("\n", 1)[1]
	parse_listings_report(text, currency="USD", country="US")  # no exception


def test_the_reported_poison_rows_fail_or_drop_only_their_value():
	rows = copy.deepcopy(US_ROWS[:3])
	rows[0]["price"] = "123456789012345678901234567"
	rows[1]["quantity"] = "Infinity"
	report = parse_listings_report(listings_tsv(rows), currency="USD", country="US")
	assert [row.sku for row in report.rows] == [row["seller-sku"] for row in rows]
	assert report.rows[0].price is None and report.rows[1].quantity is None
	messages = [str(w) for w in report.warnings]
	assert any(rows[0]["seller-sku"] in m and "price" in m for m in messages)
	assert any(rows[1]["seller-sku"] in m and "quantity" in m for m in messages)


# -- fee events ------------------------------------------------------------------------------------

SHIPPED = [o for o in WORLD["orders"] if o["fulfillment"]["fulfillmentStatus"] == "SHIPPED"]
EVENTS = [e for e in (ledger.shipment_event(o, "2026-02-01T00:00:00Z") for o in SHIPPED[:8]) if e]


def fee_page(events):
	return {"ShipmentEventList": events}


def drafts_by_order(mapping):
	return {d.amazon_order_id: d for d in mapping.drafts}


CLEAN_FEES = drafts_by_order(map_financial_events(fee_page(EVENTS)))


@EXAMPLES
@given(st.data(), POISON)
def test_a_poisoned_fee_event_costs_at_most_its_own_event(data, value):
	index = data.draw(st.integers(min_value=0, max_value=len(EVENTS) - 1))
	path = data.draw(st.sampled_from(list(leaf_paths(EVENTS[index]))))
	events = list(EVENTS)
	events[index] = poisoned(EVENTS[index], path, value)
	mapping = map_financial_events(fee_page(events))  # never raises
	victim = EVENTS[index]["AmazonOrderId"]
	booked = drafts_by_order(mapping)
	for order_id, draft in CLEAN_FEES.items():
		if order_id != victim:
			assert booked[order_id] == draft
	for draft in mapping.drafts:
		assert all(abs(line.amount) < MAX_AMOUNT for line in draft.lines)


def test_a_fee_of_1e26_fails_its_event_by_name_and_the_others_are_booked():
	events = copy.deepcopy(EVENTS)
	fee = events[0]["ShipmentItemList"][0]["ItemFeeList"][0]
	fee["FeeAmount"]["CurrencyAmount"] = 1e26
	mapping = map_financial_events(fee_page(events))
	assert [e.amazon_id for e in mapping.errors] == [events[0]["AmazonOrderId"]]
	assert "1e+26" in mapping.errors[0].reason.lower()
	assert set(drafts_by_order(mapping)) == set(CLEAN_FEES) - {events[0]["AmazonOrderId"]}


# -- orders ----------------------------------------------------------------------------------------

PRICED = [o for o in WORLD["orders"] if o["fulfillment"]["fulfillmentStatus"] in ("SHIPPED", "UNSHIPPED")][
	:10
]


@EXAMPLES
@given(st.data(), POISON)
def test_a_poisoned_order_fails_with_an_error_naming_it(data, value):
	order = data.draw(st.sampled_from(PRICED))
	path = data.draw(st.sampled_from([p for p in leaf_paths(order) if p and p != ("orderId",)]))
	try:
		draft = map_order(poisoned(order, path, value), SETTINGS)
	except (OrderMappingError, OrderSkipped) as exc:
		assert order["orderId"] in str(exc)
		return
	assert abs(draft.grand_total) < MAX_AMOUNT
	assert all(0 < line.qty < 10**9 and abs(line.amount) < MAX_AMOUNT for line in draft.lines)


def test_an_order_line_of_1e26_fails_that_order():
	order = copy.deepcopy(PRICED[0])
	order["orderItems"][0]["product"]["price"]["unitPrice"]["amount"] = "1E+26"
	with pytest.raises(OrderMappingError) as raised:
		map_order(order, SETTINGS)
	assert order["orderId"] in str(raised.value)
	assert (
		Decimal(PRICED[0]["proceeds"]["grandTotal"]["amount"]) == map_order(PRICED[0], SETTINGS).grand_total
	)


def test_an_overflowed_quantity_ordered_fails_its_order_by_name():
	# Found by the property test above: a quantity past a billion was taken as units to sell.
	order = copy.deepcopy(PRICED[0])
	order["orderItems"][0]["quantityOrdered"] = 1_000_002_980
	with pytest.raises(OrderMappingError) as raised:
		map_order(order, SETTINGS)
	assert order["orderId"] in str(raised.value) and "1,000,002,980" in str(raised.value)
