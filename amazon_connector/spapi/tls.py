"""One TLS context per process for the HTTP clients of SP-API sessions.

httpx loads the whole CA bundle into a new SSL context for every client it makes (about 60 ms of
CPU each), and a session makes five or more: its own, the one for presigned documents, the LWA token
client's and one per library API class. Every job (a notification drain every few minutes, a retry)
paid a third of a second for certificates before its first call. The context is httpx's own default
(certifi's bundle, or SSL_CERT_FILE / SSL_CERT_DIR), made once; an SSL context may serve many
connections and threads at once.
"""

from __future__ import annotations

import ssl
import threading

import httpx

_lock = threading.Lock()
_context: ssl.SSLContext | None = None


def tls_context() -> ssl.SSLContext:
	global _context
	with _lock:
		if _context is None:
			_context = httpx.create_ssl_context()
		return _context
