"""One Amazon settlement, line by line, in its own currency: how the opening balance (what Amazon
carried in from the previous settlement), sales, refunds, fees by type, taxes withheld, other money
and the reserve change add up to the deposit (and what Amazon carried into the next settlement
instead of paying it out), and the difference (0.00 when the settlement ties out). Each line lists the orders behind it; the
report's links open them and the settlement's Journal Entries."""

from __future__ import annotations

import json

import frappe
from frappe import _
from frappe.utils import flt

from amazon_connector.core.mapping.transaction_accounts import FEES_NOT_ITEMISED_ACCOUNT_LABEL

# The line of what Amazon kept of shipments it showed without any breakdown (their net total only).
FEES_NOT_ITEMISED_LINE = f"fee:{FEES_NOT_ITEMISED_ACCOUNT_LABEL}"


def execute(filters=None):
	filters = frappe._dict(filters or {})
	if not filters.get("settlement"):
		return columns(), [], None, None
	doc = frappe.get_doc("Amazon Settlement", filters.settlement)
	rows = settlement_rows(doc)
	chart = {
		"data": {
			"labels": [r["line"] for r in rows if r.get("is_figure")],
			"datasets": [{"name": _("Amount"), "values": [r["amount"] for r in rows if r.get("is_figure")]}],
		},
		"type": "bar",
	}
	summary = [
		{
			"label": _("Deposit"),
			"value": (doc.deposit or 0) - (doc.get("carried_forward") or 0),
			"datatype": "Currency",
			"currency": doc.currency,
		},
		{
			"label": _("Difference"),
			"value": doc.difference,
			"datatype": "Currency",
			"currency": doc.currency,
			"indicator": "Green" if not doc.difference else "Red",
		},
		{"label": _("Status"), "value": doc.status, "datatype": "Data"},
	]
	if doc.status == "Booked":
		# What the settlement's vouchers leave on its clearing account (0.00 when all is booked).
		summary.append(
			{
				"label": _("Clearing Balance"),
				"value": doc.clearing_balance,
				"datatype": "Currency",
				"currency": doc.currency,
				"indicator": "Green" if not doc.clearing_balance else "Red",
			}
		)
	if doc.report_total is not None:
		summary.append(
			{
				"label": _("Settlement Report Total"),
				"value": doc.report_total,
				"datatype": "Currency",
				"currency": doc.currency,
			}
		)
	return columns(), rows, None, chart, summary


def columns():
	return [
		{"fieldname": "line", "label": _("Line"), "fieldtype": "Data", "width": 280},
		{
			"fieldname": "amount",
			"label": _("Amount"),
			"fieldtype": "Currency",
			"options": "currency",
			"width": 140,
		},
		{
			"fieldname": "currency",
			"label": _("Currency"),
			"fieldtype": "Link",
			"options": "Currency",
			"width": 80,
		},
		{"fieldname": "order_count", "label": _("Orders"), "fieldtype": "Int", "width": 80},
		{"fieldname": "orders", "label": _("Amazon Order IDs"), "fieldtype": "Data", "width": 400},
	]


def settlement_rows(doc) -> list[dict]:
	"""The reconciliation lines of an Amazon Settlement record (figures as the sync stored them)."""
	stored = json.loads(doc.figures or "{}")
	figures = {k: float(v) for k, v in (stored.get("figures") or {}).items()}
	orders = dict(stored.get("orders") or {})
	with_fees_not_itemised(doc, figures, orders)

	def row(line: str, amount, keys=(), is_figure=True) -> dict:
		ids = sorted({o for k in keys for o in orders.get(k, [])})
		return {
			"line": line,
			"amount": amount,
			"currency": doc.currency,
			"order_count": len(ids),
			"orders": ", ".join(ids),
			"settlement": doc.name,
			"figure": keys[0] if len(keys) == 1 else "",
			"is_figure": is_figure,
		}

	rows = [row(_("Opening balance"), doc.opening_balance)]
	rows.append(row(_("Sales"), figures.get("sales", 0), ["sales"]))
	rows.append(row(_("Refunds"), figures.get("refunds", 0), ["refunds"]))
	for key in sorted(k for k in figures if k.startswith("fee:")):
		rows.append(row(key[4:], figures[key], [key]))
	rows.append(row(_("Taxes withheld"), figures.get("taxes_withheld", 0), ["taxes_withheld"]))
	others = sorted(k for k in figures if k.startswith("other"))
	for key in others:
		rows.append(
			row(
				_("Other: {0}").format(key.split(":", 1)[1] if ":" in key else _("other")),
				figures[key],
				[key],
			)
		)
	rows.append(row(_("Reserve change"), figures.get("reserve", 0), ["reserve"]))
	carried = doc.get("carried_forward") or 0
	if carried:
		# Not paid out: Amazon carried it into the next settlement, whose opening balance it is.
		rows.append(row(_("Carried to the next settlement"), -carried, is_figure=False))
	rows.append(row(_("Deposit"), -((doc.deposit or 0) - carried), is_figure=False))
	rows.append(row(_("Difference"), doc.difference or 0, is_figure=False))
	return rows


def with_fees_not_itemised(doc, figures: dict[str, float], orders: dict[str, list]) -> None:
	"""What the settlement's entries booked on "Amazon Fees Without Breakdown" as its own line, the
	sales taking it back (such a shipment's sale is the invoiced gross, its net total what Amazon
	paid): read from the booked Journal Entries, since a settlement recorded before its figures had
	the line showed the net total as sales and no fee line, and the view did not tie out."""
	booked = fees_not_itemised_booked(doc.name, doc.currency)
	if not booked:
		return
	kept = round(sum(booked.values()), 2)
	stored = figures.get(FEES_NOT_ITEMISED_LINE, 0.0)  # negative: Amazon kept it
	figures["sales"] = round(figures.get("sales", 0.0) + kept + stored, 2)
	figures[FEES_NOT_ITEMISED_LINE] = -kept
	orders[FEES_NOT_ITEMISED_LINE] = sorted(set(orders.get(FEES_NOT_ITEMISED_LINE) or []) | set(booked))


def fees_not_itemised_booked(settlement_id: str, currency: str) -> dict[str, float]:
	"""Per Amazon order: what the settlement's submitted Journal Entries booked on "Amazon Fees Without
	Breakdown", in the settlement's currency: such an entry holds that line alone, balanced on the
	clearing account, which is in the settlement's currency (the fee account is in the company's)."""
	fee_accounts = frappe.get_all(
		"Account", filters={"account_name": FEES_NOT_ITEMISED_ACCOUNT_LABEL, "is_group": 0}, pluck="name"
	)
	if not fee_accounts:
		return {}
	entries = frappe.get_all(
		"Journal Entry Account",
		filters={"account": ("in", fee_accounts), "docstatus": 1},
		pluck="parent",
		distinct=True,
	)
	if not entries:
		return {}
	entries = frappe.get_all(
		"Journal Entry",
		filters={"name": ("in", entries), "amazon_settlement_id": settlement_id, "docstatus": 1},
		fields=["name", "amazon_order_id"],
	)
	booked: dict[str, float] = {}
	for entry in entries:
		rows = frappe.get_all(
			"Journal Entry Account",
			filters={
				"parent": entry.name,
				"parenttype": "Journal Entry",
				"account": ("not in", fee_accounts),
			},
			fields=["account_currency", "debit_in_account_currency", "credit_in_account_currency"],
		)
		amount = sum(
			flt(r.credit_in_account_currency) - flt(r.debit_in_account_currency)
			for r in rows
			if r.account_currency == currency
		)
		order = entry.amazon_order_id or entry.name
		booked[order] = round(booked.get(order, 0.0) + amount, 2)
	return booked
