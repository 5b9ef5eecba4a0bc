"""The workspace's number cards that a plain count or sum cannot give (Number Card type Custom)."""

from __future__ import annotations

import json

import frappe
from frappe.query_builder.functions import Sum
from frappe.utils import add_days, add_to_date, flt, now_datetime, today

from amazon_connector.core.engine.pipeline import stage_label
from amazon_connector.spapi.usage_plans import plan_for

DAYS = 30


@frappe.whitelist()
def fee_share_of_sales(filters=None) -> dict:
	"""Amazon's fees and withheld taxes as a share of Amazon sales, over the last 30 days (company
	currency: the fee entries are in it, and the Sales Orders' base totals are)."""
	since = add_days(today(), -DAYS)
	so, je = frappe.qb.DocType("Sales Order"), frappe.qb.DocType("Journal Entry")
	sales = (
		frappe.qb.from_(so)
		.select(Sum(so.base_grand_total))
		.where(so.amazon_order_id.isnotnull() & (so.amazon_order_id != "") & (so.docstatus == 1))
		.where(so.transaction_date >= since)
	).run()[0][0]
	fees = (
		frappe.qb.from_(je)
		.select(Sum(je.total_debit))
		.where(je.amazon_fee_event_key.isnotnull() & (je.amazon_fee_event_key != "") & (je.docstatus == 1))
		.where(je.posting_date >= since)
	).run()[0][0]
	share = 100.0 * flt(fees) / flt(sales) if flt(sales) else 0.0
	# One decimal: "7.0 %" reads at a glance, the system precision would show "7.000%".
	return {"value": share, "fieldtype": "Percent", "precision": 1}


@frappe.whitelist()
def search_orders_plan_used(filters=None) -> dict:
	"""searchOrders calls of the last 24 hours against what Amazon's default plan allows in them
	(per account, the most used one): near 100 % the scheduler cannot keep up."""
	plan = plan_for("searchOrders")
	allowed = plan.burst + plan.rate * 86400
	calls: dict[str, int] = {}
	for log in frappe.get_all(
		"Amazon Sync Log",
		filters={"started": (">=", add_to_date(now_datetime(), hours=-24))},
		fields=["amazon_account", "api_calls"],
	):
		try:
			used = int((json.loads(log.api_calls or "{}") or {}).get("searchOrders") or 0)
		except (TypeError, ValueError):
			continue
		calls[log.amazon_account] = calls.get(log.amazon_account, 0) + used
	return {"value": 100.0 * max(calls.values(), default=0) / allowed, "fieldtype": "Percent", "precision": 1}


@frappe.whitelist()
def accounts_at_a_glance() -> list[dict]:
	"""Per Amazon account: its last run (when it started, what it ran, how it ended, its log) and
	the failed records its logs still list (not retried yet). The workspace's accounts block."""
	frappe.has_permission("Amazon Sync Log", throw=True)
	accounts = frappe.get_all("Amazon Settings", fields=["name", "enabled"], order_by="name")
	logs = frappe.get_all(
		"Amazon Sync Log",
		filters={"amazon_account": ("in", [a.name for a in accounts] or [""]), "dry_run": 0},
		fields=["name", "amazon_account", "kind", "status", "started", "open_failures"],
		order_by="started desc, creation desc",
	)
	rows = {
		a.name: {"account": a.name, "enabled": a.enabled, "last_run": None, "open_failures": 0}
		for a in accounts
	}
	for log in logs:
		row = rows[log.amazon_account]
		row["open_failures"] += log.open_failures or 0
		if row["last_run"] is None and log.started:
			row["last_run"] = {
				"log": log.name,
				"kind": log.kind,
				# As the buttons and the log list name the kind ("Stock to Amazon", not "Stock Push").
				"label": stage_label(log.kind or ""),
				"status": log.status,
				"started": log.started,
			}
	return list(rows.values())
