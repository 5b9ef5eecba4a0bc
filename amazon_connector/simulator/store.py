"""Compact, indexed storage of a world's orders and financial events.

A generated world of 100,000 orders is over a gigabyte as Python dicts but about a tenth of that as
compressed JSON. The world keeps each order and event as one compressed JSON record and decodes it
when served (a page of 100 orders decodes in about a millisecond), so the simulator's memory grows
with the compact size, not with the dicts. Each decoded record is a fresh copy: a caller that changes
one must `put` it back.

Look-ups are indexed, not scanned: orders by creation and by last-update time (sorted lists searched
by bisection; the update index is rebuilt after an order changes), events by posting time and by order.
"""

from __future__ import annotations

import bisect
import json
import zlib
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import NamedTuple

from .clock import parse_iso


def pack(record: dict) -> bytes:
	return zlib.compress(json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 1)


def unpack(blob: bytes) -> dict:
	return json.loads(zlib.decompress(blob))


class PackedList:
	"""A list of records kept packed: append a dict, iterate decoded copies (a streaming generator's sink)."""

	def __init__(self, records: Iterable[dict] = ()):
		self._blobs: list[bytes] = [pack(r) for r in records]

	def append(self, record: dict) -> None:
		self._blobs.append(pack(record))

	def __iter__(self) -> Iterator[dict]:
		return (unpack(b) for b in self._blobs)

	def __getitem__(self, index: int) -> dict:
		return unpack(self._blobs[index])

	def __len__(self) -> int:
		return len(self._blobs)

	def __bool__(self) -> bool:
		return bool(self._blobs)

	def drain(self) -> Iterator[dict]:
		"""Decode every record, letting go of each blob as it is read (for a one-time hand-over)."""
		blobs, self._blobs = self._blobs, []
		blobs.reverse()
		while blobs:
			yield unpack(blobs.pop())


class OrderFacts(NamedTuple):
	marketplace_id: str
	status: str  # fulfillment.fulfillmentStatus
	fulfilled_by: str


class OrderStore(Mapping):
	"""orderId -> order, packed, with time indexes. Read-only as a Mapping; `put` stores a changed order."""

	def __init__(self):
		self._blobs: dict[str, bytes] = {}
		self._facts: dict[str, OrderFacts] = {}
		self._created: dict[str, datetime] = {}
		self._updated: dict[str, datetime] = {}
		self._by_created: list[tuple[datetime, str]] | None = None
		self._by_updated: list[tuple[datetime, str]] | None = None

	def put(self, order: dict) -> None:
		order_id = order["orderId"]
		self._blobs[order_id] = pack(order)
		fulfillment = order.get("fulfillment") or {}
		self._facts[order_id] = OrderFacts(
			(order.get("salesChannel") or {}).get("marketplaceId") or "",
			fulfillment.get("fulfillmentStatus") or "",
			fulfillment.get("fulfilledBy") or "",
		)
		created = parse_iso(order["createdTime"])
		if self._created.get(order_id) != created:
			self._created[order_id] = created
			self._by_created = None
		updated = parse_iso(order["lastUpdatedTime"])
		if self._updated.get(order_id) != updated:
			self._updated[order_id] = updated
			self._by_updated = None

	def __getitem__(self, order_id: str) -> dict:
		return unpack(self._blobs[order_id])

	def __contains__(self, order_id) -> bool:
		return order_id in self._blobs

	def __iter__(self) -> Iterator[str]:
		return iter(self._blobs)

	def __len__(self) -> int:
		return len(self._blobs)

	def created_time(self, order_id: str) -> datetime:
		return self._created[order_id]

	def facts(self, order_id: str) -> OrderFacts:
		"""What searchOrders and the order report filter on, without decoding the order."""
		return self._facts[order_id]

	def ids_between(self, field: str, after: datetime, before: datetime) -> list[tuple[datetime, str]]:
		"""(moment, orderId) with after <= moment <= before on `field` (createdTime or lastUpdatedTime),
		sorted by moment then id."""
		index = self._index(field)
		low = bisect.bisect_left(index, (after, ""))
		high = bisect.bisect_right(index, (before, "\uffff"))
		return index[low:high]

	def _index(self, field: str) -> list[tuple[datetime, str]]:
		if field == "createdTime":
			if self._by_created is None:
				self._by_created = sorted((m, i) for i, m in self._created.items())
			return self._by_created
		if field == "lastUpdatedTime":
			if self._by_updated is None:
				self._by_updated = sorted((m, i) for i, m in self._updated.items())
			return self._by_updated
		raise ValueError(f"no index on {field}")


class EventStore:
	"""Financial events (list name, event), packed, indexed by PostedDate and by AmazonOrderId.
	Events with equal PostedDate keep the order they were added in."""

	def __init__(self):
		self._entries: list[tuple[datetime, int, str, bytes]] = []  # sorted by (posted, sequence)
		self._by_order: dict[str, list[tuple[datetime, int, str, bytes]]] = {}  # the same entries
		self._arrivals: list[tuple[datetime, int, str, bytes]] = []  # the same entries, as added
		self._sequence = 0

	def add(self, list_name: str, event: dict, posted: datetime) -> None:
		entry = (posted, self._sequence, list_name, pack(event))
		self._sequence += 1
		if not self._entries or self._entries[-1][:2] <= entry[:2]:
			self._entries.append(entry)
		else:
			bisect.insort(self._entries, entry)
		self._arrivals.append(entry)
		order_id = event.get("AmazonOrderId")
		if order_id:
			self._by_order.setdefault(order_id, []).append(entry)

	def __len__(self) -> int:
		return len(self._entries)

	def __iter__(self) -> Iterator[tuple[str, dict, datetime]]:
		"""(list name, event, posted) in the order they were added."""
		for posted, _, name, blob in self._arrivals:
			yield name, unpack(blob), posted

	def arrivals(self, start: int) -> list[tuple[datetime, int, str, bytes]]:
		"""(posted, sequence, list name, packed event) of the events added after the first `start`."""
		return self._arrivals[start:]

	def first_posted(self) -> datetime | None:
		return self._entries[0][0] if self._entries else None

	def posted(
		self, after: datetime, before: datetime, order_id: str | None = None
	) -> list[tuple[str, dict]]:
		"""Events with after <= PostedDate < before (of one order, if given), oldest first."""
		return [(name, unpack(blob)) for name, blob in self.packed(after, before, order_id)]

	def packed(self, after: datetime, before: datetime, order_id: str | None = None) -> PackedEvents:
		"""`posted`, each event still packed and the range not even copied: a page is decoded and
		copied, not the whole range (a 7-day window of a large world is thousands of events)."""
		if order_id is not None:
			chosen = sorted(e for e in self._by_order.get(order_id, ()) if after <= e[0] < before)
			return PackedEvents(chosen, 0, len(chosen))
		low = bisect.bisect_left(self._entries, (after, -1))
		high = bisect.bisect_left(self._entries, (before, -1))
		return PackedEvents(self._entries, low, high)


class PackedEvents:
	"""(list name, packed event) of entries[low:high], then of `extra`: len() and slices, read lazily."""

	def __init__(self, entries: list, low: int, high: int, extra: list[tuple[str, bytes]] | None = None):
		self._entries, self._low, self._high = entries, low, max(low, high)
		self._extra = extra or []

	def __len__(self) -> int:
		return self._high - self._low + len(self._extra)

	def __add__(self, extra: list[tuple[str, bytes]]) -> PackedEvents:
		return PackedEvents(self._entries, self._low, self._high, self._extra + list(extra))

	def __iter__(self) -> Iterator[tuple[str, bytes]]:
		return iter(self[0 : len(self)])

	def __getitem__(self, part: slice) -> list[tuple[str, bytes]]:
		start, stop, _ = part.indices(len(self))
		own = self._high - self._low
		chosen = [
			(name, blob) for _, _, name, blob in self._entries[self._low + start : self._low + min(stop, own)]
		]
		if stop > own:
			chosen += self._extra[max(0, start - own) : stop - own]
		return chosen
