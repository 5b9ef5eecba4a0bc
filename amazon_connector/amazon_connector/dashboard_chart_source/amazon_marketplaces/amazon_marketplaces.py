"""Amazon orders (a count) or sales (grand totals in company currency) per marketplace over the last N
days: per day (one line per marketplace) or in total (one bar per marketplace), each marketplace
named as Test Connection named it."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.query_builder.functions import Count, Sum
from frappe.utils import add_days, cint, formatdate, getdate, today

from amazon_connector.core.daily_series import series_per_day, totals_per_group

MEASURES = ("Orders", "Sales")
PER = ("Day", "Total")
MAX_DAYS = 366


@frappe.whitelist()
def get(
	chart_name=None,
	chart=None,
	no_cache=None,
	filters=None,
	from_date=None,
	to_date=None,
	timespan=None,
	time_interval=None,
	heatmap_year=None,
) -> dict:
	frappe.has_permission("Sales Order", throw=True)
	filters = frappe.parse_json(filters) or {}
	measure = filters.get("measure") or "Orders"
	if measure not in MEASURES:
		frappe.throw(_("Measure must be Orders or Sales, not {0}.").format(measure))
	per = filters.get("per") or "Day"
	if per not in PER:
		frappe.throw(_("Per must be Day or Total, not {0}.").format(per))
	days = min(max(cint(filters.get("days")) or 30, 1), MAX_DAYS)
	last = getdate(today())
	first = add_days(last, -(days - 1))

	so = frappe.qb.DocType("Sales Order")
	value = Count(so.name) if measure == "Orders" else Sum(so.base_grand_total)
	query = (
		frappe.qb.from_(so)
		.select(so.transaction_date, so.amazon_marketplace_id, value)
		.where(so.amazon_order_id.isnotnull() & (so.amazon_order_id != "") & (so.docstatus == 1))
		.where(so.transaction_date[first:last])
		.groupby(so.transaction_date, so.amazon_marketplace_id)
	)
	if filters.get("company"):
		query = query.where(so.company == filters["company"])
	names = marketplace_names()
	rows = [
		(getdate(day), names.get(marketplace) or marketplace or _("Unknown marketplace"), amount)
		for day, marketplace, amount in query.run()
	]
	chart = series_per_day(rows, first, last)
	if per == "Total":
		return totals_per_group(chart, _(measure))
	# Short day labels ("27 Nov"): thirty ISO dates do not fit under a half-width chart.
	chart["labels"] = [formatdate(day, "d MMM") for day in chart["labels"]]
	return chart


def marketplace_names() -> dict[str, str]:
	"""Marketplace id -> the name Amazon gave it (Test Connection keeps it on the account's rows)."""
	return {
		row.marketplace_id: row.marketplace_name
		for row in frappe.get_all(
			"Amazon Marketplace",
			filters={"parenttype": "Amazon Settings"},
			fields=["marketplace_id", "marketplace_name"],
		)
		if row.marketplace_name
	}
