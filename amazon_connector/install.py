"""Install, migrate and uninstall: custom fields on ERPNext DocTypes, the connector's role and the
workspace's HTML blocks.

The fields are defined here, in code, so that every migrate brings them back to this definition
(a field edited by hand in Customize Form is reset) and uninstall can remove exactly these.
"""

from __future__ import annotations

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

from amazon_connector.workspace_blocks import BLOCKS, block_parts

ROLE = "Amazon Connector Manager"
SETTINGS_DOCTYPE = "Amazon Settings"


def _ro(**field) -> dict:
	return {"read_only": 1, "no_copy": 1, **field}


def _settlement_field(insert_after: str) -> dict:
	"""The Amazon settlement a voucher's money was paid out in. Written when the settlement is booked,
	on submitted documents too (it moves no money); the reconciliation and the settlement's clearing
	balance find its vouchers by it."""
	return _ro(
		fieldname="amazon_settlement_id",
		fieldtype="Data",
		label="Amazon Settlement ID",
		search_index=1,
		allow_on_submit=1,
		insert_after=insert_after,
	)


def _amazon_section() -> dict:
	"""The collapsible "Amazon" section after the items of an order or invoice."""
	return {
		"fieldname": "amazon_section",
		"fieldtype": "Section Break",
		"label": "Amazon",
		"collapsible": 1,
		"collapsible_depends_on": "amazon_order_id",
		"insert_after": "items",
	}


def _account_field(insert_after: str) -> dict:
	"""The link to the Amazon Settings record a document was made for."""
	return _ro(
		fieldname="amazon_account",
		fieldtype="Link",
		options=SETTINGS_DOCTYPE,
		label="Amazon Account",
		insert_after=insert_after,
	)


def get_custom_fields() -> dict[str, list[dict]]:
	return {
		"Sales Order": [
			_amazon_section(),
			_ro(
				fieldname="amazon_order_id",
				fieldtype="Data",
				label="Amazon Order ID",
				# The database refuses a second Sales Order for one Amazon order, whatever the code does.
				# (a unique index serves lookups too; a second, plain index would only cost writes)
				unique=1,
				in_standard_filter=1,
				insert_after="amazon_section",
			),
			_ro(
				fieldname="amazon_account",
				fieldtype="Link",
				options=SETTINGS_DOCTYPE,
				label="Amazon Account",
				in_standard_filter=1,
				insert_after="amazon_order_id",
			),
			_ro(
				fieldname="amazon_marketplace_id",
				fieldtype="Data",
				label="Amazon Marketplace ID",
				insert_after="amazon_account",
			),
			{
				"fieldname": "amazon_column_break",
				"fieldtype": "Column Break",
				"insert_after": "amazon_replaced_order_id",
			},
			_ro(
				fieldname="amazon_fulfillment_channel",
				# Amazon changes these after the order is submitted; they are written on the submitted order.
				allow_on_submit=1,
				fieldtype="Data",
				label="Amazon Fulfillment Channel",
				insert_after="amazon_column_break",
			),
			_ro(
				fieldname="amazon_status",
				# Amazon changes these after the order is submitted; they are written on the submitted order.
				allow_on_submit=1,
				fieldtype="Data",
				label="Amazon Status",
				insert_after="amazon_fulfillment_channel",
			),
			_ro(
				fieldname="amazon_last_updated",
				# Amazon changes these after the order is submitted; they are written on the submitted order.
				allow_on_submit=1,
				fieldtype="Datetime",
				label="Amazon Last Updated",
				insert_after="amazon_status",
			),
			_ro(
				fieldname="amazon_attention",
				# Amazon changes these after the order is submitted; they are written on the submitted order.
				allow_on_submit=1,
				fieldtype="Small Text",
				label="Needs Attention",
				description="Why a person must look at this order (for example: cancelled on Amazon after delivery).",
				insert_after="amazon_last_updated",
			),
			_ro(
				fieldname="amazon_replaced_order_id",
				fieldtype="Data",
				label="Replaces Amazon Order",
				description="The Amazon order this replacement or exchange order replaces.",
				in_standard_filter=1,
				search_index=1,
				insert_after="amazon_marketplace_id",
			),
			_ro(
				fieldname="amazon_shipments",
				allow_on_submit=1,
				fieldtype="Small Text",
				label="Amazon Shipments",
				description="Carrier, tracking number and status of each shipment, as Amazon records them.",
				insert_after="amazon_attention",
			),
			_ro(
				fieldname="amazon_shipped_on",
				allow_on_submit=1,
				fieldtype="Datetime",
				label="Amazon Shipped On",
				description="When Amazon reported the order shipped in full: the posting date of its invoice (of its last one when it shipped in parts).",
				insert_after="amazon_shipments",
			),
			_ro(
				fieldname="amazon_shipment_parts",
				allow_on_submit=1,
				fieldtype="Long Text",
				label="Amazon Shipment Parts",
				hidden=1,
				description="The parts Amazon shipped the order in (units per order item and when), one Sales Invoice each.",
				insert_after="amazon_shipped_on",
			),
			*_mcf_sales_order_fields(),
			_ro(
				fieldname="amazon_personal_data_removed",
				allow_on_submit=1,
				fieldtype="Datetime",
				label="Buyer Data Removed On",
				description="When the buyer's name, addresses and contact details were removed, after the account's retention period.",
				insert_after="amazon_shipped_on",
			),
		],
		"Sales Invoice": [
			_amazon_section(),
			_ro(
				fieldname="amazon_order_id",
				fieldtype="Data",
				label="Amazon Order ID",
				search_index=1,
				in_standard_filter=1,
				insert_after="amazon_section",
			),
			_ro(
				fieldname="amazon_invoice_key",
				fieldtype="Data",
				label="Amazon Invoice Key",
				description="The Amazon order id (invoice) or refund key (credit note) this document books.",
				# One invoice per Amazon order and one credit note per Amazon refund, enforced by the database.
				unique=1,
				insert_after="amazon_order_id",
			),
			_account_field(insert_after="amazon_invoice_key"),
		],
		"Payment Entry": [
			_ro(
				fieldname="amazon_order_id",
				fieldtype="Data",
				label="Amazon Order ID",
				search_index=1,
				insert_after="remarks",
			),
			_ro(
				fieldname="amazon_payment_key",
				fieldtype="Data",
				label="Amazon Payment Key",
				# One payment per Amazon invoice or credit note, enforced by the database.
				unique=1,
				insert_after="amazon_order_id",
			),
			_settlement_field(insert_after="amazon_payment_key"),
		],
		"Sales Order Item": [
			_ro(
				fieldname="amazon_order_item_id",
				fieldtype="Data",
				label="Amazon Order Item ID",
				insert_after="item_code",
			),
		],
		"Customer": [
			_ro(
				fieldname="amazon_customer_key",
				fieldtype="Data",
				label="Amazon Customer Key",
				search_index=1,
				insert_after="customer_group",
			),
		],
		"Address": [
			_ro(
				fieldname="amazon_address_key",
				fieldtype="Data",
				label="Amazon Address Key",
				search_index=1,
				insert_after="country",
			),
		],
		"Item": [
			{
				"fieldname": "amazon_asin",
				"fieldtype": "Data",
				"label": "Amazon ASIN",
				"search_index": 1,
				"no_copy": 1,
				"insert_after": "item_group",
			},
		],
		"Stock Reconciliation": [
			_ro(
				fieldname="amazon_account",
				fieldtype="Link",
				options=SETTINGS_DOCTYPE,
				label="Amazon Account",
				description="Set by the FBA inventory mirror: Amazon's fulfillable quantities of this account.",
				in_standard_filter=1,
				insert_after="company",
			),
		],
		"Delivery Note": _mcf_delivery_note_fields() + delivery_note_fields(),
		"Journal Entry": [
			_ro(
				fieldname="amazon_order_id",
				fieldtype="Data",
				label="Amazon Order ID",
				search_index=1,
				insert_after="user_remark",
			),
			_ro(
				fieldname="amazon_fee_event_key",
				fieldtype="Data",
				label="Amazon Fee Event Key",
				# One Journal Entry per Amazon financial event, enforced by the database.
				unique=1,
				insert_after="amazon_order_id",
			),
			_account_field(insert_after="amazon_fee_event_key"),
			_settlement_field(insert_after="amazon_account"),
		],
	}


def _mcf_sales_order_fields() -> list[dict]:
	"""Multi-Channel Fulfillment on an order of another channel: the seller's choice (ticked and
	changed on a submitted order too, since an order is sent to Amazon once it is firm) and what
	Amazon says about it."""
	return [
		{
			"fieldname": "amazon_mcf_section",
			"fieldtype": "Section Break",
			"label": "Fulfilment by Amazon",
			"collapsible": 1,
			"collapsible_depends_on": "amazon_fulfil_by_amazon",
			"insert_after": "amazon_shipped_on",
		},
		{
			"fieldname": "amazon_fulfil_by_amazon",
			"fieldtype": "Check",
			"label": "Fulfil by Amazon",
			"description": "Amazon ships this order from the FBA stock of the Amazon account (Multi-Channel Fulfillment).",
			"allow_on_submit": 1,
			"no_copy": 1,
			"insert_after": "amazon_mcf_section",
		},
		{
			"fieldname": "amazon_mcf_account",
			"fieldtype": "Link",
			"options": SETTINGS_DOCTYPE,
			"label": "Amazon Account for Fulfilment",
			"description": "Whose FBA stock ships it; may stay empty when there is one Amazon account.",
			"depends_on": "amazon_fulfil_by_amazon",
			"allow_on_submit": 1,
			"insert_after": "amazon_fulfil_by_amazon",
		},
		{
			"fieldname": "amazon_mcf_shipping_speed",
			"fieldtype": "Select",
			"options": "Standard\nExpedited\nPriority",
			"default": "Standard",
			"label": "Amazon Shipping Speed",
			"depends_on": "amazon_fulfil_by_amazon",
			"allow_on_submit": 1,
			"insert_after": "amazon_mcf_account",
		},
		{
			"fieldname": "amazon_mcf_column_break",
			"fieldtype": "Column Break",
			"insert_after": "amazon_mcf_shipping_speed",
		},
		_ro(
			fieldname="amazon_mcf_status",
			fieldtype="Data",
			label="Amazon Fulfilment Status",
			allow_on_submit=1,
			in_standard_filter=1,
			insert_after="amazon_mcf_column_break",
		),
		_ro(
			fieldname="amazon_fulfillment_order_id",
			fieldtype="Data",
			label="Amazon Fulfillment Order ID",
			# One Sales Order per fulfilment order (Amazon never takes an id twice either).
			unique=1,
			allow_on_submit=1,
			insert_after="amazon_mcf_status",
		),
		_ro(
			fieldname="amazon_mcf_message",
			fieldtype="Small Text",
			label="Amazon's Message",
			description="Amazon's refusal or what it could not fulfil, with its reason; where returns stand.",
			allow_on_submit=1,
			insert_after="amazon_fulfillment_order_id",
		),
		_ro(
			fieldname="amazon_mcf_on_hold",
			fieldtype="Check",
			label="On Hold at Amazon",
			description="Amazon holds the order: its units are reserved and nothing ships until Release to Amazon.",
			depends_on="amazon_mcf_on_hold",
			allow_on_submit=1,
			insert_after="amazon_mcf_message",
		),
	]


def _mcf_delivery_note_fields() -> list[dict]:
	"""A Delivery Note made for a shipment Amazon shipped (Transporter and Transport Receipt No hold
	its first carrier and tracking number; these keep Amazon's shipment and every package)."""
	return [
		_ro(
			fieldname="amazon_mcf_shipment_id",
			fieldtype="Data",
			label="Amazon Shipment ID",
			# One Delivery Note per Amazon shipment, enforced by the database.
			unique=1,
			insert_after="lr_date",
		),
		_ro(
			fieldname="amazon_mcf_tracking",
			fieldtype="Small Text",
			label="Amazon Tracking",
			description="Carrier and tracking number of each package Amazon shipped.",
			insert_after="amazon_mcf_shipment_id",
		),
		# A Sales Return of such a shipment asked back through Amazon (erpnext_adapter.fulfilment_returns):
		# a draft while the units travel, submitted with the sellable units once Amazon processed them.
		_ro(
			fieldname="amazon_mcf_return_order",
			fieldtype="Data",
			label="Amazon Return of Fulfillment Order",
			search_index=1,
			in_standard_filter=1,
			insert_after="amazon_mcf_tracking",
		),
		_ro(
			fieldname="amazon_mcf_return_status",
			fieldtype="Data",
			label="Amazon Return Status",
			allow_on_submit=1,
			depends_on="amazon_mcf_return_order",
			insert_after="amazon_mcf_return_order",
		),
		_ro(
			fieldname="amazon_mcf_return_authorization",
			fieldtype="Small Text",
			label="Amazon Return Authorization",
			description="Where the buyer sends the units, and Amazon's label page.",
			depends_on="amazon_mcf_return_order",
			insert_after="amazon_mcf_return_status",
		),
		_ro(
			fieldname="amazon_mcf_return_message",
			fieldtype="Small Text",
			label="Amazon's Return Message",
			allow_on_submit=1,
			depends_on="amazon_mcf_return_order",
			insert_after="amazon_mcf_return_authorization",
		),
		_ro(
			fieldname="amazon_mcf_return_items",
			fieldtype="Small Text",
			label="Amazon Return Items",
			description="The return item ids Amazon took, one per unit.",
			hidden=1,
			insert_after="amazon_mcf_return_message",
		),
	]


def delivery_note_fields() -> list[dict]:
	"""Shipment confirmation (erpnext_adapter.shipments): the carrier and tracking number the seller
	enters, and what Amazon made of the confirmation. The carrier, tracking number and status can
	change after submit: a refused confirmation is corrected and sent again on the submitted note."""
	return [
		{
			"fieldname": "amazon_shipment_section",
			"fieldtype": "Section Break",
			"label": "Amazon Shipment",
			"collapsible": 1,
			"collapsible_depends_on": "eval:doc.amazon_confirmation_status=='Failed'",
			"insert_after": "amazon_mcf_return_items",
		},
		{
			"fieldname": "amazon_carrier",
			"fieldtype": "Link",
			"options": "Amazon Carrier",
			"label": "Amazon Carrier",
			"description": "Empty: the Transporter Name (or the Shipping Rule) is looked up in Amazon Carrier.",
			"allow_on_submit": 1,
			"no_copy": 1,
			"insert_after": "amazon_shipment_section",
		},
		{
			"fieldname": "amazon_tracking_number",
			"fieldtype": "Data",
			"label": "Tracking Number",
			"description": "Empty: the Transport Receipt No is sent.",
			"allow_on_submit": 1,
			"no_copy": 1,
			"insert_after": "amazon_carrier",
		},
		_ro(
			fieldname="amazon_order_id",
			fieldtype="Data",
			label="Amazon Order ID",
			search_index=1,
			in_standard_filter=1,
			insert_after="amazon_tracking_number",
		),
		_ro(
			fieldname="amazon_package_number",
			fieldtype="Data",
			label="Amazon Package Number",
			description="This shipment's package number within the Amazon order.",
			insert_after="amazon_order_id",
		),
		{
			"fieldname": "amazon_shipment_column",
			"fieldtype": "Column Break",
			"insert_after": "amazon_package_number",
		},
		_ro(
			fieldname="amazon_account",
			fieldtype="Link",
			options=SETTINGS_DOCTYPE,
			label="Amazon Account",
			insert_after="amazon_shipment_column",
		),
		_ro(
			fieldname="amazon_confirmation_status",
			fieldtype="Select",
			options="\nPending\nConfirmed\nFailed",
			label="Amazon Confirmation",
			allow_on_submit=1,
			in_standard_filter=1,
			insert_after="amazon_account",
		),
		_ro(
			fieldname="amazon_confirmation_message",
			fieldtype="Small Text",
			label="Amazon's Answer",
			allow_on_submit=1,
			insert_after="amazon_confirmation_status",
		),
	]


def after_install():
	make_role()
	make_custom_fields()
	seed_carriers()
	sync_workspace_blocks()


def after_migrate():
	make_role()
	make_custom_fields()
	seed_carriers()
	sync_workspace_blocks()


def before_uninstall():
	delete_custom_fields()
	delete_workspace_blocks()


def make_role():
	if frappe.db.exists("Role", ROLE):
		return
	frappe.get_doc({"doctype": "Role", "role_name": ROLE, "desk_access": 1}).insert(ignore_permissions=True)


def seed_carriers():
	from .erpnext_adapter.carriers import seed_carriers as seed

	seed()


def make_custom_fields():
	create_custom_fields(get_custom_fields(), ignore_validate=True, update=True)


def delete_custom_fields():
	for doctype, fields in get_custom_fields().items():
		for field in fields:
			name = frappe.db.get_value("Custom Field", {"dt": doctype, "fieldname": field["fieldname"]})
			if name:
				# Frappe keeps the column (and its unique index) of a deleted Custom Field, so a
				# reinstall finds the orders it had imported instead of importing them twice.
				frappe.delete_doc("Custom Field", name, ignore_permissions=True, force=True)
		frappe.clear_cache(doctype=doctype)


def sync_workspace_blocks():
	for name, folder in BLOCKS.items():
		parts = block_parts(folder)
		if not frappe.db.exists("Custom HTML Block", name):
			frappe.get_doc({"doctype": "Custom HTML Block", "name": name, "private": 0, **parts}).insert(
				ignore_permissions=True
			)
			continue
		doc = frappe.get_doc("Custom HTML Block", name)
		if any(doc.get(field) != value for field, value in parts.items()):
			doc.update(parts)
			doc.save(ignore_permissions=True)


def delete_workspace_blocks():
	for name in BLOCKS:
		frappe.delete_doc("Custom HTML Block", name, ignore_permissions=True, ignore_missing=True, force=True)
