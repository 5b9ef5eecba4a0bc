"""How often ERPNext's own "tax included in the price" arithmetic misses Amazon's VAT. Prints figures;
asserts nothing.

    cd frappe-bench/sites && ../env/bin/python /path/to/benchmarks/inclusive_vat_rounding.py --site SITE [--orders 300] [--seed 7]

For each rate (UK 20 %, DE 19 % and 7 %, JP 10 % and 8 % in yen) and order size (one line, one to
three lines), it builds unsaved Sales Orders of random VAT-inclusive prices with one "On Net Total"
row marked "Is this Tax included in Basic Rate?" and lets ERPNext compute them
(`calculate_taxes_and_totals`). It counts the orders whose VAT row differs from the VAT Amazon's
way gives (per line, gross x rate / (100 + rate), half-up to the minor unit), and those whose net +
VAT misses the gross, a difference ERPNext books on the Round Off account. This is why the connector
books VAT as exact "Actual" rows (README, VAT). Nothing is saved: the run rolls back.
"""

from __future__ import annotations

import random
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from amazon_connector.simulator.arguments import OneLineParser, count, whole_number  # noqa: E402

CASES = (("GBP", 20), ("EUR", 19), ("EUR", 7), ("JPY", 10), ("JPY", 8))


def main(argv=None) -> int:
	parser = OneLineParser(description=__doc__.splitlines()[0])
	parser.add_argument("--site", required=True, help="a test site with ERPNext installed")
	parser.add_argument("--orders", type=count(1), default=300, help="orders per rate and size")
	parser.add_argument("--seed", type=whole_number, default=7)
	args = parser.parse_args(argv)

	import frappe

	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	try:
		for line in measure(frappe, args.orders, random.Random(args.seed)):
			print(line)
	finally:
		frappe.db.rollback()
		frappe.destroy()
	return 0


def measure(frappe, orders: int, rng: random.Random):
	company = frappe.get_all("Company", pluck="name", limit=1)[0]
	account = frappe.get_all(
		"Account", filters={"company": company, "account_type": "Tax", "is_group": 0}, pluck="name", limit=1
	)[0]
	group = frappe.get_all("Item Group", filters={"is_group": 0}, pluck="name", limit=1)[0]
	item = frappe.get_doc(
		{"doctype": "Item", "item_code": "_vat_rounding_item", "item_group": group, "stock_uom": "Nos"}
	).insert()
	customer = frappe.get_doc({"doctype": "Customer", "customer_name": "_vat_rounding_customer"}).insert()
	yield "currency  rate  lines  VAT row differs  net + VAT misses the gross (Round Off)"
	for currency, rate in CASES:
		step = Decimal(1) if currency == "JPY" else Decimal("0.01")
		for most in (1, 3):
			differs = misses = 0
			for _ in range(orders):
				grosses = [Decimal(rng.randint(100, 20000)) * step for _ in range(rng.randint(1, most))]
				doc = sales_order(frappe, company, customer.name, item.name, currency, grosses, account, rate)
				amazon = sum((vat_inside(g, rate, step) for g in grosses), Decimal(0))
				booked = Decimal(str(doc.taxes[0].tax_amount)).quantize(step)
				differs += booked != amazon
				misses += abs(doc.grand_total - doc.net_total - doc.taxes[0].tax_amount) > float(step) / 10
			yield (
				f"{currency:8}  {rate:3}%  1..{most}   {differs:4}/{orders} ({100 * differs / orders:4.1f} %)"
				f"    {misses:4}/{orders} ({100 * misses / orders:4.1f} %)"
			)


def sales_order(frappe, company, customer, item, currency, grosses, account, rate):
	doc = frappe.new_doc("Sales Order")
	doc.update(
		{
			"company": company,
			"customer": customer,
			"currency": currency,
			"conversion_rate": 1,
			"transaction_date": "2026-11-01",
			"delivery_date": "2026-11-02",
			"disable_rounded_total": 1,
			"ignore_pricing_rule": 1,
		}
	)
	for gross in grosses:
		doc.append(
			"items",
			{
				"item_code": item,
				"qty": 1,
				"rate": float(gross),
				"price_list_rate": float(gross),
				"uom": "Nos",
			},
		)
	doc.append(
		"taxes",
		{
			"charge_type": "On Net Total",
			"account_head": account,
			"rate": rate,
			"included_in_print_rate": 1,
			"description": f"VAT {rate}%",
		},
	)
	doc.calculate_taxes_and_totals()
	return doc


def vat_inside(gross: Decimal, rate: int, step: Decimal) -> Decimal:
	return (gross * rate / (100 + rate)).quantize(step, rounding=ROUND_HALF_UP)


if __name__ == "__main__":
	sys.exit(main())
