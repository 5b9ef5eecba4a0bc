"""One account's way into SP-API: python-amazon-sp-api clients, paced, retried and typed.

`SpApiSession` builds the library's clients for the account's endpoint (region, Amazon's sandbox
or a custom endpoint such as the simulator) with LWA following the same choice, and runs every
call through the same loop: wait for a token of the (account, operation) bucket, send, classify
the answer, and retry what is worth retrying with capped, jittered exponential backoff inside a
deadline. What comes back is Amazon's JSON body as it was sent (`Response.body`).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypedDict
from urllib.parse import urlsplit

import httpx
from sp_api.base.credential_provider import FromCodeCredentialProvider
from sp_api.base.exceptions import SellingApiException
from sp_api.base.marketplaces import Marketplaces

from amazon_connector.spapi.account import AccountConfig
from amazon_connector.spapi.auth import (
	DEFAULT_TOKEN_CACHE,
	LWA_OPERATION,
	NOTIFICATIONS_SCOPE,
	LwaTokenClient,
	RetryableFailure,
	TokenCache,
)
from amazon_connector.spapi.errors import (
	AccessDeniedError,
	AuthError,
	InvalidInputError,
	NetworkError,
	NotFoundError,
	ServerError,
	SpApiError,
	ThrottledError,
	redact,
)
from amazon_connector.spapi.retry import RETRYABLE_STATUSES, RetryPolicy, parse_retry_after
from amazon_connector.spapi.throttle import DEFAULT_REGISTRY, ThrottleRegistry, parse_rate_limit
from amazon_connector.spapi.tls import tls_context
from amazon_connector.spapi.transport import HttpFailure, RecordingTransport
from amazon_connector.spapi.usage_plans import plan_for

# The library insists on a marketplace to pick an endpoint from; the session then sets the
# endpoint itself, so any marketplace of the region will do.
_REGION_MARKETPLACE = {"NA": Marketplaces.US, "EU": Marketplaces.DE, "FE": Marketplaces.JP}

# Errors Amazon gives for an access token it no longer accepts (expired, or revoked meanwhile).
_TOKEN_STATUSES = (401, 403)


@dataclass
class Response:
	"""One successful SP-API answer: the JSON body exactly as Amazon sent it, and its headers."""

	operation: str
	status: int
	headers: httpx.Headers
	body: Any

	@property
	def rate_limit(self) -> float | None:
		return parse_rate_limit(self.headers.get("x-amzn-RateLimit-Limit"))


@dataclass
class Download:
	"""A document fetched from a presigned URL."""

	status: int
	headers: httpx.Headers
	content: bytes


class SpApiSession:
	"""Calls SP-API as one account. Safe to share between threads; close it (or use `with`)."""

	def __init__(
		self,
		account: AccountConfig,
		*,
		timeout: float = 30.0,
		retry: RetryPolicy | None = None,
		clock: Callable[[], float] = time.monotonic,
		sleep: Callable[[float], None] = time.sleep,
		throttle: ThrottleRegistry | None = None,
		token_cache: TokenCache | None = None,
		token_clock: Callable[[], float] = time.monotonic,
		on_call: Callable[[str], None] | None = None,
	):
		"""on_call(operation) is told of each HTTP call made, in order (the benchmark replays them
		against the usage plans)."""
		if not timeout or timeout <= 0:
			raise ValueError("SP-API calls need a positive timeout")
		self.account = account
		self.timeout = float(timeout)
		self.retry = retry or RetryPolicy()
		self.clock = clock
		self.sleep = sleep
		self._throttle = throttle if throttle is not None else DEFAULT_REGISTRY
		# Off only for a simulator whose limits are off (benchmarks); Amazon itself always limits.
		self.throttle_enabled = True
		# Buckets are per account (or seller, see the registry) and endpoint: a sandbox or a simulator
		# never spends production quota.
		self._throttle_key = self._throttle.key_for(account)
		self._lock = threading.Lock()
		self._local = threading.local()
		self._calls: Counter[str] = Counter()
		self._on_call = on_call
		self._retries: Counter[str] = Counter()
		self._throttled: Counter[str] = Counter()
		self._token_requests = 0
		# Amazon's last refusal of the credentials (LWA or a 403 after a fresh token): a run that got
		# nothing done and saw one is an account failure, which the runner backs off from.
		self.refusal: AuthError | None = None
		# Why Amazon could not be asked at all, as of the last SP-API call: no answer after the retries
		# (connection refused, DNS, timeouts, for the API or its login service) or the credentials
		# refused by the login service; None once a call is answered. The pipeline does not run the
		# stages after one that failed so (`outage`).
		self._outage: SpApiError | None = None
		self._throttle_wait = 0.0
		self._backoff_wait = 0.0
		self._tokens = LwaTokenClient(
			account,
			cache=token_cache if token_cache is not None else DEFAULT_TOKEN_CACHE,
			timeout=self.timeout,
			# Token lifetimes are wall-clock seconds (the simulator reports them so under any time
			# scale), while `clock` may run in a simulator's faster seconds for pacing.
			clock=token_clock,
			on_request=self._count_token_request,
		)
		self._http = httpx.Client(timeout=self.timeout, verify=tls_context())
		# Presigned document URLs get a client of their own, which never carries the API's headers;
		# made once, since a client per download spends long on its TLS set-up and a URL lives minutes.
		self._downloads = httpx.Client(timeout=self.timeout, follow_redirects=True, verify=tls_context())
		self._transport = RecordingTransport(self._http, on_send=self._count_call)
		self._clients: dict[type, Any] = {}
		self._closed = False

	def __repr__(self) -> str:
		return f"SpApiSession(account={self.account.key!r}, endpoint={self.account.api_endpoint!r})"

	# --- library clients ------------------------------------------------------------------------

	def client(self, api: type, *, restricted_data_token: str | None = None):
		"""The python-amazon-sp-api client of class `api` for this account (cached per class)."""
		if restricted_data_token:
			return self._build_client(api, restricted_data_token)
		with self._lock:
			if self._closed:
				raise RuntimeError("This SP-API session is closed")
			client = self._clients.get(api)
			if client is None:
				client = self._clients[api] = self._build_client(api, None)
			return client

	def _build_client(self, api: type, restricted_data_token: str | None):
		account = self.account
		marketplace = _REGION_MARKETPLACE[account.region]
		client = api(
			marketplace=marketplace,
			refresh_token=account.refresh_token,
			credentials={
				"lwa_app_id": account.client_id,
				"lwa_client_secret": account.client_secret,
				"refresh_token": account.refresh_token,
			},
			# Only what we pass: no environment variables, config files or cloud secrets.
			credential_providers=(FromCodeCredentialProvider,),
			restricted_data_token=restricted_data_token,
			timeout=self.timeout,
			auth_token_client_class=lambda **_ignored: self._tokens,
			# The client's own transport is replaced below; made with the shared context, its
			# construction loads no certificates.
			verify=tls_context(),
		)
		# The library picks endpoint and marketplace from SP_API_DEFAULT_MARKETPLACE when set, even over an
		# explicit argument; the account decides here, not the environment.
		client.endpoint = account.api_endpoint
		client.marketplace_id = marketplace.marketplace_id
		client.region = marketplace.region
		client._transport.close()
		client._transport = self._transport
		return client

	# --- calls ----------------------------------------------------------------------------------

	def call(
		self,
		operation: str,
		api: type,
		method: str,
		*args,
		restricted_data_token: str | None = None,
		grantless: bool = False,
		**kwargs,
	) -> Response:
		"""Call `api().<method>(*args, **kwargs)` of the library as `operation`, paced and retried.

		`grantless`: the operation is one of the app's own (the Notifications API's destinations), called
		with a client_credentials token of the notifications scope instead of the seller's."""

		# An RDT is a secret like the access token it stands in for.
		extra_secrets = (restricted_data_token,) if restricted_data_token else ()

		def attempt() -> Response:
			client = self.client(api, restricted_data_token=restricted_data_token)
			self._transport.forget()
			try:
				getattr(client, method)(*args, **dict(kwargs))
			except HttpFailure as failure:
				raise self._classify(operation, failure.response, extra_secrets=extra_secrets) from None
			except httpx.TransportError as exc:
				raise self._network_failure(operation, exc, extra_secrets=extra_secrets) from None
			except SellingApiException as exc:
				# A 2xx whose body still lists errors: Amazon refused the request after all.
				response = self._transport.last_response()
				if response is None:
					raise SpApiError(
						redact(str(exc), self._secrets(extra_secrets)), operation=operation
					) from None
				raise self._classify(operation, response, forced=True, extra_secrets=extra_secrets) from None
			except (IndexError, KeyError, TypeError, AttributeError):
				# The library's post-processing tripped over a body it did not expect; the answer itself
				# arrived fine and is read from the raw response below. Anything before sending is a bug.
				if self._transport.last_response() is None:
					raise
			answered = self._transport.last_response()
			if answered is None:
				# Nothing arrived and the library raised nothing: that is no answer to hand back.
				raise SpApiError("Amazon sent no answer", operation=operation)
			return Response(operation, answered.status_code, answered.headers, _json_body(answered))

		prepare: Callable[[], Any] | None = None if restricted_data_token else self._tokens.get_auth
		if grantless:
			prepare = lambda: self._tokens.get_grantless_auth(NOTIFICATIONS_SCOPE)  # noqa: E731
		return self._run(
			operation,
			attempt,
			tells_outage=True,
			paced=True,
			refresh_token_on_denial=not restricted_data_token,
			prepare=prepare,
			grantless_scope=NOTIFICATIONS_SCOPE if grantless else None,
		)

	def download(self, url: str, *, operation: str = "downloadDocument") -> Download:
		"""GET a presigned document URL with the download client (never sending our access token),
		retrying network trouble and 5xx like any call."""

		def attempt() -> Download:
			self._count_call()
			try:
				response = self._downloads.get(url)
			except httpx.TransportError as exc:
				raise self._network_failure(operation, exc, url=url) from None
			if not 200 <= response.status_code < 300:
				raise self._classify(operation, response)
			return Download(response.status_code, response.headers, response.content)

		return self._run(operation, attempt, paced=False, refresh_token_on_denial=False)

	def upload(
		self, url: str, content: bytes, content_type: str, *, operation: str = "uploadDocument"
	) -> None:
		"""PUT a document to a presigned URL (a feed's contents) with a fresh HTTP client, never sending
		our access token; network trouble and 5xx are retried like any call."""

		def attempt() -> None:
			self._count_call()
			try:
				with httpx.Client(timeout=self.timeout, verify=tls_context()) as http:
					response = http.put(url, content=content, headers={"Content-Type": content_type})
			except httpx.TransportError as exc:
				raise self._network_failure(operation, exc, url=url) from None
			if not 200 <= response.status_code < 300:
				raise self._classify(operation, response)

		self._run(operation, attempt, paced=False, refresh_token_on_denial=False)

	def outage(self) -> SpApiError | None:
		"""Why the last SP-API call got nothing from Amazon: no answer (NetworkError) or the login
		service refusing the credentials (AuthError, not a 403 of one API); None after an answer."""
		return self._outage

	def _run(self, operation: str, attempt: Callable[[], Any], *, tells_outage: bool = False, **how):
		"""`_run_retried`, remembering Amazon's refusal of the credentials (`refusal`) and, for SP-API
		calls (`tells_outage`; a document's own storage host says nothing of Amazon's API), whether
		Amazon could be asked at all (`outage`)."""
		try:
			result = self._run_retried(operation, attempt, **how)
		except AuthError as refused:
			self.refusal = refused
			if tells_outage:
				# A 403 refuses one API (a role the app lacks); the login service's refusal, every call.
				self._outage = None if isinstance(refused, AccessDeniedError) else refused
			raise
		except NetworkError as unanswered:
			if tells_outage:
				self._outage = unanswered
			raise
		except SpApiError:
			if tells_outage:
				self._outage = None  # Amazon answered, if only with an error
			raise
		if tells_outage:
			self._outage = None
		return result

	def _run_retried(
		self,
		operation: str,
		attempt: Callable[[], Any],
		*,
		paced: bool,
		refresh_token_on_denial: bool,
		prepare: Callable[[], Any] | None = None,
		grantless_scope: str | None = None,
	):
		self._local.operation = operation
		policy = self.retry
		paced = paced and self.throttle_enabled
		bucket = self._throttle.bucket(self._throttle_key, operation, clock=self.clock) if paced else None
		# Seconds this call has waited to be retried (backing off, and for its bucket after a failure). The
		# deadline bounds these waits, not the requests' own time: that is bounded by the timeout and the
		# attempts, and on a simulator's scaled clock a slow machine would make it look like hours.
		waited = 0.0
		# Fixed per call: a rate Amazon reports mid-call does not move the goal posts of this call.
		deadline = policy.deadline_for(bucket.rate if bucket is not None else plan_for(operation).rate)
		last_error: SpApiError | None = None
		refreshed = False
		attempts = 0
		while True:
			attempts += 1
			try:
				if prepare is not None:
					# Fetch the access token before taking a bucket token, so a slow LWA answer does not
					# make the reserved slot go by unused.
					prepare()
				if bucket is not None:
					wait = bucket.reserve()
					if wait > 0:
						if last_error is not None and waited + wait > deadline:
							bucket.refund()
							raise self._exhausted(last_error, attempts - 1, deadline)
						self._wait_for_token(wait)
						if last_error is not None:  # the deadline bounds retrying, not the first wait in line
							waited += wait
				try:
					result = attempt()
				finally:
					if bucket is not None:
						bucket.settle()
			except _TokenRejected as rejected:
				if refresh_token_on_denial and not refreshed:
					# An access token can expire or be revoked before our cache says so: fetch a new one once.
					refreshed = True
					self._tokens.invalidate(rejected.access_token, grantless_scope=grantless_scope)
					self._count_retry(operation)
					continue
				raise rejected.error from None
			except RetryableFailure as failure:
				last_error = failure.error
				self._learn(bucket, failure)
				if attempts >= policy.max_attempts:
					raise self._exhausted(failure.error, attempts) from None
				delay = policy.delay(attempts, failure.retry_after)
				# Count the wait for a bucket token too: no point backing off for a retry the deadline forbids.
				token_wait = max(0.0, bucket.expected_wait() - delay) if bucket is not None else 0.0
				if waited + delay + token_wait > deadline:
					raise self._exhausted(failure.error, attempts, deadline) from None
				self._count_retry(operation)
				self._backoff(delay)
				waited += delay
				continue
			if bucket is not None and isinstance(result, Response) and result.rate_limit:
				bucket.set_rate(result.rate_limit)
			return result

	# --- classification -------------------------------------------------------------------------

	def _secrets(self, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
		return self._tokens.secrets() + tuple(extra)

	def _classify(
		self,
		operation: str,
		response: httpx.Response,
		*,
		forced: bool = False,
		extra_secrets: tuple[str, ...] = (),
	) -> Exception:
		status = response.status_code
		code, message, details = _amazon_error(response)
		secrets = self._secrets(extra_secrets)
		message, details = redact(message, secrets), redact(details, secrets)
		fields = _ErrorFields(operation=operation, status=status, code=code, details=details)
		if status in RETRYABLE_STATUSES:
			retry_after = parse_retry_after(response.headers.get("Retry-After"))
			rate = parse_rate_limit(response.headers.get("x-amzn-RateLimit-Limit"))
			if status == 429:
				return RetryableFailure(
					ThrottledError(message or "Request throttled", **fields),
					retry_after=retry_after,
					throttled=True,
					rate_limit=rate,
				)
			return RetryableFailure(
				ServerError(message or "Server error", **fields), retry_after=retry_after, rate_limit=rate
			)
		if status in _TOKEN_STATUSES:
			sent = response.request.headers.get("x-amz-access-token") if response.request else None
			return _TokenRejected(AccessDeniedError(message or "Access denied", **fields), sent)
		if status == 400:
			return InvalidInputError(message or "Invalid input", **fields)
		if status == 404:
			return NotFoundError(message or "Not found", **fields)
		if forced:
			return SpApiError(message or "Amazon reported an error", **fields)
		return SpApiError(message or f"Unexpected answer (HTTP {status})", **fields)

	def _network_failure(
		self,
		operation: str,
		exc: httpx.TransportError,
		*,
		url: str | None = None,
		extra_secrets: tuple[str, ...] = (),
	) -> Exception:
		host = urlsplit(url or self.account.api_endpoint).hostname or ""
		message = redact(f"No answer from Amazon: {type(exc).__name__}: {exc}", self._secrets(extra_secrets))
		error = NetworkError(message, operation=operation, host=host)
		if isinstance(exc, httpx.UnsupportedProtocol):
			return error  # a malformed endpoint will not get better by asking again
		return RetryableFailure(error)

	def _learn(self, bucket, failure: RetryableFailure) -> None:
		# LWA's throttling says nothing about the operation's quota, so its bucket stays as it is.
		if bucket is None or failure.error.operation == LWA_OPERATION:
			return
		if failure.rate_limit:
			bucket.set_rate(failure.rate_limit)
		if failure.throttled:
			self._throttled[self._local.operation] += 1
			bucket.drain(failure.retry_after or 0.0)

	def _exhausted(self, error: SpApiError, attempts: int, deadline: float | None = None) -> SpApiError:
		"""The last error of a call given up, saying why: attempts used up, or the deadline (in s) reached."""
		note = f"gave up after {attempts} attempt{'s' if attempts != 1 else ''}"
		if deadline is not None:
			note += f" (retry deadline of {deadline:.0f} s)"
		error.details = f"{error.details}; {note}" if error.details else note
		error.args = (error._describe(),)
		return error

	# --- waiting and counting -------------------------------------------------------------------

	def _wait_for_token(self, seconds: float) -> None:
		with self._lock:
			self._throttle_wait += seconds
		operation = getattr(self._local, "operation", None)
		fillers = getattr(self._local, "fillers", None)
		work = fillers.get(operation) if fillers else None
		if operation is not None and work is not None and not getattr(self._local, "filling", False):
			seconds = self._fill(operation, work, self.clock() + seconds)
		self.sleep(seconds)

	@contextmanager
	def filling_waits(self, operation: str, work: Iterator[object]):
		"""While this block runs, a wait of this thread for a token of `operation` is spent on `work`:
		one step of it (next(work), which makes calls of other operations) at a time until the token is
		due or the work is done. The waits of the work's own calls are slept as usual."""
		fillers = getattr(self._local, "fillers", None)
		if fillers is None:
			fillers = self._local.fillers = {}
		fillers[operation] = work
		try:
			yield
		finally:
			fillers.pop(operation, None)

	def _fill(self, operation: str, work: Iterator[object], due: float) -> float:
		"""Steps of `work` until `due` (on the session's clock); the seconds left to wait."""
		self._local.filling = True
		try:
			while self.clock() < due:
				try:
					next(work)
				except StopIteration:
					self._local.fillers.pop(operation, None)
					break
		finally:
			self._local.filling = False
			self._local.operation = operation  # the work's calls named theirs
		return max(0.0, due - self.clock())

	def _backoff(self, seconds: float) -> None:
		with self._lock:
			self._backoff_wait += seconds
		if seconds > 0:
			self.sleep(seconds)

	def _count_call(self) -> None:
		operation = getattr(self._local, "operation", "unknown")
		with self._lock:
			self._calls[operation] += 1
		if self._on_call is not None:
			self._on_call(operation)

	def _count_retry(self, operation: str) -> None:
		with self._lock:
			self._retries[operation] += 1

	def _count_token_request(self) -> None:
		with self._lock:
			self._token_requests += 1

	def stats(self) -> dict:
		"""Real HTTP calls and retries per operation, and the seconds spent waiting for tokens."""
		with self._lock:
			return {
				"calls": dict(self._calls),
				"throttle_wait_seconds": self._throttle_wait,
				"retries": dict(self._retries),
				"throttled": dict(self._throttled),
				"backoff_wait_seconds": self._backoff_wait,
				"token_requests": self._token_requests,
			}

	# --- lifetime -------------------------------------------------------------------------------

	def close(self) -> None:
		with self._lock:
			self._closed = True
			self._clients.clear()
		self._http.close()
		self._downloads.close()
		self._tokens.close()

	def __enter__(self) -> SpApiSession:
		return self

	def __exit__(self, *exc_info) -> None:
		self.close()


class _TokenRejected(Exception):
	"""401/403: maybe the access token went stale; the session refreshes it once before giving up."""

	def __init__(self, error: SpApiError, access_token: str | None):
		super().__init__(str(error))
		self.error = error
		self.access_token = access_token


def _json_body(response: httpx.Response):
	if not response.content:
		return {}
	try:
		return response.json()
	except ValueError:
		return {}


class _ErrorFields(TypedDict):
	"""The keyword arguments every SpApiError subclass takes, besides its message."""

	operation: str
	status: int
	code: str
	details: str


def _amazon_error(response: httpx.Response) -> tuple[str, str, str]:
	"""(code, message, details) of Amazon's `errors` list, or of whatever else the body says."""
	try:
		body = response.json()
	except ValueError:
		body = None
	if isinstance(body, dict):
		errors = body.get("errors")
		if isinstance(errors, list) and errors and isinstance(errors[0], dict):
			first = errors[0]
			return (
				str(first.get("code") or ""),
				str(first.get("message") or ""),
				str(first.get("details") or ""),
			)
		if isinstance(errors, dict):
			return (
				str(errors.get("code") or ""),
				str(errors.get("message") or ""),
				str(errors.get("details") or ""),
			)
		if body.get("message") or body.get("Message"):
			return str(body.get("code") or ""), str(body.get("message") or body.get("Message")), ""
	return "", response.reason_phrase or "", ""
