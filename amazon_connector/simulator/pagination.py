"""Opaque pagination tokens: what a caller must send back, signed against tampering by a per-run key."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from .http_types import invalid


class Tokens:
	def __init__(self, key: bytes):
		self._key = key

	def issue(self, state: dict) -> str:
		body = json.dumps(state, separators=(",", ":"), sort_keys=True).encode()
		mac = hmac.new(self._key, body, hashlib.sha256).digest()[:12]
		return base64.urlsafe_b64encode(mac + body).decode().rstrip("=")

	def read(self, token: str, name: str) -> dict:
		try:
			raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
			mac, body = raw[:12], raw[12:]
			if not hmac.compare_digest(mac, hmac.new(self._key, body, hashlib.sha256).digest()[:12]):
				raise ValueError
			return json.loads(body)
		except (ValueError, json.JSONDecodeError):
			raise invalid(
				f"Invalid {name}.", f"The {name} is malformed or was not issued by this service."
			) from None


def signature(values: dict) -> str:
	"""A short digest of the filter values that must repeat with a pagination token."""
	text = json.dumps(values, sort_keys=True, separators=(",", ":"))
	return hashlib.sha256(text.encode()).hexdigest()[:16]
