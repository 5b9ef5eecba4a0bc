"""Multi-Channel Fulfillment in ERPNext: a Sales Order of another channel, marked "Fulfil by Amazon",
as a fulfilment draft; Amazon's answers back onto the Sales Order; each shipment Amazon shipped as a
Delivery Note out of the account's FBA warehouse.

- The draft: the order's shipping address (else its customer address), each row's Amazon SKU of the
  account (an FBA listing of the item first), its quantity in stock units (whole units only: Amazon
  ships pieces), the chosen shipping speed, and the order name as Amazon's displayable order id.
  The fulfilment order id is the order's name, with "-2", "-3" ... after Amazon cancelled or refused
  an earlier attempt (Amazon never takes an id twice).
- A shipment Amazon shipped becomes a Delivery Note made by ERPNext's own `make_delivery_note` from
  the Sales Order, with only the rows and units of that shipment, each from the FBA warehouse (the
  units left Amazon's warehouse, whatever warehouse the order reserved them in); its Transporter and
  Transport Receipt No are the first package's carrier and tracking number, and every package is
  listed in Amazon Tracking. Posted now (when the app learns of it; the shipping date is the
  Transport Receipt date), so it never lands before the FBA mirror's last count. One per Amazon
  shipment id, enforced by the database.
- The status, and Amazon's message (a refusal, units it could not fulfil, with Amazon's reason), are
  written on the submitted Sales Order (fields allowed on submit), and whether Amazon holds the order
  (sent on hold and not released yet: On Hold at Amazon).
- Returns asked through Amazon are Sales Returns of those Delivery Notes (fulfilment_returns); the
  orders they belong to are read until Amazon has processed every unit.
"""

from __future__ import annotations

from dataclasses import replace

import frappe
from frappe import _
from frappe.utils import now_datetime

from ..core.drafts.fulfilment import (
	FINAL_STATUSES,
	FulfilmentAddress,
	FulfilmentLine,
	FulfilmentOrderDraft,
	FulfilmentShipment,
	FulfilmentState,
)
from ..core.mapping.fulfilment import fulfilment_order_id
from ..core.ports import Outcome
from . import fulfilment_returns
from .context import AdapterContext
from .errors import AdapterError
from .sales_orders import from_system_time, to_system_time

SETTINGS_DOCTYPE = "Amazon Settings"
MAPPING_DOCTYPE = "Amazon Item"
MERCHANT = "MERCHANT"


def account_of(order) -> str:
	"""The Amazon account whose FBA stock ships the order: its own choice, else the only enabled one."""
	if order.get("amazon_mcf_account"):
		return order.amazon_mcf_account
	accounts = frappe.get_all(SETTINGS_DOCTYPE, filters={"enabled": 1}, pluck="name")
	if len(accounts) != 1:
		raise AdapterError(
			_("Sales Order {0}: choose the Amazon Account for Fulfilment ({1} enabled accounts).").format(
				order.name, len(accounts)
			)
		)
	return accounts[0]


def refuse_cancel_while_at_amazon(doc, method=None) -> None:
	"""Sales Order before_cancel: not while Amazon may still ship it (cancel it at Amazon first)."""
	if doc.get("amazon_fulfillment_order_id") and doc.get("amazon_mcf_status") not in FINAL_STATUSES:
		frappe.throw(
			_(
				"Sales Order {0} is at Amazon as {1} ({2}): cancel the Amazon fulfilment first, or wait for "
				"Amazon to finish it."
			).format(doc.name, doc.amazon_fulfillment_order_id, doc.amazon_mcf_status)
		)


def has_open_orders(account: str) -> bool:
	"""Whether the account has orders at Amazon whose status can still change, or units on their way
	back (the scheduler asks)."""
	return bool(frappe.db.exists("Sales Order", _open_filters(account))) or bool(
		fulfilment_returns.open_return_orders(account)
	)


def _open_filters(account: str) -> dict:
	return {
		"amazon_mcf_account": account,
		"amazon_fulfillment_order_id": ("is", "set"),
		"amazon_mcf_status": ("not in", FINAL_STATUSES),
		"docstatus": 1,
	}


class Fulfilment:
	def __init__(self, ctx: AdapterContext):
		self.ctx = ctx

	# -- the draft -------------------------------------------------------------------------------
	def draft_for(self, order, hold: bool = False) -> FulfilmentOrderDraft:
		"""The fulfilment draft of a Sales Order (`core.mapping.fulfilment` checks it in full); `hold`
		sends it with an order hold on it."""
		address = self._address(order)
		marketplace_id = self._marketplace(address.country_code)
		company = order.company or self.ctx.company
		placed = from_system_time(f"{order.transaction_date} {order.get('transaction_time') or '12:00:00'}")
		return FulfilmentOrderDraft(
			source=_("Sales Order {0}").format(order.name),
			seller_fulfillment_order_id=fulfilment_order_id(order.name, self._attempt(order)),
			displayable_order_id=order.name[:40],
			displayable_order_date=placed,
			displayable_order_comment=_("Order {0} from {1}").format(order.name, company)[:750],
			shipping_speed=order.get("amazon_mcf_shipping_speed") or "Standard",
			address=address,
			lines=tuple(self._line(row, marketplace_id) for row in order.items),
			marketplace_id=marketplace_id,
			notification_emails=(order.contact_email,) if order.get("contact_email") else (),
			hold=hold,
		)

	def sent_draft(self, order) -> FulfilmentOrderDraft:
		"""The draft of a Sales Order as it stands now, under the fulfilment order id Amazon has (what an
		update compares with Amazon's order)."""
		if not order.get("amazon_fulfillment_order_id"):
			raise AdapterError(_("Sales Order {0} has not been sent to Amazon.").format(order.name))
		return replace(self.draft_for(order), seller_fulfillment_order_id=order.amazon_fulfillment_order_id)

	@staticmethod
	def _attempt(order) -> int:
		"""1 for an order never sent; after an attempt Amazon ended, the next number."""
		previous = order.get("amazon_fulfillment_order_id")
		if not previous:
			return 1
		return next((n + 1 for n in range(2, 100) if previous == fulfilment_order_id(order.name, n)), 2)

	def _address(self, order) -> FulfilmentAddress:
		name = order.get("shipping_address_name") or order.get("customer_address")
		if not name:
			raise AdapterError(
				_("Sales Order {0} has no shipping address for Amazon to ship to.").format(order.name)
			)
		address = frappe.get_doc("Address", name)
		country = frappe.db.get_value("Country", address.country, "code") if address.country else ""
		return FulfilmentAddress(
			name=(order.get("customer_name") or address.address_title or "")[:100],
			line1=address.address_line1 or "",
			line2=address.address_line2 or "",
			city=address.city or "",
			district=address.county or "",
			state=address.state or "",
			postal_code=address.pincode or "",
			country_code=(country or "").upper(),
			phone=address.phone or "",
		)

	def _marketplace(self, country_code: str) -> str:
		"""The account's marketplace of the address's country, else its first (Amazon ships across a
		fulfilment network, e.g. pan-European; it refuses a country it cannot reach)."""
		rows = [m for m in self.ctx.marketplaces if m.enabled]
		if not rows:
			raise AdapterError(_("Amazon Settings {0} has no marketplace").format(self.ctx.account))
		wanted = "UK" if country_code == "GB" else country_code
		return next((m.marketplace_id for m in rows if m.country_code == wanted), rows[0].marketplace_id)

	def _line(self, row, marketplace_id: str) -> FulfilmentLine:
		units = row.stock_qty if row.get("stock_qty") else row.qty
		quantity = int(units) if float(units).is_integer() else units
		return FulfilmentLine(sku=self._sku(row.item_code, marketplace_id), line_id=row.name, quantity=quantity,
			item_code=row.item_code)  # fmt: skip

	def sku_for(self, item_code: str) -> str:
		"""The item's Amazon SKU of this account (an FBA listing first)."""
		return self._sku(item_code, "")

	def _sku(self, item_code: str, marketplace_id: str) -> str:
		mappings = frappe.get_all(
			MAPPING_DOCTYPE,
			filters={"amazon_account": self.ctx.account, "item_code": item_code},
			fields=["sku", "marketplace_id", "fulfillment_channel"],
			order_by="sku asc",
		)
		# An FBA listing first (its SKU is what Amazon stocks), in the order's marketplace first.
		mappings.sort(key=lambda m: (m.fulfillment_channel == MERCHANT, m.marketplace_id != marketplace_id))
		return mappings[0].sku if mappings else ""

	# -- what Amazon says ------------------------------------------------------------------------
	def record_sent(self, order_name: str, state: FulfilmentState, account: str) -> None:
		frappe.db.set_value(
			"Sales Order",
			order_name,
			{
				"amazon_fulfil_by_amazon": 1,
				"amazon_mcf_account": account,
				"amazon_fulfillment_order_id": state.seller_fulfillment_order_id,
				"amazon_mcf_status": state.status,
				"amazon_mcf_message": state.message,
				"amazon_mcf_on_hold": int(state.held),
			},
		)

	def record_message(self, order_name: str, message: str) -> None:
		frappe.db.set_value("Sales Order", order_name, "amazon_mcf_message", message[:1000])

	def open_orders(self) -> list[str]:
		at_amazon = frappe.get_all(
			"Sales Order",
			filters=_open_filters(self.ctx.account),
			pluck="amazon_fulfillment_order_id",
			order_by="amazon_fulfillment_order_id asc",
		)
		returning = fulfilment_returns.open_return_orders(self.ctx.account)
		return sorted(set(at_amazon) | set(returning))

	def _order_of(self, seller_fulfillment_order_id: str):
		row = frappe.db.get_value(
			"Sales Order",
			{"amazon_fulfillment_order_id": seller_fulfillment_order_id},
			["name", "amazon_mcf_status", "amazon_mcf_message", "amazon_mcf_on_hold", "docstatus"],
			as_dict=True,
		)
		if not row:
			raise AdapterError(
				_("No Sales Order holds Amazon fulfillment order {0}").format(seller_fulfillment_order_id)
			)
		return row

	def flag(self, seller_fulfillment_order_id: str, message: str) -> None:
		self.record_message(self._order_of(seller_fulfillment_order_id).name, message)

	def apply_state(self, state: FulfilmentState) -> Outcome:
		order = self._order_of(state.seller_fulfillment_order_id)
		delivered = [
			self._deliver(order.name, s) for s in state.shipments if s.shipped and not self._delivered(s)
		]
		returned, about_returns = fulfilment_returns.apply_returns(state) if state.returns else (False, "")
		message = " ".join(p for p in (state.message, about_returns) if p)
		if (
			order.amazon_mcf_status == state.status
			and (order.amazon_mcf_message or "") == message
			and bool(order.amazon_mcf_on_hold) == state.held
			and not delivered
			and not returned
		):
			return Outcome.UNCHANGED
		frappe.db.set_value(
			"Sales Order",
			order.name,
			{
				"amazon_mcf_status": state.status,
				"amazon_mcf_message": message[:1000],
				"amazon_mcf_on_hold": int(state.held),
			},
		)
		return Outcome.FLAGGED if state.refused else Outcome.UPDATED

	# -- deliveries ------------------------------------------------------------------------------
	@staticmethod
	def _delivered(shipment: FulfilmentShipment) -> bool:
		return bool(
			frappe.db.exists("Delivery Note", {"amazon_mcf_shipment_id": shipment.amazon_shipment_id})
		)

	def _deliver(self, order_name: str, shipment: FulfilmentShipment) -> str:
		from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note

		warehouse = self.fba_warehouse()
		units = {line_id: qty for line_id, qty in shipment.quantities.items() if qty}
		note = make_delivery_note(order_name, kwargs={"filtered_children": list(units)})
		unknown = set(units) - {row.so_detail for row in note.items}
		if unknown:
			raise AdapterError(
				_(
					"Amazon shipment {0} of Sales Order {1} ships rows the order does not have open: {2}"
				).format(shipment.amazon_shipment_id, order_name, ", ".join(sorted(unknown)))
			)
		for row in note.items:
			# Amazon counts stock units; the row is in the order's unit.
			row.qty = units[row.so_detail] / (row.conversion_factor or 1)
			row.warehouse = warehouse
		note.set_warehouse = warehouse
		first = shipment.packages[0] if shipment.packages else None
		note.transporter_name = first.carrier if first else ""
		note.lr_no = first.tracking_number if first else ""
		if shipment.shipped_on:
			note.lr_date = to_system_time(shipment.shipped_on).date()
		note.amazon_mcf_shipment_id = shipment.amazon_shipment_id
		note.amazon_mcf_tracking = shipment.tracking_text()
		note.posting_date = now_datetime().date()
		note.flags.ignore_permissions = True
		note.insert()
		note.submit()
		return note.name

	def fba_warehouse(self) -> str:
		warehouse = frappe.db.get_value(SETTINGS_DOCTYPE, self.ctx.account, "fba_warehouse")
		if not warehouse:
			raise AdapterError(
				_("Amazon Settings {0}: set the FBA Warehouse, which Amazon's shipments leave from.").format(
					self.ctx.account
				)
			)
		return warehouse
