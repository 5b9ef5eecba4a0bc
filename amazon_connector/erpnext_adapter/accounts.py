"""Ledger accounts the adapter books on, created on first need and reused after.

Where each kind of account lives (decisions):
- Amazon's fees, chargebacks, promotion rebates and points (the fee entries' debit side) are leaf
  accounts under the configured Amazon account group (Amazon Settings.account_group), named by
  `core.mapping.account_labels` ("Amazon Referral Fees - ABBR", ...).
- The tax Amazon collects and withholds as marketplace facilitator ("Amazon Marketplace Facilitator
  Tax Withheld", ...) is, like every other amount Amazon keeps, a leaf under the configured group,
  with account type Tax so that a Sales Order's tax row may use it. It is the same account the fee
  entries debit when Amazon reports the tax it withheld, so the order's tax row (credit) and the
  withheld tax (debit) clear each other on one account instead of inflating income and expenses.
- The tax the seller collects and remits itself ("Amazon Sales Tax Collected", "Amazon Output VAT")
  is the seller's liability, not Amazon's: it lives under the company's "Duties and Taxes" group
  (any group of account type Tax; else the Liability root).
- What the buyer pays besides the goods (shipping, gift wrap, other charges) and promotion discounts
  are income accounts beside the company's default income account ("Direct Income").
- The clearing accounts hold the money Amazon holds for the seller (the buyer paid Amazon): the
  invoice's payment debits it, fee entries and refund payments credit it, the payout empties it.
  One per currency Amazon pays in, kept IN that currency, so that each booking on it is Amazon's
  amount exactly and its balance after a settlement is 0.00 in the settlement's currency: for the
  company currency Amazon Settings' clearing_account when set, else "Amazon Clearing"; for another
  currency a sibling named "<that account's name> <CUR>" ("Amazon Clearing GBP"), created on first
  need. They are Bank accounts (account type Bank): a Payment Entry receives into and pays from a
  Bank or Cash account (ERPNext's form offers only those), Amazon holds the money like a bank,
  and the bank reconciliation tools apply to the payouts. Not Receivable: a Receivable account
  would need a party on every journal row, and Amazon is not a customer. (If the user picks a
  Receivable account anyway, fee entries name the order's customer as the party, and invoices
  fail with a message asking for a Bank account.)
- Invoices in a currency other than the company's are owed on "Amazon Debtors <CUR>" (Receivable,
  kept in that currency, beside the default receivable account): ERPNext wants a customer's
  receivable in its invoices' currency, and the payment then settles it exactly in that currency.

An account is found by its account name (the label, without the company abbreviation) in the
company before anything is created, so a bookkeeper may move an account to another group, or
create it beforehand, and it is still used. Renaming it makes the adapter create a new one.
All accounts but the foreign-currency clearing accounts are created in the company currency.
"""

from __future__ import annotations

import frappe
from frappe import _

from ..core.drafts.fees import CATEGORY_WITHHELD_TAX
from ..core.mapping.account_labels import (
	CLEARING_ACCOUNT_LABEL,
	DISCOUNT_LABEL,
	GIFT_WRAP_LABEL,
	OTHER_CHARGES_LABEL,
	OUTPUT_VAT_LABEL,
	SALES_TAX_LABEL,
	SHIPPING_LABEL,
	WITHHELD_TAX_LABELS,
)
from ..core.mapping.transaction_accounts import (
	CARRIED_ACCOUNT_LABEL,
	DEFERRED_ACCOUNT_LABEL,
	RESERVE_ACCOUNT_LABEL,
)
from .errors import AdapterError

# Where each label's account lives.
HOME_FEES = "fees"  # the configured Amazon account group
HOME_WITHHELD = "withheld"  # the configured Amazon account group, as Tax accounts
HOME_TAX = "tax"  # Duties and Taxes
HOME_INCOME = "income"  # beside the default income account
HOME_CLEARING = "clearing"  # beside the default receivable account
HOME_RECEIVABLE = "receivable"  # beside the default receivable account, as Receivable accounts

_ACCOUNT_TYPE = {
	HOME_TAX: "Tax",
	HOME_WITHHELD: "Tax",
	HOME_INCOME: "Income Account",
	HOME_FEES: "",
	HOME_CLEARING: "Bank",
	HOME_RECEIVABLE: "Receivable",
}


def home_of_label(label: str) -> str:
	if label in WITHHELD_TAX_LABELS.values():
		return HOME_WITHHELD
	if label in (SALES_TAX_LABEL, OUTPUT_VAT_LABEL):
		return HOME_TAX
	if label in (SHIPPING_LABEL, GIFT_WRAP_LABEL, OTHER_CHARGES_LABEL, DISCOUNT_LABEL):
		return HOME_INCOME
	if label in (
		CLEARING_ACCOUNT_LABEL,
		RESERVE_ACCOUNT_LABEL,
		DEFERRED_ACCOUNT_LABEL,
		CARRIED_ACCOUNT_LABEL,
	):
		return HOME_CLEARING  # money Amazon holds for the seller: assets beside the receivables
	return HOME_FEES


def home_of_fee_line(label: str, category: str) -> str:
	"""Fee entry lines: withheld taxes are Tax accounts under the group (see the module notes)."""
	if category == CATEGORY_WITHHELD_TAX:
		return HOME_WITHHELD
	return home_of_label(label)


class Accounts:
	"""Finds or creates the adapter's accounts in one company; remembers them for the run."""

	def __init__(self, company: str, account_group: str = "", clearing_account: str = ""):
		self.company = company
		self.account_group = account_group
		self.clearing_account_setting = clearing_account
		self._cache: dict[str, str] = {}

	# -- public -----------------------------------------------------------------------------
	def forget(self) -> None:
		"""Drop remembered names (after a record's writes were rolled back)."""
		self._cache.clear()

	def account(self, label: str, home: str | None = None) -> str:
		"""The company's leaf account named `label`, created in its home group on first need."""
		if label in self._cache:
			return self._cache[label]
		name = self._find(label) or self._create(label, home or home_of_label(label))
		self._cache[label] = name
		return name

	def clearing_account(self, currency: str = "") -> str:
		"""The clearing account kept in `currency` (Amazon's currency; empty: the company's)."""
		company_currency = frappe.get_cached_value("Company", self.company, "default_currency")
		base = self._company_clearing_account()
		currency = (currency or company_currency).upper()
		if currency == (frappe.get_cached_value("Account", base, "account_currency") or company_currency):
			return base
		key = f"clearing:{currency}"
		if key not in self._cache:
			base_name, parent = frappe.get_cached_value("Account", base, ["account_name", "parent_account"])
			label = f"{base_name} {currency}"
			self._cache[key] = frappe.db.get_value(
				"Account",
				{"company": self.company, "account_name": label, "is_group": 0, "account_currency": currency},
				"name",
			) or self._create(label, HOME_CLEARING, currency=currency, parent=parent)
		return self._cache[key]

	def receivable_account(self, currency: str) -> str:
		"""The customers' receivable account for invoices in `currency`: the company's default for
		its own currency, else "Amazon Debtors <CUR>" kept in that currency (ERPNext wants a new
		customer's receivable in the invoice's currency, and the invoice is then settled in it
		exactly)."""
		company_currency = frappe.get_cached_value("Company", self.company, "default_currency")
		if not currency or currency == company_currency:
			return frappe.get_cached_value("Company", self.company, "default_receivable_account")
		key = f"receivable:{currency}"
		if key not in self._cache:
			label = f"Amazon Debtors {currency}"
			self._cache[key] = frappe.db.get_value(
				"Account",
				{"company": self.company, "account_name": label, "is_group": 0, "account_currency": currency},
				"name",
			) or self._create(label, HOME_RECEIVABLE, currency=currency)
		return self._cache[key]

	def _company_clearing_account(self) -> str:
		if self.clearing_account_setting:
			company = frappe.db.get_value("Account", self.clearing_account_setting, "company")
			if company != self.company:
				raise AdapterError(
					_("The Amazon clearing account {0} does not belong to company {1}").format(
						self.clearing_account_setting, self.company
					)
				)
			return self.clearing_account_setting
		return self.account(CLEARING_ACCOUNT_LABEL, HOME_CLEARING)

	# -- internals ---------------------------------------------------------------------------
	def _find(self, label: str) -> str | None:
		return frappe.db.get_value(
			"Account", {"company": self.company, "account_name": label, "is_group": 0}, "name"
		)

	def _create(self, label: str, home: str, currency: str = "", parent: str = "") -> str:
		parent = parent or self._parent(home)
		doc = frappe.get_doc(
			{
				"doctype": "Account",
				"account_name": label,
				"parent_account": parent,
				"company": self.company,
				"is_group": 0,
				"account_type": _ACCOUNT_TYPE.get(home, ""),
				"account_currency": currency
				or frappe.get_cached_value("Company", self.company, "default_currency"),
			}
		)
		try:
			doc.insert(ignore_permissions=True)
		except frappe.DuplicateEntryError:
			# Another job created it between our look-up and insert.
			found = self._find(label)
			if not found:
				raise
			return found
		return doc.name

	def _parent(self, home: str) -> str:
		if home in (HOME_FEES, HOME_WITHHELD):
			return self._configured_group()
		if home == HOME_TAX:
			return self._first_group(account_type="Tax") or self._root("Liability")
		if home == HOME_INCOME:
			return self._parent_of_default("default_income_account") or self._root("Income")
		if home in (HOME_CLEARING, HOME_RECEIVABLE):
			return self._parent_of_default("default_receivable_account") or self._root("Asset")
		raise ValueError(f"unknown account home {home!r}")

	def _configured_group(self) -> str:
		if not self.account_group:
			raise AdapterError(_("Set an Amazon account group in Amazon Settings"))
		company, is_group = frappe.db.get_value("Account", self.account_group, ["company", "is_group"]) or (
			None,
			None,
		)
		if company != self.company or not is_group:
			raise AdapterError(
				_("The Amazon account group {0} must be a group account of company {1}").format(
					self.account_group, self.company
				)
			)
		return self.account_group

	def _first_group(self, **filters) -> str | None:
		"""The company's first group account (in tree order) matching `filters`."""
		names = frappe.get_all(
			"Account",
			filters={"company": self.company, "is_group": 1, **filters},
			pluck="name",
			order_by="lft asc",
			limit=1,
		)
		return names[0] if names else None

	def _parent_of_default(self, company_field: str) -> str | None:
		default = frappe.get_cached_value("Company", self.company, company_field)
		return frappe.db.get_value("Account", default, "parent_account") if default else None

	def _root(self, root_type: str) -> str:
		name = self._first_group(root_type=root_type)
		if not name:
			raise AdapterError(
				_("Company {0} has no {1} group account to create Amazon accounts in").format(
					self.company, root_type
				)
			)
		return name
