"""What the mappings of Finances v0 `FinancialEvents` pages share: walking the events of the pages,
the error of an event that cannot be mapped, and an event's money.

The fee mapping (`mapping.fees`) and the refund mapping (`mapping.refunds`) read the same pages for
different things; both must fail an event alone (never its page) and say which event and why.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..money import MoneyError, money_of, without_float_noise


@dataclass
class FinanceEventError:
	"""An event that could not be mapped: its type (the list name without "EventList"), the Amazon id
	it names (the order id, else another id it carries; "" when none) and why."""

	event_type: str
	amazon_id: str
	reason: str


def each_event(
	pages: Iterable[dict] | dict, errors: list[FinanceEventError], lists: Collection[str] | None = None
) -> Iterator[tuple[str, str, Any]]:
	"""(list name, event type, event) of every event in FinancialEvents pages (one per API page, or
	one), of the named `lists` only when given. A "list" that is not a list is an error of its own."""
	for page in [pages] if isinstance(pages, dict) else pages:
		for list_name, events in (page or {}).items():
			if lists is not None and list_name not in lists:
				continue
			event_type = list_name[: -len("EventList")] if list_name.endswith("EventList") else list_name
			if not isinstance(events, list):
				errors.append(FinanceEventError(event_type, "", f"{list_name} is not a list"))
				continue
			for event in events:
				yield list_name, event_type, event


def failed(event_type: str, amazon_id: str, exc: Exception) -> FinanceEventError:
	return FinanceEventError(event_type, amazon_id, f"{type(exc).__name__}: {exc}")


def event_money(value, where: str) -> tuple[Decimal, str]:
	"""(amount, upper-case currency) of a Finances v0 Currency object; MoneyError naming `where`."""
	parsed = money_of(value)
	if parsed is None:
		raise MoneyError(f"{where} has no amount")
	amount, currency = parsed
	if not currency:
		raise MoneyError(f"{where} has an amount without a currency")
	return without_float_noise(amount, currency), currency.upper()
