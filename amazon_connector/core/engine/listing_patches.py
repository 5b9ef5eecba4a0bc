"""Sending offer patches to Amazon: patchListingsItem for a few changes, JSON_LISTINGS_FEED for many.

The stock push and the price push change different attributes of the same listings, under the
same usage plans, so they share this path:
- up to `stock_patch_limit` changes (default 20): one patchListingsItem per change (5 requests/s, burst
  5), each covering every marketplace the change names in one call;
- more: a JSON_LISTINGS_FEED per marketplace (at most 25,000 messages each), so that 1,000 changes
  of one marketplace cost five calls and one feed, not 1,000 calls.
A SKU Amazon refuses keeps its last pushed value (the next run tries again) and its mapping shows
Amazon's message (`on_rejected`); a call or feed that fails as a whole names every SKU in it but
leaves the mappings as they were (nothing new to say about the listing).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ...spapi.feeds import MAX_MESSAGES, FeedMessage
from ..ports import Outcome
from ..settings import SyncSettings
from .report import RecordFailure, SyncReport, failure_reason

log = logging.getLogger(__name__)

DEFAULT_PATCH_LIMIT = 20


class ListingEntry(Protocol):
	"""One SKU in one marketplace, as the ERP port lists it."""

	@property
	def marketplace_id(self) -> str: ...

	@property
	def sku(self) -> str: ...


@dataclass
class PatchChange:
	"""One patch of one SKU, for the marketplaces of its entries (one entry per marketplace)."""

	sku: str
	patch: dict
	entries: list = field(default_factory=list)
	label: str = ""  # what the progress line says, e.g. "SKU-1: 7"


class ListingsPatchSender:
	def __init__(
		self,
		source,
		port,
		settings: SyncSettings,
		report: SyncReport,
		*,
		record_kind: str,
		# Each takes one of the port's entries (a ListingEntry of the engine's own kind).
		on_pushed: Callable[[Any], None],
		on_rejected: Callable[[Any, str], None],
		event_of: Callable[[Any], dict],
	):
		extra = settings.extra or {}
		self.source = source
		self.port = port
		self.seller_id = settings.seller_id
		self.report = report
		self.record_kind = record_kind
		self.on_pushed = on_pushed
		self.on_rejected = on_rejected
		self.event_of = event_of
		self.patch_limit = int(extra.get("stock_patch_limit") or DEFAULT_PATCH_LIMIT)
		self.feed_options = {
			name: float(extra[key])
			for name, key in (("poll_interval", "report_poll_interval"), ("deadline", "report_deadline"))
			if extra.get(key)
		}

	def send(self, changes: list[PatchChange], progress=None) -> None:
		if not changes:
			return
		if len(changes) <= self.patch_limit:
			self._patch(changes, progress)
		else:
			self._feeds(changes, progress)

	def _patch(self, changes: list[PatchChange], progress) -> None:
		for done, change in enumerate(changes, start=1):
			_progress(progress, done, len(changes), change.label or change.sku)
			marketplaces = [e.marketplace_id for e in change.entries]
			try:
				submission = self.source.patch_listings_item(
					self.seller_id, change.sku, marketplaces, [change.patch]
				)
			except Exception as exc:  # one SKU's trouble leaves the others to go
				self._failed(change.entries, failure_reason(exc), tell_port=False)
				continue
			if submission.accepted:
				self._pushed(change.entries)
			else:
				self._failed(change.entries, submission.error_text())

	def _feeds(self, changes: list[PatchChange], progress) -> None:
		by_marketplace: dict[str, list[tuple[ListingEntry, dict]]] = defaultdict(list)
		for change in changes:
			for entry in change.entries:
				by_marketplace[entry.marketplace_id].append((entry, change.patch))
		batches = [
			(marketplace_id, entries[start : start + MAX_MESSAGES])
			for marketplace_id, entries in by_marketplace.items()
			for start in range(0, len(entries), MAX_MESSAGES)
		]
		for done, (marketplace_id, batch) in enumerate(batches, start=1):
			_progress(progress, done, len(batches), f"Feed of {len(batch)} SKUs for {marketplace_id}")
			entries = [entry for entry, _ in batch]
			messages = [FeedMessage(entry.sku, (patch,)) for entry, patch in batch]
			try:
				result = self.source.submit_listings_feed(
					self.seller_id, [marketplace_id], messages, **self.feed_options
				)
			except Exception as exc:  # the feed failed as a whole: none of its SKUs changed
				reason = failure_reason(exc)
				self.report.note(f"The {self.report.kind} feed for {marketplace_id} failed: {reason}")
				self._failed(entries, reason, tell_port=False)
				continue
			self.report.note(
				f"Feed {result.feed_id} for {marketplace_id}: {len(entries)} SKUs, {result.summary or {}}"
			)
			for entry in entries:
				if result.accepted(entry.sku):
					self._pushed([entry])
				else:
					self._failed([entry], "; ".join(result.errors.get(entry.sku) or result.feed_issues))

	def _pushed(self, entries: list) -> None:
		for entry in entries:
			with self.port.record_scope(self.record_kind, entry.sku):
				self.on_pushed(entry)
			self.report.count(Outcome.UPDATED)
			self.report.events.append(self.event_of(entry))

	def _failed(self, entries: list, reason: str, *, tell_port=True) -> None:
		for entry in entries:
			self.report.count("failed")
			self.report.failures.append(
				RecordFailure(
					self.record_kind, f"{entry.sku} ({entry.marketplace_id})", reason or "refused by Amazon"
				)
			)
			if tell_port:
				try:
					with self.port.record_scope(self.record_kind, entry.sku):
						self.on_rejected(entry, reason)
				except Exception:  # the message is in the log either way
					log.exception("could not note Amazon's refusal of %s on its mapping", entry.sku)


def _progress(progress, done: int, total: int | None, message: str) -> None:
	if progress is not None:
		progress(done, total, message)
