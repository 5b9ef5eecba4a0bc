"""Sales Orders of Amazon orders: one per Amazon order id, its money exactly Amazon's.

Decisions (and why):
- Identity: `Sales Order.amazon_order_id` is unique in the database. A concurrent import of the
  same order loses the insert with a unique-key error and is then treated as the existing order.
- Money: rows come from `order_rows` (item rates exactly as drafted, charges and taxes as "Actual"
  rows, VAT-inclusive orders booked net with the VAT as its own row; see there). Pricing rules are
  ignored (ignore_pricing_rule), each item's price_list_rate is its rate with no discount or
  margin, rounding is off (disable_rounded_total), and after ERPNext's own validation the order's
  grand_total must equal Amazon's to the minor unit, or the order fails with both figures (e.g.
  ERPNext adding taxes from an Item Tax Template to an order Amazon charged no tax on).
- VAT: before the rows are laid out, VAT that Amazon did not report on a VAT-inclusive order is
  taken out at each item's rate (`core.mapping.vat`; rates and the Output VAT account from
  `tax_setup`), and seller-owed VAT goes to the marketplace's Output VAT account. Each tax row keeps
  its item-wise detail as the order computed it ({item: [rate, amount in the company currency]},
  dont_recompute_tax), because ERPNext would otherwise spread an "Actual" row over all items by
  their net amounts, whatever their rate. ERPNext clears the Rate of "Actual" rows on validate, so
  the rate lives in the description and the item-wise detail.
- Currency: the order's currency as Amazon charged it; conversion_rate from ERPNext's exchange
  rates (Currency Exchange records, or the Currency Exchange Settings provider) on the transaction
  date. When ERPNext has no rate for a foreign currency the order fails with a message saying which
  rate to add, rather than booking it at 1.0.
- Dates: transaction_date is the purchase time in the system time zone; delivery_date is Amazon's
  promise, never before the transaction date (ERPNext refuses that).
- Submitting: orders Amazon accepted are submitted when Amazon Settings.submit_orders is on (the
  draft's `submit` says Amazon accepted it); others stay drafts and are submitted by a later sync.
- Changes on Amazon: when only Amazon's status or times changed, the amazon_* fields are updated
  in place (db_set, also on submitted orders). When money or lines changed (a partial
  cancellation, a price correction): a draft is rewritten; a submitted order with nothing delivered
  or billed is cancelled and amended (ERPNext's "-1" naming, the Amazon order id moves to the
  amendment); a submitted order with deliveries or invoices is left as it is and flagged in
  `amazon_attention` for a person (Outcome FLAGGED). A submitted order that still sells the same
  items and quantities for the same total is never re-booked (`_same_sale`): a different VAT split
  or customer is a change of this app's booking (an order imported before VAT was taken out), not
  of Amazon's order.
- Cancellation on Amazon: a submitted order with nothing delivered or billed is cancelled; one
  with deliveries or invoices is flagged (a return or credit note is a person's decision); a draft
  is deleted (it never was a commitment, and ERPNext cannot cancel drafts).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import frappe
from frappe import _
from frappe.utils import flt, get_system_timezone

from ..core.drafts import SalesOrderDraft
from ..core.drafts.orders import OUTPUT_VAT, SELLER, TAX
from ..core.mapping.account_labels import charge_account_label
from ..core.mapping.order_rows import OrderRowsError, order_rows
from ..core.mapping.shipment_parts import parts_from_json, parts_to_json, shipment_parts
from ..core.mapping.vat import needs_vat_taken_out, take_out_vat
from ..core.money import minor_units, round_money
from ..core.ports import Outcome, SalesOrderState
from .accounts import Accounts
from .context import AdapterContext
from .customers import Customers
from .errors import AdapterError
from .tax_detail import item_wise_detail
from .tax_setup import TaxSetup

AMAZON_FULFILLED = "AMAZON"
SHIPPED_STATUSES = ("SHIPPED", "PARTIALLY_SHIPPED", "DELIVERED")


class SalesOrders:
	def __init__(self, ctx: AdapterContext, accounts: Accounts, customers: Customers, item_for_sku):
		self.ctx = ctx
		self.accounts = accounts
		self.customers = customers
		self.item_for_sku = item_for_sku
		self.tax_setup = TaxSetup(ctx)
		self._uoms: dict[str, str] = {}
		self._list_currencies: dict[str, str | None] = {}
		# The order `state` has just found absent: the order engine asks for its state and then
		# upserts it, and a second look-up would find the same nothing (a concurrent import of it is
		# caught by the insert's unique key, see `_insert_unless_raced`).
		self._absent: str | None = None

	def forget(self) -> None:
		"""Drop remembered look-ups (after a record's writes were rolled back)."""
		self._uoms.clear()
		self._list_currencies.clear()
		self._absent = None

	# -- look-ups ----------------------------------------------------------------------------
	def find(self, amazon_order_id: str):
		return frappe.db.get_value(
			"Sales Order",
			{"amazon_order_id": amazon_order_id},
			[
				"name",
				"docstatus",
				"amazon_status",
				"amazon_last_updated",
				"customer",
				"conversion_rate",
				"currency",
			],
			as_dict=True,
		)

	def find_fulfilment(self, seller_fulfillment_order_id: str):
		"""The Sales Order Amazon fulfils under this Multi-Channel Fulfillment order id: Amazon books
		the fees of such an order against that id, as it books an order's fees against its order id."""
		row = frappe.db.get_value(
			"Sales Order",
			{"amazon_fulfillment_order_id": seller_fulfillment_order_id},
			["name", "docstatus", "amazon_mcf_status", "customer", "conversion_rate", "currency"],
			as_dict=True,
		)
		if row:
			# Shaped as `find`'s row: the status is Amazon's fulfilment status; no order import time.
			row.update(amazon_status=row.pop("amazon_mcf_status"), amazon_last_updated=None)
		return row

	def state(self, amazon_order_id: str) -> SalesOrderState | None:
		# Fees name either an Amazon order or an MCF order (their ids never look alike): one query
		# for both (each column has its unique index), since most orders asked for are new.
		row = self._find_either(amazon_order_id)
		self._absent = None if row else amazon_order_id
		if not row:
			return None
		return SalesOrderState(
			name=row.name,
			last_updated=from_system_time(row.amazon_last_updated),
			docstatus=row.docstatus,
			amazon_status=row.amazon_status or "",
		)

	def _find_either(self, order_id: str):
		"""`find`'s row of the Sales Order of this Amazon order id, else `find_fulfilment`'s."""
		so = frappe.qb.DocType("Sales Order")
		rows = (
			frappe.qb.from_(so)
			.select(
				so.name,
				so.docstatus,
				so.amazon_status,
				so.amazon_last_updated,
				so.amazon_mcf_status,
				so.amazon_order_id,
			)
			.where((so.amazon_order_id == order_id) | (so.amazon_fulfillment_order_id == order_id))
			.run(as_dict=True)
		)
		row = next((r for r in rows if r.amazon_order_id == order_id), None)
		if row is None and rows:
			row = rows[0]
			# Shaped as `find_fulfilment`'s row: the status is Amazon's fulfilment status.
			row.update(amazon_status=row.amazon_mcf_status, amazon_last_updated=None)
		return row

	# -- upsert ------------------------------------------------------------------------------
	def upsert(self, draft: SalesOrderDraft) -> Outcome:
		absent, self._absent = self._absent == draft.amazon_order_id, None
		existing = None if absent else self.find(draft.amazon_order_id)
		if draft.is_cancelled and not draft.lines:
			if existing:
				return self.cancel(
					draft.amazon_order_id, draft.cancellation_reason or _("cancelled on Amazon")
				)
			return Outcome.SKIPPED
		plan = self._plan(draft)
		if not existing:
			created = self._insert_unless_raced(plan, draft)
			if created:
				return Outcome.CREATED
			existing = self.find(draft.amazon_order_id)
		doc = frappe.get_doc("Sales Order", existing.name)
		if doc.docstatus == 2:
			# Cancelled in ERPNext (by us or a person): never brought back; remember Amazon's time.
			self._set_header(doc, draft, attention=None)
			return Outcome.UNCHANGED
		if _same_money(doc, plan):
			if doc.docstatus == 0 and _parties_differ(doc, plan):
				# Buyer data came or went (Amazon's roles, the account's setting): a draft takes it on;
				# a submitted order keeps its customer and address, for a change of parties is no reason
				# to cancel and amend it.
				self._rewrite_draft(doc, plan, draft)
				self._submit_if_due(doc, draft)
				return Outcome.UPDATED
			# Amazon's remarks replace older ones; a flag a person still has to act on is never cleared.
			header_changed = self._set_header(doc, draft, attention=_remarks(draft) or None)
			submitted = self._submit_if_due(doc, draft)
			return Outcome.UPDATED if (header_changed or submitted) else Outcome.UNCHANGED
		if doc.docstatus == 0:
			self._rewrite_draft(doc, plan, draft)
			self._submit_if_due(doc, draft)
			return Outcome.UPDATED
		if _same_sale(doc, plan, draft):
			# Same items, quantities and total: only the booking differs (an order imported before VAT
			# was taken out, or before its buyer's VAT number was read). A submitted order is never
			# re-booked for that; what changed on Amazon's side is recorded as usual.
			header_changed = self._set_header(doc, draft, attention=_remarks(draft) or None)
			return Outcome.UPDATED if header_changed else Outcome.UNCHANGED
		blocker = _fulfilment_blocker(doc)
		if blocker:
			self._set_header(
				doc,
				draft,
				attention=_(
					"Amazon changed this order's items or amounts (last update {0}), but it {1}: "
					"adjust it by hand."
				).format(draft.last_updated.isoformat(), blocker),
			)
			return Outcome.FLAGGED
		self._cancel_and_amend(doc, plan, draft)
		return Outcome.UPDATED

	def _insert_unless_raced(self, plan: dict, draft: SalesOrderDraft) -> bool:
		savepoint = "amz_so_insert"
		frappe.db.savepoint(savepoint)
		try:
			doc = frappe.get_doc(plan)
			if self._due(draft):
				# Inserted submitted: ERPNext runs validate, before_submit and on_submit as a submit
				# does, in one validation and one write, instead of insert, read back and submit.
				# A total that is not Amazon's still fails the order (`_check_total`, in its scope).
				doc.docstatus = 1
			doc.insert(ignore_permissions=True)
		except (frappe.UniqueValidationError, frappe.DuplicateEntryError):
			frappe.db.rollback(save_point=savepoint)
			if self.find(draft.amazon_order_id):
				return False  # another job imported it a moment ago: update that one instead
			raise
		# Not released: the commit releases it (a round trip less per order); the next insert reuses its name.
		_check_total(doc, draft)
		self._submit_if_due(doc, draft)
		return True

	def _rewrite_draft(self, doc, plan: dict, draft: SalesOrderDraft) -> None:
		for key, value in plan.items():
			if key in ("doctype", "items", "taxes"):
				continue
			doc.set(key, value)
		doc.set("items", [])
		doc.set("taxes", [])
		for row in plan["items"]:
			doc.append("items", row)
		for row in plan["taxes"]:
			doc.append("taxes", row)
		doc.save(ignore_permissions=True)
		_check_total(doc, draft)

	def _cancel_and_amend(self, doc, plan: dict, draft: SalesOrderDraft) -> None:
		doc.flags.ignore_permissions = True
		doc.cancel()
		doc.add_comment(
			"Info", _("Cancelled and amended because Amazon changed the order's items or amounts.")
		)
		# The Amazon order id is unique: it moves to the amendment, which replaces this order.
		frappe.db.set_value("Sales Order", doc.name, "amazon_order_id", None, update_modified=False)
		amended = frappe.get_doc({**plan, "amended_from": doc.name})
		amended.insert(ignore_permissions=True)
		_check_total(amended, draft)
		self._submit_if_due(amended, draft)

	def _due(self, draft: SalesOrderDraft) -> bool:
		"""Whether the order is to be submitted: Amazon accepted it and the settings submit orders."""
		return bool(draft.submit and self.ctx.submit_orders)

	def _submit_if_due(self, doc, draft: SalesOrderDraft) -> bool:
		if doc.docstatus != 0 or not self._due(draft):
			return False
		# Submitted as the database holds it: the inserted object still has None where the database
		# stored a default 0, and the submit's Version would show "changed from 0 to null" for each.
		doc.reload()
		doc.flags.ignore_permissions = True
		doc.submit()
		return True

	def _set_header(self, doc, draft: SalesOrderDraft, attention: str | None) -> bool:
		"""Write Amazon's status and times; True when what a person sees changed."""
		values = {
			"amazon_status": draft.amazon_status or "",
			"amazon_last_updated": to_system_time(draft.last_updated),
			"amazon_fulfillment_channel": draft.fulfilled_by or "",
			"amazon_shipments": shipments_text(draft),
		}
		if attention is not None:
			values["amazon_attention"] = attention
		parts = shipment_parts(draft, parts_from_json(doc.get("amazon_shipment_parts")))
		values["amazon_shipment_parts"] = parts_to_json(parts) or None
		if draft.shipped_at and not doc.get("amazon_shipped_on"):
			# Kept once written: Amazon's later updates (delivered, returned) move its update time.
			values["amazon_shipped_on"] = to_system_time(draft.shipped_at)
		changed = {k: v for k, v in values.items() if _differs(doc.get(k), v)}
		if changed:
			# db_set: these are Amazon's facts, allowed on submitted orders (allow_on_submit).
			doc.db_set(changed, update_modified=False)
		# The shipment parts are the invoices' bookkeeping (hidden), not something a person sees change.
		return bool(set(changed) - {"amazon_last_updated", "amazon_shipment_parts"})

	# -- cancel ------------------------------------------------------------------------------
	def cancel(self, amazon_order_id: str, reason: str) -> Outcome:
		row = self.find(amazon_order_id)
		if not row or row.docstatus == 2:
			return Outcome.UNCHANGED
		doc = frappe.get_doc("Sales Order", row.name)
		if doc.docstatus == 0:
			# Never a commitment, and ERPNext cannot cancel drafts.
			frappe.delete_doc("Sales Order", doc.name, ignore_permissions=True, force=True)
			return Outcome.CANCELLED
		blocker = _fulfilment_blocker(doc)
		if blocker:
			message = _(
				"Cancelled on Amazon ({0}), but it {1}: create the return or credit note by hand."
			).format(reason, blocker)
			doc.db_set({"amazon_status": "CANCELLED", "amazon_attention": message}, update_modified=False)
			return Outcome.FLAGGED
		doc.db_set("amazon_status", "CANCELLED", update_modified=False)
		doc.flags.ignore_permissions = True
		# Frappe checks for linked documents (payments, work orders, ...) only after on_cancel has
		# written docstatus 2 and reversed stock reservations: a refusal must undo those writes, or a
		# half-cancelled order would be committed with the batch.
		savepoint = "amz_so_cancel"
		frappe.db.savepoint(savepoint)
		try:
			doc.cancel()
		except frappe.LinkExistsError as exc:
			frappe.db.rollback(save_point=savepoint)
			message = _("Cancelled on Amazon ({0}), but ERPNext could not cancel it: {1}").format(
				reason, frappe.utils.strip_html(str(exc))
			)
			frappe.db.set_value("Sales Order", doc.name, "amazon_attention", message, update_modified=False)
			return Outcome.FLAGGED
		frappe.db.release_savepoint(savepoint)
		doc.add_comment("Info", _("Cancelled because the order was cancelled on Amazon: {0}").format(reason))
		return Outcome.CANCELLED

	# -- building ------------------------------------------------------------------------------
	def _plan(self, draft: SalesOrderDraft) -> dict:
		"""The Sales Order as a dict ERPNext can insert (also used to compare with an existing one)."""
		currency = draft.currency
		transaction_date = to_system_time(draft.purchase_date).date()
		draft = self._with_vat(draft, transaction_date)
		try:
			rows = order_rows(draft)
		except OrderRowsError as exc:
			raise AdapterError(_("Amazon order {0}: {1}").format(draft.amazon_order_id, str(exc))) from exc
		customer = self.customers.ensure_customer(draft.customer)
		customer_name, customer_tax_id = self.customers.details(customer)
		address = self.customers.ensure_address(draft.shipping_address, customer, customer_name)
		delivery_date = max(draft.delivery_date or transaction_date, transaction_date)
		conversion_rate = self._conversion_rate(currency, transaction_date, draft.amazon_order_id)
		warehouse = self.ctx.fba_warehouse if draft.fulfilled_by == AMAZON_FULFILLED else self.ctx.warehouse
		price_list = self.ctx.price_list_for(draft.marketplace_id, draft.price_list)
		cost_center = frappe.get_cached_value("Company", self.ctx.company, "cost_center")

		items = []
		for row in rows.items:
			line = row.line
			item_code = line.item_code or self.item_for_sku(draft.marketplace_id, line.sku)
			if not item_code:
				raise AdapterError(
					_("Amazon order {0}: SKU {1} has no Item; run Sync Products, then retry.").format(
						draft.amazon_order_id, line.sku
					)
				)
			stock_uom = self._stock_uom(item_code)
			if not stock_uom:
				raise AdapterError(
					_("Amazon order {0}: Item {1} (SKU {2}) does not exist").format(
						draft.amazon_order_id, item_code, line.sku
					)
				)
			rate = float(row.rate)
			items.append(
				{
					"item_code": item_code,
					"qty": float(row.qty),
					"uom": stock_uom,
					"conversion_factor": 1,
					"rate": rate,
					# The price is what the buyer paid: no price list, pricing rule, discount or margin.
					"price_list_rate": rate,
					"discount_percentage": 0,
					"discount_amount": 0,
					"margin_type": "",
					"margin_rate_or_amount": 0,
					"delivery_date": delivery_date,
					"warehouse": warehouse or None,
					"amazon_order_item_id": line.order_item_id,
				}
			)
		item_codes = {
			row.line.order_item_id: item["item_code"] for row, item in zip(rows.items, items, strict=True)
		}
		taxes = []
		for charge_row in rows.charges:
			charge = charge_row.charge
			label = charge_account_label(charge.kind, charge.collected_by, charge.included_in_rate)
			description = charge.description or label
			if charge_row.vat_included:
				description = _("{0} (net of {1} {2} VAT included)").format(
					description, charge_row.vat_included, currency
				)
			tax_row = {
				"charge_type": "Actual",
				"account_head": charge.account or self.accounts.account(label),
				"description": description[:140],
				"tax_amount": float(charge_row.amount),
				"cost_center": cost_center,
			}
			if charge.is_tax and charge.per_item:
				tax_row.update(_item_wise_detail(charge, item_codes, conversion_rate, currency))
			taxes.append(tax_row)

		plan = {
			"doctype": "Sales Order",
			"company": self.ctx.company,
			"order_type": "Sales",
			"customer": customer,
			"transaction_date": transaction_date,
			"delivery_date": delivery_date,
			"currency": currency,
			"conversion_rate": conversion_rate,
			"ignore_pricing_rule": 1,
			"disable_rounded_total": 1,
			"po_no": self._po_no(draft, customer),
			# ERPNext keeps the buyer's tax id on the order too (fetched from the customer otherwise).
			"tax_id": draft.buyer_tax_id or customer_tax_id or None,
			"set_warehouse": warehouse or None,
			"customer_address": address,
			"shipping_address_name": address,
			"items": items,
			"taxes": taxes,
			"amazon_order_id": draft.amazon_order_id,
			"amazon_account": self.ctx.account,
			"amazon_marketplace_id": draft.marketplace_id,
			"amazon_replaced_order_id": draft.replaced_order_id or None,
			"amazon_fulfillment_channel": draft.fulfilled_by or "",
			"amazon_status": draft.amazon_status or "",
			"amazon_last_updated": to_system_time(draft.last_updated),
			"amazon_attention": _remarks(draft),
			"amazon_shipments": shipments_text(draft),
			"amazon_shipped_on": to_system_time(draft.shipped_at) if draft.shipped_at else None,
			"amazon_shipment_parts": parts_to_json(shipment_parts(draft, [])) or None,
		}
		if price_list:
			plan.update(self._price_list_fields(price_list, currency, conversion_rate, transaction_date))
		return plan

	def _conversion_rate(self, currency: str, on: date, order_id: str) -> float:
		if currency == self.ctx.company_currency:
			return 1.0
		rate = _exchange_rate(currency, self.ctx.company_currency, on)
		if not rate:
			raise AdapterError(
				_(
					"Amazon order {0}: ERPNext has no exchange rate from {1} to {2} on {3}. Add a Currency "
					"Exchange record (or set up Currency Exchange Settings), then retry this order."
				).format(order_id, currency, self.ctx.company_currency, on)
			)
		return rate

	def _stock_uom(self, item_code: str) -> str | None:
		"""An Item's stock UOM, read once per run (ERPNext refuses to change it once it has
		transactions, and the orders of a run sell the same items again and again)."""
		if item_code not in self._uoms:
			uom = frappe.db.get_value("Item", item_code, "stock_uom")
			if not uom:
				return None  # not remembered: the Item may be made later in the run
			self._uoms[item_code] = uom
		return self._uoms[item_code]

	def _price_list_fields(self, price_list: str, currency: str, conversion_rate: float, on: date) -> dict:
		if price_list not in self._list_currencies:
			self._list_currencies[price_list] = frappe.db.get_value("Price List", price_list, "currency")
		list_currency = self._list_currencies[price_list]
		if not list_currency:
			return {}
		if list_currency == self.ctx.company_currency:
			plc_rate = 1.0
		elif list_currency == currency:
			plc_rate = conversion_rate
		else:
			plc_rate = _exchange_rate(list_currency, self.ctx.company_currency, on)
			if not plc_rate:
				return {}  # let ERPNext pick its default list rather than fail on an unused rate
		return {
			"selling_price_list": price_list,
			"price_list_currency": list_currency,
			"plc_conversion_rate": plc_rate,
		}

	def _po_no(self, draft: SalesOrderDraft, customer: str) -> str:
		"""The buyer's PO number, unless this customer already used it on another live order
		(ERPNext refuses a second order per PO by default); then the Amazon order id."""
		po_no = draft.po_no
		if po_no != draft.amazon_order_id and frappe.db.exists(
			"Sales Order",
			{
				"po_no": po_no,
				"customer": customer,
				"docstatus": ("<", 2),
				"amazon_order_id": ("!=", draft.amazon_order_id),
			},
		):
			return draft.amazon_order_id
		return po_no

	def _with_vat(self, draft: SalesOrderDraft, on: date) -> SalesOrderDraft:
		"""The draft with its VAT where prices include it: taken out at each item's rate when Amazon
		reported none, and booked on the marketplace's Output VAT account (see `tax_setup`)."""
		account = self.tax_setup.output_vat_account(draft.marketplace_id)
		if account:
			draft = replace(
				draft,
				charges=[
					replace(c, account=account) if c.tax_role == OUTPUT_VAT and not c.account else c
					for c in draft.charges
				],
			)
		if not needs_vat_taken_out(draft):
			return draft
		rate_account = account or self.accounts.account(charge_account_label(TAX, SELLER, True))

		def rate_of(line) -> Decimal | None:
			item_code = line.item_code or self.item_for_sku(draft.marketplace_id, line.sku)
			if not item_code:
				return self.tax_setup.standard_rate(draft.marketplace_id)
			return self.tax_setup.rate_of_item(item_code, draft.marketplace_id, on, rate_account)

		return take_out_vat(
			draft, rate_of, account=account, missing_setup=self.tax_setup.missing_setup(draft.marketplace_id)
		)

	# -- fees support --------------------------------------------------------------------------
	def orders_awaiting_fees(self, shipped_before: datetime) -> list[str]:
		before = to_system_time(shipped_before)
		shipped = frappe.get_all(
			"Sales Order",
			filters={
				"amazon_account": self.ctx.account,
				"docstatus": 1,
				"amazon_status": ("in", SHIPPED_STATUSES),
				"amazon_last_updated": ("<", before),
				"amazon_order_id": ("is", "set"),
			},
			fields=["amazon_order_id", "grand_total", "amazon_replaced_order_id"],
		)
		# A replacement Amazon sent free of charge has no money for Amazon to charge fees on: it is
		# never awaited (it would be "awaiting fees" forever).
		order_ids = [
			row.amazon_order_id
			for row in shipped
			if not (row.amazon_replaced_order_id and flt(row.grand_total) == 0)
		]
		with_fees = set()
		for start in range(0, len(order_ids), 500):
			chunk = order_ids[start : start + 500]
			with_fees.update(
				frappe.get_all(
					"Journal Entry",
					filters={"amazon_order_id": ("in", chunk), "docstatus": 1},
					pluck="amazon_order_id",
				)
			)
		return sorted(set(order_ids) - with_fees)


def _item_wise_detail(charge, item_codes: dict[str, str], conversion_rate: float, currency: str) -> dict:
	"""The tax row's item-wise detail from the draft's parts per order item (see `tax_detail`); {} when
	a part names an order item ERPNext cannot place (ERPNext then spreads the row itself)."""
	if any(item_id not in item_codes for item_id in charge.per_item):
		return {}
	parts = ((item_codes[item_id], charge.rate, amount) for item_id, amount in charge.per_item.items())
	return item_wise_detail(parts, conversion_rate, currency)


def _check_total(doc, draft) -> None:
	booked = round_money(Decimal(str(flt(doc.grand_total))), draft.currency)
	if booked != draft.grand_total:
		raise AdapterError(
			_(
				"Amazon order {0}: ERPNext computed a total of {1} {2}, Amazon's is {3} {2}. Check taxes "
				"ERPNext adds by itself (Item Tax Templates, tax rules) and the currency precision."
			).format(draft.amazon_order_id, booked, draft.currency, draft.grand_total)
		)


def _same_money(doc, plan: dict) -> bool:
	"""Whether the order's items, amounts and taxes are Amazon's still (its parties aside)."""
	places = minor_units(plan["currency"])

	def items_of(rows):
		return sorted(
			(
				r.get("item_code"),
				round(flt(r.get("qty")), 6),
				round(flt(r.get("rate")), places),
				r.get("amazon_order_item_id") or "",
			)
			for r in rows
		)

	def taxes_of(rows):
		return sorted((r.get("account_head"), round(flt(r.get("tax_amount")), places)) for r in rows)

	return (
		doc.currency == plan["currency"]
		and items_of(doc.get("items")) == items_of(plan["items"])
		and taxes_of(doc.get("taxes")) == taxes_of(plan["taxes"])
	)


def _same_sale(doc, plan: dict, draft: SalesOrderDraft) -> bool:
	"""Whether a submitted order sells what the plan sells, for the same total (see `upsert`)."""

	def sold(rows):
		totals: dict[tuple, float] = {}
		for r in rows:
			key = (r.get("item_code"), r.get("amazon_order_item_id") or "")
			totals[key] = round(totals.get(key, 0.0) + flt(r.get("qty")), 6)
		return totals

	booked = round_money(Decimal(str(flt(doc.grand_total))), draft.currency)
	return (
		doc.currency == plan["currency"]
		and booked == draft.grand_total
		and sold(doc.get("items")) == sold(plan["items"])
	)


def _parties_differ(doc, plan: dict) -> bool:
	return doc.customer != plan["customer"] or (doc.shipping_address_name or "") != (
		plan.get("shipping_address_name") or ""
	)


def _fulfilment_blocker(doc) -> str:
	"""Why a submitted order cannot simply be cancelled, or "" when it can."""
	if flt(doc.per_delivered) > 0:
		return _("is {0}% delivered").format(flt(doc.per_delivered, 2))
	if flt(doc.per_billed) > 0:
		return _("is {0}% billed").format(flt(doc.per_billed, 2))
	for doctype, field in (
		("Delivery Note Item", "against_sales_order"),
		("Sales Invoice Item", "sales_order"),
	):
		parents = frappe.get_all(doctype, filters={field: doc.name, "docstatus": 1}, pluck="parent", limit=1)
		if parents:
			return _("has {0} {1}").format(_(doctype.replace(" Item", "")), parents[0])
	return ""


def shipments_text(draft: SalesOrderDraft) -> str:
	"""One line per shipment: carrier, tracking number, status and when it shipped."""
	lines = []
	for package in draft.packages:
		shipped = f"shipped {to_system_time(package.ship_time):%Y-%m-%d %H:%M}" if package.ship_time else ""
		parts = [package.carrier, package.shipping_service, package.tracking_number, package.status, shipped]
		lines.append(" · ".join(p for p in parts if p) or package.reference)
	return "\n".join(lines)


def _remarks(draft: SalesOrderDraft) -> str:
	return "\n".join(draft.remarks or [])


def _differs(current, wanted) -> bool:
	if isinstance(wanted, datetime):
		return current is None or frappe.utils.get_datetime(current) != wanted
	return (current or "") != (wanted or "")


def _exchange_rate(from_currency: str, to_currency: str, on: date) -> float:
	from erpnext.setup.utils import get_exchange_rate

	return flt(get_exchange_rate(from_currency, to_currency, on, "for_selling"))


def to_system_time(moment: datetime) -> datetime:
	"""A timezone-aware moment as the naive system-time-zone datetime Frappe stores."""
	if moment.tzinfo is None:
		moment = moment.replace(tzinfo=timezone.utc)
	return moment.astimezone(ZoneInfo(get_system_timezone())).replace(tzinfo=None)


def from_system_time(value) -> datetime | None:
	"""A stored (naive, system time zone) datetime as an aware UTC moment."""
	if not value:
		return None
	moment = frappe.utils.get_datetime(value)
	return moment.replace(tzinfo=ZoneInfo(get_system_timezone())).astimezone(timezone.utc)
