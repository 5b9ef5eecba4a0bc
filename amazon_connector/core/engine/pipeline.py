"""Products, then orders, invoices and fees for one account: the order a real run must keep.

Orders reference Items, so products always come first; invoices bill shipped Sales Orders; fees
reference Sales Orders and their refunds credit the invoices, so they come last. Each stage reports
on its own; a stage that cannot run at all leaves a report saying why, and the stages after it
still run (an order whose Items exist, or can be made from the order, does not depend on the
listings report; fees of imported orders do not depend on either).

Except when Amazon itself is out (`AmazonOutage`): a stage that failed while its last call got no
answer from Amazon (connection refused, DNS, timeouts, past the retries) or had the credentials
refused by Amazon's login service. Every later stage that calls Amazon would only fail the same way,
one retry deadline each, and a stage that reads only the ERP (`FOLLOWS`: invoices bill the shipments
the orders stage records) has nothing new when the stage it follows got nothing done; so they are not
run: each leaves a failed report naming the stage and Amazon's reason (`not_run_report`), and the
run reads as failed where a person looks, never as a success with nothing done. A stage the outage
did not reach (invoices after an orders stage that imported some orders first) runs as usual.

`Pipeline` holds the engines of one run (they share the source, the port, the settings and the
product engine, through which orders create the Items of SKUs they meet). `Pipeline.run` is the
one stage loop of the app: the demo and the benchmark run it as it is (`run_pipeline`); the Frappe
runner (`amazon_connector.runner.run`) runs it with its `StageHooks`, which write the sync log and
commit around each stage.

A new stage: add its name to `STAGES` (in the order a run keeps) and its engine to
`Pipeline.engine`; an engine has `run(progress) -> SyncReport`.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from ...spapi.errors import AuthError
from ..ports import ErpPort
from ..sentences import sentence
from ..settings import SyncSettings
from ..sources import AmazonSource
from ..timestamps import current_time
from .cutover import FINANCES_V0, feed_of
from .fees import FeeSync
from .fulfilment import FulfilmentStatusSync
from .inventory import FbaInventorySync
from .invoices import InvoiceSync
from .listing_health import ListingHealthCheck
from .order_history import OrderHistorySync, history_enabled
from .orders import OrderSync
from .price_push import PricePush
from .products import ProductSync
from .report import COUNTED, RecordFailure, SyncReport, failure_reason, source_outage, source_stats
from .shipments import ShipmentConfirmation
from .stock_push import StockPush
from .transactions import TransactionSync

log = logging.getLogger(__name__)

PRODUCTS, ORDERS, INVOICES, FEES = "products", "orders", "invoices", "fees"
# SyncSettings.extra["finances_api"]: which Amazon feed the fees stage reads. "2024-06-19" books every
# transaction and the settlements (from its cut-over instant on: `cutover.feed_of`); "v0" the
# deprecated financial events.
FBA_INVENTORY = "fba_inventory"  # Amazon's FBA stock into the FBA warehouse; needs the Items of products
STOCK_PUSH = "stock_push"  # merchant-fulfilled quantities to Amazon
# Multi-Channel Fulfillment: the status of orders Amazon ships for other channels, and their deliveries.
MCF = "mcf"
# Invoices follow the orders they bill and precede fees, whose refunds need the invoices. MCF
# deliveries take their units out of the FBA warehouse before the FBA mirror sets it to Amazon's
# count, which no longer holds those units: the other way round they would leave twice.
# Merchant shipments (Delivery Notes) are confirmed before orders are read, so that the order sync
# of the same run shows them shipped.
SHIPMENTS = "shipment_confirmation"
LISTING_HEALTH = "listing_health"  # each listing's status and issues onto its Amazon Item
PRICE_PUSH = "price_push"  # the price lists' prices to Amazon as offer prices (opt-in)
STAGES = (
	PRODUCTS, SHIPMENTS, ORDERS, INVOICES, FEES, MCF, FBA_INVENTORY, STOCK_PUSH, PRICE_PUSH, LISTING_HEALTH,
)  # fmt: skip
# What a run does when asked for no stage in particular: the import of products, orders and money.
IMPORT_STAGES = (PRODUCTS, ORDERS, INVOICES, FEES)
# The stages that call only the ERP, each with the stage whose records it works on. Every other stage
# calls Amazon.
FOLLOWS = {INVOICES: ORDERS}

# What a person reads for a stage (progress, summaries, the workspace); English, translated where shown.
STAGE_LABELS = {
	PRODUCTS: "Products",
	ORDERS: "Orders",
	INVOICES: "Invoices",
	FEES: "Fees",
	FBA_INVENTORY: "FBA Inventory",
	STOCK_PUSH: "Stock to Amazon",
	MCF: "Amazon Fulfilment Status",
	SHIPMENTS: "Shipment Confirmation",
	LISTING_HEALTH: "Listings Health",
	PRICE_PUSH: "Prices to Amazon",
}


def stage_label(stage: str) -> str:
	"""The label of a stage (or of a sync log's kind, such as "retry")."""
	return STAGE_LABELS.get(stage) or stage.replace("_", " ").capitalize()


# (stage, done, total or None, message): a run's progress, told per stage.
Progress = Callable[[str, int, int | None, str], None]
# (done, total or None, message): what one engine tells.
EngineProgress = Callable[[int, int | None, str], None]
Engine = (
	ProductSync
	| OrderSync
	| OrderHistorySync
	| InvoiceSync
	| FeeSync
	| TransactionSync
	| FbaInventorySync
	| StockPush
	| FulfilmentStatusSync
	| ShipmentConfirmation
	| ListingHealthCheck
	| PricePush
)


class UnknownStage(ValueError):
	def __init__(self, stages: Iterable[str]):
		self.stages = sorted(stages)
		super().__init__(f"Unknown sync stage(s): {', '.join(self.stages)}")


def ordered_stages(stages: Iterable[str]) -> list[str]:
	"""The requested stages in the order a run keeps; UnknownStage names any other."""
	wanted = set(stages)
	unknown = wanted - set(STAGES)
	if unknown:
		raise UnknownStage(unknown)
	return [stage for stage in STAGES if stage in wanted]


class StageHooks(Protocol):
	"""What a caller does around each stage (the Frappe runner: sync logs, savepoints, commits)."""

	def started(self, stage: str) -> None: ...

	def crashed(self, stage: str, exc: Exception) -> SyncReport:
		"""The report of a stage that could not run at all (called inside the `except`)."""

	def finished(self, stage: str, report: SyncReport, *, crashed: bool) -> None: ...


class LoggingHooks:
	"""The hooks of a run without a sync log: a crashed stage is logged and reported."""

	def __init__(self, account: str):
		self.account = account

	def started(self, stage: str) -> None:
		pass

	def crashed(self, stage: str, exc: Exception) -> SyncReport:
		log.exception("%s sync of %s stopped", stage, self.account)
		return crashed_report(stage, self.account, exc)

	def finished(self, stage: str, report: SyncReport, *, crashed: bool) -> None:
		pass


class Pipeline:
	"""The engines of one run of one account."""

	def __init__(self, source: AmazonSource, port: ErpPort, settings: SyncSettings, *, now=None):
		self.source = source
		self.port = port
		self.settings = settings
		self.now = now
		self.products = ProductSync(source, port, settings, now=now)

	def engine(self, stage: str) -> Engine:
		if stage == PRODUCTS:
			return self.products
		if stage == ORDERS and history_enabled(self.settings):
			return OrderHistorySync(
				self.source, self.port, self.settings, item_resolver=self.products.ensure_items, now=self.now
			)
		if stage == ORDERS:
			return OrderSync(
				self.source, self.port, self.settings, item_resolver=self.products.ensure_items, now=self.now
			)
		if stage == INVOICES:
			return InvoiceSync(self.source, self.port, self.settings, now=self.now)
		if stage == FEES:
			if feed_of(self.settings.extra, current_time(self.now)) == FINANCES_V0:
				return FeeSync(self.source, self.port, self.settings, now=self.now)
			return TransactionSync(self.source, self.port, self.settings, now=self.now)
		if stage == FBA_INVENTORY:
			return FbaInventorySync(self.source, self.port, self.settings, now=self.now)
		if stage == STOCK_PUSH:
			return StockPush(self.source, self.port, self.settings, now=self.now)
		if stage == MCF:
			return FulfilmentStatusSync(self.source, self.port, self.settings, now=self.now)
		if stage == SHIPMENTS:
			return ShipmentConfirmation(self.source, self.port, self.settings, now=self.now)
		if stage == PRICE_PUSH:
			return PricePush(self.source, self.port, self.settings, now=self.now)
		if stage == LISTING_HEALTH:
			return ListingHealthCheck(self.source, self.port, self.settings, now=self.now)
		raise UnknownStage([stage])

	def run(
		self,
		stages: Iterable[str] = IMPORT_STAGES,
		*,
		progress: Progress | None = None,
		hooks: StageHooks | None = None,
	) -> list[SyncReport]:
		"""Run the requested stages in the fixed order products -> orders -> invoices -> fees; once
		Amazon is out, the stages it stops are not run (see the module's docstring)."""
		reports: list[SyncReport] = []
		outage: AmazonOutage | None = None
		stopped: set[str] = set()  # stages that got nothing done because of the outage, or were not run
		for stage in ordered_stages(stages):
			if outage is not None and (stage not in FOLLOWS or FOLLOWS[stage] in stopped):
				report, _crashed = self.run_stage(stage, self._not_run_work(stage, outage), hooks)
				stopped.add(stage)
			else:
				report, _crashed = self.run_stage(stage, self._stage_work(stage, progress), hooks)
				met = None if stage in FOLLOWS else amazon_outage(stage, report, self.source)
				if met is not None:
					outage = outage or met
					if not did_work(report):
						stopped.add(stage)
			reports.append(report)
		return reports

	def _not_run_work(self, stage: str, outage: AmazonOutage) -> Callable[[], SyncReport]:
		return lambda: not_run_report(stage, self.settings.account_key, outage)

	def _stage_work(self, stage: str, progress: Progress | None) -> Callable[[], SyncReport]:
		return lambda: self.engine(stage).run(progress=stage_progress(stage, progress))

	def run_stage(
		self, kind: str, work: Callable[[], SyncReport], hooks: StageHooks | None = None
	) -> tuple[SyncReport, bool]:
		"""Run one stage's `work` between the hooks, keeping the API usage it caused.
		Returns (its report, whether it crashed)."""
		hooks = hooks or LoggingHooks(self.settings.account_key)
		hooks.started(kind)
		before = source_stats(self.source)
		crashed = False
		try:
			report = work()
		except Exception as exc:  # a stage that cannot run at all still leaves a report
			report = hooks.crashed(kind, exc)
			crashed = True
		report.usage_since(before, source_stats(self.source))
		hooks.finished(kind, report, crashed=crashed)
		return report, crashed


def run_pipeline(
	source: AmazonSource,
	port: ErpPort,
	settings: SyncSettings,
	stages: Iterable[str] = IMPORT_STAGES,
	*,
	progress: Progress | None = None,
	now=None,
) -> list[SyncReport]:
	"""Run the requested stages of one account, in order, without a sync log."""
	return Pipeline(source, port, settings, now=now).run(stages, progress=progress)


@dataclass(frozen=True)
class AmazonOutage:
	"""Amazon out for the rest of a run: the stage that met it and why (one sentence, for the log)."""

	stage: str
	reason: str
	refused: bool  # the credentials refused, rather than no answer

	def not_run_message(self) -> str:
		if self.refused:
			cause = f"Amazon refused the account's credentials in the {stage_label(self.stage)} stage"
		else:
			cause = f"the {stage_label(self.stage)} stage could not reach Amazon"
		return sentence(f"Not run: {cause}: {self.reason}") + " The next run tries again."


def amazon_outage(stage: str, report: SyncReport, source: object) -> AmazonOutage | None:
	"""The outage a stage met: it failed and the source's last call got nothing from Amazon."""
	if not report.failed:
		return None
	exc = source_outage(source)
	if exc is None:
		return None
	return AmazonOutage(stage, failure_reason(exc), refused=isinstance(exc, AuthError))


def did_work(report: SyncReport) -> bool:
	"""Whether a stage created, updated, checked or recorded anything (failed and skipped do not count)."""
	return any(report.counts.get(name, 0) for name in COUNTED if name not in ("failed", "skipped"))


def not_run_report(stage: str, account: str, outage: AmazonOutage) -> SyncReport:
	"""The report of a stage the pipeline did not run because Amazon was out: failed, saying why."""
	message = outage.not_run_message()
	report = SyncReport(kind=stage, account=account, ran=False)
	report.count("failed")
	report.failures.append(RecordFailure(stage, account, message))
	report.note(message)
	return report.finish()


def crashed_report(stage: str, account: str, exc: Exception, reason: str | None = None) -> SyncReport:
	"""The report of a stage that could not run at all."""
	reason = reason or failure_reason(exc)
	report = SyncReport(kind=stage, account=account)
	report.count("failed")
	report.failures.append(RecordFailure(stage, account, reason, traceback.format_exc(limit=8)))
	report.note(sentence(f"The {stage} sync stopped: {reason}"))
	return report.finish()


def stage_progress(stage: str, progress: Progress | None) -> EngineProgress | None:
	"""An engine's progress callback that tells the run's progress which stage it is in."""
	if progress is None:
		return None
	return lambda done, total, message: progress(stage, done, total, message)
