"""The seller's money as Amazon would show it at one moment: v0 events, 2024 transactions, settlements.

Settlements (v0 financial event groups) are 14-day periods per currency from midnight UTC of the
world's first event. An event belongs to the settlement open at its posted date (a deferred one: at
its maturity date). A period closes one day after its end: then Amazon holds a reserve of a tenth
of its positive balance ("ReserveEvent" AdjustmentEvent, -R, in the closing settlement) and gives
the previous reserve back (+R, in the next one); the group's `OriginalTotal` is what it transfers to
the bank on its `FundTransferDate`, and the 2024 feed shows that payout as a `Transfer`
transaction of minus that amount. An open group's `OriginalTotal` is its balance so far. So the
transactions of a closed settlement, the payout included, add up to zero, to the cent, and its
total equals the sum of its other transactions (BeginningBalance 0).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from decimal import Decimal

from amazon_connector.core.money import round_money

from .clock import iso
from .ledger import currency_amount
from .transactions import DEFERRAL, _first_currency, is_deferred, to_transaction, transfer_transaction

PERIOD = timedelta(days=14)
TRANSFER_DELAY = timedelta(days=1)
RESERVE_SHARE = Decimal("0.10")


@dataclass
class _Group:
	currency: str
	index: int
	start: datetime
	end: datetime
	group_id: str
	closed: bool
	total: Decimal = Decimal(0)
	members: list = field(default_factory=list)  # (list name, event, posted)

	@property
	def transfer_date(self) -> datetime:
		return self.end + TRANSFER_DELAY


class FinanceBook:
	"""Computed afresh per request from the world's events and the clock (cheap for test worlds)."""

	def __init__(self, world, now: datetime, period: timedelta = PERIOD):
		self.now = now
		self.period = period
		self.seller_id = world.seller_id
		with world.lock:
			# Events posted later are kept too (the operations filter by posted date); only an open
			# group's running total would show them.
			base = [(name, event, posted) for name, event, posted in world.events]
			# The world's orders are packed and decoded on each look-up (see store.py): holding
			# every order of every event as a dict here took gigabytes at 100,000 orders.
			orders = world.orders
		self.orders = orders
		if base:
			first = min(posted for _, _, posted in base)
			self.origin = datetime.combine(
				first.astimezone(timezone.utc).date(), time(0), tzinfo=timezone.utc
			)
		else:
			self.origin = datetime.combine(now.date(), time(0), tzinfo=timezone.utc)
		self.groups: dict[tuple[str, int], _Group] = {}
		self._transactions: list[tuple[datetime, dict]] | None = None
		self.events: list[tuple[str, dict, datetime]] = []  # the world's events plus reserves, by date
		self.reserves: list[tuple[str, dict, datetime]] = []  # the reserves alone
		for name, event, posted in base:
			order = orders.get(event.get("AmazonOrderId"))
			moment = posted + DEFERRAL if is_deferred(name, event, order) else posted
			self._group(_first_currency(event), moment).members.append((name, event, posted))
			self.events.append((name, event, posted))
		self._reserves()
		self.events.sort(key=lambda entry: entry[2])

	def _index(self, moment: datetime) -> int:
		return int((moment - self.origin) // self.period)

	def _group(self, currency: str, moment: datetime) -> _Group:
		index = self._index(moment)
		key = (currency, index)
		if key not in self.groups:
			start = self.origin + index * self.period
			end = start + self.period
			digest = hashlib.sha256(f"{self.seller_id}|{currency}|{index}".encode()).hexdigest()[:24]
			self.groups[key] = _Group(
				currency, index, start, end, f"SIMG{digest}", end + TRANSFER_DELAY <= self.now
			)
		return self.groups[key]

	def _reserves(self) -> None:
		"""Closing a settlement holds a reserve and gives the previous one back, in order."""
		for currency in sorted({c for c, _ in self.groups}):
			held = Decimal(0)
			indices = sorted(i for c, i in self.groups if c == currency)
			for index in range(indices[0], indices[-1] + 1):
				group = self._group(currency, self.origin + index * self.period)
				if not group.closed:
					break
				posted = group.transfer_date - timedelta(minutes=1)
				if held:
					self._add(group, _reserve(held, currency, posted, "Previous Reserve Amount Balance"))
				balance = self._balance(group)
				held = round_money(balance * RESERVE_SHARE, currency) if balance > 0 else Decimal(0)
				if held:
					self._add(group, _reserve(-held, currency, posted, "Current Reserve Amount"))

	def _add(self, group: _Group, event: dict) -> None:
		posted = datetime.fromisoformat(event["PostedDate"].replace("Z", "+00:00"))
		group.members.append(("AdjustmentEventList", event, posted))
		self.events.append(("AdjustmentEventList", event, posted))
		self.reserves.append(("AdjustmentEventList", event, posted))

	def _balance(self, group: _Group) -> Decimal:
		return sum(
			(
				Decimal(str(t["totalAmount"]["currencyAmount"]))
				for t in (self._transaction(n, e, p, group.group_id) for n, e, p in group.members)
			),
			Decimal(0),
		)

	def group_of(self, currency: str):
		def find(moment: datetime) -> str:
			return self._group(currency, moment).group_id

		return find

	def _transaction(self, name: str, event: dict, posted: datetime, group_id: str | None = None) -> dict:
		order = self.orders.get(event.get("AmazonOrderId"))
		currency = _first_currency(event)
		group_of = (lambda _moment: group_id) if group_id else self.group_of(currency)
		return to_transaction(
			name, event, seller_id=self.seller_id, order=order, now=self.now, posted=posted, group_of=group_of
		)

	# -- what the operations serve -------------------------------------------------------------

	def transactions(self) -> list[tuple[datetime, dict]]:
		"""Every transaction with its posted date: events, reserves, and the payouts of closed groups."""
		if self._transactions is None:
			self._transactions = self._all_transactions()
		return self._transactions

	def _all_transactions(self) -> list[tuple[datetime, dict]]:
		membership = {id(event): group for group in self.groups.values() for _, event, _ in group.members}
		result = []
		for name, event, posted in self.events:
			group = membership.get(id(event))
			transaction = self._transaction(name, event, posted)
			if group is not None and transaction["transactionStatus"] != "DEFERRED":
				# Reserves are in their group by construction, whatever their posted date says.
				_set_group(transaction, group.group_id)
			result.append((posted, transaction))
		for group in self.groups.values():
			if group.closed:
				result.append(
					(group.transfer_date, transfer_transaction(self.group_body(group), self.seller_id))
				)
		result.sort(key=lambda entry: entry[0])
		return result

	def group_body(self, group: _Group) -> dict:
		balance = self._balance(group)
		body = {
			"FinancialEventGroupId": group.group_id,
			"ProcessingStatus": "Closed" if group.closed else "Open",
			"OriginalTotal": currency_amount(balance, group.currency),
			"ConvertedTotal": currency_amount(balance, group.currency),
			"BeginningBalance": currency_amount(Decimal(0), group.currency),
			"FinancialEventGroupStart": iso(group.start),
		}
		if group.closed:
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
		return [
			self._transaction(name, event, posted, group.group_id)
			for name, event, posted in sorted(group.members, key=lambda m: m[2])
		]

	def events_of_group(self, group_id: str) -> list[tuple[str, dict]]:
		for group in self.groups.values():
			if group.group_id == group_id:
				return [(name, event) for name, event, posted in sorted(group.members, key=lambda m: m[2])]
		return []


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
