"""Sending offer patches to Amazon: patchListingsItem for a few changes, JSON_LISTINGS_FEED for many.

The stock push and the price push change different attributes of the same listings, under the
same usage plans, so they share this path:
- up to `stock_patch_limit` changes (default 20): one patchListingsItem per change (5 requests/s, burst
  5), each covering every marketplace the change names in one call;
- more: a JSON_LISTINGS_FEED per marketplace (at most 25,000 messages each), so that 1,000 changes
  of one marketplace cost five calls and one feed, not 1,000 calls.
A feed is submitted and left to Amazon: `collect`, on the next runs, reads the status and report
of the feeds still processing (`feeds_in_flight` decides what each accepted SKU means), so a run
takes seconds and changes made meanwhile go out in a newer feed. Each push kind keeps its own
bookkeeping (checkpoint "<kind>_feeds").
The uploaded document's id is recorded before createFeed. Should the run die before Amazon's answer
is saved (or the answer never arrive), the next run lists the JSON_LISTINGS_FEEDs of the
marketplace created since (getFeeds) and takes every one none of its records names as possibly
that feed: Amazon's Feed object carries no input document id, so no answer tells which it is. The
submission then waits until all those candidates have ended and confirms nothing: its SKUs are
sent again (`settle(certain=False)`), so no older value Amazon may have applied late stays there.
A feed still unfinished after `feed_deadline` (4 h) is cancelled (cancelFeed, which Amazon allows
only while it is IN_QUEUE) and its SKUs sent again; one Amazon is already processing cannot be
cancelled, so its SKUs are sent again and the feed is still read until it ends, when the ordering
guard of `feeds_in_flight` decides whether they must go once more.
A SKU Amazon refuses keeps its last pushed value (the next run tries again) and its mapping shows
Amazon's message (`on_rejected`); a call or feed that fails as a whole names every SKU in it but
leaves the mappings as they were (nothing new to say about the listing).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from ...spapi.feeds import CANCELLED, DONE, IN_QUEUE, MAX_MESSAGES, FeedMessage
from ..ports import Outcome
from ..settings import SyncSettings
from ..timestamps import TimestampError, as_utc, parse_timestamp
from .feeds_in_flight import FeedsInFlight, Item, Key, Submission
from .report import RecordFailure, SyncReport, failure_reason

log = logging.getLogger(__name__)

DEFAULT_PATCH_LIMIT = 20
# A feed Amazon has not finished after this long is given up (its SKUs are sent again). Amazon
# processes a feed in minutes; hours mean it is lost, and its SKUs should not wait for it forever.
DEFAULT_FEED_DEADLINE = 4 * 3600.0
# How long before a submission's own moment a feed Amazon made of it may look created: the two
# clocks (this server's and Amazon's) may differ by this much.
CLOCK_MARGIN = timedelta(minutes=5)


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
		in_flight: FeedsInFlight,
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

	@classmethod
	def for_push(
		cls,
		engine,
		report: SyncReport,
		*,
		record_kind: str,
		on_pushed: Callable[[Item], None],
		on_rejected: Callable[[Item, str], None],
		event_of: Callable[[Item], dict],
	) -> ListingsPatchSender:
		"""The sender of a push engine (stock, prices): its feeds in flight are kept under the
		report's kind, so that each push reads back only the feeds it submitted."""
		return cls(
			engine.source,
			engine.port,
			engine.settings,
			report,
			record_kind=record_kind,
			on_pushed=on_pushed,
			on_rejected=on_rejected,
			event_of=event_of,
			in_flight=FeedsInFlight.load(engine.port, report.kind),
			push_kind=report.kind,
			now=engine.now,
		)

	def still_processing(self, keys: Iterable[Key]) -> int:
		"""How many of the (marketplace, SKU) `keys` have their newest value in a feed Amazon is
		still processing."""
		return sum(1 for key in keys if self.in_flight.in_flight(key)[0])

	def summary(self, listed: str, changed: int, waiting: int) -> None:
		"""The run's one-line account in the log: `listed` says what was compared ("12 offer prices")."""
		counts = self.report.counts
		self.report.note(
			f"{listed}, {changed} changed: {counts.get('updated', 0)} confirmed by Amazon, "
			f"{counts.get('submitted', 0)} submitted in feeds, {counts.get('failed', 0)} refused or "
			f"failed; {waiting} in feeds Amazon was still processing."
		)

	# -- feeds sent on earlier runs ----------------------------------------------------------------
	def collect(self, progress=None) -> None:
		"""Read the status of every feed still processing; settle those Amazon finished."""
		feeds = self.in_flight.unfinished_feeds()
		for done, feed in enumerate(feeds, start=1):
			_progress(progress, done, len(feeds), f"Feed {feed.name}: Amazon's report")
			try:
				if feed.feed_id:
					self._collect(feed)
				else:
					self._recover(feed)
			except Exception as exc:  # read again on the next run; the other feeds go on
				self.report.note(
					f"Feed {feed.name} could not be read, tried again next run: {failure_reason(exc)}"
				)
				if not feed.finished and feed in self.in_flight.submissions:
					self._give_up_if_late(feed, unreadable=True)
			self.in_flight.save(self.port, self.push_kind)

	def _collect(self, feed: Submission) -> None:
		status = self.source.get_feed_status(feed.feed_id)
		if not status.finished:
			self._give_up_if_late(feed, status.status)
			return
		result = self.source.read_feed_result(status, feed.skus_by_message)
		if status.status != DONE:
			reason = "; ".join(result.feed_issues)
			self._failed(feed.items, f"Feed {feed.feed_id} ended {status.status}: {reason}", tell_port=False)
			if status.status == CANCELLED:  # nothing of it was applied
				self.report.note(
					f"Feed {feed.feed_id} ended CANCELLED ({reason}): its {len(feed.items)} SKUs go again "
					"(those a newer feed carries go with it)."
				)
				self.in_flight.drop(feed)
				return
			# FATAL: Amazon may have applied some of it, so nothing is confirmed and all goes again.
			settled = self.in_flight.settle(feed, status.processing_end, {}, certain=False)
			self.report.note(
				f"Feed {feed.feed_id} ended {status.status} ({reason}): {len(settled.resend)} SKUs go again, "
				f"{len(settled.superseded)} already sent again with a newer value."
			)
			return
		errors = {sku: "; ".join(texts) for sku, texts in result.errors.items()}
		if result.feed_issues:  # an issue of no one message: Amazon took none of it as given
			errors = {item.sku: "; ".join(result.feed_issues) for item in feed.items}
		marketplaces = _marketplaces(feed.items)
		settled = self.in_flight.settle(feed, status.processing_end, errors)
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
				self.in_flight.resend.add(item.key)
		for item, reason, newest in settled.rejected:
			self._failed([item], reason or "refused by Amazon", tell_port=newest)

	def _recover(self, feed: Submission) -> None:
		"""A submission whose createFeed answer was never saved: find the feeds Amazon may have made
		of its document, wait for them all to end, then send its SKUs again."""
		if feed.candidates is None:
			since = _moment(feed.submitted_at) or _aware(self.now())
			known = self.in_flight.known_feed_ids()
			found = self.source.find_feeds(feed.marketplace_ids, since - CLOCK_MARGIN)
			feed.candidates = sorted({f.feed_id for f in found if f.feed_id and f.feed_id not in known})
			if not feed.candidates:
				self.report.note(
					f"Amazon made no feed {feed.name} (getFeeds lists none since it was uploaded): "
					f"its {len(feed.items)} SKUs go again."
				)
				self.in_flight.drop(feed)
				return
			self.report.note(
				f"The createFeed answer for document {feed.document_id} was never kept; the feeds Amazon "
				f"may have made of it ({', '.join(feed.candidates)}) are read until they end."
			)
		ended, applied = [], False
		for feed_id in feed.candidates:
			status = self.source.get_feed_status(feed_id)
			if not status.finished:
				self._give_up_if_late(feed, status.status)
				return
			if status.status != CANCELLED:
				applied = True
				ended.append(status.processing_end)
		if not applied:  # Amazon applied none of them
			self.report.note(f"The feeds that may be feed {feed.name} were all cancelled: its SKUs go again.")
			self.in_flight.drop(feed)
			return
		# The latest end: any of them may be ours. One without a (readable) end time counts as last.
		moments = [_moment(e) for e in ended]
		latest = [m for m in moments if m is not None]
		ended_at = max(latest).isoformat() if latest and len(latest) == len(moments) else ""
		settled = self.in_flight.settle(feed, ended_at, {}, certain=False)
		self.report.note(
			f"The feeds that may be feed {feed.name} have ended: {len(settled.resend)} SKUs go again "
			f"(which value Amazon kept is not known), {len(settled.superseded)} already sent again."
		)

	def _give_up_if_late(self, feed: Submission, status: str = "", *, unreadable=False) -> None:
		submitted = _moment(feed.submitted_at)
		if submitted is None or _aware(self.now()) - submitted < timedelta(seconds=self.feed_deadline):
			return
		hours = self.feed_deadline / 3600
		waited = f"Amazon had not finished feed {feed.name} ({status or 'status unknown'}) after {hours:g} h"
		if feed.released:
			if unreadable:  # its SKUs went again already; a feed Amazon no longer shows is let go
				self.report.note(f"{waited} and it can no longer be read: it is no longer waited for.")
				self.in_flight.drop(feed)
			return
		if feed.feed_id and status in (IN_QUEUE, ""):
			try:
				self.source.cancel_feed(feed.feed_id)
			except Exception as exc:  # Amazon started it meanwhile (only IN_QUEUE feeds are cancelled)
				self.report.note(f"Feed {feed.feed_id} could not be cancelled: {failure_reason(exc)}")
			else:
				reason = f"{waited}; it was cancelled on Amazon and its SKUs are sent again"
				self.report.note(reason)
				self.in_flight.drop(feed)
				self._failed(feed.items, reason, tell_port=False)
				return
		if not feed.feed_id and feed.candidates is None:  # nothing on Amazon to wait for was found
			reason = f"{waited} and no feed Amazon made of it could be found; its SKUs are sent again"
			self.report.note(reason)
			self.in_flight.drop(feed)
			self._failed(feed.items, reason, tell_port=False)
			return
		# Amazon is processing it (or it may be another's): it may still apply, so it stays recorded.
		items = self.in_flight.release(feed)
		reason = f"{waited}; its SKUs are sent again, and the feed is read until it ends"
		self.report.note(reason)
		self._failed(items, reason, tell_port=False)

	# -- this run's changes ------------------------------------------------------------------------
	def send(self, changes: list[PatchChange], progress=None) -> None:
		if changes:
			if len(changes) <= self.patch_limit:
				self._patch(changes, progress)
			else:
				self._submit_feeds(changes, progress)
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
				document = self.source.upload_listings_feed(self.seller_id, messages)
			except Exception as exc:  # no feed asked for: none of its SKUs changed, the next run sends them
				self._not_submitted(marketplace_id, items, exc)
				continue
			# Kept before createFeed: a run that dies before Amazon's answer is saved still finds the feed.
			feed = self.in_flight.add_feed("", items, self._stamp(), document.document_id)
			self.in_flight.save(self.port, self.push_kind)
			try:
				feed_id = self.source.create_feed(document.document_id, [marketplace_id])
			except Exception as exc:
				if _refused(exc):  # Amazon answered no: there is no feed
					self.in_flight.drop(feed)
					self._not_submitted(marketplace_id, items, exc)
				else:  # no answer: Amazon may have made the feed; the next run looks for it
					self.report.note(
						f"createFeed for document {document.document_id} ({marketplace_id}, {len(items)} SKUs) "
						f"got no answer ({failure_reason(exc)}); the next run looks for the feed on Amazon."
					)
				self.in_flight.save(self.port, self.push_kind)
				continue
			self.in_flight.identify(feed, feed_id)
			self.in_flight.save(self.port, self.push_kind)
			self.report.count("submitted", len(items))
			self.report.note(
				f"Feed {feed_id} for {marketplace_id}: {len(items)} SKUs submitted; "
				"Amazon's report is read on the next runs."
			)

	def _not_submitted(self, marketplace_id: str, items: list[Item], exc: Exception) -> None:
		reason = failure_reason(exc)
		self.report.note(f"The {self.report.kind} feed for {marketplace_id} was not submitted: {reason}")
		self._failed(items, reason, tell_port=False)

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


def _moment(value: str) -> datetime | None:
	try:
		return parse_timestamp(value)
	except TimestampError:  # unreadable: as if not given
		return None


def _refused(exc: Exception) -> bool:
	"""Amazon answered the call with a refusal (4xx, throttling included), so it did nothing."""
	status = getattr(exc, "status", None)
	return isinstance(status, int) and 400 <= status < 500


def _marketplaces(items: list[Item]) -> str:
	return ", ".join(sorted({i.marketplace_id for i in items})) or "no SKU left"


def _progress(progress, done: int, total: int | None, message: str) -> None:
	if progress is not None:
		progress(done, total, message)
