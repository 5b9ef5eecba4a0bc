"""Sending offer patches to Amazon: patchListingsItem for a few changes, JSON_LISTINGS_FEED for many.

The stock push and the price push change different attributes of the same listings, under the
same usage plans, so they share this path:
- up to `stock_patch_limit` changes (default 20): one patchListingsItem per change (5 requests/s, burst
  5), each covering every marketplace the change names in one call;
- more: a JSON_LISTINGS_FEED per marketplace (at most 25,000 messages each), so that 1,000 changes
  of one marketplace cost five calls and one feed, not 1,000 calls.
With `in_flight` (the stock push) a feed is submitted and left to Amazon: `collect`, on the next runs,
reads the status and report of the feeds still processing (`feeds_in_flight` decides what each
accepted SKU means), so a run takes seconds and changes made meanwhile go out in a newer feed.
Without it (the price push) a run waits for each feed's report.
A SKU Amazon refuses keeps its last pushed value (the next run tries again) and its mapping shows
Amazon's message (`on_rejected`); a call or feed that fails as a whole names every SKU in it but
leaves the mappings as they were (nothing new to say about the listing).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from ...spapi.feeds import DONE, MAX_MESSAGES, FeedMessage
from ..ports import Outcome
from ..settings import SyncSettings
from ..timestamps import TimestampError, as_utc, parse_timestamp
from .feeds_in_flight import FeedsInFlight, Item, Submission
from .report import RecordFailure, SyncReport, failure_reason

log = logging.getLogger(__name__)

DEFAULT_PATCH_LIMIT = 20
# A feed Amazon has not finished after this long is given up (its SKUs are sent again). Amazon
# processes a feed in minutes; hours mean it is lost, and its SKUs should not wait for it forever.
DEFAULT_FEED_DEADLINE = 4 * 3600.0


@dataclass
class PatchChange:
	"""One patch of one SKU, for the marketplaces of its items (one item per marketplace)."""

	sku: str
	patch: dict
	items: list[Item] = field(default_factory=list)
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
		on_pushed: Callable[[Item], None],
		on_rejected: Callable[[Item, str], None],
		event_of: Callable[[Item], dict],
		in_flight: FeedsInFlight | None = None,
		push_kind: str = "",
		now: Callable[[], datetime] | None = None,
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
		self.in_flight = in_flight
		self.push_kind = push_kind or report.kind
		self.now = now or (lambda: datetime.now(timezone.utc))
		limit = extra.get("stock_patch_limit")
		self.patch_limit = DEFAULT_PATCH_LIMIT if limit in (None, "") else int(limit)  # 0: feeds only
		self.feed_deadline = float(extra.get("feed_deadline") or DEFAULT_FEED_DEADLINE)
		self.feed_options = {
			name: float(extra[key])
			for name, key in (("poll_interval", "report_poll_interval"), ("deadline", "report_deadline"))
			if extra.get(key)
		}

	# -- feeds sent on earlier runs ----------------------------------------------------------------
	def collect(self, progress=None) -> None:
		"""Read the status of every feed still processing; settle those Amazon finished."""
		if self.in_flight is None:
			return
		feeds = self.in_flight.unfinished_feeds()
		for done, feed in enumerate(feeds, start=1):
			_progress(progress, done, len(feeds), f"Feed {feed.feed_id}: Amazon's report")
			try:
				self._collect(feed)
			except Exception as exc:  # read again on the next run; the other feeds go on
				self.report.note(
					f"Feed {feed.feed_id} could not be read, tried again next run: {failure_reason(exc)}"
				)
				if not feed.finished:
					self._give_up_if_late(feed)
			self.in_flight.save(self.port, self.push_kind)

	def _collect(self, feed: Submission) -> None:
		status = self.source.get_feed_status(feed.feed_id)
		if not status.finished:
			self._give_up_if_late(feed, status.status)
			return
		result = self.source.read_feed_result(status, feed.skus_by_message)
		if status.status != DONE:
			reason = "; ".join(result.feed_issues)
			self.report.note(
				f"Feed {feed.feed_id} ended {status.status} ({reason}): its {len(feed.items)} SKUs go again "
				"(those a newer feed carries go with it)."
			)
			self.in_flight.drop(feed)  # type: ignore[union-attr]
			self._failed(feed.items, f"Feed {feed.feed_id} ended {status.status}: {reason}", tell_port=False)
			return
		errors = {sku: "; ".join(texts) for sku, texts in result.errors.items()}
		if result.feed_issues:  # an issue of no one message: Amazon took none of it as given
			errors = {item.sku: "; ".join(result.feed_issues) for item in feed.items}
		marketplaces = _marketplaces(feed.items)
		settled = self.in_flight.settle(feed, status.processing_end, errors)  # type: ignore[union-attr]
		self.report.note(
			f"Feed {feed.feed_id} for {marketplaces} done: {len(settled.confirmed)} confirmed, "
			f"{len(settled.rejected)} refused, {len(settled.superseded)} already sent again with a newer value, "
			f"{len(settled.resend)} to send again (a newer value reached Amazon first); {result.summary or {}}"
		)
		for item in settled.confirmed:
			try:
				self._pushed([item])
			except Exception as exc:  # not recorded: the SKU goes again, to be confirmed by its answer
				self._failed([item], failure_reason(exc), tell_port=False)
				self.in_flight.resend.add(item.key)  # type: ignore[union-attr]
		for item, reason, newest in settled.rejected:
			self._failed([item], reason or "refused by Amazon", tell_port=newest)

	def _give_up_if_late(self, feed: Submission, status: str = "") -> None:
		try:
			submitted = parse_timestamp(feed.submitted_at)
		except TimestampError:
			submitted = None
		if submitted is None or _aware(self.now()) - submitted < timedelta(seconds=self.feed_deadline):
			return
		hours = self.feed_deadline / 3600
		reason = (
			f"Amazon had not finished feed {feed.feed_id} ({status or 'status unknown'}) after {hours:g} h; "
			"its SKUs are sent again"
		)
		self.report.note(reason)
		self.in_flight.drop(feed)  # type: ignore[union-attr]
		self._failed(feed.items, reason, tell_port=False)

	# -- this run's changes ------------------------------------------------------------------------
	def send(self, changes: list[PatchChange], progress=None) -> None:
		if changes:
			if len(changes) <= self.patch_limit:
				self._patch(changes, progress)
			elif self.in_flight is not None:
				self._submit_feeds(changes, progress)
			else:
				self._feeds(changes, progress)
		if self.in_flight is not None:
			self.in_flight.save(self.port, self.push_kind)

	def _patch(self, changes: list[PatchChange], progress) -> None:
		for done, change in enumerate(changes, start=1):
			_progress(progress, done, len(changes), change.label or change.sku)
			marketplaces = [i.marketplace_id for i in change.items]
			try:
				submission = self.source.patch_listings_item(
					self.seller_id, change.sku, marketplaces, [change.patch]
				)
			except Exception as exc:  # one SKU's trouble leaves the others to go
				self._failed(change.items, failure_reason(exc), tell_port=False)
				continue
			if submission.accepted:
				if self.in_flight is not None:
					self.in_flight.add_patch(change.items, self._stamp())
				self._pushed(change.items)
			else:
				self._failed(change.items, submission.error_text())

	def _batches(self, changes: list[PatchChange]) -> list[tuple[str, list[tuple[Item, dict]]]]:
		by_marketplace: dict[str, list[tuple[Item, dict]]] = defaultdict(list)
		for change in changes:
			for item in change.items:
				by_marketplace[item.marketplace_id].append((item, change.patch))
		return [
			(marketplace_id, items[start : start + MAX_MESSAGES])
			for marketplace_id, items in by_marketplace.items()
			for start in range(0, len(items), MAX_MESSAGES)
		]

	def _submit_feeds(self, changes: list[PatchChange], progress) -> None:
		batches = self._batches(changes)
		for done, (marketplace_id, batch) in enumerate(batches, start=1):
			_progress(progress, done, len(batches), f"Feed of {len(batch)} SKUs for {marketplace_id}")
			items = [item for item, _ in batch]
			messages = [FeedMessage(item.sku, (patch,)) for item, patch in batch]
			try:
				submitted = self.source.create_listings_feed(self.seller_id, [marketplace_id], messages)
			except Exception as exc:  # not submitted: none of its SKUs changed, the next run sends them
				reason = failure_reason(exc)
				self.report.note(
					f"The {self.report.kind} feed for {marketplace_id} was not submitted: {reason}"
				)
				self._failed(items, reason, tell_port=False)
				continue
			self.in_flight.add_feed(submitted.feed_id, items, self._stamp())  # type: ignore[union-attr]
			# Kept at once: a run that dies now must still read this feed's report later.
			self.in_flight.save(self.port, self.push_kind)  # type: ignore[union-attr]
			self.report.count("submitted", len(items))
			self.report.note(
				f"Feed {submitted.feed_id} for {marketplace_id}: {len(items)} SKUs submitted; "
				"Amazon's report is read on the next runs."
			)

	def _feeds(self, changes: list[PatchChange], progress) -> None:
		batches = self._batches(changes)
		for done, (marketplace_id, batch) in enumerate(batches, start=1):
			_progress(progress, done, len(batches), f"Feed of {len(batch)} SKUs for {marketplace_id}")
			items = [item for item, _ in batch]
			messages = [FeedMessage(item.sku, (patch,)) for item, patch in batch]
			try:
				result = self.source.submit_listings_feed(
					self.seller_id, [marketplace_id], messages, **self.feed_options
				)
			except Exception as exc:  # the feed failed as a whole: none of its SKUs changed
				reason = failure_reason(exc)
				self.report.note(f"The {self.report.kind} feed for {marketplace_id} failed: {reason}")
				self._failed(items, reason, tell_port=False)
				continue
			self.report.note(
				f"Feed {result.feed_id} for {marketplace_id}: {len(items)} SKUs, {result.summary or {}}"
			)
			for item in items:
				if result.accepted(item.sku):
					self._pushed([item])
				else:
					self._failed([item], "; ".join(result.errors.get(item.sku) or result.feed_issues))

	# -- outcomes ----------------------------------------------------------------------------------
	def _pushed(self, items: list[Item]) -> None:
		for item in items:
			with self.port.record_scope(self.record_kind, item.sku):
				self.on_pushed(item)
			self.report.count(Outcome.UPDATED)
			self.report.events.append(self.event_of(item))

	def _failed(self, items: list[Item], reason: str, *, tell_port=True) -> None:
		for item in items:
			self.report.count("failed")
			self.report.failures.append(
				RecordFailure(
					self.record_kind, f"{item.sku} ({item.marketplace_id})", reason or "refused by Amazon"
				)
			)
			if tell_port:
				try:
					with self.port.record_scope(self.record_kind, item.sku):
						self.on_rejected(item, reason)
				except Exception:  # the message is in the log either way
					log.exception("could not note Amazon's refusal of %s on its mapping", item.sku)

	def _stamp(self) -> str:
		return _aware(self.now()).isoformat()


def _aware(moment: datetime) -> datetime:
	return as_utc(moment)


def _marketplaces(items: list[Item]) -> str:
	return ", ".join(sorted({i.marketplace_id for i in items})) or "no SKU left"


def _progress(progress, done: int, total: int | None, message: str) -> None:
	if progress is not None:
		progress(done, total, message)
