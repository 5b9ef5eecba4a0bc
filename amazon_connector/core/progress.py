"""The percent a progress bar shows for a stage's (done, total), where the total may be unknown."""

from __future__ import annotations

# The least percent shown: an empty bar. The desk shows no progress dialog for 0 (frappe.realtime's
# "progress" handler tests the percent for truth), so a stage's first window, read for minutes at
# 0 %, would show nothing at all.
MIN_PERCENT = 0.5
# Without a total the bar creeps towards this and never reaches it: the stage is not done.
UNKNOWN_TOTAL_CEILING = 95.0


def shown_percent(done: int, total: int | None) -> float:
	"""done/total in percent, at least MIN_PERCENT; without a total, a bar that grows with `done`
	(half way at 100 records) and stays under UNKNOWN_TOTAL_CEILING."""
	if total:
		percent = 100.0 * min(done, total) / total
	else:
		percent = min(UNKNOWN_TOTAL_CEILING, 100.0 * done / (done + 100.0))
	return max(MIN_PERCENT, percent)
