"""The usage plans the throttle and the simulator use are the ones Amazon publishes in its models."""

import re

import pytest

from amazon_connector.spapi.usage_plans import OPERATIONS

# "| 0.0056 | 20 |" in the operation's description, after the "Rate (requests per second) | Burst" header.
_PLAN_ROW = re.compile(
	r"\|\s*Rate \(requests per second\)\s*\|\s*Burst\s*\|\s*\n\|[-\s|]+\|\s*\n\|\s*([\d.]+)\s*\|\s*(\d+)\s*\|"
)


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_usage_plan_matches_model(operation, load_model):
	model_file, method, path, plan = OPERATIONS[operation]
	spec = load_model(model_file)
	op = spec["paths"][path][method.lower()]
	assert op["operationId"] == operation
	match = _PLAN_ROW.search(op["description"])
	assert match, f"no usage plan table in {operation}'s description"
	assert float(match.group(1)) == plan.rate
	assert int(match.group(2)) == plan.burst
