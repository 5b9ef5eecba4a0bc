"""Customers and shipping addresses of Amazon orders.

A Customer is found by `Customer.amazon_customer_key` (the draft's stable key: one per buyer when
Amazon identifies one, else one per marketplace standing for its buyers); an Address by
`Address.amazon_address_key`, linked to that customer. Both are created on first need and then
left alone: a user who corrects a customer's name or an address keeps the correction.
"""

from __future__ import annotations

import frappe
from frappe import _

from ..core.drafts import AddressDraft, CustomerDraft
from .context import AdapterContext
from .errors import AdapterError

_CUSTOMER_NAME_MAX = 140


class Customers:
	def __init__(self, ctx: AdapterContext):
		self.ctx = ctx
		self._customers: dict[str, str] = {}
		self._addresses: dict[str, str] = {}
		self._details: dict[str, tuple[str, str]] = {}

	def forget(self) -> None:
		"""Drop remembered names (after a record's writes were rolled back)."""
		self._customers.clear()
		self._addresses.clear()
		self._details.clear()

	def details(self, customer: str) -> tuple[str, str]:
		"""(customer_name, tax_id) of a customer, read once per run: most orders of a marketplace
		share its customer."""
		if customer not in self._details:
			name, tax_id = frappe.db.get_value("Customer", customer, ["customer_name", "tax_id"]) or ("", "")
			self._details[customer] = (name or "", tax_id or "")
		return self._details[customer]

	# -- customers ---------------------------------------------------------------------------
	def ensure_customer(self, draft: CustomerDraft) -> str:
		if not draft.key:
			raise AdapterError(_("The order has no customer key"))
		if draft.key in self._customers:
			return self._customers[draft.key]
		name = frappe.db.get_value("Customer", {"amazon_customer_key": draft.key}, "name")
		if not name:
			name = self._create_customer(draft)
		elif draft.tax_id and not frappe.db.get_value("Customer", name, "tax_id"):
			# A buyer who gives a VAT number later: recorded, but one a person entered is never replaced.
			frappe.db.set_value("Customer", name, "tax_id", draft.tax_id, update_modified=False)
			self._details.pop(name, None)
		self._customers[draft.key] = name
		return name

	def _create_customer(self, draft: CustomerDraft) -> str:
		customer_name = (draft.company_name or draft.customer_name or draft.key).strip()[:_CUSTOMER_NAME_MAX]
		customer_type = "Company" if draft.is_business and draft.company_name else self.ctx.customer_type
		doc = frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": customer_name,
				"customer_type": customer_type,
				"customer_group": self.ctx.customer_group,
				"territory": self.ctx.territory,
				"amazon_customer_key": draft.key,
				"tax_id": draft.tax_id or None,
			}
		)
		# ERPNext names duplicates "<name> - 1", "<name> - 2": Amazon buyers often share names.
		doc.insert(ignore_permissions=True)
		return doc.name

	# -- addresses ---------------------------------------------------------------------------
	def ensure_address(
		self, draft: AddressDraft | None, customer: str, customer_name: str = ""
	) -> str | None:
		if draft is None or not draft.key:
			return None
		cache_key = f"{customer}\n{draft.key}"
		if cache_key in self._addresses:
			return self._addresses[cache_key]
		name = self._find_address(draft.key, customer) or self._create_address(draft, customer, customer_name)
		self._addresses[cache_key] = name
		return name

	def _find_address(self, key: str, customer: str) -> str | None:
		names = frappe.get_all("Address", filters={"amazon_address_key": key}, pluck="name")
		if not names:
			return None
		linked = frappe.get_all(
			"Dynamic Link",
			filters={
				"parenttype": "Address",
				"parent": ("in", names),
				"link_doctype": "Customer",
				"link_name": customer,
			},
			pluck="parent",
			limit=1,
		)
		return linked[0] if linked else None

	def _create_address(self, draft: AddressDraft, customer: str, customer_name: str) -> str:
		country = country_name(draft.country_code)
		line1, city = address_lines(draft, country)
		doc = frappe.get_doc(
			{
				"doctype": "Address",
				"address_title": (draft.name or customer_name or customer)[:_CUSTOMER_NAME_MAX],
				"address_type": "Shipping",
				"address_line1": line1,
				"address_line2": draft.address_line2 or "",
				"city": city,
				"county": draft.county or "",
				"state": draft.state or "",
				"pincode": draft.postal_code or "",
				"country": country,
				"phone": draft.phone or "",
				"is_shipping_address": 1,
				"amazon_address_key": draft.key,
				"links": [{"link_doctype": "Customer", "link_name": customer}],
			}
		)
		doc.insert(ignore_permissions=True)
		return doc.name


def country_name(country_code: str) -> str:
	"""ERPNext's Country name for an ISO 3166 alpha-2 code (Country.code holds it in lower case)."""
	code = (country_code or "").strip().lower()
	if not code:
		raise AdapterError(_("Amazon gave no country for the shipping address"))
	name = frappe.db.get_value("Country", {"code": code}, "name")
	if not name:
		raise AdapterError(_("No Country with the code {0} exists in ERPNext").format(code.upper()))
	return name


def address_lines(draft: AddressDraft, country: str) -> tuple[str, str]:
	"""(address_line1, city) for ERPNext, which requires both.

	Without a Restricted Data Token Amazon shares only city, state, postal code and country. The
	street is then not invented: line 1 says plainly what is known ("<postal code> <city>") and that
	the street was not shared, so nobody ships to it believing it complete. A missing city falls back
	to the state, the postal code, then the country, for the same reason.
	"""
	city = (draft.city or draft.state or draft.postal_code or country).strip()
	line1 = (draft.address_line1 or "").strip()
	if not line1:
		known = " ".join(part for part in (draft.postal_code, draft.city) if part).strip()
		line1 = (
			_("{0} (street not shared by Amazon)").format(known)
			if known
			else _("Street not shared by Amazon")
		)
	return line1[:240], city[:140]
