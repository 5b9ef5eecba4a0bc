"""The seller's money as Amazon would show it at one moment: v0 events, 2024 transactions, settlements.

Settlements (v0 financial event groups) are 14-day periods per currency from midnight UTC of the
world's first event. An event belongs to the settlement open at its posted date (a deferred one: at
its maturity date). A period closes one day after its end: then Amazon holds a reserve of a tenth
of its positive balance ("ReserveEvent" AdjustmentEvent, -R, in the closing settlement) and gives
the previous reserve back (+R, in the next one); the group's `OriginalTotal` is what it transfers to
the bank on its `FundTransferDate`, and the 2024 feed shows that payout as a `Transfer`
transaction of minus that amount. An open group's `OriginalTotal` is its balance so far. So the
transactions of a closed settlement, the payout included, add up to zero, to the cent, and its
total equals its `BeginningBalance` plus the sum of its other transactions.

A settlement that closes with a small negative balance (above minus CARRY_LIMIT) is not paid out,
as Amazon does with those: no transfer, no `FundTransferDate`, and its balance is carried into the
next settlement of its currency as that one's `BeginningBalance` (its settlement report shows it as
a "Repayment of negative Amazon balance" row). The next one's reserve and payout count it. A larger
negative balance Amazon charges to the seller (a payout of a negative amount).

The book is kept up to date, not rebuilt: `refresh(now)` reads only the events added to the world
since the last refresh (each is decoded once, to learn its settlement and the amount it adds) and
closes the settlements whose time has come; the reserves are worked out again from the groups'
balances, a few sums per settlement. Events stay packed (store.py) and are turned into
transactions only when a page of them is served, so a world of 100,000 orders costs the same per
page as a small one, and memory grows by a small record per event.
"""

from __future__ import annotations

import bisect
import hashlib
import threading
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from decimal import Decimal

from amazon_connector.core.money import round_money

from .clock import iso
from .ledger import currency_amount
from .store import pack, unpack
from .transactions import (
	DEFERRAL,
	_first_currency,
	order_defers,
	to_transaction,
	transaction_total,
	transfer_transaction,
)

PERIOD = timedelta(days=14)
TRANSFER_DELAY = timedelta(days=1)
RESERVE_SHARE = Decimal("0.10")
CARRY_LIMIT = {"JPY": Decimal(2000)}  # other currencies: 20 units


# How entries posted at the same moment are ordered: the world's events, then reserves, then payouts.
_EVENT, _RESERVE, _TRANSFER = 0, 1, 2


class _Entry:
	"""One event of the book, still packed, with what serving it needs to know without decoding it."""

	__slots__ = ("posted", "rank", "sequence", "list_name", "blob", "marketplace_id", "deferred", "group")

	def __init__(
		self, posted, rank, sequence, list_name, blob, marketplace_id="", deferred=False, group=None
	):
		self.posted = posted
		self.rank = rank
		self.sequence = sequence
		self.list_name = list_name
		self.blob = blob  # None for a payout, which is made from its group's body
		self.marketplace_id = marketplace_id
		self.deferred = deferred
		self.group = group

	@property
	def key(self) -> tuple:
		return (self.posted, self.rank, self.sequence)

	def status(self, now: datetime) -> str:
		if not self.deferred:
			return "RELEASED"
		return "DEFERRED" if now < self.posted + DEFERRAL else "DEFERRED_RELEASED"


@dataclass(eq=False)
class _Group:
	currency: str
	index: int
	start: datetime
	end: datetime
	group_id: str
	closed: bool
	base: Decimal = Decimal(0)  # what the world's events add up to
	members: list = field(default_factory=list)  # _Entry of the world's events
	reserves: list = field(default_factory=list)  # _Entry of the reserves released and held here
	reserve_total: Decimal = Decimal(0)
	transfer: _Entry | None = None  # the payout, once closed
	opening: Decimal = Decimal(0)  # the balance carried in from the previous settlement
	carried: bool = False  # closed with a negative balance: carried into the next, not paid out

	@property
	def transfer_date(self) -> datetime:
		return self.end + TRANSFER_DELAY

	@property
	def balance(self) -> Decimal:
		return self.opening + self.base + self.reserve_total


class FinanceBook:
	"""The settlements of a world's events at `now`; `refresh` moves it on (see the module's text)."""

	def __init__(self, world, now: datetime, period: timedelta = PERIOD):
		self.world = world
		self.period = period
		self.seller_id = world.seller_id
		self.orders = world.orders
		self.lock = threading.RLock()
		self.now = now
		self._reset()
		self.refresh(now)

	def _reset(self) -> None:
		self.groups: dict[tuple[str, int], _Group] = {}
		self._by_id: dict[str, _Group] = {}
		self._timeline: list[_Entry] = []  # the world's events, by (posted, sequence)
		self._moments: list[datetime] = []  # their posted dates, for bisection
		self._by_order: dict[str, list[_Entry]] = {}
		self._seen = 0  # how many of the world's events are in the book
		self.reserves: list[tuple[str, dict, datetime]] = []
		self._reserve_entries: list[_Entry] = []
		self.origin: datetime | None = None

	# -- keeping up ------------------------------------------------------------------------------

	def refresh(self, now: datetime) -> FinanceBook:
		"""Take in the events added since the last refresh and close what has closed by `now`."""
		with self.world.lock, self.lock:
			events = self.world.events
			first = events.first_posted()
			if first is not None and self.origin is not None and first < self.origin:
				self._reset()  # an event before the first settlement moves every period: start again
			if self.origin is None:
				moment = first if first is not None else now
				self.origin = datetime.combine(
					moment.astimezone(timezone.utc).date(), time(0), tzinfo=timezone.utc
				)
			added = events.arrivals(self._seen)
			self._seen += len(added)
			for posted, sequence, list_name, blob in added:
				self._take(posted, sequence, list_name, blob)
			closing = any(not g.closed and g.transfer_date <= now for g in self.groups.values())
			if added or closing or now != self.now:
				self.now = now
				self._close()
		return self

	def _take(self, posted: datetime, sequence: int, list_name: str, blob: bytes) -> None:
		event = unpack(blob)
		order_id = event.get("AmazonOrderId")
		marketplace_id, deferred = self._order_facts(order_id, list_name, event)
		moment = posted + DEFERRAL if deferred else posted
		group = self._group(_first_currency(event), moment)
		entry = _Entry(posted, _EVENT, sequence, list_name, blob, marketplace_id, deferred, group)
		group.members.append(entry)
		group.base += transaction_total(list_name, event)
		index = bisect.bisect_right(self._moments, posted)
		while index < len(self._timeline) and self._timeline[index].key < entry.key:
			index += 1
		self._timeline.insert(index, entry)
		self._moments.insert(index, posted)
		if order_id:
			self._by_order.setdefault(order_id, []).append(entry)

	def _order_facts(self, order_id, list_name: str, event: dict) -> tuple[str, bool]:
		"""(marketplace id, whether Amazon defers it) of an event."""
		if not order_id:
			return event.get("MarketplaceId", ""), False
		if order_id not in self.orders:
			return event.get("MarketplaceId", ""), False
		facts = self.orders.facts(order_id)  # what the store keeps beside the order: no decoding
		deferred = list_name == "ShipmentEventList" and order_defers(order_id, facts.fulfilled_by)
		return facts.marketplace_id or event.get("MarketplaceId", ""), deferred

	def _index(self, moment: datetime) -> int:
		return int((moment - self.origin) // self.period)

	def _group(self, currency: str, moment: datetime) -> _Group:
		index = self._index(moment)
		key = (currency, index)
		group = self.groups.get(key)
		if group is None:
			start = self.origin + index * self.period
			end = start + self.period
			digest = hashlib.sha256(f"{self.seller_id}|{currency}|{index}".encode()).hexdigest()[:24]
			group = _Group(currency, index, start, end, f"SIMG{digest}", end + TRANSFER_DELAY <= self.now)
			self.groups[key] = group
			self._by_id[group.group_id] = group
		return group

	def _close(self) -> None:
		"""Closed flags at `now`, then each currency's reserves in turn (held, then given back)."""
		for group in self.groups.values():
			group.closed = group.transfer_date <= self.now
			group.reserves, group.reserve_total, group.transfer = [], Decimal(0), None
			group.opening, group.carried = Decimal(0), False
		reserves: list[_Entry] = []
		for currency in sorted({c for c, _ in self.groups}):
			held = Decimal(0)
			carried = Decimal(0)
			indices = sorted(i for c, i in self.groups if c == currency)
			for index in range(indices[0], indices[-1] + 1):
				group = self._group(currency, self.origin + index * self.period)
				group.opening = carried
				if not group.closed:
					break
				posted = group.transfer_date - timedelta(minutes=1)
				if held:
					reserves.append(
						self._hold(group, held, posted, "Previous Reserve Amount Balance", len(reserves))
					)
				balance = group.balance
				held = round_money(balance * RESERVE_SHARE, currency) if balance > 0 else Decimal(0)
				if held:
					reserves.append(self._hold(group, -held, posted, "Current Reserve Amount", len(reserves)))
				limit = CARRY_LIMIT.get(currency, Decimal(20))
				carried = group.balance if -limit < group.balance < 0 else Decimal(0)
				group.carried = bool(carried)
				if not group.carried:
					group.transfer = _Entry(group.transfer_date, _TRANSFER, 0, "", None, group=group)
		changed = [e.blob for e in reserves] != [e.blob for e in self._reserve_entries]
		self._reserve_entries = reserves
		if changed:  # the v0 view keeps its identity while nothing changes
			self.reserves = [(e.list_name, unpack(e.blob), e.posted) for e in reserves]

	def _hold(
		self, group: _Group, amount: Decimal, posted: datetime, description: str, sequence: int
	) -> _Entry:
		event = _reserve(amount, group.currency, posted, description)
		entry = _Entry(posted, _RESERVE, sequence, "AdjustmentEventList", pack(event), group=group)
		group.reserves.append(entry)
		group.reserve_total += amount
		return entry

	def group_of(self, currency: str):
		def find(moment: datetime) -> str:
			return self._group(currency, moment).group_id

		return find

	# -- what the operations serve -------------------------------------------------------------

	def transaction(self, entry: _Entry) -> dict:
		"""The 2024-06-19 transaction of one entry, as Amazon shows it at `now`."""
		if entry.rank == _TRANSFER:
			return transfer_transaction(self.group_body(entry.group), self.seller_id)
		event = unpack(entry.blob)
		group_id = entry.group.group_id
		transaction = to_transaction(
			entry.list_name,
			event,
			seller_id=self.seller_id,
			order=self.orders.get(event.get("AmazonOrderId")),
			now=self.now,
			posted=entry.posted,
			group_of=lambda _moment: group_id,
		)
		if entry.rank == _RESERVE:
			# Reserves are in their group by construction, whatever their posted date says.
			_set_group(transaction, group_id)
		return transaction

	def select(
		self,
		after: datetime | None,
		before: datetime,
		*,
		marketplace_id: str | None = None,
		status: str | None = None,
		related: tuple[str | None, str | None] = (None, None),
	) -> list[_Entry]:
		"""The entries of transactions posted in [after, before) that match, by posted date: what
		listTransactions pages through (turn a page of them into transactions with `transaction`)."""
		name, value = related
		with self.lock:
			if name == "ORDER_ID":
				pool = sorted(self._by_order.get(value, ()), key=lambda e: e.key)
			elif name == "FINANCIAL_EVENT_GROUP_ID":
				group = self._by_id.get(value)
				pool = self._of_group(group) if group else []
				pool = [e for e in pool if e.status(self.now) != "DEFERRED"]  # not in a settlement yet
			else:
				low = 0 if after is None else bisect.bisect_left(self._moments, after)
				high = bisect.bisect_left(self._moments, before)
				pool = self._timeline[low:high] + self._extras()
			chosen = [
				e
				for e in pool
				if (after is None or after <= e.posted)
				and e.posted < before
				and (not marketplace_id or e.marketplace_id == marketplace_id)
				and (not status or e.status(self.now) == status)
			]
		chosen.sort(key=lambda e: e.key)
		return chosen

	def _extras(self) -> list[_Entry]:
		"""Reserves and payouts: not events of the world, a few per settlement."""
		extras = list(self._reserve_entries)
		extras.extend(g.transfer for g in self.groups.values() if g.transfer is not None)
		return extras

	def _of_group(self, group: _Group) -> list[_Entry]:
		entries = group.members + group.reserves
		if group.transfer is not None:
			entries = entries + [group.transfer]
		return entries

	def transactions(self) -> list[tuple[datetime, dict]]:
		"""Every transaction with its posted date: events, reserves, and the payouts of closed groups.
		(All of them at once: for tests and small worlds; the operations page through `select`.)"""
		with self.lock:
			entries = self._timeline + self._extras()
		entries.sort(key=lambda e: e.key)
		return [(e.posted, self.transaction(e)) for e in entries]

	def group_body(self, group: _Group) -> dict:
		balance = group.balance
		body = {
			"FinancialEventGroupId": group.group_id,
			"ProcessingStatus": "Closed" if group.closed else "Open",
			"OriginalTotal": currency_amount(balance, group.currency),
			"ConvertedTotal": currency_amount(balance, group.currency),
			"BeginningBalance": currency_amount(group.opening, group.currency),
			"FinancialEventGroupStart": iso(group.start),
		}
		if group.closed and group.carried:
			body["FinancialEventGroupEnd"] = iso(group.end)  # not transferred: no transfer date
		elif group.closed:
			body.update(
				{
					"FinancialEventGroupEnd": iso(group.end),
					"FundTransferDate": iso(group.transfer_date),
					"FundTransferStatus": "Succeeded",
					"TraceId": f"TRACE{group.group_id[-10:]}",
					"AccountTail": "042",
				}
			)
		return body

	def event_groups(self, started_after: datetime, started_before: datetime) -> list[dict]:
		chosen = [
			g
			for g in self.groups.values()
			if started_after <= g.start < started_before and g.start <= self.now
		]
		chosen.sort(key=lambda g: (g.start, g.currency))
		return [self.group_body(g) for g in chosen]

	def group_transactions(self, group: _Group) -> list[dict]:
		"""The group's transactions (its payout excluded), oldest first, as the 2024-06-19 feed shows them."""
		with self.lock:
			members = sorted(group.members + group.reserves, key=lambda e: e.key)
		return [self.transaction(entry) for entry in members]

	def events_of_group(self, group_id: str) -> list[tuple[str, bytes]]:
		"""(list name, packed event) of a settlement's v0 events, by posted date."""
		group = self._by_id.get(group_id)
		if group is None:
			return []
		members = sorted(group.members + group.reserves, key=lambda e: (e.posted, e.rank, e.sequence))
		return [(e.list_name, e.blob) for e in members]

	def reserves_between(self, after: datetime, before: datetime) -> list[tuple[str, bytes]]:
		"""(list name, packed event) of the reserves posted in [after, before), in v0 shape."""
		return [(e.list_name, e.blob) for e in self._reserve_entries if after <= e.posted < before]


def _set_group(transaction: dict, group_id: str) -> None:
	related = [
		r
		for r in transaction.get("relatedIdentifiers", [])
		if r["relatedIdentifierName"] not in ("FINANCIAL_EVENT_GROUP_ID", "SETTLEMENT_ID")
	]
	related.append({"relatedIdentifierName": "FINANCIAL_EVENT_GROUP_ID", "relatedIdentifierValue": group_id})
	related.append({"relatedIdentifierName": "SETTLEMENT_ID", "relatedIdentifierValue": group_id})
	transaction["relatedIdentifiers"] = related


def _reserve(amount: Decimal, currency: str, posted: datetime, description: str) -> dict:
	return {
		"AdjustmentType": "ReserveEvent",
		"PostedDate": iso(posted),
		"StoreName": description,
		"AdjustmentAmount": currency_amount(amount, currency),
	}
