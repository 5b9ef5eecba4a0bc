"""Shared fixtures of the framework-free suite. Nothing here (or anywhere under tests/) imports Frappe."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def models_dir() -> Path:
	"""Amazon's OpenAPI models: $AMAZON_SPAPI_MODELS, else ../shared/sp-api-models beside the repo."""
	configured = os.environ.get("AMAZON_SPAPI_MODELS")
	path = Path(configured) if configured else REPO.parent / "shared" / "sp-api-models"
	if not (path / "orders-2026-01-01.json").is_file():
		pytest.fail(f"Amazon's SP-API models were not found at {path}; set AMAZON_SPAPI_MODELS")
	return path


@pytest.fixture(scope="session")
def spapi_models() -> Path:
	return models_dir()


@pytest.fixture(scope="session")
def load_model(spapi_models):
	cache: dict[str, dict] = {}

	def load(file_name: str) -> dict:
		if file_name not in cache:
			cache[file_name] = json.loads((spapi_models / file_name).read_text())
		return cache[file_name]

	return load


# The simulator fixtures (a local SP-API on loopback) live in their own module.
pytest_plugins = ["fixtures_simulator"]
