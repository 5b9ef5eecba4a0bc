"""Per-day chart series: every day of the span on the axis, zeros filled, groups in a stable order."""

from __future__ import annotations

from datetime import date

from amazon_connector.core.daily_series import days_between, series_per_day, totals_per_group

D1, D2, D3 = date(2026, 2, 27), date(2026, 2, 28), date(2026, 3, 1)


def test_every_day_of_the_span_is_on_the_axis_with_zeros_where_nothing_happened():
	chart = series_per_day([(D1, "Amazon.com", 2), (D3, "Amazon.com", 5)], D1, D3)
	assert chart["labels"] == ["2026-02-27", "2026-02-28", "2026-03-01"]
	assert chart["datasets"] == [{"name": "Amazon.com", "values": [2.0, 0.0, 5.0]}]


def test_rows_of_one_group_and_day_add_up_and_money_is_kept_to_the_cent():
	rows = [(D2, "Amazon.de", 10.105), (D2, "Amazon.de", 0.2), (D2, "Amazon.co.uk", 3)]
	chart = series_per_day(rows, D2, D2)
	assert chart["datasets"] == [
		{"name": "Amazon.de", "values": [10.31]},
		{"name": "Amazon.co.uk", "values": [3.0]},
	]


def test_groups_are_ordered_by_their_total_then_by_name():
	rows = [(D1, "B", 1), (D2, "B", 1), (D1, "A", 2), (D3, "C", 5)]
	names = [d["name"] for d in series_per_day(rows, D1, D3)["datasets"]]
	assert names == ["C", "A", "B"]


def test_rows_outside_the_span_are_left_out():
	chart = series_per_day([(date(2026, 2, 26), "X", 9), (D1, "Y", 1)], D1, D2)
	assert [d["name"] for d in chart["datasets"]] == ["Y"]
	assert chart["datasets"][0]["values"] == [1.0, 0.0]


def test_a_missing_value_counts_as_zero_and_an_empty_span_has_no_days():
	assert series_per_day([(D1, "X", None)], D1, D1)["datasets"] == [{"name": "X", "values": [0.0]}]
	assert days_between(D2, D1) == []
	assert series_per_day([], D1, D2) == {"labels": ["2026-02-27", "2026-02-28"], "datasets": []}


def test_totals_give_one_bar_per_group_in_the_per_day_order():
	rows = [
		(D1, "Amazon.com", 10.10),
		(D2, "Amazon.com", 0.2),
		(D1, "Amazon.ca", 30),
		(D3, "Amazon.ca", 0.01),
	]
	chart = series_per_day(rows, D1, D3)
	assert totals_per_group(chart, "Sales") == {
		"labels": ["Amazon.ca", "Amazon.com"],
		"datasets": [{"name": "Sales", "values": [30.01, 10.3]}],
	}
	assert totals_per_group(series_per_day([], D1, D3), "Orders") == {
		"labels": [],
		"datasets": [{"name": "Orders", "values": []}],
	}
