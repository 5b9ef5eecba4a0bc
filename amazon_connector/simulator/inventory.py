"""FBA inventory: Amazon's stock of the seller's goods, one pool per fulfilment network.

The world keeps `fbaInventory`: {network: [InventorySummary, ...]} in the FBA Inventory v1 shape
(with `inventoryDetails`), where the network is "EU" (pan-European), "NA" (the unified North
American account) or a marketplace id with a network of its own (see spapi/fulfilment_networks).
Every marketplace of a network answers with the same pool. The pool changes as the simulated
world does: an FBA order that ships takes its units out of the fulfillable quantity, a customer
return puts them back (sellable) or into the customer-damaged quantity, and tests may set any
quantity through `set_quantities`.
"""

from __future__ import annotations

import copy
import threading
from datetime import datetime
from typing import TYPE_CHECKING

from amazon_connector.spapi.fulfilment_networks import network_of

from .clock import iso
from .http_types import Reply, Request, invalid
from .pagination import signature

if TYPE_CHECKING:
	from .server import Simulator

PAGE_SIZE = 50
TOKEN_SECONDS = 30.0  # Amazon: "The string token will expire 30 seconds after being created."
MAX_SELLER_SKUS = 50

# Flat names for the quantities of InventoryDetails (and where each lives in the nested shape).
QUANTITIES = {
	"fulfillable": ("fulfillableQuantity",),
	"inboundWorking": ("inboundWorkingQuantity",),
	"inboundShipped": ("inboundShippedQuantity",),
	"inboundReceiving": ("inboundReceivingQuantity",),
	"reserved": ("reservedQuantity", "totalReservedQuantity"),
	"pendingCustomerOrder": ("reservedQuantity", "pendingCustomerOrderQuantity"),
	"researching": ("researchingQuantity", "totalResearchingQuantity"),
	"unfulfillable": ("unfulfillableQuantity", "totalUnfulfillableQuantity"),
	"customerDamaged": ("unfulfillableQuantity", "customerDamagedQuantity"),
}


class InventoryError(ValueError):
	pass


class FbaInventory:
	"""The pools of the world; thread-safe. Summaries are kept in Amazon's shape."""

	def __init__(self, data: dict | None):
		self._lock = threading.RLock()
		self.pools: dict[str, dict[str, dict]] = {}
		problems = []
		for network, summaries in (data or {}).items():
			if not isinstance(summaries, list):
				problems.append(f"fbaInventory.{network}: must be a list of inventory summaries")
				continue
			pool = self.pools.setdefault(network, {})
			for index, summary in enumerate(summaries):
				if not isinstance(summary, dict) or not summary.get("sellerSku"):
					problems.append(f"fbaInventory.{network}[{index}]: a summary needs a sellerSku")
					continue
				pool[summary["sellerSku"]] = copy.deepcopy(summary)
		if problems:
			raise InventoryError("; ".join(problems))

	def to_dict(self) -> dict:
		with self._lock:
			return {network: copy.deepcopy(list(pool.values())) for network, pool in self.pools.items()}

	def summaries(self, marketplace_id: str) -> list[dict]:
		with self._lock:
			pool = self.pools.get(network_of(marketplace_id), {})
			return [copy.deepcopy(pool[sku]) for sku in sorted(pool)]

	def quantity(self, marketplace_id: str, sku: str, name: str = "fulfillable") -> int:
		with self._lock:
			summary = self.pools.get(network_of(marketplace_id), {}).get(sku)
			return _get(summary, QUANTITIES[name]) if summary else 0

	def set_quantities(self, marketplace_id: str, sku: str, now: datetime, **quantities: int) -> dict:
		"""Set quantities by their flat names (fulfillable=5, inboundShipped=10, ...); a SKU not yet in
		the pool is added. Totals follow."""
		unknown = set(quantities) - set(QUANTITIES)
		if unknown:
			raise InventoryError(f"unknown quantities: {', '.join(sorted(unknown))}")
		with self._lock:
			pool = self.pools.setdefault(network_of(marketplace_id), {})
			summary = pool.setdefault(sku, {"sellerSku": sku, "condition": "NewItem", "inventoryDetails": {}})
			for name, value in quantities.items():
				if int(value) < 0:
					raise InventoryError(f"{sku}: {name} cannot be negative")
				_set(summary, QUANTITIES[name], int(value))
			settle(summary, now)
			return copy.deepcopy(summary)

	def ship(self, marketplace_id: str, sku: str, quantity: int, now: datetime) -> None:
		"""Units of an FBA order left the warehouse."""
		with self._lock:
			summary = self.pools.get(network_of(marketplace_id), {}).get(sku)
			if summary is None:
				return
			path = QUANTITIES["fulfillable"]
			_set(summary, path, max(0, _get(summary, path) - int(quantity)))
			settle(summary, now)

	def receive_return(
		self, marketplace_id: str, sku: str, quantity: int, now: datetime, sellable: bool
	) -> dict:
		"""A customer return arrived at the fulfilment centre: sellable units are fulfillable again,
		others count as customer damaged."""
		if int(quantity) <= 0:
			raise InventoryError(f"{sku}: a return needs a positive quantity")
		with self._lock:
			pool = self.pools.get(network_of(marketplace_id), {})
			if sku not in pool:
				raise InventoryError(f"{sku} has no FBA inventory in the network of {marketplace_id}")
			summary = pool[sku]
			if sellable:
				path = QUANTITIES["fulfillable"]
				_set(summary, path, _get(summary, path) + int(quantity))
			else:
				damaged = QUANTITIES["customerDamaged"]
				_set(summary, damaged, _get(summary, damaged) + int(quantity))
				total = QUANTITIES["unfulfillable"]
				_set(summary, total, _get(summary, total) + int(quantity))
			settle(summary, now)
			return copy.deepcopy(summary)


def _get(summary: dict, path: tuple[str, ...]) -> int:
	node = summary.get("inventoryDetails") or {}
	for name in path:
		node = node.get(name) if isinstance(node, dict) else None
	return int(node or 0)


def _set(summary: dict, path: tuple[str, ...], value: int) -> None:
	node = summary.setdefault("inventoryDetails", {})
	for name in path[:-1]:
		node = node.setdefault(name, {})
	node[path[-1]] = value


def settle(summary: dict, now: datetime) -> None:
	"""Keep the totals consistent with the parts and stamp the change."""
	details = summary.get("inventoryDetails") or {}
	reserved = details.get("reservedQuantity")
	if isinstance(reserved, dict):
		parts = sum(
			int(reserved.get(k) or 0)
			for k in ("pendingCustomerOrderQuantity", "pendingTransshipmentQuantity", "fcProcessingQuantity")
		)
		reserved["totalReservedQuantity"] = max(int(reserved.get("totalReservedQuantity") or 0), parts)
	summary["totalQuantity"] = sum(
		_get(summary, QUANTITIES[name])
		for name in (
			"fulfillable",
			"inboundWorking",
			"inboundShipped",
			"inboundReceiving",
			"reserved",
			"researching",
			"unfulfillable",
		)
	)
	summary["lastUpdatedTime"] = iso(now)


class InventoryOperations:
	"""getInventorySummaries over the world's pools."""

	def __init__(self, sim: Simulator, page_size: int = PAGE_SIZE):
		self.sim = sim
		self.page_size = page_size  # Amazon's pages hold 50; tests make them smaller

	def get_inventory_summaries(self, request: Request) -> Reply:
		granularity_type = request.param("granularityType")
		granularity_id = request.param("granularityId")
		marketplaces = request.params("marketplaceIds") or []
		if not granularity_type or not granularity_id or not marketplaces:
			raise invalid("granularityType, granularityId and marketplaceIds are required.")
		if granularity_type != "Marketplace":
			raise invalid(f"Invalid granularityType: {granularity_type}.", "Allowed values: Marketplace.")
		if granularity_id not in marketplaces or len(marketplaces) != 1:
			raise invalid("granularityId must be the one marketplace in marketplaceIds.")
		if self.sim.world.marketplace(granularity_id) is None:
			raise invalid(f"Invalid marketplaceIds: {granularity_id} is not a marketplace of the seller.")
		details = (request.param("details") or "false").lower() == "true"
		skus = request.params("sellerSkus")
		single = request.param("sellerSku")
		if skus is not None and len(skus) > MAX_SELLER_SKUS:
			raise invalid(f"Invalid sellerSkus: at most {MAX_SELLER_SKUS} SKUs may be given.")
		wanted = set(skus) if skus is not None else ({single} if single else None)
		filters = {"id": granularity_id, "details": details, "skus": sorted(wanted) if wanted else None}
		now = self.sim.clock.seconds()
		offset = 0
		token = request.param("nextToken")
		if token:
			state = self.sim.tokens.read(token, "nextToken")
			if state.get("kind") != "inventory" or state.get("sig") != signature(filters):
				raise invalid(
					"Invalid nextToken.",
					"All other parameters must have the values of the request that returned the token.",
				)
			if now - float(state["issued"]) > TOKEN_SECONDS:
				raise invalid("The nextToken has expired.", "A nextToken is valid for 30 seconds.")
			offset = int(state["offset"])
		summaries = [
			s
			for s in self.sim.fba_inventory.summaries(granularity_id)
			if wanted is None or s["sellerSku"] in wanted
		]
		page = summaries[offset : offset + self.page_size]
		if not details:
			for summary in page:
				summary.pop("inventoryDetails", None)
		body: dict = {
			"payload": {
				"granularity": {"granularityType": "Marketplace", "granularityId": granularity_id},
				"inventorySummaries": page,
			}
		}
		if offset + self.page_size < len(summaries):
			body["pagination"] = {
				"nextToken": self.sim.tokens.issue(
					{
						"kind": "inventory",
						"sig": signature(filters),
						"offset": offset + self.page_size,
						"issued": now,
					}
				)
			}
		return Reply.json(200, body)
