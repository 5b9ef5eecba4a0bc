"""A custom endpoint receives the account's LWA client secret and refresh token with every token
request, so the access layer sends them only to Amazon or to this machine unless told otherwise."""

from __future__ import annotations

import pytest

from amazon_connector.spapi.account import CUSTOM, AccountConfig, RemoteEndpointRefused, is_loopback_url


@pytest.mark.parametrize(
	"url, local",
	[
		("http://127.0.0.1:8765", True),
		("http://127.3.4.5/", True),
		("http://localhost:8000", True),
		("http://[::1]:9000/x", True),
		("https://sim.localhost", True),
		("https://attacker.example", False),
		("http://127.0.0.1.attacker.example", False),
		("http://10.0.0.5:8000", False),
		("http://0.0.0.0:8000", False),
		("http://user@attacker.example#@127.0.0.1", False),
		("not a url", False),
		("http://[::1", False),
	],
)
def test_only_this_machine_counts_as_local(url, local):
	assert is_loopback_url(url) is local


def account(url: str, **extra) -> AccountConfig:
	return AccountConfig(
		key="acme",
		region="EU",
		client_id="amzn1.application-oa2-client.x",
		client_secret="client-secret-value",
		refresh_token="Atzr|refresh-token-value",
		environment=CUSTOM,
		endpoint_url=url,
		**extra,
	)


def test_a_remote_custom_endpoint_is_refused_before_any_call():
	with pytest.raises(RemoteEndpointRefused) as raised:
		account("https://attacker.example/sp")
	assert "attacker.example" in str(raised.value)
	assert "client-secret-value" not in str(raised.value)


def test_a_local_endpoint_or_an_explicit_allowance_is_accepted():
	assert account("http://127.0.0.1:9000").token_url == "http://127.0.0.1:9000/auth/o2/token"
	allowed = account("https://proxy.example", allow_remote_endpoint=True)
	assert allowed.api_endpoint == "https://proxy.example"


def test_the_user_is_told_why_in_one_sentence():
	from amazon_connector.spapi.errors import user_message

	with pytest.raises(RemoteEndpointRefused) as raised:
		account("https://attacker.example/sp")
	assert "not on this server" in user_message(raised.value)
