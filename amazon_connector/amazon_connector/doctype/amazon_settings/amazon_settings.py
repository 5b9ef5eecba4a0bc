"""Amazon Settings: one seller authorization (an Amazon account in one SP-API region).

The controller only validates; connection tests and syncs run as background jobs
(`amazon_connector.runner`), started from the form through `amazon_connector.api`.
"""

from __future__ import annotations

from urllib.parse import urlparse

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import date_diff, flt, getdate, today

from amazon_connector.core.engine.notification_setup import InvalidQueueArn, check_queue_arn
from amazon_connector.core.settings import ITEM_CODE_FROM_FIELD
from amazon_connector.erpnext_adapter.settings import remote_endpoint_allowed
from amazon_connector.runner.backoff import CREDENTIAL_FIELDS
from amazon_connector.spapi.account import CUSTOM, is_loopback_url

# An after date this many days back or more gets a word on how long the first import takes.
LONG_BACKFILL_DAYS = 90

# Tree links that ERPNext accepts only as leaves on the customers, items and stock lines made from them.
LEAF_LINKS = (
	("customer_group", "Customer Group"),
	("territory", "Territory"),
	("item_group", "Item Group"),
	("warehouse", "Warehouse"),
	("fba_warehouse", "Warehouse"),
)


class AmazonSettings(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from amazon_connector.amazon_connector.doctype.amazon_marketplace.amazon_marketplace import (
			AmazonMarketplace,
		)

		account_group: DF.Link
		account_name: DF.Data
		aws_access_key_id: DF.Password | None
		aws_secret_access_key: DF.Password | None
		after_date: DF.Date
		clearing_account: DF.Link | None
		company: DF.Link
		customer_group: DF.Link
		customer_type: DF.Literal["Company", "Individual", "Partnership"]
		enabled: DF.Check
		endpoint_url: DF.Data | None
		environment: DF.Literal["Production", "Amazon Sandbox", "Custom Endpoint"]
		fba_warehouse: DF.Link | None
		item_code_field: DF.Data | None
		item_code_policy: DF.Literal["SKU", "ASIN", "Item Field"]
		item_group: DF.Link
		last_fee_sync: DF.Datetime | None
		last_order_sync: DF.Datetime | None
		last_product_sync: DF.Datetime | None
		lwa_client_id: DF.Data
		lwa_client_secret: DF.Password
		marketplaces: DF.Table[AmazonMarketplace]
		notification_destination_id: DF.Data | None
		notification_status: DF.SmallText | None
		notification_subscription_id: DF.Data | None
		order_history_from_reports: DF.Check
		order_notifications: DF.Check
		order_sync_frequency: DF.Literal["Every 15 Minutes", "Hourly", "Daily", "Never"]
		price_list: DF.Link | None
		product_sync_frequency: DF.Literal["Daily", "Hourly", "Weekly", "Never"]
		refresh_token: DF.Password
		region: DF.Literal["NA", "EU", "FE"]
		request_personal_data: DF.Check
		seller_id: DF.Data | None
		sqs_endpoint_url: DF.Data | None
		sqs_queue_arn: DF.Data | None
		submit_orders: DF.Check
		sync_fees: DF.Check
		territory: DF.Link
		unknown_sku_policy: DF.Literal["Create Item", "Fail Order"]
		update_prices: DF.Check
		warehouse: DF.Link

	# end: auto-generated types
	def validate(self):
		self.strip_identifiers()
		self.validate_endpoint()
		self.validate_item_code_field()
		self.validate_after_date()
		self.validate_warehouses()
		self.validate_tree_leaves()
		self.validate_accounts()
		self.validate_settlement_bank_accounts()
		self.validate_marketplaces()
		self.validate_marketplace_vat()
		self.validate_unique_authorization()
		self.validate_notification_queue()
		self.end_failure_streak_on_new_credentials()

	def end_failure_streak_on_new_credentials(self):
		"""New credentials (or a new endpoint or region) may mend a failing account: the scheduler tries
		it at its next tick instead of waiting out the back-off (`runner.backoff`)."""
		if self.is_new() or not self.failing_since:
			return
		if any(self.has_value_changed(fieldname) for fieldname in CREDENTIAL_FIELDS):
			self.failing_since = None
			self.failed_runs = 0
			self.next_attempt = None
			self.last_error = ""

	def strip_identifiers(self):
		# Pasted from Seller Central or the developer console, these often carry stray spaces that
		# Amazon would reject as a different seller or app.
		for fieldname in ("seller_id", "lwa_client_id", "endpoint_url", "sqs_queue_arn", "sqs_endpoint_url"):
			value = self.get(fieldname)
			if isinstance(value, str):
				self.set(fieldname, value.strip())

	def validate_endpoint(self):
		if self.environment != CUSTOM:
			return
		url = urlparse((self.endpoint_url or "").strip())
		if url.scheme not in ("http", "https") or not url.netloc:
			frappe.throw(
				_("Endpoint URL {0} is not a web address; it must start with http:// or https://.").format(
					frappe.bold(self.endpoint_url or "")
				),
				title=_("Invalid Endpoint URL"),
			)
		if not is_loopback_url(self.endpoint_url) and not remote_endpoint_allowed(frappe.session.user):
			# Every call, token requests included, carries the LWA client secret and refresh token.
			frappe.throw(
				_(
					"Endpoint URL {0} is not on this server. A custom endpoint receives the LWA client secret "
					"and refresh token, so it must be a local address (localhost, 127.0.0.1) unless the site "
					"is in developer mode and a System Manager sets it."
				).format(frappe.bold(url.hostname or self.endpoint_url)),
				title=_("Endpoint Not Allowed"),
			)

	def validate_notification_queue(self):
		"""The queue must be an SQS ARN, and a custom SQS endpoint local: it receives the AWS keys."""
		if self.sqs_queue_arn:
			try:
				check_queue_arn(self.sqs_queue_arn)
			except InvalidQueueArn as exc:
				frappe.throw(str(exc), title=_("Invalid SQS Queue ARN"))
		elif self.order_notifications:
			frappe.throw(
				_("Enter the SQS Queue ARN to import orders as Amazon notifies them."),
				title=_("Missing SQS Queue ARN"),
			)
		if self.sqs_endpoint_url and not is_loopback_url(self.sqs_endpoint_url):
			frappe.throw(
				_(
					"SQS Endpoint URL {0} is not on this server. It receives the AWS keys: leave it empty for "
					"Amazon SQS, or use a local address (localhost, 127.0.0.1)."
				).format(frappe.bold(self.sqs_endpoint_url)),
				title=_("Endpoint Not Allowed"),
			)

	def validate_item_code_field(self):
		if self.item_code_policy != ITEM_CODE_FROM_FIELD:
			return
		if not self.item_code_field or not frappe.get_meta("Item").has_field(self.item_code_field):
			frappe.throw(
				_(
					"Item has no field named {0}; give the fieldname of the Item field that holds the SKU."
				).format(frappe.bold(self.item_code_field or "")),
				title=_("Invalid Item Field"),
			)

	def validate_after_date(self):
		if self.after_date and getdate(self.after_date) > getdate(today()):
			frappe.throw(
				_(
					"Import Orders Placed After ({0}) is in the future; choose today or an earlier date."
				).format(frappe.format(self.after_date, "Date")),
				title=_("Invalid Date"),
			)
		self.note_long_backfill()

	def note_long_backfill(self):
		"""An after date moved far back costs hours at Amazon's rates: say so when it is set, not after."""
		if not self.after_date or not self.has_value_changed("after_date"):
			return
		days = date_diff(today(), self.after_date)
		if days < LONG_BACKFILL_DAYS:
			return
		frappe.msgprint(
			_(
				"Orders since {0} ({1} days) will be imported. Amazon lets a seller read about 2,000 orders "
				"at once and then about 2,000 an hour (searchOrders: 100 orders a call, one call every 3 "
				"minutes), so a first import of 10,000 orders takes about 4.5 hours; the orders appear "
				"as they are read, newest first. Amazon keeps about two years of orders."
			).format(frappe.format(self.after_date, "Date"), days),
			title=_("A Long First Import"),
			indicator="orange",
		)

	def validate_warehouses(self):
		for fieldname in ("warehouse", "fba_warehouse"):
			warehouse = self.get(fieldname)
			if not warehouse:
				continue
			company = frappe.db.get_value("Warehouse", warehouse, "company")
			if company != self.company:
				frappe.throw(
					_("{0} {1} belongs to company {2}, not to {3}.").format(
						_(self.meta.get_label(fieldname)),
						frappe.bold(warehouse),
						frappe.bold(company or _("none")),
						frappe.bold(self.company),
					),
					title=_("Wrong Company"),
				)

	def validate_tree_leaves(self):
		"""ERPNext books only on the leaves of these trees: a group (such as the root All Customer Groups,
		Selling Settings' default) would be taken here and then fail every order at its first customer,
		item or stock line."""
		for fieldname, doctype in LEAF_LINKS:
			name = self.get(fieldname)
			if name and frappe.db.get_value(doctype, name, "is_group"):
				frappe.throw(
					_("{0} {1} is a group {2}; choose one under it (a {2} that is not a group).").format(
						_(self.meta.get_label(fieldname)), frappe.bold(name), _(doctype)
					),
					title=_("Group Not Allowed"),
				)

	def validate_settlement_bank_accounts(self):
		"""Payouts are booked on these accounts: each must be a ledger account of the company."""
		for row in self.get("settlement_bank_accounts") or []:
			if not row.bank_account:
				continue
			company, is_group = frappe.db.get_value("Account", row.bank_account, ["company", "is_group"]) or (
				None,
				0,
			)
			if company != self.company or is_group:
				frappe.throw(
					_(
						"Settlement Bank Accounts row {0}: {1} must be a ledger account of company {2}."
					).format(row.idx, frappe.bold(row.bank_account), frappe.bold(self.company)),
					title=_("Settlement Bank Account"),
				)

	def validate_accounts(self):
		if self.account_group:
			company, is_group = frappe.db.get_value(
				"Account", self.account_group, ["company", "is_group"]
			) or (
				None,
				0,
			)
			if company != self.company:
				frappe.throw(
					_("Fee Account Group {0} belongs to company {1}, not to {2}.").format(
						frappe.bold(self.account_group),
						frappe.bold(company or _("none")),
						frappe.bold(self.company),
					),
					title=_("Wrong Company"),
				)
			if not is_group:
				frappe.throw(
					_(
						"Fee Account Group {0} is not a group account; choose a group, under which the fee accounts are created."
					).format(frappe.bold(self.account_group)),
					title=_("Not a Group Account"),
				)
			root_type = frappe.db.get_value("Account", self.account_group, "root_type")
			if root_type != "Expense":
				frappe.throw(
					_(
						"Fee Account Group {0} is an {1} group; Amazon's fees are expenses, so choose a group "
						"under Expenses (for example Indirect Expenses)."
					).format(frappe.bold(self.account_group), _(root_type or "unknown")),
					title=_("Not an Expense Group"),
				)
		if self.clearing_account:
			company, is_group = frappe.db.get_value(
				"Account", self.clearing_account, ["company", "is_group"]
			) or (None, 0)
			if company != self.company:
				frappe.throw(
					_("Amazon Clearing Account {0} belongs to company {1}, not to {2}.").format(
						frappe.bold(self.clearing_account),
						frappe.bold(company or _("none")),
						frappe.bold(self.company),
					),
					title=_("Wrong Company"),
				)
			if is_group:
				frappe.throw(
					_(
						"Amazon Clearing Account {0} is a group account; entries can only be booked on a ledger."
					).format(frappe.bold(self.clearing_account)),
					title=_("Group Account"),
				)

	def validate_marketplaces(self):
		seen = set()
		for row in self.marketplaces:
			row.marketplace_id = (row.marketplace_id or "").strip()
			if row.marketplace_id in seen:
				frappe.throw(
					_("Row {0}: marketplace {1} is listed twice.").format(
						row.idx, frappe.bold(row.marketplace_id)
					),
					title=_("Duplicate Marketplace"),
				)
			seen.add(row.marketplace_id)
			if row.country_code:
				row.country_code = row.country_code.strip().upper()
			price_list = row.price_list or self.price_list
			if not price_list:
				continue
			currency, selling = frappe.db.get_value("Price List", price_list, ["currency", "selling"]) or (
				None,
				0,
			)
			if row.price_list and not selling:
				frappe.throw(
					_("Row {0}: price list {1} is not a selling price list.").format(
						row.idx, frappe.bold(price_list)
					),
					title=_("Wrong Price List"),
				)
			if row.enabled and currency and row.currency and currency != row.currency:
				frappe.throw(
					_(
						"Row {0}: marketplace {1} sells in {2}, but price list {3} is in {4}. Choose a price list in {2} for this marketplace."
					).format(
						row.idx,
						frappe.bold(row.marketplace_name or row.marketplace_id),
						frappe.bold(row.currency),
						frappe.bold(price_list),
						frappe.bold(currency),
					),
					title=_("Price List Currency"),
				)

	def validate_marketplace_vat(self):
		"""A marketplace row's VAT set-up: rates between 0 and 100, the company's own ledger account."""
		for row in self.marketplaces:
			for field in ("vat_rate", "reduced_vat_rate"):
				if not 0 <= flt(row.get(field)) < 100:
					frappe.throw(
						_("Row {0}: {1} must be a percentage between 0 and 100.").format(
							row.idx, _(row.meta.get_label(field))
						),
						title=_("VAT Rate"),
					)
			account = row.get("output_vat_account")
			if account:
				company, is_group = frappe.db.get_value("Account", account, ["company", "is_group"]) or (
					None,
					0,
				)
				if company != self.company or is_group:
					frappe.throw(
						_("Row {0}: Output VAT Account {1} must be a ledger account of company {2}.").format(
							row.idx, frappe.bold(account), frappe.bold(self.company)
						),
						title=_("Output VAT Account"),
					)
			template = row.get("taxes_and_charges_template")
			if template:
				company = frappe.db.get_value("Sales Taxes and Charges Template", template, "company")
				if company != self.company:
					frappe.throw(
						_(
							"Row {0}: Sales Taxes and Charges Template {1} belongs to company {2}, not to {3}."
						).format(
							row.idx,
							frappe.bold(template),
							frappe.bold(company or _("none")),
							frappe.bold(self.company),
						),
						title=_("Wrong Company"),
					)

	def validate_unique_authorization(self):
		# Two records of one seller in one region would import every order twice into two accounts.
		if not self.seller_id:
			return
		other = frappe.db.get_value(
			"Amazon Settings",
			{"seller_id": self.seller_id, "region": self.region, "name": ("!=", self.name)},
			"name",
		)
		if other:
			frappe.throw(
				_("Seller {0} in region {1} is already set up in Amazon Settings {2}.").format(
					frappe.bold(self.seller_id), self.region, frappe.bold(other)
				),
				title=_("Duplicate Account"),
			)
