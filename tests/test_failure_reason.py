"""What the sync log says about a failed record: an error written for the user as it is, anything else
by its kind and text."""

from __future__ import annotations

from amazon_connector.core.engine.report import SyncReport, failure_reason, plain_text, run_isolated
from amazon_connector.core.preview import PreviewErp


class Explained(Exception):
	user_facing = True


def test_an_error_written_for_the_user_is_shown_without_its_class_name():
	reason = failure_reason(Explained("Amazon order 111-1: the warehouse Stores does not hold the stock"))
	assert reason == "Amazon order 111-1: the warehouse Stores does not hold the stock"


def test_any_other_error_keeps_its_kind_so_a_programming_error_is_recognisable():
	assert failure_reason(KeyError("sku")) == "KeyError: 'sku'"
	# An empty message would leave nothing to read: the kind is kept then too.
	assert failure_reason(Explained()) == "Explained: "


class ValidationError(Exception):
	"""Stands for an ERP's own validation error, whose message is written for a dialog."""


def test_the_markup_of_a_message_written_for_a_dialog_is_not_shown_as_text():
	message = (
		'Valuation Rate for the Item <a href="http://site:8000/app/item/AC-NOTE-0015">AC-NOTE-0015</a>, is '
		"required for Sales Invoice ACC-SINV-1.<br><br>Here are the options:<li>If the item is a sample, "
		"tick it</li><li>Else set a rate &amp; retry</li>"
	)
	reason = failure_reason(ValidationError(message))
	assert reason == (
		"ValidationError: Valuation Rate for the Item AC-NOTE-0015, is required for Sales Invoice ACC-SINV-1. "
		"Here are the options: If the item is a sample, tick it Else set a rate & retry"
	)
	assert failure_reason(Explained("Stock <b>low</b>")) == "Stock low"


def test_text_without_markup_is_left_as_it_is():
	for text in ("amount <= 0 and > 5", "a  b\n c", "Item SKU<1> costs 2 < 3"):
		assert plain_text(text) == text


def test_a_failed_record_is_logged_with_that_reason_and_the_others_go_on():
	report = SyncReport(kind="orders", account="Acme")
	state = PreviewErp()

	def fail():
		raise Explained("Amazon order 111-2 names no marketplace.")

	assert run_isolated(report, state, "order", "111-2", fail) is None
	assert run_isolated(report, state, "order", "111-3", lambda: None) is None
	[failure] = report.failures
	assert (failure.record_kind, failure.amazon_id, failure.reason) == (
		"order",
		"111-2",
		"Amazon order 111-2 names no marketplace.",
	)
	assert "Explained" in failure.detail  # the traceback keeps the kind for whoever debugs it
