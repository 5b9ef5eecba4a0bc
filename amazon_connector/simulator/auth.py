"""LWA token exchange and the access tokens / Restricted Data Tokens the simulator accepts."""

from __future__ import annotations

import re
import secrets
import threading
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from .http_types import ApiError, Reply


@dataclass
class Grant:
	seller_id: str
	expires_at: float  # simulated seconds of the issuing simulator's clock
	clock: object = None
	restricted: list[dict] | None = None  # RDT resources; None for an ordinary access token
	elements: set[str] = field(default_factory=set)
	scope: str = ""  # a grantless token's LWA scope (client_credentials grant); "" for a seller's token


# The scopes LWA grants for grantless operations (client_credentials grant).
GRANTLESS_SCOPES = ("sellingpartnerapi::notifications", "sellingpartnerapi::client_credential:rotation")


# Tokens are shared by every simulator in the process: python-amazon-sp-api caches access tokens
# process-wide, so a token fetched from one simulator must keep working on the next one that serves
# the same seller (as Amazon's tokens work on every endpoint).
_GRANTS: dict[str, Grant] = {}
_GRANTS_LOCK = threading.Lock()


def _lwa_error(status: int, error: str, description: str) -> Reply:
	return Reply.json(status, {"error_description": description, "error": error})


def _template_regex(path: str) -> re.Pattern:
	parts = [("[^/]+" if re.fullmatch(r"\{[^}]+\}", p) else re.escape(p)) for p in path.split("/")]
	return re.compile("^" + "/".join(parts) + "$")


class Auth:
	def __init__(self, world, clock, token_ttl: float):
		self.world = world
		self.clock = clock
		self.token_ttl = float(token_ttl)

	def _expires_in(self) -> int:
		# Reported in real seconds, so a client that caches by `expires_in` is right under any time scale.
		return max(1, int(self.token_ttl / self.clock.time_scale))

	def lwa(self, body: bytes) -> Reply:
		"""POST /auth/o2/token, answered as Amazon's LWA answers (errors: 400/401 with error, error_description)."""
		form = dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
		grant_type = form.get("grant_type", "")
		account = self.world.account
		if grant_type not in ("refresh_token", "client_credentials"):
			if not grant_type:
				return _lwa_error(
					400, "invalid_request", "The request is missing a required parameter : grant_type"
				)
			return _lwa_error(
				400,
				"unsupported_grant_type",
				"The authorization grant type is not supported by the authorization server",
			)
		for name in ("client_id", "client_secret") + (
			("refresh_token",) if grant_type == "refresh_token" else ()
		):
			if not form.get(name):
				return _lwa_error(
					400, "invalid_request", f"The request is missing a required parameter : {name}"
				)
		if form["client_id"] != account.get("clientId") or form["client_secret"] != account.get(
			"clientSecret"
		):
			return _lwa_error(401, "invalid_client", "Client authentication failed")
		if grant_type == "refresh_token" and form["refresh_token"] != account.get("refreshToken"):
			return _lwa_error(
				400, "invalid_grant", "The request has an invalid grant parameter : refresh_token"
			)
		if grant_type == "client_credentials":
			# A grantless token: the app's own, for one scope, with no seller behind it.
			scope = form.get("scope", "")
			if not scope:
				return _lwa_error(
					400, "invalid_request", "The request is missing a required parameter : scope"
				)
			if scope not in GRANTLESS_SCOPES:
				return _lwa_error(400, "invalid_scope", "An unknown scope was requested")
			token = self.issue_access_token(scope=scope)
			return Reply.json(
				200, {"access_token": token, "token_type": "bearer", "expires_in": self._expires_in()}
			)
		token = self.issue_access_token()
		body_out = {"access_token": token, "token_type": "bearer", "expires_in": self._expires_in()}
		if grant_type == "refresh_token":
			body_out["refresh_token"] = form["refresh_token"]
		return Reply.json(200, body_out)

	def issue_access_token(self, scope: str = "") -> str:
		token = "sim-access-" + secrets.token_hex(16)
		seller = "" if scope else self.world.seller_id
		with _GRANTS_LOCK:
			_GRANTS[token] = Grant(seller, self.clock.seconds() + self.token_ttl, self.clock, scope=scope)
		return token

	def issue_rdt(self, seller_id: str, resources: list[dict]) -> tuple[str, int]:
		token = "sim-rdt-" + secrets.token_hex(16)
		elements = {e for r in resources for e in (r.get("dataElements") or [])}
		with _GRANTS_LOCK:
			_GRANTS[token] = Grant(seller_id, self.clock.seconds() + 3600.0, self.clock, resources, elements)
		return token, max(1, int(3600 / self.clock.time_scale))

	def expire_all(self) -> None:
		with _GRANTS_LOCK:
			for grant in _GRANTS.values():
				if grant.clock is self.clock:
					grant.expires_at = 0.0

	def check(self, token: str | None, method: str, path: str, *, grantless_scope: str = "") -> Grant:
		"""The grant behind an `x-amz-access-token`, or an ApiError(403) worded as Amazon words it.
		A grantless operation (`grantless_scope`) takes only a token of that scope; every other operation
		only a seller's token."""
		denied = "Access to requested resource is denied."
		if not token:
			raise ApiError(
				403, "Unauthorized", denied, "The request is missing the x-amz-access-token header."
			)
		with _GRANTS_LOCK:
			grant = _GRANTS.get(token)
		if grant is not None and (grant.scope or grantless_scope):
			if grant.scope != grantless_scope:
				raise ApiError(
					403, "Unauthorized", denied,
					"This operation is grantless: it needs an access token of the scope " + grantless_scope
					if grantless_scope else "A grantless access token cannot call a seller's operation.",
				)  # fmt: skip
			if grant.expires_at <= grant.clock.seconds():
				raise ApiError(403, "Unauthorized", denied, "The access token you provided has expired.")
			return grant
		if grant is None or grant.seller_id != self.world.seller_id:
			raise ApiError(
				403, "Unauthorized", denied, "The access token you provided is revoked, malformed or invalid."
			)
		if grant.expires_at <= grant.clock.seconds():
			raise ApiError(403, "Unauthorized", denied, "The access token you provided has expired.")
		if grant.restricted is not None and not any(
			r.get("method") == method and _template_regex(r.get("path", "")).match(path)
			for r in grant.restricted
		):
			raise ApiError(
				403, "Unauthorized", denied, "The restricted data token does not cover this operation."
			)
		return grant

	def expired_reply(self) -> Reply:
		return ApiError(
			403,
			"Unauthorized",
			"Access to requested resource is denied.",
			"The access token you provided has expired.",
		).reply()
