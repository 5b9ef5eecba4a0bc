"""Hypothesis strategies for Amazon payloads, built from the definitions of Amazon's own models.

`payloads(model, "Transaction")` draws documents the model allows, and the shapes real payloads
have that the model's letter does not rule out: every optional property absent, null or present;
arrays empty or not; enums with one value Amazon has not documented yet; numbers with many
decimals, negative, zero or huge; recursive definitions (Breakdown in Breakdown) a few levels deep.
`overrides` replaces the strategy of a property by name wherever it occurs (a currency code from a
list with 0-, 2- and 3-digit minor units, a date-time Amazon would send), so the payloads stay
believable where the test needs them to be.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from hypothesis import strategies as st

UNDOCUMENTED = "SOME_VALUE_NOT_IN_THE_MODEL"
# JPY has no minor unit, KWD and BHD three; the rest two.
CURRENCIES = st.sampled_from(["USD", "EUR", "GBP", "JPY", "KWD", "BHD", "INR", "SEK", "AED"])
TIMES = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 11, 30)).map(
	lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")
)
# Amounts as Amazon writes them: two decimals mostly, sometimes none, three, or many.
AMOUNTS = st.one_of(
	st.decimals(min_value=-5000, max_value=5000, places=2, allow_nan=False, allow_infinity=False),
	st.decimals(min_value=-5000, max_value=5000, places=0, allow_nan=False, allow_infinity=False),
	st.decimals(min_value=-500, max_value=500, places=3, allow_nan=False, allow_infinity=False),
	st.decimals(min_value=-50, max_value=50, places=7, allow_nan=False, allow_infinity=False),
	st.sampled_from([Decimal("0"), Decimal("-0.00"), Decimal("999999999.99"), Decimal("-999999999.99")]),
)
TEXT = st.text(alphabet="abcXYZ019 -_/", min_size=0, max_size=12)


def resolve(model: dict, schema: dict) -> dict:
	"""A schema with its $ref followed and an allOf merged (Amazon's Context is an allOf of six)."""
	while "$ref" in schema:
		schema = model["definitions"][schema["$ref"].rsplit("/", 1)[-1]]
	if "allOf" in schema:
		merged: dict = {"type": "object", "properties": {}, "required": []}
		for part in schema["allOf"]:
			part = resolve(model, part)
			merged["properties"].update(part.get("properties") or {})
			merged["required"] += part.get("required") or []
		return merged
	return schema


def _leaf(schema: dict):
	kind = schema.get("type")
	if "enum" in schema:
		return st.sampled_from([*schema["enum"], UNDOCUMENTED])
	if kind == "string":
		if schema.get("format") == "date-time":
			return st.one_of(TIMES, st.just("2026-03-01T10:00:00.123+09:00"))
		if schema.get("format") == "date":
			return TIMES.map(lambda t: t[:10])
		return TEXT
	if kind == "number":
		return AMOUNTS
	if kind == "integer":
		return st.one_of(st.integers(min_value=-3, max_value=10**6), st.sampled_from([10**9, 2**63]))
	if kind == "boolean":
		return st.booleans()
	return st.none()


def one_in(n: int):
	"""True about one time in n. (Hypothesis favours the ends of a range, so the middle is the rare value.)"""
	return st.sampled_from(range(n)).map(lambda i: i == n // 2)


def sometimes_null(strategy, n: int = 5):
	"""The strategy's values, and null about one time in n."""
	return one_in(n).flatmap(lambda rare: st.none() if rare else strategy)


def payloads(
	model: dict,
	name_or_schema,
	*,
	overrides: dict | None = None,
	often: tuple[str, ...] = (),
	depth: int = 4,
	null=True,
):
	"""Documents of a definition (by name) or of a schema, as described above. The optional properties
	named in `often` are there nine times in ten (null otherwise), so the draws reach the code behind
	them; the other optional ones are absent about half the time and null one time in five."""
	overrides = overrides or {}
	schema = model["definitions"][name_or_schema] if isinstance(name_or_schema, str) else name_or_schema
	return _strategy(model, schema, overrides, set(often), depth, null)


def _strategy(model: dict, schema: dict, overrides: dict, often: set, depth: int, null: bool):
	schema = resolve(model, schema)
	kind = schema.get("type") or ("object" if "properties" in schema else None)
	if kind == "array":
		if depth <= 0:
			return st.just([])
		inner = _strategy(model, schema.get("items") or {}, overrides, often, depth - 1, null)
		return st.lists(inner, max_size=3)
	if kind == "object":
		properties = schema.get("properties") or {}
		required = set(schema.get("required") or ())
		fixed, optional = {}, {}
		for name, sub in properties.items():
			if name in overrides:
				strategy = overrides[name]
			elif depth <= 0 and name not in required:
				continue
			else:
				strategy = _strategy(model, sub, overrides, often, depth - 1, null)
			if name in required:
				fixed[name] = strategy
			elif name in often:
				fixed[name] = sometimes_null(strategy, 10) if null else strategy
			else:
				optional[name] = sometimes_null(strategy) if null else strategy
		if not properties:
			return st.just({})
		return st.fixed_dictionaries(fixed, optional=optional)
	return _leaf(schema)
