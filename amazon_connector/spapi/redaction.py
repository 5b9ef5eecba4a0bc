"""Scrubbing one account's secrets out of any text bound for a log, a message or a sync log.

The access layer already keeps secrets out of its own errors (`errors.redact`); this catches what
other code produced (a traceback, an ERPNext error quoting a request) before it is stored.
"""

from __future__ import annotations

from collections.abc import Iterable

from amazon_connector.spapi.account import AccountConfig
from amazon_connector.spapi.errors import redact


class Scrubber:
	"""Replaces the account's secrets in any text, whatever produced the text."""

	def __init__(self, secrets: Iterable[str]):
		# Longest first, so that a secret containing another is replaced whole.
		self.secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

	@classmethod
	def for_config(cls, config: AccountConfig) -> Scrubber:
		return cls([config.client_secret, config.refresh_token])

	def __call__(self, text: object) -> str:
		return redact("" if text is None else str(text), self.secrets)
