"""The percent the Amazon Settings form's progress dialog is given (runner/realtime.FormPublisher)."""

from __future__ import annotations

from amazon_connector.core.progress import MIN_PERCENT, UNKNOWN_TOTAL_CEILING, shown_percent


def test_nothing_done_yet_still_shows_a_bar():
	# The desk opens no dialog for 0: a first window read for minutes would show no progress at all.
	assert shown_percent(0, 9) == MIN_PERCENT > 0
	assert shown_percent(0, None) == MIN_PERCENT


def test_a_known_total_gives_the_share_done():
	assert shown_percent(3, 12) == 25.0
	assert shown_percent(12, 12) == 100.0
	assert shown_percent(14, 12) == 100.0  # an estimated total overtaken stays at the end


def test_an_unknown_total_grows_with_the_records_and_never_reaches_the_end():
	values = [shown_percent(n, None) for n in (1, 10, 100, 1000, 10**6)]
	assert values == sorted(values) and values[2] == 50.0
	assert all(v <= UNKNOWN_TOTAL_CEILING for v in values) and values[-1] == UNKNOWN_TOTAL_CEILING
