"""One full stop at the end of a message made of other messages (`core.sentences.sentence`), and the
messages built with it: a reason that ends with its own full stop is not given a second one."""

from __future__ import annotations

from datetime import timedelta

from test_order_engine_windows import NOW, FakeAmazon, make_order, preview_with_items, sync

from amazon_connector.core.engine.pipeline import crashed_report
from amazon_connector.core.sentences import sentence
from amazon_connector.spapi.errors import NetworkError


def test_a_full_stop_is_added_only_when_missing():
	assert sentence("Amazon is unreachable") == "Amazon is unreachable."
	assert sentence("check the connection and try again.") == "check the connection and try again."
	assert sentence("try again.  ") == "try again."
	assert sentence("Is the token valid?") == "Is the token valid?"
	assert sentence("More follow ...") == "More follow ..."
	assert sentence("(HTTP 500)") == "(HTTP 500)."
	assert sentence("") == "" and sentence("  ") == ""


def test_a_stage_crash_ends_with_one_full_stop_whatever_its_reason_ends_with():
	class Sentence(Exception):
		user_facing = True  # failure_reason shows it as it is

	for exc, expected in (
		(
			Sentence("Amazon Settings ACME has no company."),
			"The orders sync stopped: Amazon Settings ACME has no company.",
		),
		(KeyError("x"), "The orders sync stopped: KeyError: 'x'."),
	):
		try:
			raise exc
		except Exception as raised:
			report = crashed_report("orders", "acct", raised)
		assert report.messages == [expected]


def test_an_order_window_amazon_could_not_answer_reads_without_a_doubled_full_stop():
	amazon = FakeAmazon([make_order(1, NOW - timedelta(days=3))])
	unreachable = NetworkError(
		"No answer from Amazon", operation="searchOrders", host="sellingpartnerapi-na.amazon.com"
	)

	def refuse(**_):
		raise unreachable

	amazon.search_orders = refuse
	report = sync(amazon, preview_with_items("SKU-1")).run()
	[note] = [m for m in report.messages if m.startswith("Reading orders")]
	assert "try again. The next run resumes with this window" in note, note
	assert "again.." not in note and "again. The next run" in note
