"""The VAT set-up of a marketplace row of Amazon Settings, and the VAT rate of an Item.

Where a rate comes from (decisions, in this order):
- the Item's own Item Tax Template (Item > Taxes), else its Item Group's: the first template of the
  company valid on the order date (a row without "Valid From" is always valid; the latest valid
  date wins). Its rate for the marketplace's Output VAT account is the item's rate; a template
  without a row for that account but with one rate on all its rows gives that rate (so a "Zero
  Rated" template with a single 0 % row works whatever account it names); a template naming the
  account wins over one that does not. This is how ERPNext
  itself gives an item a reduced or zero rate, so the same template serves manual invoices.
- else the marketplace row's Standard VAT Rate;
- else the first percentage row of the marketplace row's Sales Taxes and Charges Template.
None of these: the item has no rate; the order is booked gross and flagged (`core.mapping.vat`).

The Output VAT account is the marketplace row's, else the template's first percentage row's, else
empty, meaning the adapter's own "Amazon Output VAT" (created under Duties and Taxes on first use).
A Percent of 0 on the marketplace row reads as "not set up": no marketplace whose prices include VAT
has a standard rate of 0 %.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import frappe
from frappe import _
from frappe.utils import getdate

from .context import AdapterContext
from .settings import MarketplaceRow


class TaxSetup:
	def __init__(self, ctx: AdapterContext):
		self.ctx = ctx
		self._templates: dict[str, tuple[Decimal | None, str]] = {}
		self._item_templates: dict[str, list[tuple[date | None, str]]] = {}
		self._template_rates: dict[str, tuple[str, list[tuple[str, Decimal]]]] = {}

	# -- the marketplace ------------------------------------------------------------------------
	def standard_rate(self, marketplace_id: str) -> Decimal | None:
		row = self.ctx.marketplace(marketplace_id)
		if row is None:
			return None
		return row.vat_rate if row.vat_rate is not None else self._template(row)[0]

	def output_vat_account(self, marketplace_id: str) -> str:
		row = self.ctx.marketplace(marketplace_id)
		if row is None:
			return ""
		return row.output_vat_account or self._template(row)[1]

	def missing_setup(self, marketplace_id: str) -> str:
		"""What a user sets up so that the marketplace's orders get their VAT (for the flag)."""
		row = self.ctx.marketplace(marketplace_id)
		name = (row.marketplace_name if row else "") or marketplace_id
		return _(
			"set the Standard VAT Rate (or a Sales Taxes and Charges Template) of marketplace {0} in "
			"Amazon Settings {1}, or give the Items an Item Tax Template; then retry the order"
		).format(name, self.ctx.account)

	# -- an item --------------------------------------------------------------------------------
	def rate_of_item(self, item_code: str, marketplace_id: str, on: date, vat_account: str) -> Decimal | None:
		templates = self._valid_templates(item_code, on)
		for template in templates:  # a template's row for this marketplace's account first
			rate = self._rate_in_template(template, vat_account, exact=True)
			if rate is not None:
				return rate
		for template in templates:  # then a template with one rate on all its rows
			rate = self._rate_in_template(template, vat_account, exact=False)
			if rate is not None:
				return rate
		return self.standard_rate(marketplace_id)

	def _valid_templates(self, item_code: str, on: date) -> list[str]:
		if item_code not in self._item_templates:
			rows = _item_tax_rows("Item", item_code)
			item_group = frappe.db.get_value("Item", item_code, "item_group")
			if item_group:
				rows += _item_tax_rows("Item Group", item_group)
			self._item_templates[item_code] = rows
		valid = [(since, name) for since, name in self._item_templates[item_code] if not since or since <= on]
		# The latest "Valid From" first; rows without one after dated ones, in the table's order.
		valid.sort(key=lambda row: row[0] or date.min, reverse=True)
		return [name for _since, name in valid]

	def _rate_in_template(self, template: str, vat_account: str, exact: bool) -> Decimal | None:
		if template not in self._template_rates:
			company = frappe.db.get_value("Item Tax Template", template, "company") or ""
			rows = frappe.get_all(
				"Item Tax Template Detail",
				filters={"parent": template, "parenttype": "Item Tax Template"},
				fields=["tax_type", "tax_rate"],
				order_by="idx asc",
			)
			self._template_rates[template] = (
				company,
				[(r.tax_type, Decimal(str(r.tax_rate or 0)).normalize()) for r in rows],
			)
		company, rows = self._template_rates[template]
		if company and company != self.ctx.company:
			return None
		if exact:
			return next((rate for account, rate in rows if vat_account and account == vat_account), None)
		distinct = {rate for _account, rate in rows}
		return distinct.pop() if len(distinct) == 1 else None

	def _template(self, row: MarketplaceRow) -> tuple[Decimal | None, str]:
		name = row.taxes_and_charges_template
		if not name:
			return None, ""
		if name not in self._templates:
			first = frappe.get_all(
				"Sales Taxes and Charges",
				filters={
					"parent": name,
					"parenttype": "Sales Taxes and Charges Template",
					"charge_type": "On Net Total",
				},
				fields=["account_head", "rate"],
				order_by="idx asc",
				limit=1,
			)
			self._templates[name] = (
				(
					Decimal(str(first[0].rate)).normalize() if first[0].rate else None,
					first[0].account_head or "",
				)
				if first
				else (None, "")
			)
		return self._templates[name]


def _item_tax_rows(parenttype: str, parent: str) -> list[tuple[date | None, str]]:
	rows = frappe.get_all(
		"Item Tax",
		filters={"parent": parent, "parenttype": parenttype},
		fields=["item_tax_template", "valid_from"],
		order_by="idx asc",
	)
	return [
		(getdate(r.valid_from) if r.valid_from else None, r.item_tax_template)
		for r in rows
		if r.item_tax_template
	]
