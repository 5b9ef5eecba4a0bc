"""Products, then orders, then fees for one account: the order a real run must keep.

Orders reference Items, so products always come first; fees reference Sales Orders, so they come
last. Each stage reports on its own; a stage that cannot run at all leaves a report saying why,
and when the product stage crashed outright, orders and fees are not attempted.

The demo and the benchmark run `run_pipeline`; the Frappe job runner builds the same engines with
`build_engine` and adds its logs and commits around each stage.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterable

from ..ports import ErpPort
from ..settings import SyncSettings
from ..sources import AmazonSource
from .report import RecordFailure, SyncReport, source_stats

log = logging.getLogger(__name__)

PRODUCTS, ORDERS, FEES = "products", "orders", "fees"
STAGES = (PRODUCTS, ORDERS, FEES)


def build_engine(
	stage: str, source: AmazonSource, port: ErpPort, settings: SyncSettings, *, now=None, products=None
):
	"""The engine of one stage. Orders create the Items of SKUs they meet through the product
	engine (`products`, made here when not given)."""
	# Imported here so that a caller needing only one stage does not load the others.
	from .fees import FeeSync
	from .orders import OrderSync
	from .products import ProductSync

	if stage not in STAGES:
		raise ValueError(f"Unknown sync stage: {stage}")
	if stage == FEES:
		return FeeSync(source, port, settings, now=now)
	products = products or ProductSync(source, port, settings, now=now)
	if stage == PRODUCTS:
		return products
	return OrderSync(source, port, settings, item_resolver=products.ensure_items, now=now)


def crashed_report(stage: str, account: str, exc: Exception, reason: str | None = None) -> SyncReport:
	"""The report of a stage that could not run at all."""
	reason = reason or f"{type(exc).__name__}: {exc}"
	report = SyncReport(kind=stage, account=account)
	report.count("failed")
	report.failures.append(RecordFailure(stage, account, reason, traceback.format_exc(limit=8)))
	report.note(f"The {stage} sync stopped: {reason}")
	return report.finish()


def run_pipeline(
	source: AmazonSource,
	port: ErpPort,
	settings: SyncSettings,
	stages: Iterable[str] = STAGES,
	*,
	progress: Callable[[str, int, int | None, str], None] | None = None,
	now=None,
) -> list[SyncReport]:
	"""Run the requested stages in the fixed order products -> orders -> fees."""
	wanted = set(stages)
	unknown = wanted - set(STAGES)
	if unknown:
		raise ValueError(f"Unknown sync stage(s): {', '.join(sorted(unknown))}")

	reports: list[SyncReport] = []
	products = build_engine(PRODUCTS, source, port, settings, now=now)
	for stage in (s for s in STAGES if s in wanted):
		engine = build_engine(stage, source, port, settings, now=now, products=products)
		before = source_stats(source)
		crashed = False
		try:
			report = engine.run(progress=_stage_progress(stage, progress))
		except Exception as exc:  # a stage that cannot run at all still leaves a report
			log.exception("%s sync of %s stopped", stage, settings.account_key)
			report = crashed_report(stage, settings.account_key, exc)
			crashed = True
		report.usage_since(before, source_stats(source))
		reports.append(report)
		if crashed and stage == PRODUCTS:
			break  # orders would only fail on unknown items, and fees on unknown orders
	return reports


def _stage_progress(stage: str, progress):
	if progress is None:
		return None
	return lambda done, total, message: progress(stage, done, total, message)
