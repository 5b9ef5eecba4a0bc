"""Typed errors carry Amazon's code and message, and each turns into one plain sentence for the user."""

from __future__ import annotations

import pytest

from amazon_connector.spapi.errors import (
	AccessDeniedError,
	AuthError,
	DeadlineExceeded,
	InvalidInputError,
	NetworkError,
	NotFoundError,
	ReportFailed,
	ServerError,
	SpApiError,
	ThrottledError,
	redact,
	user_message,
)

CASES = [
	(
		AuthError("Client authentication failed", operation="lwaToken", status=401, code="invalid_client"),
		"client secret",
	),
	(AuthError("invalid grant", operation="lwaToken", status=400, code="invalid_grant"), "refresh token"),
	(AuthError("Not Found", operation="lwaToken", status=404, code=""), "HTTP 404"),
	(AccessDeniedError("Access to requested resource is denied.", status=403, code="Unauthorized"), "region"),
	(NetworkError("ConnectError", host="sellingpartnerapi-eu.amazon.com"), "sellingpartnerapi-eu.amazon.com"),
	(ThrottledError("quota", status=429, code="QuotaExceeded"), "try again"),
	(ServerError("oops", status=503, code="ServiceUnavailable"), "HTTP 503"),
	(DeadlineExceeded("slow"), "in time"),
	(ReportFailed("ended FATAL", report_id="R", processing_status="FATAL"), "FATAL"),
	(NotFoundError("Order 1 not found.", status=404, code="NotFound"), "(NotFound)"),
	(InvalidInputError("Invalid createdAfter.", status=400, code="InvalidInput"), "(InvalidInput)"),
	(SpApiError("Conflict", status=409, code="Conflict"), "409"),
	(RuntimeError("secret-ish internals"), "RuntimeError"),
]


@pytest.mark.parametrize(
	"error, phrase", CASES, ids=[type(e).__name__ + str(i) for i, (e, _) in enumerate(CASES)]
)
def test_user_message_is_one_plain_sentence(error, phrase):
	text = user_message(error)
	assert phrase in text
	assert text.endswith(".") and "\n" not in text
	assert ".." not in text
	assert text.count(". ") == 0  # one sentence


def test_a_replys_own_text_is_never_shown_to_the_user():
	"""A custom endpoint or a proxy could word its error as it likes (a link, markup, instructions)."""
	for error_type in (NotFoundError, InvalidInputError, SpApiError):
		error = error_type("Visit <a href='http://evil.example'>here</a> to re-enter your secret", status=400)
		error.code = "<script>alert(1)</script>"
		text = user_message(error)
		assert "evil" not in text and "<" not in text and "secret" not in text


def test_unexpected_errors_do_not_show_their_text():
	assert "internals" not in user_message(RuntimeError("secret-ish internals"))


def test_errors_carry_amazons_code_and_message():
	error = InvalidInputError(
		"Invalid Input", operation="searchOrders", status=400, code="InvalidInput", details="createdAfter"
	)
	assert (error.operation, error.status, error.code, error.message) == (
		"searchOrders",
		400,
		"InvalidInput",
		"Invalid Input",
	)
	assert str(error) == "searchOrders HTTP 400 InvalidInput: Invalid Input (createdAfter)"
	assert isinstance(AccessDeniedError("x"), AuthError)
	assert all(
		issubclass(t, SpApiError)
		for t in (
			AuthError,
			ThrottledError,
			ServerError,
			NotFoundError,
			InvalidInputError,
			DeadlineExceeded,
			NetworkError,
			ReportFailed,
		)
	)


def test_redact_hides_secrets_but_not_short_noise():
	assert (
		redact("token test-refresh-token here", ["test-refresh-token", "", "ab"]) == "token [redacted] here"
	)
