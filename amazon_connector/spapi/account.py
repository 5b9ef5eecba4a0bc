"""Who we are talking to Amazon as: one seller authorization in one SP-API region."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# SP-API hosts per region, and the LWA token endpoint (the same for every region).
REGION_ENDPOINTS = {
	"NA": "https://sellingpartnerapi-na.amazon.com",
	"EU": "https://sellingpartnerapi-eu.amazon.com",
	"FE": "https://sellingpartnerapi-fe.amazon.com",
}
SANDBOX_ENDPOINTS = {
	region: url.replace("https://", "https://sandbox.") for region, url in REGION_ENDPOINTS.items()
}
LWA_TOKEN_URL = "https://api.amazon.com/auth/o2/token"

PRODUCTION = "Production"
SANDBOX = "Amazon Sandbox"
CUSTOM = "Custom Endpoint"
ENVIRONMENTS = (PRODUCTION, SANDBOX, CUSTOM)


class RemoteEndpointRefused(ValueError):
	"""A custom endpoint on another machine: every call, token requests included, would send the LWA
	client secret and refresh token there."""


def is_loopback_url(url: str) -> bool:
	"""Whether `url` points at this machine (localhost, 127.0.0.0/8, ::1): the only custom endpoints
	that can never carry the account's secrets away (the bundled simulator, a local proxy)."""
	try:
		host = urlsplit((url or "").strip()).hostname or ""
	except ValueError:
		return False
	if host == "localhost" or host.endswith(".localhost"):
		return True
	try:
		return ipaddress.ip_address(host).is_loopback
	except ValueError:
		return False


@dataclass(frozen=True)
class AccountConfig:
	"""Credentials and endpoint choice of one Amazon Settings record.

	Secrets are excluded from repr so that they cannot reach a log through an f-string or a
	traceback's locals.
	"""

	key: str  # stable identity of the account (the Amazon Settings record name)
	region: str  # NA, EU or FE
	client_id: str
	client_secret: str = field(repr=False)
	refresh_token: str = field(repr=False)
	environment: str = PRODUCTION
	endpoint_url: str = ""  # only for CUSTOM: base URL of a local simulator or proxy
	seller_id: str = ""
	# A custom endpoint off this machine gets the secrets; only a developer-mode site's System Manager
	# may choose that (the ERPNext side decides and says so here).
	allow_remote_endpoint: bool = False

	def __post_init__(self):
		if self.region not in REGION_ENDPOINTS:
			raise ValueError(f"Unknown SP-API region {self.region!r}; expected one of NA, EU, FE")
		if self.environment not in ENVIRONMENTS:
			raise ValueError(f"Unknown environment {self.environment!r}")
		if self.environment == CUSTOM and not self.endpoint_url:
			raise ValueError("A custom environment needs an endpoint URL")
		if (
			self.environment == CUSTOM
			and not self.allow_remote_endpoint
			and not is_loopback_url(self.endpoint_url)
		):
			raise RemoteEndpointRefused(
				f"The custom endpoint {urlsplit(self.endpoint_url).hostname or self.endpoint_url!r} is not on this "
				"machine; the account's credentials are sent only to Amazon or to a local endpoint"
			)

	@property
	def api_endpoint(self) -> str:
		if self.environment == CUSTOM:
			return self.endpoint_url.rstrip("/")
		if self.environment == SANDBOX:
			return SANDBOX_ENDPOINTS[self.region]
		return REGION_ENDPOINTS[self.region]

	@property
	def token_url(self) -> str:
		# A custom endpoint (the simulator) serves LWA itself, so no request leaves the machine.
		if self.environment == CUSTOM:
			return self.endpoint_url.rstrip("/") + "/auth/o2/token"
		return LWA_TOKEN_URL
