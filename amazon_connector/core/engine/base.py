"""What the engines of one account hold (orders, money, stock, listings, shipments, fulfilment): the Amazon source, the ERP port, the account's
settings and its clock (`now`: a fixed instant, a callable such as the simulator's clock, or None
for the wall clock), so that one run sees one consistent "now" wherever it asks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Generic, TypeVar

from ..ports import ErpPort
from ..settings import SyncSettings
from ..timestamps import current_time

SourceT = TypeVar("SourceT")
Clock = datetime | Callable[[], datetime] | None


class AccountEngine(Generic[SourceT]):
	def __init__(self, source: SourceT, port: ErpPort, settings: SyncSettings, *, now: Clock = None):
		self.source = source
		self.port = port
		self.settings = settings
		self._now = now

	def now(self) -> datetime:
		return current_time(self._now)
