"""The contract tests find Amazon's models in either layout, skip (and say so) without them, and fail
when CI requires them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from spapi_models import AMAZON_NAMES, REQUIRED_VARIABLE, Models

REPO = Path(__file__).resolve().parent.parent


def amazon_checkout(root: Path, names=AMAZON_NAMES) -> Path:
	"""A tree laid out as Amazon's repository is (models/<dir>/<original name>), with empty files."""
	for folder, original in (names[name] for name in names):
		(root / "models" / folder).mkdir(parents=True, exist_ok=True)
		(root / "models" / folder / original).write_text("{}")
	return root


def test_amazon_layout_resolves_each_flat_name_to_amazons_file(tmp_path):
	root = amazon_checkout(tmp_path / "selling-partner-api-models")
	for via in (root, root / "models"):
		models = Models(via)
		assert models.found()
		path = models.path("orders-2026-01-01.json")
		assert path == root / "models" / "orders-api-model" / "orders_2026-01-01.json"
		assert models.path("finances-v0.json").name == "financesV0.json"


def test_flat_layout_is_read_by_its_own_names(tmp_path):
	(tmp_path / "orders-2026-01-01.json").write_text("{}")
	models = Models(tmp_path)
	assert models.found()
	assert models.path("orders-2026-01-01.json") == tmp_path / "orders-2026-01-01.json"


def test_a_folder_without_the_orders_model_is_not_taken_for_the_models(tmp_path):
	amazon_checkout(tmp_path, {"finances-v0.json": AMAZON_NAMES["finances-v0.json"]})
	assert not Models(tmp_path).found()


def run_contract_test(tmp_path: Path, env_changes: dict[str, str]) -> subprocess.CompletedProcess:
	"""One contract test module run by its own pytest from a copy of tests/ with nothing beside it,
	as in a fresh clone; AMAZON_SPAPI_MODELS and the CI variable only as given."""
	clone = tmp_path / "clone"
	shutil.copytree(REPO / "tests", clone / "tests", ignore=shutil.ignore_patterns("__pycache__"))
	env = {k: v for k, v in os.environ.items() if k not in ("AMAZON_SPAPI_MODELS", REQUIRED_VARIABLE)}
	return subprocess.run(
		[sys.executable, "-m", "pytest", "tests/test_usage_plans.py", "-q", "-p", "no:cacheprovider"],
		cwd=clone,
		env={**env, **env_changes},
		capture_output=True,
		text=True,
		timeout=120,
	)


def test_without_models_the_run_passes_and_says_at_the_end_that_the_contract_tests_did_not_run(tmp_path):
	result = run_contract_test(tmp_path, {})
	assert result.returncode == 0, result.stdout
	skipped = int(re.search(r"(\d+) skipped in", result.stdout).group(1))
	assert skipped > 0 and "passed" not in result.stdout
	tail = result.stdout.strip().splitlines()[-3:]
	assert "Amazon model contract tests did not run" in tail[0]
	assert tail[1].startswith(
		f"{skipped} tests that check payloads against Amazon's OpenAPI models were skipped"
	)
	assert "git clone https://github.com/amzn/selling-partner-api-models" in tail[2]


def test_ci_requiring_the_models_fails_without_them(tmp_path):
	result = run_contract_test(tmp_path, {REQUIRED_VARIABLE: "1"})
	assert result.returncode == 1
	assert re.search(r"\d+ errors? in", result.stdout) and "skipped" not in result.stdout
	assert "Amazon model contract tests did not run" not in result.stdout


def test_a_named_folder_without_models_fails_rather_than_skips(tmp_path):
	result = run_contract_test(tmp_path, {"AMAZON_SPAPI_MODELS": str(tmp_path / "typo")})
	assert result.returncode == 1
	assert "holds no models in either layout" in result.stdout


def test_an_amazon_checkout_of_the_real_models_runs_the_contract_tests(tmp_path, spapi_models):
	checkout = tmp_path / "selling-partner-api-models"
	for flat, (folder, original) in AMAZON_NAMES.items():
		(checkout / "models" / folder).mkdir(parents=True, exist_ok=True)
		(checkout / "models" / folder / original).symlink_to(spapi_models.path(flat))
	result = run_contract_test(tmp_path, {"AMAZON_SPAPI_MODELS": str(checkout)})
	assert result.returncode == 0, result.stdout
	assert re.search(r"^\d+ passed in", result.stdout, re.M), result.stdout
