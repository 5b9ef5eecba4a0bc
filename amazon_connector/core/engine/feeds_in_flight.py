"""Listings submissions Amazon has not finished yet, so that a feed's report can be read on a later
run and still never confirm a value older than the newest one sent.

A JSON_LISTINGS_FEED takes Amazon minutes to process. Waiting for it inside a run would hold back
every change made meanwhile, so a push submits its feed and returns; the next runs read the feed's
status and report, while newer changes go out in newer submissions. This records, in one checkpoint
per push kind, every submission in order (a sequence number): the feeds still processing with the
value each carries per (marketplace, SKU), and the finished submissions an unfinished older feed
could still be overtaken by. From it:
- the value a SKU is *in flight* with (its newest submission is still processing): the push compares
  ERPNext's value with that one, not with what Amazon last confirmed, so it does not send it twice;
- a finished feed's accepted SKUs are *confirmed* only where no newer submission carries the SKU;
- an older feed that Amazon finished after a newer submission of the same SKU with another value
  (a patch applied at once, or a newer feed Amazon processed first) may have left Amazon with the
  older value: the SKU is marked to be sent again, with ERPNext's value of then;
- a feed that ended CANCELLED (Amazon cancels only feeds that have not started) is forgotten: its
  SKUs fall back to what was sent before (an older feed in flight, or the last confirmed value),
  so the push sends them again;
- a feed whose outcome is not known per SKU confirms nothing (`settle(certain=False)`): a FATAL
  one (Amazon's model: "some, none, or all of the operations ... may have completed"), and one
  whose id Amazon's createFeed answer never brought back. Each of its SKUs is sent again unless a
  newer submission carries it, and then by the same end-time rule as above;
- a feed given up waiting for (`release`) stays recorded until it ends, since Amazon may still
  apply it; its SKUs are sent again at once, and the end-time rule covers the feed ending later.
A submission is recorded before createFeed, with the id of its uploaded document and no feed id:
a run that dies before Amazon's answer is saved leaves it so, and a later run looks for the feeds
Amazon may have made of it (`candidates`, see listing_patches).
Amazon does not promise an order between submissions (its Feeds FAQ says feeds are queued and
processed in order, but a patch skips that queue), hence the comparison of end times.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..timestamps import TimestampError, parse_timestamp

Key = tuple[str, str]  # (marketplace_id, sku)
FEED = "feed"
PATCH = "patch"


@dataclass
class Item:
	marketplace_id: str
	sku: str
	value: Any  # JSON: what this submission sets (a quantity; a price as text)
	before: Any = None  # what Amazon had confirmed when it was sent, for the log

	@property
	def key(self) -> Key:
		return (self.marketplace_id, self.sku)


@dataclass
class Submission:
	seq: int
	via: str  # FEED or PATCH
	items: list[Item]  # a feed's in message order: message id = index + 1
	feed_id: str = ""
	submitted_at: str = ""  # ISO 8601 on the engine's clock
	finished: bool = False
	ended_at: str = ""  # a feed's processingEndTime (Amazon's clock); "" for patches or when not given
	document_id: str = ""  # the uploaded input document, recorded before createFeed
	# A feed without an id (createFeed's answer was lost): the feeds Amazon may have made of its
	# document, once looked up (None: not yet).
	candidates: list[str] | None = None
	released: bool = False  # given up waiting for: its SKUs were sent again; still read until it ends

	@property
	def skus_by_message(self) -> dict[int, str]:
		return {index: item.sku for index, item in enumerate(self.items, start=1)}

	@property
	def marketplace_ids(self) -> list[str]:
		return sorted({item.marketplace_id for item in self.items})

	@property
	def name(self) -> str:
		"""How the log names it: the feed id, or the document Amazon's feed was to be made of."""
		return self.feed_id or f"of document {self.document_id or '(none)'}"


@dataclass
class Settled:
	"""What a finished feed means for each of its items."""

	confirmed: list[Item] = field(default_factory=list)  # Amazon has it, and it is the newest sent
	superseded: list[Item] = field(default_factory=list)  # a newer submission carries the SKU
	resend: list[Item] = field(default_factory=list)  # Amazon may now hold this older value
	rejected: list[tuple[Item, str, bool]] = field(default_factory=list)  # (item, reason, newest?)


class FeedsInFlight:
	def __init__(self, state: dict | None = None):
		state = state or {}
		self.seq = int(state.get("seq") or 0)
		self.submissions = [_submission(raw) for raw in state.get("submissions") or []]
		self.resend: set[Key] = {(str(m), str(s)) for m, s in state.get("resend") or []}
		self._index: dict[Key, tuple[Submission, Any]] | None = None

	@classmethod
	def checkpoint_kind(cls, push_kind: str) -> str:
		return f"{push_kind}_feeds"

	@classmethod
	def load(cls, port, push_kind: str) -> FeedsInFlight:
		return cls(port.get_checkpoint(cls.checkpoint_kind(push_kind)))

	def save(self, port, push_kind: str) -> None:
		port.set_checkpoint(self.checkpoint_kind(push_kind), self.state())

	def state(self) -> dict:
		return {
			"seq": self.seq,
			"submissions": [_raw(s) for s in self.submissions],
			"resend": sorted([m, s] for m, s in self.resend),
		}

	# -- reading ---------------------------------------------------------------------------------
	def unfinished_feeds(self) -> list[Submission]:
		return [s for s in self.submissions if s.via == FEED and not s.finished]

	def in_flight(self, key: Key) -> tuple[bool, Any]:
		"""(True, value) when the newest submission of the SKU is still processing."""
		newest, value = self._newest().get(key, (None, None))
		if newest is None or newest.finished:
			return False, None
		return True, value

	def must_resend(self, key: Key) -> bool:
		return key in self.resend

	def needs_sending(self, key: Key, wanted: Any, confirmed: Any, same: Callable[[Any, Any], bool]) -> bool:
		"""Does ERPNext's `wanted` value have to go? When it differs from the value in flight (else
		from the one Amazon confirmed), or when the SKU is marked to be sent again."""
		if key in self.resend:
			return True
		sending, value = self.in_flight(key)
		reference = value if sending else confirmed
		return reference is None or not same(wanted, reference)

	def known_feed_ids(self) -> set[str]:
		return {s.feed_id for s in self.submissions if s.feed_id}

	# -- recording -------------------------------------------------------------------------------
	def add_feed(
		self, feed_id: str, items: list[Item], submitted_at: str, document_id: str = ""
	) -> Submission:
		"""A feed, or (feed_id "") the document about to be made a feed by createFeed."""
		return self._add(Submission(0, FEED, list(items), feed_id, submitted_at, document_id=document_id))

	def identify(self, feed: Submission, feed_id: str) -> None:
		"""createFeed answered: the submission is that feed."""
		feed.feed_id, feed.candidates = feed_id, None

	def add_patch(self, items: list[Item], submitted_at: str) -> None:
		"""An accepted patch: kept only while an unfinished feed carries one of its SKUs (the one
		case where the order of the two matters)."""
		keys = {i.key for i in items}
		self.resend -= keys
		if any(keys & {i.key for i in s.items} for s in self.unfinished_feeds()):
			self._add(Submission(0, PATCH, list(items), submitted_at=submitted_at, finished=True))

	def settle(self, feed: Submission, ended_at: str, errors: dict[str, str], *, certain=True) -> Settled:
		"""A feed Amazon finished (DONE): `errors` maps each SKU it refused to Amazon's message.
		Not `certain`: Amazon may have applied any of its SKUs or none (a FATAL feed, or one found
		only among candidates): nothing is confirmed, and what would be is sent again."""
		settled = Settled()
		accepted = []
		later = [(s, {i.key: i.value for i in s.items}) for s in self.submissions if s.seq > feed.seq]
		for item in feed.items:
			newer = [(s, values[item.key]) for s, values in later if item.key in values]
			if certain and item.sku in errors:
				settled.rejected.append((item, errors[item.sku], not newer))
				continue
			accepted.append(item)
			finished_other = [
				s for s, value in newer if s.finished and value != item.value and _overtaken(s, ended_at)
			]
			if not newer and certain:
				settled.confirmed.append(item)
			elif not newer or finished_other:
				settled.resend.append(item)
				self.resend.add(item.key)
			else:
				settled.superseded.append(item)
		feed.items, feed.finished, feed.ended_at = accepted, True, ended_at
		self._changed()
		return settled

	def release(self, feed: Submission) -> list[Item]:
		"""Stop waiting for an unfinished feed Amazon may still apply: the SKUs it is the newest
		submission of are sent again; the feed stays recorded until it ends."""
		feed.released = True
		newest = self._newest()
		items = [i for i in feed.items if newest.get(i.key, (None, None))[0] is feed]
		self.resend |= {i.key for i in items}
		return items

	def drop(self, feed: Submission) -> None:
		"""A feed Amazon never applies (ended CANCELLED, cancelled by us, never made, or lost): none
		of it counts."""
		self.submissions = [s for s in self.submissions if s is not feed]
		self._changed()

	# -- inside ----------------------------------------------------------------------------------
	def _add(self, submission: Submission) -> Submission:
		self.seq += 1
		submission.seq = self.seq
		self.submissions.append(submission)
		self.resend -= {i.key for i in submission.items}
		self._changed()
		return submission

	def _changed(self) -> None:
		# Finished submissions matter only while an older feed is unfinished: drop the leading ones.
		while self.submissions and self.submissions[0].finished:
			self.submissions.pop(0)
		self._index = None

	def _newest(self) -> dict[Key, tuple[Submission, Any]]:
		if self._index is None:
			self._index = {}
			for submission in self.submissions:  # in order: later ones win
				for item in submission.items:
					self._index[item.key] = (submission, item.value)
		return self._index


def _overtaken(newer: Submission, older_ended_at: str) -> bool:
	"""Did Amazon finish the older feed after `newer`? A patch applies when it is accepted, before
	any feed still processing then; a feed without end times is taken as overtaken (to be safe)."""
	newer_end, older_end = _moment(newer.ended_at), _moment(older_ended_at)
	if newer.via == PATCH or newer_end is None or older_end is None:
		return True
	return newer_end <= older_end


def _moment(value: str):
	try:
		return parse_timestamp(value)
	except TimestampError:  # Amazon's time unreadable: as if not given
		return None


def _submission(raw: dict) -> Submission:
	return Submission(
		seq=int(raw["seq"]),
		via=str(raw.get("via") or FEED),
		items=[Item(str(m), str(s), v, b) for m, s, v, b in raw.get("items") or []],
		feed_id=str(raw.get("feed_id") or ""),
		submitted_at=str(raw.get("submitted_at") or ""),
		finished=bool(raw.get("finished")),
		ended_at=str(raw.get("ended_at") or ""),
		document_id=str(raw.get("document_id") or ""),
		candidates=None if raw.get("candidates") is None else [str(c) for c in raw["candidates"]],
		released=bool(raw.get("released")),
	)


def _raw(submission: Submission) -> dict:
	return {
		"seq": submission.seq,
		"via": submission.via,
		"items": [[i.marketplace_id, i.sku, i.value, i.before] for i in submission.items],
		"feed_id": submission.feed_id,
		"submitted_at": submission.submitted_at,
		"finished": submission.finished,
		"ended_at": submission.ended_at,
		"document_id": submission.document_id,
		"candidates": submission.candidates,
		"released": submission.released,
	}
