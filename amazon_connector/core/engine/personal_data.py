"""Restricted Data Tokens for reading orders with buyer names and street addresses.

Amazon returns an order's personal data only to a call made with a Restricted Data Token (RDT) for
that resource, and issues RDTs only to apps with the restricted-data role. Without one, orders are
still imported with what Amazon gives everybody (city, state, postal code, country), so a refusal
is remembered for the run and reported once, never a failure.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from ...spapi.errors import AccessDeniedError
from ..sources import OrdersSource

log = logging.getLogger(__name__)

# Renew this long before Amazon's expiry (or in the last tenth of a shorter life), so that a page
# requested near the end never carries a dead token.
RENEW_BEFORE_SECONDS = 300.0


class PersonalDataToken:
	"""One RDT for searchOrders, renewed before it expires; per-order RDTs for reads by order id.

	The source's `create_orders_rdt(order_id)` returns Amazon's createRestrictedDataToken body.
	`expiresIn` is in real seconds (as for LWA access tokens), so expiry is measured on a real clock."""

	def __init__(self, source: OrdersSource, clock: Callable[[], float] = time.monotonic):
		self.source = source
		self._clock = clock
		self._token: str | None = None
		self._expires_at = 0.0
		self.refusal: str | None = None  # why Amazon would not issue a token, once it has said so

	def token(self) -> str | None:
		"""The searchOrders token, or None when Amazon refuses personal data to this app."""
		now = self._clock()
		if self._token and now < self._expires_at:
			return self._token
		body = self._issue(None)
		if body is None:
			return None
		self._token = body["restrictedDataToken"]
		lifetime = float(body.get("expiresIn") or 3600)
		self._expires_at = now + lifetime - min(RENEW_BEFORE_SECONDS, lifetime / 10)
		return self._token

	def for_order(self, order_id: str) -> str | None:
		"""A token for reading one order by id (an RDT covers only the resource it names)."""
		body = self._issue(order_id)
		return body["restrictedDataToken"] if body else None

	def _issue(self, order_id: str | None) -> dict | None:
		if self.refusal:
			return None
		try:
			return self.source.create_orders_rdt(order_id)
		except AccessDeniedError as exc:  # no restricted-data role: read without PII from now on
			self.refusal = f"{type(exc).__name__}: {exc}"
			log.info("no restricted data token: %s", self.refusal)
			return None
		except Exception as exc:  # a bad login, Amazon unreachable: not the role's fault, ask again later
			# The orders call that follows meets the same trouble and reports it as what it is; the
			# log must not blame the restricted-data role for a bad refresh token.
			log.info("no restricted data token this time: %s: %s", type(exc).__name__, exc)
			return None
