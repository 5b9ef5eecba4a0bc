"""Small, precisely scriptable SP-API and LWA servers on 127.0.0.1, for the access layer's tests.

`FakeAmazon` answers LWA's token endpoint itself (issuing numbered fake access tokens and checking
the app's credentials) and answers SP-API paths from handlers a test registers, optionally after a
queue of scripted replies (a 429 storm, a 500, a slow reply). Every request is recorded. An
optional token bucket per path, on a clock the test controls, answers 429 like Amazon would when
a client does not pace itself.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

CLIENT_ID = "test-client-id"
CLIENT_SECRET = "test-client-secret"
REFRESH_TOKEN = "test-refresh-token"


class FakeClock:
	"""A monotonic clock that only moves when someone sleeps on it; records every sleep."""

	def __init__(self, start: float = 1000.0):
		self._now = start
		self._lock = threading.Lock()
		self.sleeps: list[float] = []

	def __call__(self) -> float:
		with self._lock:
			return self._now

	def sleep(self, seconds: float) -> None:
		with self._lock:
			self.sleeps.append(seconds)
			self._now += max(0.0, seconds)

	def advance(self, seconds: float) -> None:
		with self._lock:
			self._now += seconds


@dataclass
class Request:
	method: str
	path: str
	query: dict[str, list[str]]
	headers: dict[str, str]
	body: bytes

	def param(self, name: str) -> str | None:
		values = self.query.get(name)
		return values[0] if values else None

	def json(self):
		return json.loads(self.body or b"{}")

	def form(self) -> dict[str, str]:
		return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class Reply:
	status: int = 200
	body: object = None  # dict/list -> JSON, bytes -> as is, None -> empty
	headers: dict[str, str] = field(default_factory=dict)
	delay: float = 0.0  # real seconds to wait before answering (for timeouts)

	def encoded(self) -> tuple[bytes, dict[str, str]]:
		headers = dict(self.headers)
		if self.body is None:
			return b"", headers
		if isinstance(self.body, bytes):
			headers.setdefault("Content-Type", "application/octet-stream")
			return self.body, headers
		headers.setdefault("Content-Type", "application/json")
		return json.dumps(self.body).encode(), headers


def amazon_error(status: int, code: str, message: str, details: str = "", headers=None) -> Reply:
	error = {"code": code, "message": message}
	if details:
		error["details"] = details
	return Reply(status, {"errors": [error]}, headers or {})


class ServerBucket:
	"""Amazon's side of the rate limit: a token bucket on the test's clock."""

	def __init__(self, rate: float, burst: int, clock: Callable[[], float]):
		self.rate, self.burst, self.clock = rate, burst, clock
		self.tokens = float(burst)
		self.updated = clock()
		self.lock = threading.Lock()

	def take(self) -> bool:
		with self.lock:
			now = self.clock()
			self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
			self.updated = now
			# A hair of tolerance for float rounding: Amazon's edge is not that exact either.
			if self.tokens >= 1.0 - 1e-9:
				self.tokens -= 1.0
				return True
			return False


class FakeAmazon:
	def __init__(
		self,
		*,
		client_id: str = CLIENT_ID,
		client_secret: str = CLIENT_SECRET,
		refresh_tokens=(REFRESH_TOKEN,),
		expires_in: int = 3600,
	):
		self.client_id = client_id
		self.client_secret = client_secret
		self.refresh_tokens = set(refresh_tokens)
		self.expires_in = expires_in
		self.requests: list[Request] = []
		self.served: Counter[tuple[str, int]] = Counter()  # (path, status) -> count
		self.issued: dict[str, str] = {}  # access token -> refresh token it was issued for
		self.lwa_script: deque[Reply] = deque()
		self._handlers: dict[tuple[str, str], Callable[[Request], Reply]] = {}
		self._scripts: dict[tuple[str, str], deque[Reply]] = defaultdict(deque)
		self._buckets: dict[str, ServerBucket] = {}
		self._lock = threading.Lock()
		self._counter = 0
		self.check_tokens = True
		self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
		self._server.daemon_threads = True
		self._thread = threading.Thread(
			target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-amazon", daemon=True
		)

	# --- lifetime -------------------------------------------------------------------------------

	def start(self) -> FakeAmazon:
		self._thread.start()
		return self

	def stop(self) -> None:
		self._server.shutdown()
		self._server.server_close()

	def __enter__(self) -> FakeAmazon:
		return self.start()

	def __exit__(self, *exc) -> None:
		self.stop()

	@property
	def base_url(self) -> str:
		host, port = self._server.server_address[:2]
		return f"http://{host}:{port}"

	# --- scripting ------------------------------------------------------------------------------

	def route(self, method: str, path: str, handler: Callable[[Request], Reply] | Reply | dict) -> None:
		if isinstance(handler, Reply):
			reply = handler
			handler = lambda request: reply  # noqa: E731
		elif isinstance(handler, dict):
			body = handler
			handler = lambda request: Reply(200, body)  # noqa: E731
		self._handlers[(method.upper(), path)] = handler

	def script(self, method: str, path: str, *replies: Reply) -> None:
		"""Replies served (in order, once each) before the route's handler takes over."""
		self._scripts[(method.upper(), path)].extend(replies)

	def limit(self, path: str, rate: float, burst: int, clock: Callable[[], float]) -> None:
		self._buckets[path] = ServerBucket(rate, burst, clock)

	def revoke_access_tokens(self) -> None:
		"""Every access token issued so far stops working (as when one expires early)."""
		with self._lock:
			self.issued.clear()

	# --- inspection -----------------------------------------------------------------------------

	def requests_to(self, path: str, method: str | None = None) -> list[Request]:
		return [r for r in self.requests if r.path == path and (method is None or r.method == method.upper())]

	def count(self, path: str, status: int | None = None) -> int:
		return sum(n for (p, s), n in self.served.items() if p == path and (status is None or s == status))

	@property
	def token_requests(self) -> list[Request]:
		return self.requests_to("/auth/o2/token")

	# --- serving --------------------------------------------------------------------------------

	def _lwa(self, request: Request) -> Reply:
		if self.lwa_script:
			return self.lwa_script.popleft()
		form = request.form()
		if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
			return Reply(
				401, {"error": "invalid_client", "error_description": "Client authentication failed"}
			)
		if form.get("grant_type") != "refresh_token" or form.get("refresh_token") not in self.refresh_tokens:
			return Reply(
				400,
				{
					"error": "invalid_grant",
					"error_description": "The request has an invalid grant parameter : refresh_token",
				},
			)
		with self._lock:
			self._counter += 1
			token = f"test-access-token-{self._counter}"
			self.issued[token] = form["refresh_token"]
		return Reply(
			200,
			{
				"access_token": token,
				"token_type": "bearer",
				"expires_in": self.expires_in,
				"refresh_token": form["refresh_token"],
			},
		)

	def _answer(self, request: Request) -> Reply:
		if request.path == "/auth/o2/token":
			return self._lwa(request)
		key = (request.method, request.path)
		if self.check_tokens and not request.path.startswith("/_doc/"):
			token = request.headers.get("x-amz-access-token", "")
			with self._lock:
				known = token in self.issued or token.startswith("test-rdt-")
			if not known:
				return amazon_error(
					403,
					"Unauthorized",
					"Access to requested resource is denied.",
					"The access token you provided has expired.",
				)
		with self._lock:
			scripted = self._scripts[key].popleft() if self._scripts.get(key) else None
		if scripted is not None:
			return scripted
		bucket = self._buckets.get(request.path)
		if bucket is not None and not bucket.take():
			return amazon_error(429, "QuotaExceeded", "You exceeded your quota for the requested resource.")
		handler = self._handlers.get(key)
		if handler is None:
			return amazon_error(404, "NotFound", f"No route for {request.method} {request.path}")
		return handler(request)

	def _handler_class(self):
		fake = self

		class Handler(BaseHTTPRequestHandler):
			protocol_version = "HTTP/1.1"

			def setup(self):
				super().setup()
				# Headers and body go out in separate writes; without this, Nagle and delayed ACKs add
				# ~40 ms to every keep-alive request.
				self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

			def log_message(self, *args):  # keep test output clean
				pass

			def _handle(self):
				length = int(self.headers.get("Content-Length") or 0)
				body = self.rfile.read(length) if length else b""
				url = urlsplit(self.path)
				request = Request(
					self.command,
					url.path,
					parse_qs(url.query, keep_blank_values=True),
					{k.lower(): v for k, v in self.headers.items()},
					body,
				)
				with fake._lock:
					fake.requests.append(request)
				reply = fake._answer(request)
				with fake._lock:
					fake.served[(request.path, reply.status)] += 1
				if reply.delay:
					time.sleep(reply.delay)
				payload, headers = reply.encoded()
				try:
					self.send_response(reply.status)
					for name, value in headers.items():
						self.send_header(name, value)
					self.send_header("Content-Length", str(len(payload)))
					self.end_headers()
					self.wfile.write(payload)
				except (BrokenPipeError, ConnectionResetError):
					pass  # the client gave up waiting (a timeout test)

			do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

		return Handler


def closed_port_url() -> str:
	"""A loopback URL nobody listens on (bind a port, then release it)."""
	with socket.socket() as sock:
		sock.bind(("127.0.0.1", 0))
		port = sock.getsockname()[1]
	return f"http://127.0.0.1:{port}"


def account_for(fake: FakeAmazon, key: str = "test-account", **overrides):
	"""An AccountConfig that points at `fake` as a custom endpoint."""
	from amazon_connector.spapi.account import CUSTOM, AccountConfig

	values = {
		"key": key,
		"region": "NA",
		"client_id": fake.client_id,
		"client_secret": fake.client_secret,
		"refresh_token": REFRESH_TOKEN,
		"environment": CUSTOM,
		"endpoint_url": fake.base_url,
		"seller_id": "A1TESTSELLER",
	}
	values.update(overrides)
	return AccountConfig(**values)


def session_for(
	fake: FakeAmazon,
	*,
	clock: FakeClock | None = None,
	account=None,
	registry=None,
	cache=None,
	retry=None,
	timeout: float = 5.0,
):
	"""A session on `fake` with its own buckets and token cache (tests never share them by accident)
	and, given a FakeClock, that clock's time and sleep."""
	import random

	from amazon_connector.spapi.auth import TokenCache
	from amazon_connector.spapi.client import SpApiSession
	from amazon_connector.spapi.retry import RetryPolicy
	from amazon_connector.spapi.throttle import ThrottleRegistry

	clock = clock or FakeClock()
	return SpApiSession(
		account or account_for(fake),
		timeout=timeout,
		retry=retry or RetryPolicy(rng=random.Random(7)),
		clock=clock,
		sleep=clock.sleep,
		throttle=registry if registry is not None else ThrottleRegistry(),
		token_cache=cache if cache is not None else TokenCache(),
		token_clock=clock,
	)
