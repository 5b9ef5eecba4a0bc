"""Products, then orders, then fees for one account: the order a real run must keep.

Orders reference Items, so products always come first; fees reference Sales Orders, so they come
last. Each stage reports on its own; a failing stage does not stop the next one from reporting
what it can, but orders are not imported when the product stage crashed outright.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from ..ports import ErpPort
from ..settings import SyncSettings
from .report import RecordFailure, SyncReport

log = logging.getLogger(__name__)

PRODUCTS, ORDERS, FEES = "products", "orders", "fees"
STAGES = (PRODUCTS, ORDERS, FEES)


def run_pipeline(
	session,
	port: ErpPort,
	settings: SyncSettings,
	stages: Iterable[str] = STAGES,
	*,
	progress: Callable[[str, int, int | None, str], None] | None = None,
	now=None,
) -> list[SyncReport]:
	"""Run the requested stages in the fixed order products -> orders -> fees."""
	# Imported here so that a caller needing only one stage does not pay for the others.
	from .fees import FeeSync
	from .orders import OrderSync
	from .products import ProductSync

	wanted = set(stages)
	unknown = wanted - set(STAGES)
	if unknown:
		raise ValueError(f"Unknown sync stage(s): {', '.join(sorted(unknown))}")

	reports: list[SyncReport] = []
	products = ProductSync(session, port, settings, now=now)

	def stage_progress(stage):
		if progress is None:
			return None
		return lambda done, total, message: progress(stage, done, total, message)

	for stage in STAGES:
		if stage not in wanted:
			continue
		if stage == PRODUCTS:
			engine = products
		elif stage == ORDERS:
			engine = OrderSync(session, port, settings, item_resolver=products.ensure_items, now=now)
		else:
			engine = FeeSync(session, port, settings, now=now)
		try:
			reports.append(engine.run(progress=stage_progress(stage)))
		except Exception as exc:  # a stage that cannot run at all still leaves a report
			log.exception("%s sync of %s stopped", stage, settings.account_key)
			reports.append(_crashed_report(stage, settings.account_key, exc))
			if stage == PRODUCTS:
				break  # orders would only fail on unknown items, and fees on unknown orders
	return reports


def _crashed_report(stage: str, account: str, exc: Exception) -> SyncReport:
	report = SyncReport(kind=stage, account=account)
	report.count("failed")
	report.failures.append(RecordFailure(stage, account, f"{type(exc).__name__}: {exc}"))
	report.note(f"The {stage} sync stopped: {exc}")
	return report.finish()
