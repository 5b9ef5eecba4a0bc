"""Tokens 2021-03-01: Restricted Data Tokens, which unlock buyer names and addresses."""

from __future__ import annotations

from collections.abc import Iterable

from amazon_connector.spapi.apis import TokensApi


def create_restricted_data_token(
	session,
	path: str,
	data_elements: Iterable[str] = (),
	*,
	method: str = "GET",
	target_application: str | None = None,
) -> dict:
	"""Ask for an RDT for one restricted resource (`method` + `path`, e.g. GET
	/orders/2026-01-01/orders/{orderId}); returns Amazon's body, `restrictedDataToken` and `expiresIn`.

	Pass the token to a later call (`orders.get_order(..., restricted_data_token=...)`); it is a
	secret like an access token and must not be logged."""
	if not path or not path.startswith("/"):
		raise ValueError(f"A restricted resource path starts with '/', not {path!r}")
	resource: dict[str, str | list[str]] = {"method": method.upper(), "path": path}
	elements = [e for e in data_elements if e]
	if elements:
		resource["dataElements"] = elements
	body: dict[str, object] = {"restrictedResources": [resource]}
	if target_application:
		body["targetApplication"] = target_application
	return session.call("createRestrictedDataToken", TokensApi, "create_restricted_data_token", **body).body
