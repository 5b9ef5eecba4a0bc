"""ERPNext's item-wise tax detail of a tax row: written as the connector computed it, and read back.

ERPNext keeps, on every tax row, `item_wise_tax_detail` = {item key: [rate, amount in the company
currency]} (taxes_and_totals.set_item_wise_tax; the key is the item code, else the item name). Its
Item-wise Sales Register takes each item's tax rate and amount from there, and the invoice's tax
breakup table too. The connector's tax rows are "Actual" rows of exact amounts (ERPNext clears the
Rate of such rows and cannot mark them included in the price; see `core.mapping.order_rows`), so
without this detail ERPNext would spread a row over all items by their net amounts, with no rate.
`dont_recompute_tax` keeps the detail as written.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal

from frappe.utils import flt

from ..core.money import minor_units


def item_wise_detail(
	parts: Iterable[tuple[str, Decimal | None, Decimal]], conversion_rate: float, currency: str
) -> dict:
	"""The row fields for parts (item key, rate in percent, amount in the document's currency),
	summed per item key."""
	detail: dict[str, list] = {}
	for key, rate, amount in parts:
		known = detail.setdefault(key, [float(rate) if rate is not None else 0.0, 0.0])
		known[1] = flt(known[1] + float(amount) * conversion_rate, minor_units(currency) + 4)
	return {"dont_recompute_tax": 1, "item_wise_tax_detail": json.dumps(detail, separators=(",", ":"))}


def read_detail(tax_row) -> dict[str, tuple[Decimal | None, float]]:
	"""{item key: (rate or None, amount)} of a tax row; {} when it holds none or not ERPNext's shape."""
	try:
		detail = json.loads(tax_row.item_wise_tax_detail or "{}")
	except (TypeError, ValueError):
		return {}
	if not isinstance(detail, dict):
		return {}
	parsed = {}
	for key, value in detail.items():
		rate, amount = (value + [0, 0])[:2] if isinstance(value, list) else (value, 0)
		parsed[key] = (Decimal(str(rate)).normalize() if rate not in (None, "") else None, flt(amount))
	return parsed
