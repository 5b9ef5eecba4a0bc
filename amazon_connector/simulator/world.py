"""A seller's world in Amazon's own shapes: the account, orders, financial events, listings, catalog.

The world file is JSON (docs/simulator.md). Loading validates loosely, names every offending record,
and fills nothing in: what you wrote is what the simulator serves.
"""

from __future__ import annotations

import copy
import json
import threading
from datetime import datetime
from pathlib import Path

from .clock import parse_iso
from .inventory import FbaInventory, InventoryError
from .marketplaces import BY_ID
from .store import EventStore, OrderStore, PackedList

FORMAT = "amazon-connector-simulator-world"
FORMAT_VERSION = 1

# Financial event lists whose events belong to an order (AmazonOrderId).
ORDER_EVENT_LISTS = ("ShipmentEventList", "RefundEventList", "GuaranteeClaimEventList", "ChargebackEventList")

REQUIRED_ACCOUNT = ("clientId", "clientSecret", "refreshToken", "sellerId", "region", "marketplaces")
REQUIRED_MARKETPLACE = ("marketplaceId", "countryCode", "currencyCode")


# The personal data each restricted role unlocks on an Orders 2026-01-01 order.
ROLE_ELEMENTS = {
	"Direct-to-Consumer Shipping": ("shippingAddress", "buyerInfo"),
	"Tax Invoicing": ("buyerInfo",),
}


class WorldError(ValueError):
	"""A world file that cannot be served; the message names every offending record."""

	def __init__(self, problems: list[str]):
		self.problems = problems
		shown = "\n  ".join(problems[:50])
		more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
		super().__init__(f"The world has {len(problems)} problem(s):\n  {shown}{more}")


def _check_date(value, where: str, problems: list[str]) -> datetime | None:
	if not isinstance(value, str):
		problems.append(f"{where}: missing or not an ISO 8601 string")
		return None
	try:
		return parse_iso(value)
	except ValueError:
		problems.append(f"{where}: {value!r} is not an ISO 8601 date-time")
		return None


class World:
	"""A loaded world plus the state the simulator changes while it runs. Thread-safe through `lock`."""

	def __init__(self, data: dict):
		self.lock = threading.RLock()
		problems: list[str] = []
		if not isinstance(data, dict):
			raise WorldError(["the world must be a JSON object"])
		# The simulator changes its world, never the caller's data: orders and events are stored packed
		# (copies by construction, see store.py), the small rest is copied.
		orders = data.get("orders") or []
		events = data.get("financialEvents") or {}
		data = copy.deepcopy({k: v for k, v in data.items() if k not in ("orders", "financialEvents")})
		self.raw_meta = {
			k: v for k, v in data.items() if k not in ("listings", "catalogItems", "fbaInventory")
		}
		self.account = self._load_account(data.get("account"), problems)
		known_marketplaces = {
			m["marketplaceId"] for m in self.account.get("marketplaces", []) if isinstance(m, dict)
		}
		self.orders = OrderStore()
		for index, order in enumerate(_records(orders)):
			self._load_order(order, index, known_marketplaces, problems)
		self.events = EventStore()
		if not isinstance(events, dict):
			problems.append("financialEvents: must be an object of event lists (ShipmentEventList, ...)")
			events = {}
		for list_name, entries in events.items():
			if not isinstance(entries, (list, PackedList)):
				problems.append(f"financialEvents.{list_name}: must be a list")
				continue
			for index, event in enumerate(_records(entries)):
				self._load_event(list_name, event, f"financialEvents.{list_name}[{index}]", problems)
		self.listings: dict[str, list[dict]] = {}
		for marketplace_id, rows in (data.get("listings") or {}).items():
			if marketplace_id not in known_marketplaces:
				problems.append(f"listings.{marketplace_id}: marketplace is not in the account")
			if not isinstance(rows, list):
				problems.append(f"listings.{marketplace_id}: must be a list of report rows")
				continue
			for index, row in enumerate(rows):
				if not isinstance(row, dict) or not row.get("seller-sku"):
					problems.append(f"listings.{marketplace_id}[{index}]: a row needs a seller-sku column")
			self.listings[marketplace_id] = [r for r in rows if isinstance(r, dict)]
		self.catalog: dict[str, dict] = {}
		for index, item in enumerate(data.get("catalogItems") or []):
			if not isinstance(item, dict) or not item.get("asin"):
				problems.append(f"catalogItems[{index}]: an item needs an asin")
				continue
			if item["asin"] in self.catalog:
				problems.append(f"catalogItems[{index}]: ASIN {item['asin']} appears twice")
			self.catalog[item["asin"]] = item
		self.listings_items: dict[tuple[str, str], dict] = {}
		for index, item in enumerate(data.get("listingsItems") or []):
			if not isinstance(item, dict) or not item.get("sku"):
				problems.append(f"listingsItems[{index}]: an item needs a sku")
				continue
			self.listings_items[(self.account.get("sellerId", ""), item["sku"])] = item
		try:
			self.fba_inventory = FbaInventory(data.get("fbaInventory"))
		except InventoryError as exc:
			problems.append(str(exc))
			self.fba_inventory = FbaInventory(None)
		if problems:
			raise WorldError(problems)

	# loading

	def personal_data_elements(self) -> set[str]:
		"""What of an order's personal data Orders 2026-01-01 returns to this app for this seller. Amazon
		decides by the application's roles, not by Restricted Data Tokens: "Direct-to-Consumer Shipping"
		gives the delivery address and the buyer, "Tax Invoicing" the buyer. `account.roles` lists the
		roles granted (a world can change them between runs); without it, an account whose
		`restrictedDataRole` is not false has both."""
		roles = self.account.get("roles")
		if roles is None:
			roles = list(ROLE_ELEMENTS) if self.account.get("restrictedDataRole", True) else []
		return {element for role in roles for element in ROLE_ELEMENTS.get(role, ())}

	def _load_account(self, account, problems: list[str]) -> dict:
		if not isinstance(account, dict):
			problems.append("account: missing (credentials, sellerId, region, marketplaces)")
			return {}
		for key in REQUIRED_ACCOUNT:
			if not account.get(key):
				problems.append(f"account.{key}: missing")
		for index, marketplace in enumerate(account.get("marketplaces") or []):
			if not isinstance(marketplace, dict):
				problems.append(f"account.marketplaces[{index}]: must be an object")
				continue
			for key in REQUIRED_MARKETPLACE:
				if not marketplace.get(key):
					problems.append(f"account.marketplaces[{index}].{key}: missing")
		return account

	def _load_order(self, order, index: int, known_marketplaces: set[str], problems: list[str]) -> None:
		if not isinstance(order, dict) or not order.get("orderId"):
			problems.append(f"orders[{index}]: an order needs an orderId")
			return
		where = f"order {order['orderId']}"
		if order["orderId"] in self.orders:
			problems.append(f"{where}: appears twice")
		before = len(problems)
		_check_date(order.get("createdTime"), f"{where}: createdTime", problems)
		_check_date(order.get("lastUpdatedTime"), f"{where}: lastUpdatedTime", problems)
		channel = order.get("salesChannel")
		if not isinstance(channel, dict) or not channel.get("channelName"):
			problems.append(f"{where}: salesChannel.channelName missing")
		elif channel.get("marketplaceId") not in known_marketplaces:
			problems.append(f"{where}: marketplace {channel.get('marketplaceId')!r} is not in the account")
		items = order.get("orderItems")
		if not isinstance(items, list):
			problems.append(f"{where}: orderItems must be a list")
		else:
			for item_index, item in enumerate(items):
				if not isinstance(item, dict):
					problems.append(f"{where}: orderItems[{item_index}] must be an object")
					continue
				for key in ("orderItemId", "quantityOrdered", "product"):
					if key not in item:
						problems.append(f"{where}: orderItems[{item_index}].{key} missing")
		status = (order.get("fulfillment") or {}).get("fulfillmentStatus")
		if status is None:
			problems.append(f"{where}: fulfillment.fulfillmentStatus missing (the simulator filters on it)")
		if len(problems) == before:
			self.orders.put(order)

	def _load_event(self, list_name: str, event, where: str, problems: list[str]) -> None:
		if not isinstance(event, dict):
			problems.append(f"{where}: must be an object")
			return
		order_id = event.get("AmazonOrderId")
		label = f"{where} ({order_id})" if order_id else where
		# Finances v0 spells it postedDate in a few event types (ProductAdsPayment, SellerDealPayment).
		posted = _check_date(
			event.get("PostedDate") or event.get("postedDate"), f"{label}: PostedDate", problems
		)
		if posted is not None:
			self.events.add(list_name, event, posted)

	# queries

	@property
	def seller_id(self) -> str:
		return self.account.get("sellerId", "")

	def marketplace(self, marketplace_id: str) -> dict | None:
		return next(
			(m for m in self.account.get("marketplaces", []) if m.get("marketplaceId") == marketplace_id),
			None,
		)

	def report_charset(self, marketplace_id: str) -> str:
		configured = (self.marketplace(marketplace_id) or {}).get("reportCharset")
		if configured:
			return configured
		known = BY_ID.get(marketplace_id)
		return known.report_charset if known else "UTF-8"

	def order(self, order_id: str) -> dict | None:
		"""A copy of the order: `save_order` it after changing it."""
		return self.orders.get(order_id)

	def save_order(self, order: dict) -> None:
		with self.lock:
			self.orders.put(order)

	def add_event(self, list_name: str, event: dict) -> None:
		problems: list[str] = []
		with self.lock:
			self._load_event(list_name, event, f"{list_name} event", problems)
		if problems:
			raise WorldError(problems)

	def events_posted(
		self, after: datetime, before: datetime, order_id: str | None = None
	) -> list[tuple[str, dict]]:
		"""Events with after <= PostedDate < before, oldest first (ties keep their order in the world)."""
		with self.lock:
			return self.events.posted(after, before, order_id)

	def events_packed(
		self, after: datetime, before: datetime, order_id: str | None = None
	) -> list[tuple[str, bytes]]:
		"""`events_posted` with each event still packed (`store.unpack` decodes one)."""
		with self.lock:
			return self.events.packed(after, before, order_id)

	def to_dict(self) -> dict:
		"""The world as it stands now (with the simulator's changes), in the file format."""
		with self.lock:
			data = copy.deepcopy(self.raw_meta)
			data["orders"] = list(self.orders.values())
			events: dict[str, list] = {}
			for name, event, _ in self.events:
				events.setdefault(name, []).append(event)
			data["financialEvents"] = events
			data["listings"] = copy.deepcopy(self.listings)
			data["catalogItems"] = copy.deepcopy(list(self.catalog.values()))
			inventory = self.fba_inventory.to_dict()
			if inventory:
				data["fbaInventory"] = inventory
			if self.listings_items:
				data["listingsItems"] = copy.deepcopy(list(self.listings_items.values()))
			return data


def _records(records):
	"""The records of a list, or of a PackedList (decoded one at a time, letting go of each)."""
	return records.drain() if isinstance(records, PackedList) else records


def load_world(path: str | Path) -> World:
	"""Load a world file (JSON). Raises WorldError naming each bad record."""
	path = Path(path)
	try:
		data = json.loads(path.read_text(encoding="utf-8"))
	except json.JSONDecodeError as exc:
		raise WorldError([f"{path}: not valid JSON ({exc})"]) from exc
	return World(data)


def write_world(data: dict, path: str | Path) -> None:
	Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
