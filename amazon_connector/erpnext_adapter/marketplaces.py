"""The marketplace merge: Amazon's marketplace participations into the settings' marketplace table.

Test Connection fills the table from what Amazon says the account sells in, keeping the user's
choices (price list, enabled) on rows that exist already. A new marketplace gets a selling price
list in its currency; without one it is added disabled, since enabled it would fall back to the
default list in another currency, which the settings refuse (prices and orders would be booked
in the wrong currency).
"""

from __future__ import annotations

import frappe

from .settings import read_settings


def fill_marketplaces(doc, participations: list[dict]) -> tuple[int, int, list[str]]:
	"""Merge Amazon's marketplace participations into `doc`'s table (not saved here).

	Returns (rows added, rows updated, names of the rows added disabled for want of a price list)."""
	default_price_list = read_settings(doc).price_list
	added = updated = 0
	without_list: list[str] = []
	rows = {row.marketplace_id: row for row in doc.marketplaces}
	for entry in participations:
		marketplace = entry.get("marketplace") or {}
		participation = entry.get("participation") or {}
		marketplace_id = marketplace.get("id")
		if not marketplace_id:
			continue
		country_code = (marketplace.get("countryCode") or "").upper()
		values = {
			"marketplace_name": marketplace.get("name") or marketplace.get("domainName") or marketplace_id,
			"country_code": country_code,
			"country": _country(country_code),
			"currency": marketplace.get("defaultCurrencyCode") or "",
		}
		row = rows.get(marketplace_id)
		if row is None:
			row = doc.append("marketplaces", {"marketplace_id": marketplace_id, **values})
			row.enabled = 1 if participation.get("isParticipating", True) else 0
			row.price_list = _price_list_for(default_price_list, values["currency"])
			if (
				row.enabled
				and not row.price_list
				and not _fits_default_price_list(default_price_list, values["currency"])
			):
				row.enabled = 0
				without_list.append(row.marketplace_name)
			rows[marketplace_id] = row
			added += 1
		else:
			changed = any(row.get(k) != v for k, v in values.items() if v)
			row.update({k: v for k, v in values.items() if v})
			updated += int(changed)
	return added, updated, without_list


def _country(country_code: str) -> str | None:
	if not country_code:
		return None
	# Amazon says "UK" where ISO 3166 (and ERPNext) says "GB".
	code = "gb" if country_code == "UK" else country_code.lower()
	return frappe.db.get_value("Country", {"code": code}, "name")


def _fits_default_price_list(default_price_list: str, currency: str) -> bool:
	if not default_price_list:
		return True
	return frappe.db.get_value("Price List", default_price_list, "currency") in (None, currency)


def _price_list_for(default_price_list: str, currency: str) -> str | None:
	if not currency:
		return None
	if default_price_list and frappe.db.get_value("Price List", default_price_list, "currency") == currency:
		return default_price_list
	return frappe.db.get_value("Price List", {"selling": 1, "enabled": 1, "currency": currency}, "name")
