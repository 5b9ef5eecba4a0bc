"""Chart series per day: one line per group (a marketplace, say), every day of the span present.

The database returns only the days that had something; a chart needs each day on its axis, a zero
where a group had nothing, and the groups in a stable order. Kept free of Frappe so that the
arithmetic is tested without a bench.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal


def days_between(first: date, last: date) -> list[date]:
	"""Every day from first to last, both included; empty when last is before first."""
	return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def series_per_day(rows: Iterable[tuple[date, str, float]], first: date, last: date) -> dict:
	"""{"labels": [ISO days], "datasets": [{"name": group, "values": [...]}]} from (day, group, value)
	rows; a group's several rows for one day add up, and rows outside the span are left out.

	Groups are ordered by their total over the span, largest first (ties by name), so the chart's
	colours and legend stay put from one day to the next.
	"""
	days = days_between(first, last)
	index = {day: n for n, day in enumerate(days)}
	# Decimal, so that amounts add up to the cent as they do in the books (floats would not).
	values: dict[str, list[Decimal]] = {}
	for day, group, value in rows:
		n = index.get(day)
		if n is None:
			continue
		values.setdefault(group, [Decimal(0)] * len(days))[n] += Decimal(str(value or 0))
	order = sorted(values, key=lambda group: (-sum(values[group]), group))
	return {
		"labels": [day.isoformat() for day in days],
		"datasets": [{"name": group, "values": [_cents(v) for v in values[group]]} for group in order],
	}


def _cents(value: Decimal) -> float:
	return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def totals_per_group(chart: dict, name: str) -> dict:
	"""A per-day chart's groups as one bar each, the total over its days: {"labels": [groups],
	"datasets": [{"name": name, "values": [totals]}]}, in the per-day chart's order."""
	groups = chart["datasets"]
	totals = [_cents(sum((Decimal(str(v)) for v in group["values"]), Decimal(0))) for group in groups]
	return {"labels": [group["name"] for group in groups], "datasets": [{"name": name, "values": totals}]}
