"""Items, Item Prices and the Amazon Item mapping (account, marketplace, SKU) -> Item.

Matching an ItemDraft to an Item, first hit wins:
1. the Amazon Item mapping of this account for (marketplace, SKU), then for the same SKU in
   another marketplace of the account (one Item serves a SKU everywhere);
2. the item code the code policy gives (the draft's `item_code`: SKU, ASIN), or with the "Item
   Field" policy the Item whose `match_item_field` holds the SKU;
3. an Item Barcode equal to one of the draft's barcodes;
4. the ASIN: `Item.amazon_asin`, or another mapping of the account with that ASIN, but only when
   exactly one Item has it (two SKUs of one ASIN, e.g. new and used, must not be merged by guess).
Only when nothing matches is an Item created.

User edits are never overwritten (decision): for each Item field the adapter manages (item name,
description, brand, image, ASIN) the mapping record keeps, in `synced_values`, the value the
adapter last wrote. On a re-sync a field is updated only when the Item still holds that value (the
user did not touch it) or is empty; a value the user changed stays, and stays until they clear it.
Fields a draft leaves empty never blank an Item. Barcodes are only added, never removed, and a
barcode another Item already has is left to that Item. Item group, stock UOM and the stock flag are
set on creation only (ERPNext refuses to change a UOM once there are transactions).

Prices: one Item Price per Item in the marketplace's price list (the marketplace row's list, else
the draft's, else the settings' default), in the list's currency, which must be the draft's. A
missing price is created; an existing one is updated when Amazon's price changed, unless price
updates are switched off (Amazon Settings.update_prices, or the draft's `price_update`).
"""

from __future__ import annotations

import json
from decimal import Decimal

import frappe
from frappe import _
from frappe.utils import getdate, now_datetime, nowdate

from ..core.drafts import ItemDraft
from ..core.money import round_money
from ..core.ports import Outcome
from .context import AdapterContext
from .errors import AdapterError

MAPPING_DOCTYPE = "Amazon Item"
NAME_LENGTH = 140
# Item fields the adapter manages after creation, with the draft attribute that feeds each.
MANAGED_FIELDS = {
	"item_name": "item_name",
	"description": "description",
	"brand": "brand",
	"image": "image_url",
	"amazon_asin": "asin",
}
MAPPING_FIELDS = ("asin", "listing_status", "fulfillment_channel")


class Items:
	def __init__(self, ctx: AdapterContext):
		self.ctx = ctx
		# (marketplace, SKU) -> Item found this run: an order asks for its items several times
		# (VAT, rows, invoice), and the orders of a run sell the same SKUs again and again.
		self._found: dict[tuple[str, str], str] = {}

	def forget(self) -> None:
		"""Drop remembered look-ups (after a record's writes were rolled back, or a mapping changed)."""
		self._found.clear()

	# -- look-ups ----------------------------------------------------------------------------
	def item_for_sku(self, marketplace_id: str, sku: str) -> str | None:
		key = (marketplace_id, sku)
		if key in self._found:
			return self._found[key]
		mapping = self._mapping(marketplace_id, sku) or self._mapping_any_marketplace(sku)
		if mapping and frappe.db.exists("Item", mapping.item_code):
			self._found[key] = mapping.item_code
			return mapping.item_code
		return None  # not remembered: the SKU's Item may be made later in the run

	def _mapping(self, marketplace_id: str, sku: str):
		rows = frappe.get_all(
			MAPPING_DOCTYPE,
			filters={"amazon_account": self.ctx.account, "marketplace_id": marketplace_id, "sku": sku},
			fields=["name", "item_code", *MAPPING_FIELDS, "synced_values"],
			limit=1,
		)
		return rows[0] if rows else None

	def _mapping_any_marketplace(self, sku: str):
		rows = frappe.get_all(
			MAPPING_DOCTYPE,
			filters={"amazon_account": self.ctx.account, "sku": sku},
			fields=["name", "item_code", "synced_values"],
			order_by="creation asc",
			limit=1,
		)
		return rows[0] if rows else None

	def match_item(self, draft: ItemDraft) -> str | None:
		"""The existing Item a draft stands for, or None (see the module notes for the order)."""
		mapping = self._mapping(draft.marketplace_id, draft.sku) or self._mapping_any_marketplace(draft.sku)
		if mapping and frappe.db.exists("Item", mapping.item_code):
			return mapping.item_code
		if draft.match_item_field:
			if not frappe.get_meta("Item").has_field(draft.match_item_field):
				raise AdapterError(
					_("SKU {0}: the Item field {1} set in Amazon Settings does not exist").format(
						draft.sku, draft.match_item_field
					)
				)
			found = frappe.db.get_value("Item", {draft.match_item_field: draft.sku}, "name")
			if found:
				return found
		for code in dict.fromkeys(filter(None, (draft.item_code, draft.sku))):
			if draft.match_item_field and code == draft.sku and code != draft.item_code:
				continue
			found = frappe.db.exists("Item", code)
			if found:
				return found
		for barcode in draft.barcodes:
			found = frappe.db.get_value(
				"Item Barcode", {"barcode": barcode.code, "parenttype": "Item"}, "parent"
			)
			if found:
				return found
		if draft.asin:
			candidates = set(frappe.get_all("Item", filters={"amazon_asin": draft.asin}, pluck="name"))
			candidates |= set(
				frappe.get_all(
					MAPPING_DOCTYPE,
					filters={"amazon_account": self.ctx.account, "asin": draft.asin},
					pluck="item_code",
				)
			)
			candidates = {c for c in candidates if c and frappe.db.exists("Item", c)}
			if len(candidates) == 1:
				return candidates.pop()
		return None

	# -- upsert ------------------------------------------------------------------------------
	def upsert_item(self, draft: ItemDraft) -> Outcome:
		self.forget()  # the mapping may move to another Item
		if not draft.sku:
			raise AdapterError(_("An Amazon listing without a SKU cannot become an Item"))
		mapping = self._mapping(draft.marketplace_id, draft.sku)
		item_code = self.match_item(draft)
		# A SKU's first listing in another marketplace shares the Item, so it shares the baseline.
		sibling = mapping or self._mapping_any_marketplace(draft.sku)
		baseline = _baseline(sibling) if sibling and sibling.item_code == item_code else {}
		if item_code is None:
			item_code, baseline = self._create_item(draft)
			outcome = Outcome.CREATED
		else:
			changed, baseline = self._update_item(item_code, draft, baseline)
			outcome = Outcome.UPDATED if changed else Outcome.UNCHANGED
		price_changed = self._upsert_price(item_code, draft)
		mapping_changed = self._upsert_mapping(mapping, item_code, draft, baseline)
		if outcome is Outcome.UNCHANGED and (price_changed or mapping_changed):
			outcome = Outcome.UPDATED
		return outcome

	def compare(self, draft: ItemDraft) -> Outcome:
		"""What `upsert_item` would do with the draft, read only (a dry run's answer): the same field
		rules (a value a user changed in ERPNext is kept), the listing and the price."""
		item_code = self.match_item(draft)
		if item_code is None:
			return Outcome.CREATED
		mapping = self._mapping(draft.marketplace_id, draft.sku)
		if mapping is None or mapping.item_code != item_code:
			return Outcome.UPDATED  # the SKU's listing is recorded against the Item
		current_values = frappe.db.get_value("Item", item_code, list(MANAGED_FIELDS), as_dict=True) or {}
		baseline = _baseline(mapping)
		for field, attr in MANAGED_FIELDS.items():
			wanted = self._wanted(draft, field, attr)
			current = current_values.get(field) or ""
			entry = baseline.get(field) if isinstance(baseline.get(field), dict) else None
			if (
				not wanted
				or current == wanted
				or (entry and entry.get("sent") == wanted and current == entry.get("stored"))
			):
				continue
			if not current or (entry and current == entry.get("stored")):
				return Outcome.UPDATED
		for field in MAPPING_FIELDS:
			wanted = getattr(draft, field, "") or ""
			if wanted and (mapping.get(field) or "") != wanted:
				return Outcome.UPDATED
		price_list = self.ctx.price_list_for(draft.marketplace_id, draft.price_list)
		if draft.price is not None and price_list:
			existing = self.list_price(item_code, price_list)
			if existing is None:
				return Outcome.UPDATED
			currency = draft.currency or frappe.db.get_value("Price List", price_list, "currency")
			differs = round_money(Decimal(str(existing.price_list_rate)), currency) != round_money(
				draft.price, currency
			)
			if differs and self.ctx.update_prices and draft.price_update:
				return Outcome.UPDATED
		return Outcome.UNCHANGED

	def _create_item(self, draft: ItemDraft) -> tuple[str, dict]:
		item_code = (draft.item_code or draft.sku).strip()
		if len(item_code) > NAME_LENGTH:
			raise AdapterError(
				_("SKU {0}: the item code is longer than {1} characters").format(draft.sku, NAME_LENGTH)
			)
		item_group = draft.item_group or self.ctx.item_group
		if not item_group:
			raise AdapterError(_("Set an item group in Amazon Settings"))
		doc = frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": item_code,
				"item_name": (draft.item_name or draft.sku)[:NAME_LENGTH],
				"description": draft.description or draft.item_name or draft.sku,
				"item_group": item_group,
				"stock_uom": draft.uom or "Nos",
				"is_stock_item": 1 if draft.is_stock_item else 0,
				"include_item_in_manufacturing": 0,
				"brand": self.ensure_brand(draft.brand),
				"image": draft.image_url or None,
				"amazon_asin": draft.asin or None,
				"barcodes": [
					{"barcode": b.code, "barcode_type": b.barcode_type}
					for b in self._free_barcodes(draft, item_code)
				],
				"item_defaults": (
					[{"company": self.ctx.company, "default_warehouse": self.ctx.warehouse}]
					if self.ctx.warehouse
					else []
				),
			}
		)
		doc.insert(ignore_permissions=True)
		baseline = {}
		for field, attr in MANAGED_FIELDS.items():
			wanted = self._wanted(draft, field, attr)
			if wanted:
				baseline[field] = {"sent": wanted, "stored": doc.get(field) or ""}
		return doc.name, baseline

	def _update_item(self, item_code: str, draft: ItemDraft, baseline: dict) -> tuple[bool, dict]:
		doc = frappe.get_doc("Item", item_code)
		new_baseline = dict(baseline)
		updated = {}
		for field, attr in MANAGED_FIELDS.items():
			wanted = self._wanted(draft, field, attr)
			if not wanted:
				continue
			current = doc.get(field) or ""
			entry = baseline.get(field) if isinstance(baseline.get(field), dict) else None
			if entry and entry.get("sent") == wanted and current == entry.get("stored"):
				continue  # what we sent last time, as ERPNext stored it, untouched
			if current == wanted:
				new_baseline[field] = {"sent": wanted, "stored": current}
				continue
			if not current or (entry and current == entry.get("stored")):
				if field == "brand":
					wanted = self.ensure_brand(wanted)
				doc.set(field, wanted)
				updated[field] = wanted
			# else: the user changed it in ERPNext; keep their value and our old baseline.
		added_barcode = False
		for barcode in self._free_barcodes(draft, item_code):
			if not any(row.barcode == barcode.code for row in doc.get("barcodes")):
				doc.append("barcodes", {"barcode": barcode.code, "barcode_type": barcode.barcode_type})
				added_barcode = True
		if updated or added_barcode:
			doc.save(ignore_permissions=True)
		for field, wanted in updated.items():
			# ERPNext may store a value differently (HTML sanitised): remember both forms.
			new_baseline[field] = {"sent": wanted, "stored": doc.get(field) or ""}
		return bool(updated or added_barcode), new_baseline

	def _wanted(self, draft: ItemDraft, field: str, attr: str) -> str:
		wanted = _draft_value(draft, attr)
		if field == "brand" and wanted:
			wanted = wanted[:NAME_LENGTH]
			return frappe.db.get_value("Brand", {"brand": wanted}, "name") or wanted
		if field == "item_name":
			return wanted[:NAME_LENGTH]
		return wanted

	def _free_barcodes(self, draft: ItemDraft, item_code: str):
		"""The draft's barcodes that no other Item holds (ERPNext allows a barcode on one Item)."""
		seen = set()
		for barcode in draft.barcodes:
			if not barcode.code or barcode.code in seen:
				continue
			seen.add(barcode.code)
			owner = frappe.db.get_value(
				"Item Barcode", {"barcode": barcode.code, "parenttype": "Item"}, "parent"
			)
			if owner and owner != item_code:
				continue
			yield barcode

	def ensure_brand(self, brand: str) -> str | None:
		brand = (brand or "").strip()[:NAME_LENGTH]
		if not brand:
			return None
		existing = frappe.db.get_value("Brand", {"brand": brand}, "name")  # case-insensitive collation
		if existing:
			return existing
		doc = frappe.get_doc({"doctype": "Brand", "brand": brand})
		try:
			doc.insert(ignore_permissions=True)
		except frappe.DuplicateEntryError:
			return frappe.db.get_value("Brand", {"brand": brand}, "name")
		return doc.name

	# -- price -------------------------------------------------------------------------------
	def _upsert_price(self, item_code: str, draft: ItemDraft) -> bool:
		if draft.price is None:
			return False
		price_list = self.ctx.price_list_for(draft.marketplace_id, draft.price_list)
		if not price_list:
			return False  # no list configured for this marketplace: nowhere to keep a price
		list_currency, selling = frappe.db.get_value("Price List", price_list, ["currency", "selling"]) or (
			None,
			None,
		)
		if list_currency is None:
			raise AdapterError(_("SKU {0}: the price list {1} does not exist").format(draft.sku, price_list))
		currency = draft.currency or list_currency
		if list_currency != currency:
			raise AdapterError(
				_("SKU {0}: Amazon's price is in {1} but the price list {2} is in {3}").format(
					draft.sku, currency, price_list, list_currency
				)
			)
		price = round_money(draft.price, currency)
		existing = self.list_price(item_code, price_list)
		if existing is None:
			frappe.get_doc(
				{
					"doctype": "Item Price",
					"item_code": item_code,
					"price_list": price_list,
					"price_list_rate": price,
					"currency": currency,
					"selling": selling,
				}
			).insert(ignore_permissions=True)
			return True
		if round_money(Decimal(str(existing.price_list_rate)), currency) == price:
			return False
		if not (self.ctx.update_prices and draft.price_update):
			return False
		doc = frappe.get_doc("Item Price", existing.name)
		doc.price_list_rate = price
		doc.save(ignore_permissions=True)
		return True

	def list_price(self, item_code: str, price_list: str):
		"""The list's general price of the item: no customer, supplier or batch, valid today."""
		stock_uom = frappe.db.get_value("Item", item_code, "stock_uom")
		rows = frappe.get_all(
			"Item Price",
			filters={"item_code": item_code, "price_list": price_list},
			fields=[
				"name",
				"price_list_rate",
				"currency",
				"uom",
				"customer",
				"supplier",
				"batch_no",
				"valid_from",
				"valid_upto",
			],
			order_by="valid_from desc, creation desc",
		)
		today = getdate(nowdate())
		for row in rows:
			if row.customer or row.supplier or row.batch_no:
				continue
			if row.uom and row.uom != stock_uom:
				continue
			if row.valid_upto and getdate(row.valid_upto) < today:
				continue
			return row
		return None

	# -- mapping -----------------------------------------------------------------------------
	def _upsert_mapping(self, mapping, item_code: str, draft: ItemDraft, baseline: dict) -> bool:
		values = {
			"item_code": item_code,
			"asin": draft.asin or (mapping.asin if mapping else "") or "",
			"listing_status": draft.listing_status or (mapping.listing_status if mapping else "") or "",
			"fulfillment_channel": draft.fulfillment_channel
			or (mapping.fulfillment_channel if mapping else "")
			or "",
		}
		values["synced_values"] = json.dumps(baseline, sort_keys=True)
		if mapping is None:
			frappe.get_doc(
				{
					"doctype": MAPPING_DOCTYPE,
					"amazon_account": self.ctx.account,
					"marketplace_id": draft.marketplace_id,
					"sku": draft.sku,
					"last_synced": now_datetime(),
					**values,
				}
			).insert(ignore_permissions=True)
			return True
		changed = {k: v for k, v in values.items() if (mapping.get(k) or "") != v}
		meaningful = {k for k in changed if k != "synced_values"}
		# last_synced moves on every run without counting as a change or touching `modified`.
		frappe.db.set_value(
			MAPPING_DOCTYPE,
			mapping.name,
			{**changed, "last_synced": now_datetime()},
			update_modified=bool(changed),
		)
		return bool(meaningful)


def _draft_value(draft: ItemDraft, attr: str) -> str:
	return (getattr(draft, attr, "") or "").strip() if isinstance(getattr(draft, attr, ""), str) else ""


def _baseline(mapping) -> dict:
	raw = mapping.get("synced_values") if mapping else None
	if not raw:
		return {}
	try:
		value = json.loads(raw)
	except ValueError:
		return {}
	return value if isinstance(value, dict) else {}
