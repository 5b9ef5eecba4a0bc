"""Typed errors of the SP-API access layer, and the one sentence a user is shown for each.

Every error carries the operation it happened in, the HTTP status (None when no answer arrived),
Amazon's error code and Amazon's message. None of them ever carries a credential: the session
scrubs the account's secrets from anything Amazon or the network library says before it gets here.
"""

from __future__ import annotations

import re

from amazon_connector.spapi.account import RemoteEndpointRefused

REDACTED = "[redacted]"


class SpApiError(Exception):
	"""A call to Amazon (SP-API or its LWA token service) that did not succeed."""

	def __init__(
		self,
		message: str = "",
		*,
		operation: str | None = None,
		status: int | None = None,
		code: str = "",
		details: str = "",
	):
		self.operation = operation
		self.status = status
		self.code = code or ""
		self.message = message or ""
		self.details = details or ""
		super().__init__(self._describe())

	def _describe(self) -> str:
		parts = []
		if self.operation:
			parts.append(self.operation)
		if self.status is not None:
			parts.append(f"HTTP {self.status}")
		if self.code:
			parts.append(self.code)
		head = " ".join(parts)
		text = self.message
		if self.details and self.details not in text:
			text = f"{text} ({self.details})" if text else self.details
		return f"{head}: {text}" if head and text else head or text or type(self).__name__

	def __repr__(self) -> str:
		return f"{type(self).__name__}({self._describe()!r})"


class AuthError(SpApiError):
	"""Amazon does not accept the credentials: client id/secret wrong, refresh token revoked or invalid."""


class AccessDeniedError(AuthError):
	"""SP-API answered 403: the token is fine for LWA but not for this resource (region, role, seller)."""


class ThrottledError(SpApiError):
	"""Amazon kept answering 429 until the retries (or the deadline) ran out."""

	transient = True  # busy, not wrong: worth trying again later (core.engine.report.is_transient)


class ServerError(SpApiError):
	"""Amazon kept answering 5xx until the retries (or the deadline) ran out."""

	transient = True  # busy, not wrong: worth trying again later (core.engine.report.is_transient)


class NotFoundError(SpApiError):
	"""404: the order, item, report or document does not exist (for this seller)."""


class InvalidInputError(SpApiError):
	"""400: Amazon rejected the request's parameters."""


class DeadlineExceeded(SpApiError):
	"""The work did not finish within the time it was given."""


class NetworkError(SpApiError):
	"""No answer: connection refused or reset, DNS failure, TLS failure or a timeout, after retries."""

	def __init__(self, message: str = "", *, host: str = "", **kwargs):
		self.host = host or ""
		super().__init__(message, **kwargs)


class ReportFailed(SpApiError):
	"""A report ended CANCELLED or FATAL instead of DONE."""

	def __init__(self, message: str = "", *, report_id: str = "", processing_status: str = "", **kwargs):
		self.report_id = report_id
		self.processing_status = processing_status
		kwargs.setdefault("code", processing_status)
		super().__init__(message, **kwargs)


# LWA's OAuth error codes (https://datatracker.ietf.org/doc/html/rfc6749#section-5.2) that mean the
# app's credentials are wrong, versus those that mean the seller's authorization is.
LWA_CLIENT_ERRORS = ("invalid_client", "unauthorized_client")
LWA_GRANT_ERRORS = ("invalid_grant",)


def redact(text: str, secrets) -> str:
	"""`text` with every non-trivial secret replaced, so it can go into a message or a log."""
	if not text:
		return text
	for secret in secrets:
		if secret and len(secret) >= 4:
			text = text.replace(secret, REDACTED)
	return text


def _code_part(code: str) -> str:
	"""Amazon's error code as shown to a user: a word such as "InvalidInput", or nothing. The reply's
	free text is not shown: a custom endpoint, or a proxy in between, could make it say anything."""
	code = (code or "").strip()
	return code if re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]{0,63}", code) else ""


def user_message(exc: BaseException) -> str:
	"""One plain sentence for the person who pressed the button (Test Connection, Sync Now)."""
	if isinstance(exc, AccessDeniedError):
		return (
			"Amazon denied access: check that the account's region is the one where the seller sells "
			"and that the app is authorized for this seller with the roles it needs."
		)
	if isinstance(exc, AuthError):
		if exc.code in LWA_CLIENT_ERRORS:
			return "Amazon rejected the LWA client id or client secret: check both in the Amazon settings."
		if exc.code in LWA_GRANT_ERRORS:
			return (
				"Amazon says the refresh token was revoked or is not valid for this app: authorize the app "
				"again and enter the new refresh token."
			)
		if exc.status and exc.status >= 400 and not exc.code.startswith("invalid"):
			return (
				f"Amazon's login service answered unexpectedly (HTTP {exc.status}): check the environment "
				"and endpoint settings."
			)
		return "Amazon did not accept the account's credentials: check the client id, client secret and refresh token."
	if isinstance(exc, NetworkError):
		where = f" ({exc.host})" if exc.host else ""
		return f"Could not reach Amazon{where}: check this server's internet connection and try again."
	if isinstance(exc, ThrottledError):
		return "Amazon is limiting how fast this account may call it right now: try again in a few minutes."
	if isinstance(exc, ServerError):
		status = f" (HTTP {exc.status})" if exc.status else ""
		return f"Amazon's service is having trouble{status}: try again later."
	if isinstance(exc, DeadlineExceeded):
		return "Amazon did not finish in time: try again later."
	if isinstance(exc, ReportFailed):
		return f"Amazon could not produce the report (status {exc.processing_status or 'unknown'}): try again later."
	code = _code_part(getattr(exc, "code", ""))
	if isinstance(exc, NotFoundError):
		return (
			f"Amazon could not find what was asked for ({code or 'HTTP 404'}): see the sync log for details."
		)
	if isinstance(exc, InvalidInputError):
		return f"Amazon rejected the request ({code or 'HTTP 400'}): see the sync log for details."
	if isinstance(exc, SpApiError):
		status = f"HTTP {exc.status}" if exc.status else ""
		what = ", ".join(part for part in (status, code) if part) or "no details"
		return f"Amazon returned an error ({what}): see the sync log for details."
	if isinstance(exc, RemoteEndpointRefused):
		return (
			"The custom endpoint is not on this server, so the account's credentials were not sent: use a "
			"local address, or Production."
		)
	# Anything else is a bug on our side; its text may hold data we cannot vouch for, so name only its kind.
	return f"Unexpected error while talking to Amazon ({type(exc).__name__}): see the error log."
