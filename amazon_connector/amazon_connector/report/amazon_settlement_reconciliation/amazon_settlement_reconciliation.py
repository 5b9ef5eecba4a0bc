"""One Amazon settlement, line by line, in its own currency: how the opening balance (what Amazon
carried in from the previous settlement), sales, refunds, fees by type, taxes withheld, other money
and the reserve change add up to the deposit (and what Amazon carried into the next settlement
instead of paying it out), and the difference (0.00 when the settlement ties out). Each line lists the orders behind it; the
report's links open them and the settlement's Journal Entries."""

from __future__ import annotations

import json

import frappe
from frappe import _


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
	orders = stored.get("orders") or {}

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
