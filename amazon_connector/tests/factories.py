"""Test data for bench tests: a company with warehouses, an Amazon account group, price lists,
exchange rates and Amazon Settings records. Every factory is get-or-create, so tests can call them
freely; nothing here reaches the network.

Typical use in a FrappeTestCase:

	from amazon_connector.tests import factories as f

	company = f.make_company()                     # "_Test Amazon Company" (USD), abbr "_TAC"
	settings = f.make_amazon_settings(company)     # "_Test Amazon US", marketplace US, USD price list
	settings_de = f.make_amazon_settings(company, region="EU", marketplaces=[f.MARKETPLACE_DE])
"""

from __future__ import annotations

import json
from datetime import date

import frappe
from frappe.utils import getdate, nowdate

COMPANY = "_Test Amazon Company"
ABBR = "_TAC"

# (marketplace id, name, country code, currency)
MARKETPLACE_US = ("ATVPDKIKX0DER", "Amazon.com", "US", "USD")
MARKETPLACE_DE = ("A1PA6795UKMFR9", "Amazon.de", "DE", "EUR")
MARKETPLACE_UK = ("A1F83G8C2ARO7P", "Amazon.co.uk", "GB", "GBP")
MARKETPLACE_JP = ("A1VC38T7YXB528", "Amazon.co.jp", "JP", "JPY")

# Fixed rates to the company currency (USD), dated early enough for any test date.
EXCHANGE_RATES = {"EUR": 1.1, "GBP": 1.25, "JPY": 0.0067, "CAD": 0.73}


def make_company(
	name: str = COMPANY, abbr: str = ABBR, currency: str = "USD", country: str = "United States"
) -> str:
	if not frappe.db.exists("Company", name):
		frappe.get_doc(
			{
				"doctype": "Company",
				"company_name": name,
				"abbr": abbr,
				"default_currency": currency,
				"country": country,
				"chart_of_accounts": "Standard",
				"create_chart_of_accounts_based_on": "Standard Template",
			}
		).insert(ignore_permissions=True)
	ensure_fiscal_years([getdate(nowdate()).year - 1, getdate(nowdate()).year, getdate(nowdate()).year + 1])
	return name


def ensure_fiscal_years(years) -> None:
	for year in years:
		start, end = date(year, 1, 1), date(year, 12, 31)
		if frappe.db.exists("Fiscal Year", {"year_start_date": start, "year_end_date": end}):
			continue
		if frappe.db.exists("Fiscal Year", str(year)):
			continue
		frappe.get_doc(
			{"doctype": "Fiscal Year", "year": str(year), "year_start_date": start, "year_end_date": end}
		).insert(ignore_permissions=True)


def abbr_of(company: str) -> str:
	return frappe.get_cached_value("Company", company, "abbr")


def make_warehouse(company: str, warehouse_name: str) -> str:
	name = f"{warehouse_name} - {abbr_of(company)}"
	if not frappe.db.exists("Warehouse", name):
		parent = frappe.db.get_value("Warehouse", {"company": company, "is_group": 1}, "name")
		frappe.get_doc(
			{
				"doctype": "Warehouse",
				"warehouse_name": warehouse_name,
				"company": company,
				"parent_warehouse": parent,
			}
		).insert(ignore_permissions=True)
	return name


def make_account_group(
	company: str, account_name: str = "Amazon Fees", parent_name: str = "Indirect Expenses"
) -> str:
	abbr = abbr_of(company)
	name = f"{account_name} - {abbr}"
	if not frappe.db.exists("Account", name):
		parent = frappe.db.get_value(
			"Account", {"company": company, "account_name": parent_name, "is_group": 1}, "name"
		) or frappe.db.get_value(
			"Account", {"company": company, "root_type": "Expense", "is_group": 1}, "name"
		)
		frappe.get_doc(
			{
				"doctype": "Account",
				"account_name": account_name,
				"parent_account": parent,
				"company": company,
				"is_group": 1,
			}
		).insert(ignore_permissions=True)
	return name


def make_price_list(name: str, currency: str, selling: bool = True) -> str:
	if not frappe.db.exists("Price List", name):
		frappe.get_doc(
			{
				"doctype": "Price List",
				"price_list_name": name,
				"currency": currency,
				"selling": int(selling),
				"buying": int(not selling),
				"enabled": 1,
			}
		).insert(ignore_permissions=True)
	frappe.db.set_value("Currency", currency, "enabled", 1)
	return name


def make_tree_record(doctype: str, name: str, parent_field: str, root: str) -> str:
	if not frappe.db.exists(doctype, name):
		name_field = frappe.scrub(doctype) + "_name"
		frappe.get_doc({"doctype": doctype, name_field: name, parent_field: root, "is_group": 0}).insert(
			ignore_permissions=True
		)
	return name


def make_item_group(name: str = "_Test Amazon Products") -> str:
	return make_tree_record("Item Group", name, "parent_item_group", _root("Item Group", "All Item Groups"))


def make_customer_group(name: str = "_Test Amazon Buyers") -> str:
	return make_tree_record(
		"Customer Group", name, "parent_customer_group", _root("Customer Group", "All Customer Groups")
	)


def make_territory(name: str = "_Test Amazon Territory") -> str:
	return make_tree_record("Territory", name, "parent_territory", _root("Territory", "All Territories"))


def _root(doctype: str, default: str) -> str:
	if frappe.db.exists(doctype, default):
		return default
	parent_field = "parent_" + frappe.scrub(doctype)
	return frappe.db.get_value(doctype, {parent_field: ("in", ("", None)), "is_group": 1}, "name") or default


def make_exchange_rates(to_currency: str = "USD", on: str = "2000-01-01") -> None:
	for currency, rate in EXCHANGE_RATES.items():
		if currency == to_currency:
			continue
		frappe.db.set_value("Currency", currency, "enabled", 1)
		# A rate on the tests' own date: one a person added for a later date would not cover older orders.
		wanted = {"from_currency": currency, "to_currency": to_currency, "date": on}
		if not frappe.db.exists("Currency Exchange", wanted):
			frappe.get_doc(
				{
					"doctype": "Currency Exchange",
					"date": on,
					"from_currency": currency,
					"to_currency": to_currency,
					"exchange_rate": rate,
					"for_selling": 1,
					"for_buying": 1,
				}
			).insert(ignore_permissions=True)
	# Stale rates are fine for tests, and a missing rate is never fetched from the internet.
	frappe.db.set_single_value("Accounts Settings", "allow_stale", 1)
	frappe.db.set_single_value("Currency Exchange Settings", "disabled", 1)


def make_item(item_code: str, **fields) -> str:
	if not frappe.db.exists("Item", item_code):
		doc = {
			"doctype": "Item",
			"item_code": item_code,
			"item_name": fields.pop("item_name", item_code),
			"item_group": fields.pop("item_group", make_item_group()),
			"stock_uom": fields.pop("stock_uom", "Nos"),
			"is_stock_item": fields.pop("is_stock_item", 1),
		}
		doc.update(fields)
		frappe.get_doc(doc).insert(ignore_permissions=True)
	return item_code


def make_amazon_settings(
	company: str | None = None,
	account_name: str = "_Test Amazon US",
	region: str = "NA",
	marketplaces=(MARKETPLACE_US,),
	**overrides,
):
	"""An Amazon Settings record pointing at a local endpoint (no network), with the company's
	warehouses, an account group, and one selling price list per marketplace currency."""
	company = company or make_company()
	if frappe.db.exists("Amazon Settings", account_name):
		return frappe.get_doc("Amazon Settings", account_name)
	make_exchange_rates(frappe.get_cached_value("Company", company, "default_currency"))
	rows = []
	for marketplace_id, marketplace_name, country_code, currency in marketplaces:
		rows.append(
			{
				"marketplace_id": marketplace_id,
				"marketplace_name": marketplace_name,
				"country_code": country_code,
				"country": frappe.db.get_value("Country", {"code": country_code.lower()}, "name"),
				"currency": currency,
				"price_list": make_price_list(f"_Test Amazon {country_code}", currency),
				"enabled": 1,
			}
		)
	values = {
		"doctype": "Amazon Settings",
		"account_name": account_name,
		"enabled": 1,
		"region": region,
		"seller_id": "TEST-" + frappe.scrub(account_name).upper(),
		"environment": "Custom Endpoint",
		"endpoint_url": "http://127.0.0.1:9",
		"lwa_client_id": "test-client-id",
		"lwa_client_secret": "test-client-secret",
		"refresh_token": "test-refresh-token",
		"company": company,
		"warehouse": make_warehouse(company, "Amazon Merchant"),
		"fba_warehouse": make_warehouse(company, "Amazon FBA"),
		"item_group": make_item_group(),
		"price_list": rows[0]["price_list"] if rows else None,
		"customer_group": make_customer_group(),
		"territory": make_territory(),
		"customer_type": "Individual",
		"account_group": make_account_group(company),
		"after_date": "2020-01-01",
		"item_code_policy": "SKU",
		"unknown_sku_policy": "Create Item",
		"update_prices": 1,
		"submit_orders": 1,
		"sync_fees": 1,
		# The order tests assert on the searchOrders path; those of the report path tick it.
		"order_history_from_reports": 0,
		"product_sync_frequency": "Never",
		"order_sync_frequency": "Never",
		"listing_health_frequency": "Never",
		"marketplaces": rows,
	}
	values.update(overrides)
	doc = frappe.get_doc(values)
	doc.insert(ignore_permissions=True)
	return doc


# -- drafts ------------------------------------------------------------------------------------


def item_draft(sku: str, marketplace=MARKETPLACE_US, **fields):
	from decimal import Decimal

	from amazon_connector.core.drafts import ItemDraft

	values = {
		"sku": sku,
		"marketplace_id": marketplace[0],
		"item_code": sku,
		"item_name": f"Amazon product {sku}",
		"currency": marketplace[3],
		"price": Decimal("19.99"),
		"listing_status": "Active",
		"fulfillment_channel": "MERCHANT",
	}
	values.update(fields)
	return ItemDraft(**values)


def order_draft(
	order_id: str,
	lines,
	charges=(),
	marketplace=MARKETPLACE_US,
	status: str = "UNSHIPPED",
	submit: bool = True,
	purchase_date=None,
	last_updated=None,
	fulfilled_by: str = "MERCHANT",
	customer_key: str = "amazon-buyer-test-1",
	**fields,
):
	"""A SalesOrderDraft. `lines` are (sku, item_code, qty, rate) or (sku, item_code, qty, rate, tax,
	tax_included); grand_total is the lines plus the charges not included in the rates."""
	from datetime import datetime, timedelta, timezone
	from decimal import Decimal

	from amazon_connector.core.drafts import AddressDraft, CustomerDraft, SalesOrderDraft, SalesOrderLineDraft

	purchase_date = purchase_date or datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=2)
	drafted = []
	for index, line in enumerate(lines, start=1):
		sku, item_code, qty, rate, *rest = line
		qty, rate = Decimal(str(qty)), Decimal(str(rate))
		tax = Decimal(str(rest[0])) if rest else Decimal(0)
		included = bool(rest[1]) if len(rest) > 1 else False
		drafted.append(
			SalesOrderLineDraft(
				order_item_id=f"{order_id}-item-{index}",
				sku=sku,
				qty=qty,
				rate=rate,
				amount=qty * rate,
				item_code=item_code,
				key=f"{order_id}-item-{index}",
				tax=tax,
				tax_included=included,
			)
		)
	charges = list(charges)
	grand_total = sum((line.amount for line in drafted), Decimal(0)) + sum(
		(c.amount for c in charges if not c.included_in_rate), Decimal(0)
	)
	values = {
		"amazon_order_id": order_id,
		"marketplace_id": marketplace[0],
		"currency": marketplace[3],
		"purchase_date": purchase_date,
		"last_updated": last_updated or purchase_date + timedelta(minutes=5),
		"amazon_status": status,
		"fulfilled_by": fulfilled_by,
		"customer": CustomerDraft(key=customer_key, customer_name=f"{marketplace[1]} buyer"),
		"lines": drafted,
		"grand_total": grand_total,
		"charges": charges,
		"shipping_address": AddressDraft(
			key=f"{customer_key}-address",
			city="Springfield",
			state="IL",
			postal_code="62701",
			country_code=marketplace[2],
		),
		"delivery_date": (purchase_date + timedelta(days=4)).date(),
		"submit": submit,
	}
	values.update(fields)
	return SalesOrderDraft(**values)


def make_user(email: str, roles: list[str]) -> str:
	"""A website-less user with exactly `roles`."""
	if not frappe.db.exists("User", email):
		user = frappe.get_doc(
			{"doctype": "User", "email": email, "first_name": email.split("@")[0], "send_welcome_email": 0}
		)
		user.insert(ignore_permissions=True)
	user = frappe.get_doc("User", email)
	user.set("roles", [])
	user.add_roles(*roles)
	return email


def phantom_changes(doctype: str, name: str) -> list[str]:
	"""The fields a document's timeline says changed "from 0 to null": nobody makes such a change,
	it comes from submitting the inserted object instead of the record as stored."""
	found = []
	for data in frappe.get_all("Version", filters={"ref_doctype": doctype, "docname": name}, pluck="data"):
		version = json.loads(data)
		changes = list(version.get("changed", []))
		for row in version.get("row_changed", []):
			changes += row[3] if len(row) > 3 else []
		found += [field for field, old, new in changes if old in (0, "0") and new is None]
	return found
