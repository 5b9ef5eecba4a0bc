"""Drafts of stock the ERP should hold for Amazon: FBA quantities as Amazon reports them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FbaQuantities:
	"""One SKU's stock in one fulfilment network, as getInventorySummaries reports it."""

	fulfillable: int
	inbound: int = 0  # working + shipped + receiving
	reserved: int = 0
	researching: int = 0
	unfulfillable: int = 0
	updated: str = ""  # Amazon's lastUpdatedTime (ISO 8601), "" when not given


@dataclass(frozen=True)
class FbaStockChange:
	"""One Item's quantity in the account's FBA warehouse: what it is, and what Amazon says."""

	item_code: str
	current: float  # the warehouse's quantity now (ERP stock may be fractional)
	target: int  # Amazon's fulfillable quantity, summed over the item's SKUs and networks
	skus: tuple[str, ...] = ()

	@property
	def difference(self) -> float:
		return self.target - self.current


@dataclass(frozen=True)
class MerchantStock:
	"""A merchant-fulfilled SKU in one marketplace: what ERPNext can sell, and what Amazon was last told."""

	marketplace_id: str
	sku: str
	item_code: str
	available: int  # actual minus reserved in the account's warehouse, minus the safety buffer, at least 0
	last_pushed: int | None = None  # None: never pushed
