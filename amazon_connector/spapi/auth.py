"""Login with Amazon (LWA) access tokens: fetched per account, cached until shortly before expiry.

python-amazon-sp-api caches tokens in module-level caches keyed by the refresh token alone, for a
fixed 3200 s whatever `expires_in` says, and its token client has no HTTP timeout. The session
hands the library `LwaTokenClient` instead, which never touches those caches: its cache key names
the account, the token endpoint and the app, and entries expire by the `expires_in` LWA sent.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from sp_api.auth import AccessTokenClient, AccessTokenResponse
from sp_api.auth.credentials import Credentials
from sp_api.base.credential_provider import CredentialProvider

from amazon_connector.spapi.account import AccountConfig
from amazon_connector.spapi.errors import AuthError, NetworkError, ServerError, ThrottledError, redact
from amazon_connector.spapi.tls import tls_context

LWA_OPERATION = "lwaToken"
DEFAULT_EXPIRES_IN = 3600.0
# The LWA scope of the Notifications API's grantless operations (client_credentials grant).
NOTIFICATIONS_SCOPE = "sellingpartnerapi::notifications"


class RetryableFailure(Exception):
	"""A failure worth another attempt (throttled, server trouble, no answer), carrying the typed
	error to raise once the attempts run out."""

	def __init__(
		self,
		error,
		*,
		retry_after: float | None = None,
		throttled: bool = False,
		rate_limit: float | None = None,
	):
		super().__init__(str(error))
		self.error = error
		self.retry_after = retry_after
		self.throttled = throttled
		self.rate_limit = rate_limit  # x-amzn-RateLimit-Limit of the failed answer, if it had one


@dataclass
class _CachedToken:
	access_token: str
	expires_at: float  # on the clock of the session that fetched it

	def __repr__(self) -> str:
		return f"_CachedToken(expires_at={self.expires_at})"


def refresh_margin(expires_in: float) -> float:
	"""How long before expiry a token is replaced: a minute, or half the lifetime of a short one."""
	return min(60.0, expires_in / 2.0)


class TokenCache:
	"""Access tokens by account. One lock per key, so one thread refreshes while the others wait."""

	def __init__(self):
		self._lock = threading.Lock()
		self._tokens: dict[tuple, _CachedToken] = {}
		self._key_locks: dict[tuple, threading.Lock] = {}

	def lock_for(self, key: tuple) -> threading.Lock:
		with self._lock:
			return self._key_locks.setdefault(key, threading.Lock())

	def get(self, key: tuple, now: float) -> str | None:
		with self._lock:
			entry = self._tokens.get(key)
			if entry is None or now >= entry.expires_at:
				return None
			return entry.access_token

	def put(self, key: tuple, access_token: str, expires_at: float) -> None:
		with self._lock:
			self._tokens[key] = _CachedToken(access_token, expires_at)

	def invalidate(self, key: tuple, access_token: str | None = None) -> None:
		"""Forget the token of `key`, unless another thread already replaced the one we saw fail."""
		with self._lock:
			entry = self._tokens.get(key)
			if entry is not None and (access_token is None or entry.access_token == access_token):
				del self._tokens[key]

	def current(self, key: tuple) -> str | None:
		with self._lock:
			entry = self._tokens.get(key)
			return entry.access_token if entry else None

	def clear(self) -> None:
		with self._lock:
			self._tokens.clear()

	def __len__(self) -> int:
		with self._lock:
			return len(self._tokens)


# Shared by the sessions of a process, so the jobs of one account reuse its token.
DEFAULT_TOKEN_CACHE = TokenCache()


def account_cache_key(account: AccountConfig, flavor: str = "") -> tuple:
	"""Identity of a token: the account, where it came from, and which app and grant it is for.

	The secrets enter only as a digest, so that editing them yields a new key and a key never
	holds them."""
	digest = hashlib.sha256(
		"\0".join((account.client_id, account.client_secret, account.refresh_token, flavor)).encode()
	).hexdigest()
	return (account.key, account.token_url, digest)


class LwaTokenClient(AccessTokenClient):
	"""python-amazon-sp-api's token client, with a per-account cache, expiry from `expires_in`, an
	HTTP timeout, and LWA's answers turned into the access layer's typed errors."""

	def __init__(
		self,
		account: AccountConfig,
		*,
		cache: TokenCache,
		timeout: float,
		clock: Callable[[], float] = time.monotonic,
		on_request: Callable[[], None] | None = None,
	):
		# The parent's __init__ is not called: it would build an HTTP client without a timeout.
		self.account = account
		self.cred = Credentials(
			account.refresh_token,
			CredentialProvider.Config(lwa_app_id=account.client_id, lwa_client_secret=account.client_secret),
		)
		self.proxies = None
		self.verify = True
		url = urlsplit(account.token_url)
		self.scheme = f"{url.scheme}://"
		self.host = url.netloc
		self.path = url.path or "/auth/o2/token"
		self._clock = clock
		self._cache = cache
		self._on_request = on_request
		self._http = httpx.Client(timeout=timeout, verify=tls_context())

	def __repr__(self) -> str:
		return f"LwaTokenClient(account={self.account.key!r}, url={self.token_url!r})"

	@property
	def token_url(self) -> str:
		return self.scheme + self.host + self.path

	@property
	def cache_key(self) -> tuple:
		return account_cache_key(self.account)

	def secrets(self) -> tuple[str, ...]:
		"""Everything that must never reach a message: the app secret, the refresh token and the
		access token in use."""
		return tuple(
			s
			for s in (
				self.account.client_secret,
				self.account.refresh_token,
				self._cache.current(self.cache_key),
				self._cache.current(self.grantless_key(NOTIFICATIONS_SCOPE)),
			)
			if s
		)

	# --- the library's entry points -------------------------------------------------------------

	def get_auth(self) -> AccessTokenResponse:
		token, expires_in = self._token(self.cache_key, lambda: self.data)
		return AccessTokenResponse(access_token=token, token_type="bearer", expires_in=expires_in)

	def grantless_key(self, scope: str) -> tuple:
		return account_cache_key(self.account, flavor=f"grantless:{scope}")

	def get_grantless_auth(self, scope=NOTIFICATIONS_SCOPE) -> AccessTokenResponse:
		"""A token of the app itself (client_credentials grant, no seller), for grantless operations."""
		token, expires_in = self._token(self.grantless_key(scope), lambda: self.grantless_data(scope))
		return AccessTokenResponse(access_token=token, token_type="bearer", expires_in=expires_in)

	def invalidate(self, access_token: str | None = None, *, grantless_scope: str | None = None) -> None:
		key = self.grantless_key(grantless_scope) if grantless_scope else self.cache_key
		self._cache.invalidate(key, access_token)

	def close(self) -> None:
		self._http.close()

	# --- internals ------------------------------------------------------------------------------

	def _token(self, key: tuple, form: Callable[[], dict]) -> tuple[str, float | None]:
		token = self._cache.get(key, self._clock())
		if token:
			return token, None
		with self._cache.lock_for(key):
			token = self._cache.get(key, self._clock())  # another thread may have just refreshed it
			if token:
				return token, None
			answer = self._post(form())
			expires_in = _expires_in(answer)
			self._cache.put(
				key, answer["access_token"], self._clock() + expires_in - refresh_margin(expires_in)
			)
			return answer["access_token"], expires_in

	def _post(self, form: dict) -> dict:
		if self._on_request:
			self._on_request()
		try:
			response = self._http.post(self.token_url, data=form, headers=self.headers)
		except httpx.TransportError as exc:
			raise RetryableFailure(
				NetworkError(
					redact(
						f"No answer from Amazon's login service: {type(exc).__name__}: {exc}", self.secrets()
					),
					operation=LWA_OPERATION,
					host=urlsplit(self.token_url).hostname or "",
				)
			) from None
		try:
			body = response.json()
		except ValueError:
			body = None
		status = response.status_code
		if status == 200 and isinstance(body, dict) and body.get("access_token"):
			return body
		code = str(body.get("error") or "") if isinstance(body, dict) else ""
		description = str(body.get("error_description") or "") if isinstance(body, dict) else ""
		message = redact(description or response.reason_phrase or "unexpected answer", self.secrets())
		if status == 429:
			raise RetryableFailure(ThrottledError(message, operation=LWA_OPERATION, status=status, code=code))
		if status >= 500:
			raise RetryableFailure(ServerError(message, operation=LWA_OPERATION, status=status, code=code))
		if status == 200:
			code, message = "invalid_response", "LWA answered without an access token"
		raise AuthError(message, operation=LWA_OPERATION, status=status, code=code)


def _expires_in(answer: dict) -> float:
	try:
		expires_in = float(answer.get("expires_in") or DEFAULT_EXPIRES_IN)
	except (TypeError, ValueError):
		expires_in = DEFAULT_EXPIRES_IN
	return expires_in if expires_in > 0 else DEFAULT_EXPIRES_IN
