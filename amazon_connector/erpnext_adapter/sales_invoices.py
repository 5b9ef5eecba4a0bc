"""Sales Invoices of shipped Amazon orders and credit notes of Amazon's refunds, each with the
Payment Entry that settles it against the Amazon clearing account.

Decisions (and why):
- Debtor: the Sales Order's customer. The buyer paid Amazon at checkout, so when the invoice is
  submitted a Payment Entry (Receive) from that customer for the invoice's outstanding amount is
  submitted too, into the clearing account of the order's currency (`Accounts.clearing_account`):
  the customer's receivable is 0 at once, and the clearing account holds what Amazon owes the
  seller until the payout moves it to the bank. A credit note is followed by a Payment Entry (Pay)
  from the clearing account to the customer: Amazon took the refund out of the seller's payout.
- Made with ERPNext's own mappers (`make_sales_invoice` from the Sales Order, `make_sales_return`
  from the invoice) and payments (`get_payment_entry`), so ERPNext's links (billed %, returns
  against, outstanding amounts) are what a person making them by hand would get.
- The invoice is exactly the Sales Order: same lines, rates, tax rows and grand total, asserted
  to the currency's minor unit before it is submitted (else the order fails with both figures).
  Dated when Amazon shipped the order (`Sales Order.amazon_shipped_on`, set_posting_time).
- Stock: an Amazon-fulfilled order's invoice updates stock (update_stock) from the FBA warehouse:
  Amazon ships and invoices in one step, so one document does both, at the shipment date (a
  Delivery Note would be a second document with the same date and nothing to decide in between).
  With negative stock disallowed, a missing FBA stock fails that order alone, naming the
  warehouse, and later runs try it again. Merchant-fulfilled invoices leave stock alone: the
  seller ships from its own warehouse with its own Delivery Notes.
- A credit note never moves stock: a refund is money; whether units came back (and into which
  warehouse, sellable or not) Amazon reports in its returns and inventory, not in the refund.
- Identity: `amazon_invoice_key` on Sales Invoice is unique in the database: the Amazon order id
  for the invoice, the refund key for a credit note. Payment Entries carry `amazon_payment_key`
  ("inv:<invoice>", unique) so each document is settled once.
- Currency: the invoice is in the order's currency at the Sales Order's conversion rate. For a
  currency other than the company's, the receivable is "Amazon Debtors <CUR>" and the clearing
  account "Amazon Clearing <CUR>", both kept in that currency (ERPNext wants a new customer's
  receivable in the invoice's currency), so the payment moves exactly Amazon's amount from one to
  the other. Where the two sides' company-currency values still differ by a rounding cent, it
  goes to the company's exchange gain/loss account, as ERPNext books it.
"""

from __future__ import annotations

import inspect
from decimal import ROUND_DOWN, Decimal

import frappe
from frappe import _
from frappe.utils import flt, get_datetime, getdate

from ..core.drafts.refunds import RefundDraft, RefundLineDraft
from ..core.mapping.order_money import tax_exclusive_by_convention
from ..core.mapping.refund_vat import refund_line_net_of_vat
from ..core.money import quantum, round_money
from ..core.ports import Outcome
from .accounts import DISCOUNT_LABEL, GIFT_WRAP_LABEL, OTHER_CHARGES_LABEL, SHIPPING_LABEL, Accounts
from .context import AdapterContext
from .errors import AdapterError
from .inserts import insert_once
from .sales_orders import AMAZON_FULFILLED, SHIPPED_STATUSES, to_system_time
from .shipment_invoices import check_order_billed, cut_to_part, pending_parts
from .tax_detail import copy_details, item_wise_detail, read_detail
from .tax_setup import TaxSetup

PAYABLE_ACCOUNT_TYPES = ("Bank", "Cash")


class SalesInvoices:
	def __init__(self, ctx: AdapterContext, accounts: Accounts, item_for_sku):
		self.ctx = ctx
		self.accounts = accounts
		self.item_for_sku = item_for_sku
		self.tax_setup = TaxSetup(ctx)

	def find(self, key: str):
		return frappe.db.get_value(
			"Sales Invoice", {"amazon_invoice_key": key}, ["name", "docstatus"], as_dict=True
		)

	# -- invoices ------------------------------------------------------------------------------
	def orders_awaiting_invoice(self) -> list[str]:
		"""Orders with a shipment part not invoiced yet (see `shipment_invoices`)."""
		if not self.ctx.make_sales_invoices:
			return []
		filters = {
			"amazon_account": self.ctx.account,
			"docstatus": 1,
			"amazon_status": ("in", SHIPPED_STATUSES),
			"amazon_order_id": ("is", "set"),
			# Billed another way (by hand, before the connector invoiced): never a second invoice.
			"per_billed": ("<", 100),
		}
		orders = frappe.get_all(
			"Sales Order",
			filters=filters,
			or_filters={"amazon_shipped_on": ("is", "set"), "amazon_shipment_parts": ("is", "set")},
			fields=["name", "amazon_order_id", "amazon_shipped_on", "amazon_shipment_parts"],
			order_by="amazon_shipped_on asc, creation asc",
		)
		keys = self._invoice_keys([o.amazon_order_id for o in orders])
		return [
			o.amazon_order_id
			for o in orders
			if pending_parts(o, keys.get(o.amazon_order_id, set()), self.ctx.invoice_from_date)
		]

	def _invoice_keys(self, order_ids: list[str]) -> dict[str, set[str]]:
		keys: dict[str, set[str]] = {}
		for start in range(0, len(order_ids), 500):
			for row in frappe.get_all(
				"Sales Invoice",
				filters={"amazon_order_id": ("in", order_ids[start : start + 500]), "is_return": 0},
				fields=["amazon_order_id", "amazon_invoice_key"],
			):
				keys.setdefault(row.amazon_order_id, set()).add(row.amazon_invoice_key)
		return keys

	def invoice_order(self, amazon_order_id: str) -> Outcome:
		"""Invoice every shipment part of the order not invoiced yet, oldest first."""
		name = frappe.db.get_value("Sales Order", {"amazon_order_id": amazon_order_id}, "name")
		if not name:
			raise AdapterError(_("Amazon order {0} has no Sales Order").format(amazon_order_id))
		order = frappe.get_doc("Sales Order", name)
		keys = self._invoice_keys([amazon_order_id]).get(amazon_order_id, set())
		parts = pending_parts(order, keys, self.ctx.invoice_from_date)
		if order.docstatus != 1 or not parts:
			if keys:
				return Outcome.UNCHANGED
			raise AdapterError(
				_("Amazon order {0}: Sales Order {1} is not submitted and shipped; no invoice yet").format(
					amazon_order_id, order.name
				)
			)
		created = False
		for key, part in parts:
			created |= self._invoice_part(order, key, part, amazon_order_id)
			order.reload()
		return Outcome.CREATED if created else Outcome.UNCHANGED

	def _invoice_part(self, order, key: str, part, amazon_order_id: str) -> bool:
		from erpnext.selling.doctype.sales_order.sales_order import make_sales_invoice

		shipped = to_system_time(part.shipped_at).replace(tzinfo=None)
		invoice = make_sales_invoice(order.name, ignore_permissions=True)
		invoice.update(
			{
				"set_posting_time": 1,
				"posting_date": shipped.date(),
				"posting_time": shipped.strftime("%H:%M:%S"),
				# Paid at checkout: no terms, due on the day.
				"payment_terms_template": None,
				"due_date": shipped.date(),
				"disable_rounded_total": 1,
				"ignore_pricing_rule": 1,
				"amazon_order_id": amazon_order_id,
				"amazon_invoice_key": key,
				"amazon_account": self.ctx.account,
			}
		)
		invoice.set("payment_schedule", [])
		whole = key == amazon_order_id
		if whole:
			copy_details(order, invoice)  # a part's detail is its own share (`cut_to_part`)
		closing = True if whole else cut_to_part(invoice, order, part, amazon_order_id)
		if order.currency != self.ctx.company_currency:
			debit_to = self.accounts.receivable_account(order.currency)
			invoice.update({"debit_to": debit_to, "party_account_currency": order.currency})
		if order.amazon_fulfillment_channel == AMAZON_FULFILLED:
			invoice.update_stock = 1
			for row in invoice.items:
				row.warehouse = row.warehouse or self.ctx.fba_warehouse
		if not self._insert_unless_raced(invoice, key):
			return False
		if whole:
			_check_same(invoice, order, amazon_order_id)
		elif closing:
			check_order_billed(order, amazon_order_id)
		self._submit(invoice, amazon_order_id)
		self._settle(invoice, amazon_order_id)
		return True

	def invoice_for_refund(self, draft: RefundDraft):
		"""The submitted invoice a refund is credited against (None while there is none): the order's
		only one, or, for an order invoiced per shipment part, the latest that holds the refund's item."""
		invoices = frappe.get_all(
			"Sales Invoice",
			filters={"amazon_order_id": draft.amazon_order_id, "is_return": 0, "docstatus": 1},
			fields=["name", "docstatus"],
			order_by="posting_date desc, creation desc",
		)
		if len(invoices) <= 1:
			return invoices[0] if invoices else None
		rows = frappe.get_all(
			"Sales Invoice Item",
			filters={"parent": ("in", [i.name for i in invoices])},
			fields=["parent", "item_code", "so_detail"],
		)
		order_items = dict(
			frappe.get_all(
				"Sales Order Item",
				filters={"name": ("in", [r.so_detail for r in rows if r.so_detail])},
				fields=["name", "amazon_order_item_id"],
				as_list=True,
			)
		)
		marketplace_id = frappe.db.get_value(
			"Sales Order", {"amazon_order_id": draft.amazon_order_id}, "amazon_marketplace_id"
		)
		for line in draft.lines:
			codes = {self.item_for_sku(marketplace_id, line.sku), line.sku} if line.sku else set()
			holding = {
				r.parent
				for r in rows
				if (line.order_item_id and order_items.get(r.so_detail) == line.order_item_id)
				or (r.item_code and r.item_code in codes)
			}
			for invoice in invoices:
				if invoice.name in holding:
					return invoice
		return invoices[0]

	# -- credit notes --------------------------------------------------------------------------
	def credit_note(self, invoice_name: str, draft: RefundDraft) -> tuple[str, str]:
		"""Make, submit and settle the credit note of `draft` against `invoice_name`:
		(credit note, refund payment). Raises AdapterError when it cannot be exactly Amazon's."""
		from erpnext.accounts.doctype.sales_invoice.sales_invoice import make_sales_return

		invoice = frappe.get_doc("Sales Invoice", invoice_name)
		if invoice.currency != draft.currency:
			raise AdapterError(
				_("Amazon refund {0}: it is in {1}, the invoice {2} in {3}").format(
					draft.refund_key, draft.currency, invoice.name, invoice.currency
				)
			)
		posted = to_system_time(draft.posted_date)
		posted = max(posted, get_datetime(f"{invoice.posting_date} {invoice.posting_time}"))
		note = make_sales_return(invoice.name)
		note.update(
			{
				"set_posting_time": 1,
				"posting_date": posted.date(),
				"posting_time": posted.strftime("%H:%M:%S"),
				"due_date": posted.date(),
				"update_stock": 0,
				"amazon_order_id": draft.amazon_order_id,
				"amazon_invoice_key": draft.refund_key,
				"amazon_account": self.ctx.account,
				"remarks": _("Amazon {0} of order {1} posted {2}").format(
					draft.kind, draft.amazon_order_id, draft.posted_date.isoformat()
				),
			}
		)
		note.set("payment_schedule", [])
		items, taxes = _CreditNoteRows(self, invoice, note, draft).build()
		note.set("items", items)
		note.set("taxes", taxes)
		if not self._insert_unless_raced(note, draft.refund_key):
			found = self.find(draft.refund_key)
			return found.name, ""
		booked = round_money(Decimal(str(flt(note.grand_total))), draft.currency)
		if booked != -draft.total:
			raise AdapterError(
				_("Amazon refund {0}: ERPNext's credit note totals {1} {2}, Amazon refunded {3} {2}").format(
					draft.refund_key, booked, draft.currency, draft.total
				)
			)
		self._submit(note, draft.amazon_order_id)
		payment = self._settle(note, draft.amazon_order_id)
		return note.name, payment

	# -- internals -------------------------------------------------------------------------------
	def _insert_unless_raced(self, doc, key: str) -> bool:
		"""False when a concurrent job made the document of `key` a moment ago."""
		return insert_once(doc, lambda: bool(self.find(key)), "amz_si_insert")

	def _submit(self, doc, amazon_order_id: str) -> None:
		from erpnext.stock.stock_ledger import NegativeStockError

		# Submitted as the database holds it: the inserted object still has None where the database
		# stored a default 0, and the submit's Version would show "changed from 0 to null" for each.
		doc.reload()
		doc.flags.ignore_permissions = True
		try:
			doc.submit()
		except NegativeStockError as exc:
			warehouses = ", ".join(sorted({row.warehouse for row in doc.items if row.warehouse}))
			if self.ctx.fba_warehouse:
				what_to_do = _(
					"Bring its stock up to date (Sync > FBA Inventory, or a Stock Reconciliation)."
				)
			else:
				# Without an FBA warehouse there is no FBA Inventory sync to run: say what is missing.
				what_to_do = _(
					"Amazon-fulfilled orders take their stock from the FBA Warehouse: set one on Amazon "
					"Settings {0} and run Sync > FBA Inventory (or add the stock with a Stock "
					"Reconciliation)."
				).format(self.ctx.account)
			raise AdapterError(
				_(
					"Amazon order {0}: the warehouse {1} does not hold the stock Amazon shipped ({2}). {3} "
					"The next run invoices the order."
				).format(amazon_order_id, warehouses, frappe.utils.strip_html(str(exc)), what_to_do)
			) from exc

	def _settle(self, doc, amazon_order_id: str) -> str:
		"""Submit the Payment Entry that brings `doc`'s outstanding amount to 0 through the clearing
		account: Receive for an invoice, Pay for a credit note."""
		from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

		key = f"{'ret' if doc.is_return else 'inv'}:{doc.name}"
		existing = frappe.db.get_value("Payment Entry", {"amazon_payment_key": key}, "name")
		if existing:
			return existing
		doc.reload()
		if not flt(doc.outstanding_amount):
			return ""
		clearing = self.accounts.clearing_account(doc.currency)
		if frappe.get_cached_value("Account", clearing, "account_type") not in PAYABLE_ACCOUNT_TYPES:
			raise AdapterError(
				_(
					"Amazon order {0}: the clearing account {1} must be of account type Bank to receive "
					"the invoice's payment; change its Account Type to Bank."
				).format(amazon_order_id, clearing)
			)
		# ERPNext 15 checks the user's permission unless told not to; 16 has no such check and no
		# such argument (passing it is a TypeError there).
		unchecked = (
			{"ignore_permissions": True}
			if "ignore_permissions" in inspect.signature(get_payment_entry).parameters
			else {}
		)
		payment = get_payment_entry(
			"Sales Invoice",
			doc.name,
			bank_account=clearing,
			bank_amount=abs(flt(doc.grand_total)),
			reference_date=doc.posting_date,
			**unchecked,
		)
		payment.update(
			{
				"posting_date": doc.posting_date,
				"reference_no": amazon_order_id,
				"reference_date": doc.posting_date,
				"amazon_order_id": amazon_order_id,
				"amazon_payment_key": key,
			}
		)
		payment.set_amounts()
		if flt(payment.difference_amount):
			gain_loss = frappe.get_cached_value("Company", self.ctx.company, "exchange_gain_loss_account")
			if not gain_loss:
				raise AdapterError(
					_("Amazon order {0}: set the Exchange Gain / Loss Account of company {1}").format(
						amazon_order_id, self.ctx.company
					)
				)
			payment.set_gain_or_loss(
				account_details={
					"account": gain_loss,
					"cost_center": frappe.get_cached_value("Company", self.ctx.company, "cost_center"),
				}
			)
		payment.insert(ignore_permissions=True)
		payment.flags.ignore_permissions = True
		payment.submit()
		return payment.name


class _CreditNoteRows:
	"""The items and tax rows of one credit note: Amazon's refunded amounts, line by line."""

	def __init__(self, invoices: SalesInvoices, invoice, note, draft: RefundDraft):
		self.invoices = invoices
		self.invoice = invoice
		self.note = note
		self.draft = draft
		self.currency = draft.currency
		self.mapped = {row.sales_invoice_item: row for row in note.items if row.get("sales_invoice_item")}
		self.returnable = self._returnable()
		self.order_item_ids = self._order_item_ids()
		self.marketplace_id = frappe.db.get_value(
			"Sales Order", {"amazon_order_id": draft.amazon_order_id}, "amazon_marketplace_id"
		)
		self.cost_center = frappe.get_cached_value("Company", invoice.company, "cost_center")

	def build(self) -> tuple[list[dict], list[dict]]:
		items: list[dict] = []
		charges: dict[str, Decimal] = {}
		# invoice tax row -> [(the credit note item the tax belongs to, or None for the first one; rate; amount)]
		taxes: dict[str, list[tuple[str | None, Decimal | None, Decimal]]] = {}
		for line in self.draft.lines:
			source = self._invoice_row(line)
			tax_row, rate = self._vat_of(source)
			line = self._net_of_vat(line, rate)
			rows = self._item_rows(line, source)
			items += rows
			for label, amount in (
				(SHIPPING_LABEL, line.shipping),
				(GIFT_WRAP_LABEL, line.gift_wrap),
				(DISCOUNT_LABEL, line.promotion),
				(OTHER_CHARGES_LABEL, sum(line.other.values(), Decimal(0))),
			):
				if amount:
					charges[label] = charges.get(label, Decimal(0)) + amount
			if line.tax_total:
				if tax_row is None:
					raise AdapterError(
						_(
							"Amazon refund {0}: Amazon refunded {1} {2} tax, but invoice {3} has no tax row"
						).format(self.draft.refund_key, line.tax_total, self.currency, self.invoice.name)
					)
				key = _item_key(rows[0]) if rows else None
				taxes.setdefault(tax_row.name, []).append((key, rate, line.tax_total))
		if not items:
			# ERPNext wants one returned line; a refund of charges only returns none.
			items.append(self._free_row(None, Decimal(1), Decimal(0), _("charges only")))
		rows = []
		conversion_rate = flt(self.invoice.conversion_rate) or 1.0
		for row_name, parts in taxes.items():
			tax = next(t for t in self.invoice.taxes if t.name == row_name)
			amount = sum((part for _key, _rate, part in parts), Decimal(0))
			row = self._charge(tax.account_head, -amount, tax.description)
			# The refunded lines' own tax, item by item (a tax refunded without goods: on the note's first line).
			detail = ((key or _item_key(items[0]), rate, -part) for key, rate, part in parts)
			row.update(item_wise_detail(detail, conversion_rate, self.currency))
			rows.append(row)
		for label, amount in charges.items():
			rows.append(self._charge(self.invoices.accounts.account(label), -amount, _(label)))
		return items, rows

	def _vat_of(self, source) -> tuple:
		"""The invoice's tax row that taxed the line's item, and the item's rate there: from the row's
		item-wise detail (the rate the order booked); else, for a row without detail for the item, the
		rate the marketplace's set-up gives the item today (`tax_setup`). (None, None) with no tax row."""
		rows = self._tax_rows()
		if not rows:
			return None, None
		code = source.item_code if source else ""
		booked = [(row, read_detail(row).get(code)) for row in rows]
		booked = [(row, part) for row, part in booked if part is not None]
		if booked:
			row, (rate, _amount) = max(booked, key=lambda found: abs(found[1][1]))
		else:
			row, rate = max(rows, key=lambda t: abs(flt(t.tax_amount))), None
		if rate is None and code and self.marketplace_id:
			rate = self.invoices.tax_setup.rate_of_item(
				code, self.marketplace_id, getdate(self.invoice.posting_date), row.account_head
			)
		return row, rate

	def _net_of_vat(self, line: RefundLineDraft, rate: Decimal | None) -> RefundLineDraft:
		"""Amazon's amounts as the invoice books them. Where prices include VAT (every marketplace
		but the tax-on-top ones, US and CA) the invoice is net with the VAT on its own row (see
		core.mapping.order_rows). When Amazon's refund reports no tax for such a line (no TAX
		breakdown on the marketplace), its amounts are gross: the VAT is taken out of each at the
		item's own rate (`core.mapping.refund_vat`), so that net + VAT = Amazon's amount exactly."""
		if rate is None or line.tax_total or tax_exclusive_by_convention(self.marketplace_id or ""):
			return line
		return refund_line_net_of_vat(line, rate, self.currency)

	def _tax_rows(self) -> list:
		return [
			t
			for t in self.invoice.taxes
			if frappe.get_cached_value("Account", t.account_head, "account_type") == "Tax"
		]

	# -- items -----------------------------------------------------------------------------------
	def _invoice_row(self, line: RefundLineDraft):
		rows = self.invoice.items
		if line.order_item_id:
			found = [r for r in rows if self.order_item_ids.get(r.so_detail) == line.order_item_id]
			if found:
				return found[0]
		# The SKU's mapped Item, else an Item coded by the SKU itself (the default item code policy).
		codes = {self.invoices.item_for_sku(self.marketplace_id, line.sku), line.sku} if line.sku else set()
		found = [r for r in rows if r.item_code and r.item_code in codes]
		if not found:
			raise AdapterError(
				_("Amazon refund {0}: SKU {1} is not on invoice {2}").format(
					self.draft.refund_key, line.sku or line.order_item_id, self.invoice.name
				)
			)
		# A line split over two rates (see the Sales Order mapping): the row with units left first.
		return max(found, key=lambda r: self.returnable.get(r.name, Decimal(0)))

	def _item_rows(self, line: RefundLineDraft, source) -> list[dict]:
		if not line.principal:
			return []  # a refund of shipping or tax alone returns no goods
		qty = line.quantity
		left = self.returnable.get(source.name, Decimal(0))
		if qty <= 0 or qty > left:
			# An amount-only refund, or units an earlier refund already credited: the money goes
			# back on a line of its own, without claiming units the invoice no longer has.
			reason = _("no units returned") if qty <= 0 else _("units credited before")
			return [self._free_row(source, max(qty, Decimal(1)), line.principal, reason, line.sku)]
		self.returnable[source.name] = left - qty
		base = self.mapped.get(source.name)
		template = base.as_dict() if base else {}
		rows = []
		for part_qty, rate in _split(line.principal, qty, self.currency):
			row = {k: v for k, v in template.items() if k not in _NOT_COPIED}
			row.update({"qty": -float(part_qty), "rate": float(rate), "price_list_rate": float(rate)})
			row.update(_NO_DISCOUNT)
			rows.append(row)
		return rows

	def _free_row(self, source, qty: Decimal, amount: Decimal, reason: str, sku: str = "") -> dict:
		parts = _split(amount, qty, self.currency)
		if len(parts) > 1:
			qty, rate = Decimal(1), amount  # one row carries the whole amount exactly
		else:
			qty, rate = parts[0]
		name = _("Amazon refund {0} ({1})").format(sku or self.draft.amazon_order_id, reason)
		return {
			"item_name": name[:140],
			"description": name,
			"qty": -float(qty),
			"rate": float(rate),
			"price_list_rate": float(rate),
			"uom": source.uom
			if source
			else frappe.db.get_single_value("Stock Settings", "stock_uom") or "Nos",
			"conversion_factor": 1,
			"income_account": source.income_account if source else self.invoice.items[0].income_account,
			"cost_center": (source.cost_center if source else None) or self.cost_center,
			**_NO_DISCOUNT,
		}

	def _returnable(self) -> dict[str, Decimal]:
		"""Units of each invoice row not yet credited by a submitted credit note."""
		left = {row.name: Decimal(str(flt(row.qty))) for row in self.invoice.items}
		returned = frappe.get_all(
			"Sales Invoice Item",
			filters={"sales_invoice_item": ("in", list(left)), "docstatus": 1},
			fields=["sales_invoice_item", "qty"],
		)
		for row in returned:
			left[row.sales_invoice_item] += Decimal(str(flt(row.qty)))  # return quantities are negative
		return left

	def _order_item_ids(self) -> dict[str, str]:
		so_details = [row.so_detail for row in self.invoice.items if row.so_detail]
		rows = frappe.get_all(
			"Sales Order Item", filters={"name": ("in", so_details)}, fields=["name", "amazon_order_item_id"]
		)
		return {row.name: row.amazon_order_item_id for row in rows}

	# -- taxes -----------------------------------------------------------------------------------
	def _charge(self, account: str, amount: Decimal, description: str) -> dict:
		return {
			"charge_type": "Actual",
			"account_head": account,
			"description": (description or account)[:140],
			"tax_amount": float(amount),
			"cost_center": self.cost_center,
		}


# Credit-note item fields that ERPNext computes again from qty and rate.
_NOT_COPIED = {
	"name", "idx", "parent", "parentfield", "parenttype", "doctype", "amount", "base_amount", "net_amount",
	"base_net_amount", "base_rate", "net_rate", "base_net_rate", "stock_qty", "item_tax_rate", "creation",
	"modified", "owner", "modified_by", "docstatus",
}  # fmt: skip
_NO_DISCOUNT = {"discount_percentage": 0, "discount_amount": 0, "margin_type": "", "margin_rate_or_amount": 0}


def _item_key(row: dict) -> str:
	"""The key ERPNext's item-wise tax detail gives a credit note line: its item code, else its name."""
	return row.get("item_code") or row.get("item_name") or ""


def _split(amount: Decimal, qty: Decimal, currency: str) -> list[tuple[Decimal, Decimal]]:
	"""(qty, rate) parts whose qty x rate add up to `amount` exactly, each rate in the currency's
	minor unit: one part when the quantity divides the amount, else qty - 1 units at the lower rate
	and one unit carrying the rest."""
	if qty <= 0:
		return [(Decimal(1), amount)]
	rate = (amount / qty).quantize(quantum(currency), rounding=ROUND_DOWN)
	if rate * qty == amount:
		return [(qty, rate)]
	if qty == 1:
		return [(qty, amount)]
	return [(qty - 1, rate), (Decimal(1), amount - rate * (qty - 1))]


def _check_same(invoice, order, amazon_order_id: str) -> None:
	"""The invoice must be the Sales Order to the minor unit: grand total, tax rows row by row, lines."""
	currency = order.currency

	def money(value) -> Decimal:
		return round_money(Decimal(str(flt(value))), currency)

	def taxes(doc):
		return [(t.account_head, t.charge_type, money(t.tax_amount)) for t in doc.taxes]

	def items(doc):
		return sorted((r.item_code, flt(r.qty), money(r.rate)) for r in doc.items)

	problems = []
	if money(invoice.grand_total) != money(order.grand_total):
		problems.append(
			_("grand total {0} against the order's {1}").format(
				money(invoice.grand_total), money(order.grand_total)
			)
		)
	if taxes(invoice) != taxes(order):
		problems.append(_("tax rows {0} against the order's {1}").format(taxes(invoice), taxes(order)))
	if items(invoice) != items(order):
		problems.append(_("lines {0} against the order's {1}").format(items(invoice), items(order)))
	if problems:
		raise AdapterError(
			_("Amazon order {0}: the Sales Invoice would differ from Sales Order {1}: {2}").format(
				amazon_order_id, order.name, "; ".join(str(p) for p in problems)
			)
		)
