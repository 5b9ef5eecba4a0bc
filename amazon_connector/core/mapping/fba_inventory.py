"""FBA Inventory v1 summaries -> quantities per SKU and fulfilment network.

A summary read with `details=true` carries `inventoryDetails`; without it (or when Amazon leaves
it out) only `totalQuantity` is known, which mixes inbound and damaged units with sellable ones,
so such a SKU cannot be mirrored and is reported instead. Reserved, researching and unfulfillable
quantities come as objects whose breakdowns may be present or absent; only their totals are used.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...spapi.fulfilment_networks import network_of
from ..drafts.stock import FbaQuantities


class FbaInventoryError(ValueError):
	"""A summary that cannot be mirrored; the message names the SKU."""


def quantities_of(summary: dict) -> FbaQuantities:
	sku = summary.get("sellerSku") or "?"
	details = summary.get("inventoryDetails")
	if not isinstance(details, dict) or details.get("fulfillableQuantity") is None:
		raise FbaInventoryError(
			f"SKU {sku}: Amazon sent no fulfillable quantity (inventoryDetails missing), only a total of "
			f"{summary.get('totalQuantity', 'unknown')} units"
		)
	return FbaQuantities(
		fulfillable=_count(details.get("fulfillableQuantity"), sku, "fulfillableQuantity"),
		inbound=sum(
			_count(details.get(name), sku, name)
			for name in ("inboundWorkingQuantity", "inboundShippedQuantity", "inboundReceivingQuantity")
		),
		reserved=_total(details, "reservedQuantity", "totalReservedQuantity", sku),
		researching=_total(details, "researchingQuantity", "totalResearchingQuantity", sku),
		unfulfillable=_total(details, "unfulfillableQuantity", "totalUnfulfillableQuantity", sku),
		updated=str(summary.get("lastUpdatedTime") or ""),
	)


def _total(details: dict, name: str, total: str, sku: str) -> int:
	value = details.get(name)
	if value is None:
		return 0
	if not isinstance(value, dict):
		raise FbaInventoryError(f"SKU {sku}: {name} is not an object")
	return _count(value.get(total), sku, f"{name}.{total}")


def _count(value, sku: str, name: str) -> int:
	if value is None:
		return 0
	if isinstance(value, bool) or not isinstance(value, int) or value < 0:
		raise FbaInventoryError(f"SKU {sku}: {name} is {value!r}, not a quantity")
	return value


def pooled(readings: Iterable[tuple[str, dict]]) -> dict[tuple[str, str], tuple[str, dict]]:
	"""(network, SKU) -> (marketplace id, summary) of the reading that counts for the pool.

	`readings` are (marketplace id, summary) in the settings' marketplace order. Marketplaces of
	one network report one pool, so a SKU seen from several of them counts once: the summary
	Amazon updated last, or, when they tie, the first marketplace's."""
	chosen: dict[tuple[str, str], tuple[str, dict]] = {}
	for marketplace_id, summary in readings:
		sku = summary.get("sellerSku")
		if not sku:
			continue
		key = (network_of(marketplace_id), str(sku))
		held = chosen.get(key)
		if held is None or str(summary.get("lastUpdatedTime") or "") > str(
			held[1].get("lastUpdatedTime") or ""
		):
			chosen[key] = (marketplace_id, summary)
	return chosen
