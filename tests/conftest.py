"""Shared fixtures of the framework-free suite. Nothing here (or anywhere under tests/) imports Frappe."""

from __future__ import annotations

import json
import os

import pytest
from spapi_models import HOW_TO_GET_THEM, REQUIRED_VARIABLE, Models, find_models

# The reason every contract test is skipped with when the models are missing; the summary counts it.
NOT_FOUND = "Amazon's SP-API models not found"


@pytest.fixture(scope="session")
def spapi_models() -> Models:
	"""Amazon's OpenAPI models (see spapi_models.py for where they are looked for).

	Without them the contract tests are skipped, so that a fresh clone's test run passes, and the
	run's summary says so; CI (and anyone naming a folder in AMAZON_SPAPI_MODELS) gets a failure."""
	models, where = find_models()
	if models is None:
		if os.environ.get(REQUIRED_VARIABLE) or os.environ.get("AMAZON_SPAPI_MODELS"):
			pytest.fail(f"{NOT_FOUND}: {where}", pytrace=False)
		pytest.skip(f"{NOT_FOUND} (see the end of the run)")
	return models


@pytest.fixture(scope="session")
def load_model(spapi_models):
	cache: dict[str, dict] = {}

	def load(file_name: str) -> dict:
		if file_name not in cache:
			path = spapi_models.path(file_name)
			if not path.is_file():
				pytest.fail(f"{file_name} is not among the models in {spapi_models.root} (looked for {path})")
			cache[file_name] = json.loads(path.read_text())
		return cache[file_name]

	return load


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
	"""Fold the contract tests' skips into one line of the short summary (`-ra`), so that a run without
	the models does not list each of them before the words at its end."""
	outcome = yield
	report = outcome.get_result()
	if report.skipped and isinstance(report.longrepr, tuple) and NOT_FOUND in str(report.longrepr[2]):
		report.longrepr = (__file__, None, report.longrepr[2])


def pytest_unconfigure(config):
	"""Say after the final tally, in words, that the contract tests did not run and how to run them."""
	reporter = config.pluginmanager.get_plugin("terminalreporter")
	if reporter is None:
		return
	skipped = [r for r in reporter.stats.get("skipped", []) if NOT_FOUND in str(getattr(r, "longrepr", ""))]
	if not skipped:
		return
	_, where = find_models()
	reporter.write_sep("=", "Amazon model contract tests did not run", yellow=True, bold=True)
	reporter.write_line(
		f"{len(skipped)} tests that check payloads against Amazon's OpenAPI models were skipped: {where}."
	)
	reporter.write_line(f"To run them: {HOW_TO_GET_THEM}.")


# The simulator fixtures (a local SP-API on loopback) live in their own module.
pytest_plugins = ["fixtures_simulator"]
