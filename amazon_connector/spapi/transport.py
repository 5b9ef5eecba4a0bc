"""The HTTP transport handed to python-amazon-sp-api's clients.

The library builds requests well (paths, query parameters, headers, access token) but loses what
the access layer needs from the answer: it keeps no status code, and a 429 without an `errors`
body comes back as an empty, successful-looking response. So the session gives every library
client this transport, which keeps the raw `httpx.Response` of the last request (per thread) and
turns every non-2xx answer into `HttpFailure` before the library can misread it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import httpx
from sp_api.base._transport_httpx import HttpxTransport


class HttpFailure(Exception):
	"""An answer outside 2xx; the session classifies it (retry, refresh the token, or a typed error)."""

	def __init__(self, response: httpx.Response):
		super().__init__(f"HTTP {response.status_code}")
		self.response = response


class RecordingTransport(HttpxTransport):
	def __init__(self, http: httpx.Client, *, on_send: Callable[[], None] | None = None):
		super().__init__(client=http)
		self._local = threading.local()
		self._on_send = on_send

	def request(self, method, url, *, params=None, data=None, content=None, headers=None):
		# The library sets Host to endpoint[8:], which is only right for https:// endpoints; httpx
		# derives the correct one from the URL, so a plain-HTTP simulator works too.
		headers = {name: value for name, value in (headers or {}).items() if name.lower() != "host"}
		self._local.response = None
		if self._on_send:
			self._on_send()
		response = self._client.request(
			method, url, params=params, data=data, content=content, headers=headers
		)
		self._local.response = response
		if not 200 <= response.status_code < 300:
			raise HttpFailure(response)
		return response

	def forget(self) -> None:
		self._local.response = None

	def last_response(self) -> httpx.Response | None:
		"""The raw answer to this thread's latest request."""
		return getattr(self._local, "response", None)
