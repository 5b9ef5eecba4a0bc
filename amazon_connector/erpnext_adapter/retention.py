"""Removing Amazon buyers' personal data once it is no longer needed (Amazon's Data Protection Policy:
keep it only as long as needed to fulfil the order, 30 days after shipment, unless the law requires
keeping it).

An order qualifies once it shipped in full (`amazon_shipped_on`) or was cancelled, at least the
account's retention days ago; an order not shipped yet, or shipped more recently, is never touched.
For each qualifying Sales Order:
- the Sales Order loses the buyer's name, addresses and contact details (its title and display
  fields; the order, its items and money stay);
- its Sales Invoices and credit notes lose the shipping address and contact details. What an invoice
  must show by law stays: the billing name, the VAT id of a business buyer and, for a business buyer,
  the billing address; a consumer's billing address keeps only postal code, city, state and country
  (the evidence of the place of supply that VAT law asks the seller to keep);
- the shipping Address loses its title, street lines, phone and e-mail and is renamed, once no order
  still within the retention period uses it;
- the Customer of a single buyer loses the buyer's name (it becomes "Amazon Buyer <code>"), and the
  key that held the buyer's Amazon e-mail relay address, once none of its orders is within the
  period. A business buyer keeps its company name and VAT id (invoices need them); the one customer
  standing for a marketplace's anonymous buyers holds no personal data and is left alone.

Submitted documents are written field by field (`frappe.db.set_value`), as Frappe's own Personal
Data Deletion Request does: the documents stay submitted, and their money and ledger are unchanged.
Every change is returned as a `Redaction`, for the account's log.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import frappe

REDACTED = "[REDACTED]"  # what Frappe's Personal Data Deletion Request writes
# The Sales Order's display fields of the buyer (its title repeats the customer's name).
ORDER_FIELDS = (
	"title",
	"customer_name",
	"address_display",
	"shipping_address",
	"contact_display",
	"contact_mobile",
	"contact_phone",
	"contact_email",
)
# An invoice's shipping and contact details: not invoice content the law asks for.
INVOICE_FIELDS = ("shipping_address", "contact_display", "contact_mobile", "contact_phone", "contact_email")
ADDRESS_FIELDS = ("address_title", "address_line1", "address_line2", "phone", "email_id", "fax")
MARKETPLACE_CUSTOMER_PREFIX = "marketplace:"
BATCH = 500  # orders per call; the daily job calls again while there are more


@dataclass
class Redaction:
	doctype: str
	name: str
	fields: list[str]
	amazon_order_id: str = ""


@dataclass
class RetentionResult:
	redactions: list[Redaction] = field(default_factory=list)
	failures: list[tuple[str, str]] = field(default_factory=list)  # (Amazon order id, reason)
	more: bool = False  # orders are left for the next call

	def counts(self) -> dict[str, int]:
		counts: dict[str, int] = {}
		for redaction in self.redactions:
			counts[redaction.doctype] = counts.get(redaction.doctype, 0) + 1
		return counts


def expired_orders(account: str, days: int, now: datetime, limit: int = BATCH) -> list[frappe._dict]:
	"""The account's Sales Orders whose buyer data is past its time, not redacted yet, oldest first."""
	cutoff = now - timedelta(days=days)
	fields = ["name", "amazon_order_id", "customer", "customer_address", "shipping_address_name", "tax_id"]
	# Lists, not dicts: a date filter "<=" reads an empty date as the earliest one in Frappe, so an
	# order not shipped would match it; "is set" on the same field rules that out.
	base = [["amazon_account", "=", account], ["amazon_personal_data_removed", "is", "not set"]]
	shipped = frappe.get_all(
		"Sales Order",
		filters=[*base, ["amazon_shipped_on", "is", "set"], ["amazon_shipped_on", "<=", cutoff]],
		fields=fields,
		order_by="amazon_shipped_on asc",
		limit=limit,
	)
	# Cancelled orders never ship: their time runs from Amazon's last change (the cancellation).
	cancelled = frappe.get_all(
		"Sales Order",
		filters=[
			*base,
			["amazon_status", "=", "CANCELLED"],
			["amazon_shipped_on", "is", "not set"],
			["amazon_last_updated", "is", "set"],
			["amazon_last_updated", "<=", cutoff],
		],
		fields=fields,
		order_by="amazon_last_updated asc",
		limit=limit,
	)
	return (shipped + cancelled)[:limit]


def redact_expired(
	account: str,
	days: int,
	now: datetime,
	*,
	after_each: Callable[[], None] = lambda: None,
	limit: int = BATCH,
) -> RetentionResult:
	"""Redact the buyer data of the account's orders past `days` after shipment; `after_each` runs after
	each order (the runner commits there). One order's failure is kept and never stops the others."""
	result = RetentionResult()
	if not days or days <= 0:
		return result
	orders = expired_orders(account, days, now, limit)
	result.more = len(orders) >= limit
	customers: dict[str, None] = {}
	addresses: dict[str, None] = {}
	for order in orders:
		done = _isolated(result, order.amazon_order_id, lambda o=order: _redact_order(o, now))
		if done is None:
			continue  # all of the order's documents, or none
		result.redactions.extend(done)
		for name in (order.customer_address, order.shipping_address_name):
			if name:
				addresses[name] = None
		if order.customer:
			customers[order.customer] = None
		after_each()
	for name in addresses:
		result.redactions.extend(
			_isolated(result, f"Address {name}", lambda n=name: _redact_address(n)) or []
		)
	for name in customers:
		result.redactions.extend(
			_isolated(result, f"Customer {name}", lambda n=name: _redact_customer(n)) or []
		)
	after_each()
	return result


def _isolated(result: RetentionResult, what: str, work) -> list[Redaction] | None:
	"""`work()`'s redactions, or None when it failed: then its writes are undone and the failure kept
	(one record's trouble must not keep the others' data)."""
	savepoint = f"amz_pii_{frappe.generate_hash(length=10)}"
	frappe.db.savepoint(savepoint)
	try:
		return list(work())
	except Exception as exc:
		frappe.db.rollback(save_point=savepoint)
		result.failures.append((what, f"{type(exc).__name__}: {exc}"))
		return None


# -- one order -------------------------------------------------------------------------------------
def _fields(doctype: str, fieldnames) -> list[str]:
	"""The fields of `fieldnames` the DocType has (ERPNext versions differ a little)."""
	meta = frappe.get_meta(doctype)
	return [fieldname for fieldname in fieldnames if meta.has_field(fieldname)]


def _redact_order(order, now: datetime) -> Iterator[Redaction]:
	values = _blank(
		frappe.db.get_value("Sales Order", order.name, _fields("Sales Order", ORDER_FIELDS), as_dict=True)
	)
	for fieldname in ("title", "customer_name"):
		if fieldname in values:
			values[fieldname] = REDACTED
	values["amazon_personal_data_removed"] = now
	frappe.db.set_value("Sales Order", order.name, values, update_modified=False)
	yield Redaction(
		"Sales Order",
		order.name,
		sorted(set(values) - {"amazon_personal_data_removed"}),
		order.amazon_order_id,
	)
	invoices = frappe.get_all(
		"Sales Invoice", filters={"amazon_order_id": order.amazon_order_id}, fields=["name", "tax_id"]
	)
	for invoice in invoices:
		redacted = _redact_invoice(invoice.name, business=bool(invoice.tax_id or order.tax_id))
		if redacted:
			yield Redaction("Sales Invoice", invoice.name, redacted, order.amazon_order_id)


def _redact_invoice(name: str, *, business: bool) -> list[str]:
	fields = _fields("Sales Invoice", INVOICE_FIELDS)
	row = frappe.db.get_value(
		"Sales Invoice", name, [*fields, "address_display", "customer_address"], as_dict=True
	)
	values = _blank({k: row.get(k) for k in fields})
	if not business and row.address_display and row.customer_address:
		# A consumer's billing address keeps what places the supply (postal code, city, state, country).
		place = _place_of(row.customer_address)
		if place and place != row.address_display:
			values["address_display"] = place
	if values:
		frappe.db.set_value("Sales Invoice", name, values, update_modified=False)
	return sorted(values)


def _place_of(address: str) -> str:
	row = frappe.db.get_value("Address", address, ["pincode", "city", "state", "country"], as_dict=True)
	if not row:
		return ""
	first = " ".join(part for part in (row.pincode, row.city) if part)
	return "<br>".join(part for part in (first, row.state, row.country) if part)


# -- the parties, once no order within the period uses them ------------------------------------------
def _still_needed(fieldname: str, value: str) -> bool:
	"""Whether a Sales Order not redacted yet (within its period, or not reached yet) uses the party."""
	return bool(
		frappe.db.exists("Sales Order", {fieldname: value, "amazon_personal_data_removed": ("is", "not set")})
	)


def _redact_address(name: str) -> Iterator[Redaction]:
	if not frappe.db.exists("Address", name):
		return
	if _still_needed("customer_address", name) or _still_needed("shipping_address_name", name):
		return
	fields = _fields("Address", ADDRESS_FIELDS)
	row = frappe.db.get_value("Address", name, [*fields, "amazon_address_key"], as_dict=True)
	if not row.amazon_address_key or row.address_title == REDACTED:
		return  # not one this app made from an Amazon order, or done already
	values = _blank({k: row.get(k) for k in fields})
	values["address_title"] = REDACTED
	values["address_line1"] = REDACTED  # mandatory on an Address
	frappe.db.set_value("Address", name, values, update_modified=False)
	new_name = f"Amazon {row.amazon_address_key}"
	if new_name != name and not frappe.db.exists("Address", new_name):
		# ERPNext names an Address after its title: the buyer's name.
		frappe.rename_doc("Address", name, new_name, force=True, show_alert=False)
	yield Redaction("Address", new_name if frappe.db.exists("Address", new_name) else name, sorted(values))


def _redact_customer(name: str) -> Iterator[Redaction]:
	if not frappe.db.exists("Customer", name) or _still_needed("customer", name):
		return
	row = frappe.db.get_value(
		"Customer", name, ["customer_name", "customer_type", "tax_id", "amazon_customer_key"], as_dict=True
	)
	key = row.amazon_customer_key or ""
	if not key or key.startswith(MARKETPLACE_CUSTOMER_PREFIX) or key.startswith("redacted:"):
		return  # the marketplace's anonymous buyers, not this app's, or done already
	code = hashlib.sha256(key.encode()).hexdigest()[:12]
	values = {"amazon_customer_key": f"redacted:{code}"}  # the key held the buyer's e-mail relay address
	business = row.customer_type == "Company" and bool(row.tax_id)
	if not business:
		values["customer_name"] = f"Amazon Buyer {code}"
	frappe.db.set_value("Customer", name, values, update_modified=False)
	final = name
	if (
		not business
		and name != values["customer_name"]
		and not frappe.db.exists("Customer", values["customer_name"])
	):
		# ERPNext names a Customer after the buyer by default.
		final = frappe.rename_doc("Customer", name, values["customer_name"], force=True, show_alert=False)
	if not business:
		for payment in frappe.get_all(
			"Payment Entry", {"party_type": "Customer", "party": final}, pluck="name"
		):
			frappe.db.set_value(
				"Payment Entry", payment, "party_name", values["customer_name"], update_modified=False
			)
	yield Redaction("Customer", final, sorted(values))


def _blank(row: dict | None) -> dict:
	"""The fields of `row` that hold something, emptied (the caller puts markers where one is needed)."""
	return {k: "" for k, v in (row or {}).items() if v}
