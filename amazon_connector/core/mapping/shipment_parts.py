"""The parts an Amazon order shipped in, each invoiced on its own (see `core.engine.invoices`).

Amazon reports a shipment two ways (Orders 2026-01-01), and both are read:
- merchant-fulfilled orders: `packages[]`, each with its `shipTime` and `packageItems[]` (order item
  id, quantity). A package is a part, keyed by its packageReferenceId;
- Amazon-fulfilled orders (and packages without their items): only each item's
  `fulfillment.quantityFulfilled` and the order's PARTIALLY_SHIPPED / SHIPPED status, with no ship
  time. A part is then what shipped since the parts already recorded, timed by Amazon's last update
  of the order (the shipment's time is not given), keyed "1", "2", ... in the order they were seen.
So the parts of an order depend on what was recorded before (`known`), and are kept with the order.

`ShipmentPart.items` holds units per order item id; a part's money is worked out by the invoicing
(`invoice_parts`), never here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal

from ..drafts.orders import FULLY_SHIPPED, SalesOrderDraft

PARTLY_SHIPPED = "PARTIALLY_SHIPPED"


@dataclass(frozen=True)
class ShipmentPart:
	key: str
	shipped_at: datetime  # timezone-aware
	items: dict[str, int] = field(default_factory=dict)  # order item id -> units in this part


def shipment_parts(draft: SalesOrderDraft, known: list[ShipmentPart]) -> list[ShipmentPart]:
	"""The parts the order has shipped in so far (see the module notes); [] while nothing shipped."""
	status = (draft.amazon_status or "").upper()
	if status not in FULLY_SHIPPED and status != PARTLY_SHIPPED:
		return list(known)
	timed = [(p.ship_time, p) for p in draft.packages if p.ship_time is not None and p.items]
	if timed and len(timed) == len(draft.packages):
		return [
			ShipmentPart(p.reference or str(i), when, {k: q for k, q in p.items.items() if q > 0})
			for i, (when, p) in enumerate(sorted(timed, key=lambda pair: pair[0]), start=1)
		]
	shipped = _units(draft)
	recorded: dict[str, int] = {}
	for part in known:
		for item_id, units in part.items.items():
			recorded[item_id] = recorded.get(item_id, 0) + units
	new = {k: units - recorded.get(k, 0) for k, units in shipped.items() if units > recorded.get(k, 0)}
	if not new:
		return list(known)
	when = draft.shipped_at or draft.last_updated
	return [*known, ShipmentPart(str(len(known) + 1), when, new)]


def _units(draft: SalesOrderDraft) -> dict[str, int]:
	"""Units shipped per order item: Amazon's quantityFulfilled, or every unit once the order is
	reported shipped in full (some shipped orders carry no fulfilment quantities)."""
	fully = (draft.amazon_status or "").upper() in FULLY_SHIPPED
	units: dict[str, int] = {}
	for line in draft.lines:
		value = line.qty if fully else line.qty_shipped
		units[line.order_item_id] = units.get(line.order_item_id, 0) + int(value)
	return units


def covers_all(parts: list[ShipmentPart], ordered: dict[str, Decimal]) -> bool:
	"""Whether the parts hold every unit ordered (order item id -> units still ordered)."""
	shipped: dict[str, int] = {}
	for part in parts:
		for item_id, units in part.items.items():
			shipped[item_id] = shipped.get(item_id, 0) + units
	return all(shipped.get(item_id, 0) >= qty for item_id, qty in ordered.items())


def parts_to_json(parts: list[ShipmentPart]) -> str:
	"""The parts as kept with the order; "" for none."""
	if not parts:
		return ""
	return json.dumps(
		[
			{"key": p.key, "shipped_at": p.shipped_at.astimezone(timezone.utc).isoformat(), "items": p.items}
			for p in parts
		],
		separators=(",", ":"),
		sort_keys=True,
	)


def parts_from_json(text: str | None) -> list[ShipmentPart]:
	if not text:
		return []
	return [
		ShipmentPart(
			str(p["key"]),
			datetime.fromisoformat(p["shipped_at"]),
			{str(k): int(v) for k, v in (p.get("items") or {}).items()},
		)
		for p in json.loads(text)
	]
