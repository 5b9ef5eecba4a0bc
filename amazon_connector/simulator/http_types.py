"""Requests and replies passed between the HTTP layer and the operation handlers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import parse_qsl


@dataclass
class Request:
	method: str
	path: str
	query: list[tuple[str, str]]
	headers: dict[str, str]  # lower-case names
	body: bytes = b""
	path_params: dict[str, str] = field(default_factory=dict)
	operation: str = ""
	seller_id: str = ""
	pii: set[str] = field(default_factory=set)

	@classmethod
	def parse_query(cls, text: str) -> list[tuple[str, str]]:
		return parse_qsl(text, keep_blank_values=True)

	def param(self, name: str) -> str | None:
		"""A single-valued query parameter (the last one wins, as most servers do)."""
		values = [v for k, v in self.query if k == name]
		return values[-1] if values else None

	def params(self, name: str) -> list[str] | None:
		"""An array query parameter: repeated, comma-separated, or both. None when absent."""
		values = [v for k, v in self.query if k == name]
		if not values:
			return None
		return [part.strip() for value in values for part in value.split(",") if part.strip()]

	def json(self):
		if not self.body:
			return None
		return json.loads(self.body.decode("utf-8"))


@dataclass
class Reply:
	status: int
	body: bytes
	content_type: str = "application/json"
	headers: dict[str, str] = field(default_factory=dict)

	@classmethod
	def json(cls, status: int, payload, headers: dict | None = None) -> Reply:
		return cls(
			status,
			json.dumps(payload, ensure_ascii=False).encode("utf-8"),
			"application/json",
			dict(headers or {}),
		)


class ApiError(Exception):
	"""An error answered the way Amazon answers it: an `errors` list with code, message, details."""

	def __init__(self, status: int, code: str, message: str, details: str = ""):
		super().__init__(message)
		self.status = status
		self.code = code
		self.message = message
		self.details = details

	def reply(self) -> Reply:
		error = {"code": self.code, "message": self.message}
		if self.details:
			error["details"] = self.details
		return Reply.json(self.status, {"errors": [error]})


def invalid(message: str, details: str = "") -> ApiError:
	return ApiError(400, "InvalidInput", message, details)


def not_found(message: str) -> ApiError:
	return ApiError(404, "NotFound", message)
