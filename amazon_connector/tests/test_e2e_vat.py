"""VAT end to end, against the simulator on the real ERPNext adapter.

- UK, DE and JP orders (a GBP company): the UK and JP orders carry no TAX breakdown (as in Amazon's
  own examples), the DE orders do; reduced-rate goods (UK 0 %, JP 8 % through an Item Tax Template;
  DE 7 % as Amazon reports it) sit beside standard-rate ones. Every Sales Order totals what the buyer
  paid, and its VAT rows hold, per rate, exactly the VAT the world implies: Amazon's own figure where
  it gives one, else gross x rate / (100 + rate) per component, half-up to the minor unit (computed
  here from the raw world JSON, never by the app's own code).
- UK deemed-supplier and US marketplace-facilitator orders: once the order is invoiced (ERPNext's
  own Sales Invoice made from the Sales Order) and its fees are in, the "withheld" account Amazon's
  tax is booked on has a balance of 0.00 for the order.
- The Output VAT account's ledger balance for the invoiced orders equals the VAT the world implies.
- Business buyers' VAT numbers reach the Customer and the Sales Order; replacements name the order
  they replace and are never awaiting fees; a second run creates nothing.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import frappe
from erpnext.selling.doctype.sales_order.sales_order import make_sales_invoice
from frappe.utils import flt

from amazon_connector.erpnext_adapter.tax_detail import detail_of
from amazon_connector.simulator.marketplaces import BY_ID
from amazon_connector.simulator.pricing import vat_rate_of
from amazon_connector.tests import e2e_support as e2e
from amazon_connector.tests import factories as f
from amazon_connector.tests.e2e_support import TestCase

D = Decimal
# Half a minor unit of the company currency (and float noise): how far a rounded amount may be off.
HALF_CENT = 0.005 + 1e-9
RATES = {"UK": (20, 0), "DE": (19, 7), "JP": (10, 8)}  # standard, reduced (percent)
FACILITATOR_VAT = "Amazon Marketplace Facilitator VAT Withheld"
FACILITATOR_TAX = "Amazon Marketplace Facilitator Tax Withheld"


def step(currency: str) -> Decimal:
	return D(1) if currency == "JPY" else D("0.01")


def amount(money: dict) -> Decimal:
	return D(str(money["amount"]))


def is_facilitator(item: dict) -> bool:
	return any(
		c.get("model") == "MARKETPLACE_FACILITATOR"
		for c in (item.get("tax") or {}).get("taxCollections") or []
	)


def expected_vat(order: dict) -> dict[tuple[bool, Decimal], Decimal]:
	"""(collected by Amazon, rate in percent) -> the VAT inside the order, from the raw world."""
	marketplace = BY_ID[order["salesChannel"]["marketplaceId"]]
	totals: dict[tuple[bool, Decimal], Decimal] = defaultdict(D)
	for item in order["orderItems"]:
		proceeds = item.get("proceeds")
		if not proceeds:
			continue
		rate = (vat_rate_of(marketplace, item["product"]["asin"]) * 100).normalize()
		key = (is_facilitator(item), rate)
		breakdowns = proceeds["breakdowns"]
		taxes = [amount(b["subtotal"]) for b in breakdowns if b["type"] == "TAX"]
		if taxes:
			totals[key] += sum(taxes, D(0))
			continue
		currency = proceeds["proceedsTotal"]["currencyCode"]
		for b in breakdowns:
			grosses = [amount(d["value"]) for d in b.get("detailedBreakdowns") or []] or [
				amount(b["subtotal"])
			]
			for gross in grosses:
				vat = (gross * rate / (100 + rate)).quantize(step(currency), rounding=ROUND_HALF_UP)
				totals[key] += vat
	return dict(totals)


def ledger_balance(account: str, vouchers: list[str]) -> Decimal:
	rows = frappe.get_all(
		"GL Entry",
		filters={"account": account, "voucher_no": ("in", vouchers or [""]), "is_cancelled": 0},
		fields=["debit_in_account_currency", "credit_in_account_currency"],
	)
	return sum(
		(
			D(str(flt(r.debit_in_account_currency, 2))) - D(str(flt(r.credit_in_account_currency, 2)))
			for r in rows
		),
		D(0),
	)


def refunded_orders(account) -> set[str]:
	"""Orders with a refund posted by the simulator's now: their withheld tax returns with the credit
	note (the invoices stage's work), so the order's balance is checked without them."""
	now = account.sim.now()
	return {
		e["AmazonOrderId"]
		for e in account.world.get("financialEvents", {}).get("RefundEventList", [])
		if e2e.parse_time(e["PostedDate"]) <= now
	}


def invoice(sales_order: str) -> str:
	"""ERPNext's own Sales Invoice of a Sales Order (as the invoicing step makes it), submitted."""
	existing = frappe.get_all(
		"Sales Invoice Item", filters={"sales_order": sales_order, "docstatus": 1}, pluck="parent", limit=1
	)
	if existing:
		return existing[0]
	doc = make_sales_invoice(sales_order)
	doc.flags.ignore_permissions = True
	doc.insert()
	doc.submit()
	return doc.name


class VatSetUp:
	@staticmethod
	def vat_account(company: str, name: str) -> str:
		parent = frappe.get_all(
			"Account",
			filters={"company": company, "is_group": 1, "account_type": "Tax"},
			pluck="name",
			order_by="lft asc",
			limit=1,
		)[0]
		existing = frappe.db.get_value("Account", {"company": company, "account_name": name}, "name")
		if existing:
			return existing
		return (
			frappe.get_doc(
				{
					"doctype": "Account",
					"account_name": name,
					"parent_account": parent,
					"company": company,
					"account_type": "Tax",
					"is_group": 0,
				}
			)
			.insert(ignore_permissions=True)
			.name
		)

	@staticmethod
	def item_tax_template(company: str, title: str, account: str, rate: float) -> str:
		name = frappe.db.get_value("Item Tax Template", {"title": title, "company": company}, "name")
		if name:
			return name
		return (
			frappe.get_doc(
				{
					"doctype": "Item Tax Template",
					"title": title,
					"company": company,
					"taxes": [{"tax_type": account, "tax_rate": rate}],
				}
			)
			.insert(ignore_permissions=True)
			.name
		)


def vat_world(seed: int, orders: int, account_name: str):
	"""A UK/DE/JP world on a GBP company with its VAT set up: (account, company, UK VAT account, JP
	VAT account). Reduced-rate goods carry ERPNext's Item Tax Templates: 0 % on the UK account, 8 % on
	the JP one; DE's 7 % comes from Amazon's own TAX breakdown."""
	company = f.make_company("_Test Amazon VAT Co", "TAVC", currency="GBP", country="United Kingdom")
	account = e2e.start_account(
		seed=seed,
		orders=orders,
		account_name=account_name,
		marketplaces=("UK", "DE", "JP"),
		company=company,
		region="EU",
		vat_rates={code: RATES[code] for code in ("UK", "DE", "JP")},
	)
	uk_vat = VatSetUp.vat_account(company, "UK Output VAT")
	jp_vat = VatSetUp.vat_account(company, "JP Consumption Tax")
	doc = frappe.get_doc("Amazon Settings", account.name)
	for row in doc.marketplaces:
		row.output_vat_account = {"UK": uk_vat, "JP": jp_vat}.get(BY_ID[row.marketplace_id].code)
	doc.save(ignore_permissions=True)
	account.doc = doc
	zero = VatSetUp.item_tax_template(company, "UK Zero Rated", uk_vat, 0)
	reduced = VatSetUp.item_tax_template(company, "JP Reduced", jp_vat, 8)
	for order in account.world["orders"]:
		for item in order["orderItems"]:
			sku, asin = item["product"]["sellerSku"], item["product"]["asin"]
			reduced_goods = vat_rate_of(BY_ID["A1F83G8C2ARO7P"], asin) == 0
			taxes = [{"item_tax_template": zero}, {"item_tax_template": reduced}] if reduced_goods else []
			f.make_item(sku, taxes=taxes)
	return account, company, uk_vat, jp_vat


class TestE2EVatInclusive(TestCase):
	"""UK (no breakdown, some deemed supplier), DE (breakdown), JP (no breakdown), a GBP company."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.account, cls.company, cls.uk_vat, cls.jp_vat = vat_world(47, 90, "_Test E2E VAT")
		cls.addClassCleanup(cls.account.stop)
		products, cls.orders, cls.fees = cls.account.engines()
		products.run()
		cls.first = cls.orders.run()

	def test_every_order_totals_what_the_buyer_paid_and_books_the_worlds_vat_per_rate(self):
		self.assertFalse(self.first.failures, e2e.failure_lines(self.first)[:5])
		expected = e2e.expected_orders(self.account.world, self.account.start)
		imported = e2e.sales_orders(self.account.name)
		self.assertEqual(set(expected), set(imported))
		world = {o["orderId"]: o for o in self.account.world["orders"]}
		seen = defaultdict(set)
		for order_id, (_currency, total) in expected.items():
			so = frappe.get_doc("Sales Order", imported[order_id].name)
			self.assertEqual(D(str(flt(so.grand_total, 2))), total, order_id)
			self.assertNotIn("Needs attention", so.amazon_attention or "", order_id)
			booked: dict[tuple[bool, Decimal], Decimal] = defaultdict(D)
			for tax in so.taxes:
				if not tax.dont_recompute_tax or "VAT" not in tax.description:
					continue  # not a VAT row: shipping, discounts (net of their VAT), ...
				rates = {D(str(rate)).normalize() for rate, _ in detail_of(tax).values()}
				self.assertEqual(len(rates), 1, (order_id, tax.description))
				rate = rates.pop()
				self.assertIn(f"{rate:f}%", tax.description)
				facilitator = tax.account_head.startswith(FACILITATOR_VAT)
				booked[(facilitator, rate)] += D(str(flt(tax.tax_amount, 2)))
				self.assertEqual(tax.charge_type, "Actual")
				parts = sum(amount for _, amount in detail_of(tax).values())
				# In the company currency: as computed (ERPNext 15), rounded as the row's base amount (16).
				self.assertAlmostEqual(parts, flt(tax.tax_amount) * flt(so.conversion_rate), delta=HALF_CENT)
			want = {k: v for k, v in expected_vat(world[order_id]).items() if v or k[1] == 0}
			self.assertEqual({k: v for k, v in booked.items() if v or k[1] == 0}, want, order_id)
			# net + VAT = gross: the rows add up to what the buyer paid
			self.assertEqual(flt(so.net_total + so.total_taxes_and_charges, 2), flt(so.grand_total, 2))
			code = BY_ID[so.amazon_marketplace_id].code
			for _, rate in want:
				seen[code].add(rate)
		self.assertEqual(seen["UK"], {D(20), D(0)})
		self.assertEqual(seen["JP"], {D(10), D(8)})
		self.assertEqual(seen["DE"], {D(19), D(7)})

	def test_a_second_run_creates_nothing(self):
		before = e2e.sales_orders(self.account.name)
		report = self.orders.run()
		self.assertFalse(report.failures, e2e.failure_lines(report)[:5])
		self.assertEqual((report.counts["created"], report.counts["updated"]), (0, 0))
		self.assertEqual(e2e.sales_orders(self.account.name).keys(), before.keys())
		self.assertFalse(e2e.duplicated_order_ids(self.account.name))

	def test_deemed_supplier_vat_clears_and_output_vat_agrees_with_the_world(self):
		report = self.fees.run()
		self.assertFalse(report.failures, e2e.failure_lines(report)[:5])
		world = {o["orderId"]: o for o in self.account.world["orders"]}
		imported = e2e.sales_orders(self.account.name)
		withheld = frappe.db.get_value(
			"Account", {"company": self.company, "account_name": FACILITATOR_VAT, "is_group": 0}, "name"
		)
		cleared = 0
		output_vouchers, output_expected = [], D(0)
		refunded = refunded_orders(self.account)
		for order_id, row in imported.items():
			order = world[order_id]
			if order["fulfillment"]["fulfillmentStatus"] != "SHIPPED" or row.docstatus != 1:
				continue
			if order_id in refunded:
				continue
			if BY_ID[order["salesChannel"]["marketplaceId"]].code != "UK":
				continue
			vat = expected_vat(order)
			entries = frappe.get_all(
				"Journal Entry", filters={"amazon_order_id": order_id, "docstatus": 1}, pluck="name"
			)
			if any(facilitator and amount for (facilitator, _), amount in vat.items()):
				if not entries:
					continue  # fees not posted yet by the simulator's now
				si = invoice(row.name)
				self.assertEqual(ledger_balance(withheld, [si, *entries]), D(0), order_id)
				cleared += 1
			else:
				output_vouchers.append(invoice(row.name))
				output_expected += sum(
					(amount for (facilitator, _), amount in vat.items() if not facilitator), D(0)
				)
		self.assertGreater(cleared, 0)
		self.assertGreater(len(output_vouchers), 0)
		# GBP company: the ledger is in the orders' currency. Output VAT is a credit.
		self.assertEqual(-ledger_balance(self.uk_vat, output_vouchers), output_expected)
		# ERPNext's own Sales Register (one column per tax account) says the same for these invoices.
		from erpnext.accounts.report.sales_register.sales_register import execute

		_columns, rows, *_ = execute(
			frappe._dict({"company": self.company, "from_date": "2000-01-01", "to_date": "2100-12-31"})
		)
		column = frappe.scrub(self.uk_vat)
		registered = sum(
			(
				D(str(flt(r.get(column), 2)))
				for r in rows
				if isinstance(r, dict) and r.get("voucher_no") in output_vouchers
			),
			D(0),
		)
		self.assertEqual(registered, output_expected)

	def test_business_buyers_vat_number_and_replacements(self):
		world = self.account.world["orders"]
		imported = e2e.sales_orders(self.account.name)
		businesses = [
			o for o in world if (o.get("tax") or {}).get("taxRegistrations") and o["orderId"] in imported
		]
		self.assertTrue(businesses)
		for order in businesses:
			number = order["tax"]["taxRegistrations"][0]["taxRegistrationNumber"]
			so = frappe.db.get_value(
				"Sales Order", imported[order["orderId"]].name, ["tax_id", "customer"], as_dict=True
			)
			self.assertEqual(so.tax_id, number)
			self.assertEqual(frappe.db.get_value("Customer", so.customer, "tax_id"), number)
		replacements = [o for o in world if o.get("associatedOrders") and o["orderId"] in imported]
		self.assertTrue(replacements)
		awaiting = set(self.account.port().orders_awaiting_fees(self.account.sim.now()))
		for order in replacements:
			replaced = frappe.db.get_value(
				"Sales Order", imported[order["orderId"]].name, "amazon_replaced_order_id"
			)
			self.assertEqual(replaced, order["associatedOrders"][0]["orderId"])
			self.assertNotIn(order["orderId"], awaiting)


class TestE2EFacilitatorTax(TestCase):
	"""US marketplace-facilitator tax: the Sales Order row and the fee entry clear one account."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.account = e2e.start_account(
			seed=53, orders=40, account_name="_Test E2E MF Tax", marketplaces=("US",)
		)
		cls.addClassCleanup(cls.account.stop)

	def test_withheld_tax_of_a_shipped_order_clears_to_zero(self):
		_, orders, fees = self.account.engines()
		for report in (orders.run(), fees.run()):
			self.assertFalse(report.failures, e2e.failure_lines(report)[:5])
		company = self.account.doc.company
		withheld = frappe.db.get_value(
			"Account", {"company": company, "account_name": FACILITATOR_TAX, "is_group": 0}, "name"
		)
		self.assertTrue(withheld)
		world = {o["orderId"]: o for o in self.account.world["orders"]}
		cleared = 0
		refunded = refunded_orders(self.account)
		for order_id, row in e2e.sales_orders(self.account.name).items():
			if world[order_id]["fulfillment"]["fulfillmentStatus"] != "SHIPPED" or row.docstatus != 1:
				continue
			if order_id in refunded:
				continue
			entries = frappe.get_all(
				"Journal Entry", filters={"amazon_order_id": order_id, "docstatus": 1}, pluck="name"
			)
			so_tax = frappe.get_all(
				"Sales Taxes and Charges",
				filters={"parent": row.name, "account_head": withheld},
				pluck="tax_amount",
			)
			if not entries or not any(so_tax):
				continue
			si = invoice(row.name)
			self.assertEqual(ledger_balance(withheld, [si, *entries]), D(0), order_id)
			cleared += 1
		self.assertGreater(cleared, 0)
