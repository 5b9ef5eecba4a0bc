"""The money of one Amazon order item (Orders 2026-01-01), read to the cent.

Amazon reports an item's money in `proceeds.breakdowns` (ITEM, SHIPPING, GIFT_WRAP, COD_FEE,
OTHER, TAX, DISCOUNT), each a subtotal for the whole quantity, TAX and DISCOUNT optionally
detailed by what they apply to, and `proceeds.proceedsTotal`, the item's total. This module turns
that into an `ItemMoney` and splits a line amount into rates at the currency's minor unit.

Decisions (and why):
- Discounts always reduce the total, whatever sign Amazon gives them (-abs): the model does not
  fix a sign, and a discount that increased what the buyer paid would be nonsense.
- Whether TAX is inside the prices (VAT-inclusive: EU, UK, JP, ...) or on top of them (US, CA) is
  read from Amazon's own arithmetic first: the item's proceedsTotal equals either the sum with the
  tax or the sum without it. Only when Amazon gives no total does the marketplace's convention
  decide. When neither sum equals Amazon's total, the item is not guessed at: it is an error.
- Rates: see `split_line`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ..money import MoneyError, money_of, quantum, round_money

# Marketplaces whose consumer prices are shown and charged without tax, tax being added at
# checkout. Everywhere else Amazon's prices include VAT/GST/consumption tax.
TAX_EXCLUSIVE_MARKETPLACES = {
	"ATVPDKIKX0DER",  # US
	"A2EUQ1WTGCTBG2",  # CA
}
TAX_EXCLUSIVE_COUNTRIES = {"US", "CA"}

MARKETPLACE_FACILITATOR = "MARKETPLACE_FACILITATOR"

# ItemProceedsBreakdown.type values added to the price, and the charge kind each becomes.
ADDED_TYPES = ("SHIPPING", "GIFT_WRAP", "COD_FEE", "OTHER")
KNOWN_TYPES = {"ITEM", "TAX", "DISCOUNT", *ADDED_TYPES}


class ItemMoneyError(ValueError):
	"""The item's money cannot be read consistently; the message says what is wrong."""


@dataclass
class ItemMoney:
	currency: str
	item: Decimal  # ITEM subtotal: the price of the whole quantity
	added: dict[str, Decimal] = field(default_factory=dict)  # SHIPPING/GIFT_WRAP/COD_FEE/OTHER -> amount
	discounts: list[tuple[str, Decimal]] = field(default_factory=list)  # (applies_to, negative amount)
	taxes: list[tuple[str, Decimal]] = field(default_factory=list)  # (applies_to, amount)
	tax_included: bool = False
	tax_collected_by: str = "SELLER"
	proceeds_total: Decimal | None = None
	# Whether Amazon's breakdowns had a TAX entry. Without one, a VAT-inclusive price still holds VAT
	# that nobody reported: `core.mapping.vat` takes it out at the item's rate.
	tax_reported: bool = False
	item_id: str = ""  # the order item this money belongs to
	tax_rate: Decimal | None = None  # the reported tax's rate (`reported_rate`), None when unknown

	@property
	def taxable(self) -> Decimal:
		"""What the tax was charged on: price, added charges and discounts, without the tax."""
		total = self.item + sum(self.added.values(), Decimal(0)) + self.discount
		return total - self.tax if self.tax_included else total

	def components(self) -> dict[str, Decimal]:
		"""The item's gross components besides its price: added charges, then discounts by target."""
		parts = dict(self.added)
		for applies_to, amount in self.discounts:
			key = f"DISCOUNT:{applies_to}" if applies_to else "DISCOUNT"
			parts[key] = parts.get(key, Decimal(0)) + amount
		return parts

	@property
	def tax(self) -> Decimal:
		return sum((amount for _, amount in self.taxes), Decimal(0))

	@property
	def discount(self) -> Decimal:
		return sum((amount for _, amount in self.discounts), Decimal(0))

	@property
	def buyer_total(self) -> Decimal:
		"""What the buyer paid for this item: price, added charges, discounts, and tax unless inside."""
		total = self.item + sum(self.added.values(), Decimal(0)) + self.discount
		return total if self.tax_included else total + self.tax


def read_money(value: dict | None, currency: str, what: str) -> Decimal | None:
	"""The amount of an Amazon Money object in the order's currency, or None when absent."""
	try:
		parsed = money_of(value)
	except MoneyError as exc:
		raise ItemMoneyError(f"{what}: {exc}") from exc
	if parsed is None:
		return None
	amount, money_currency = parsed
	if money_currency and currency and money_currency.upper() != currency.upper():
		raise ItemMoneyError(f"{what} is in {money_currency}, the order in {currency}")
	return amount


def item_money(
	proceeds: dict, currency: str, *, tax_exclusive_by_convention: bool, facilitator: bool
) -> ItemMoney:
	"""Read an OrderItem's `proceeds` (ItemProceeds). Raises ItemMoneyError on inconsistency."""
	breakdowns = proceeds.get("breakdowns") or []
	total = read_money(proceeds.get("proceedsTotal"), currency, "proceedsTotal")
	money = ItemMoney(currency=currency, item=Decimal(0), proceeds_total=total)
	money.tax_collected_by = "MARKETPLACE" if facilitator else "SELLER"
	if not breakdowns:
		if total is None:
			raise ItemMoneyError("Amazon sent proceeds with neither breakdowns nor a total")
		money.item = total  # nothing more precise to go on; the total is what the buyer paid
		return money

	for breakdown in breakdowns:
		kind = (breakdown.get("type") or "").upper()
		what = f"{kind or 'untyped'} subtotal"
		amount = read_money(breakdown.get("subtotal"), currency, what)
		if amount is None:
			continue
		# Every subtotal becomes a line or charge amount: rounding one here would move the Sales
		# Order off Amazon's total without anyone seeing it.
		if not at_minor_unit(amount, currency):
			raise ItemMoneyError(f"the {what} {amount} has more decimals than {currency} allows")
		if kind == "ITEM":
			money.item += amount
		elif kind in ADDED_TYPES:
			money.added[kind] = money.added.get(kind, Decimal(0)) + amount
		elif kind == "TAX":
			money.tax_reported = True
			money.taxes.extend(_detailed(breakdown, amount, currency, sign=1))
		elif kind == "DISCOUNT":
			money.discounts.extend(_detailed(breakdown, amount, currency, sign=-1))
		else:
			# An unknown category still counts, or the total would not match what the buyer paid.
			money.added["OTHER"] = money.added.get("OTHER", Decimal(0)) + amount

	if money.item < 0:
		raise ItemMoneyError(f"the ITEM subtotal is negative ({money.item})")
	money.tax_included = _tax_included(money, tax_exclusive_by_convention)
	return money


def _detailed(breakdown: dict, amount: Decimal, currency: str, *, sign: int) -> list[tuple[str, Decimal]]:
	"""Split a TAX or DISCOUNT subtotal by what it applies to, when Amazon's details add up to it."""

	def signed(value: Decimal) -> Decimal:
		return -abs(value) if sign < 0 else value

	details = []
	for detail in breakdown.get("detailedBreakdowns") or []:
		value = read_money(detail.get("value"), currency, f"{breakdown.get('type')} detail")
		if value is not None:
			details.append(((detail.get("subtype") or "").upper(), signed(value)))
	if (
		details
		and sum((v for _, v in details), Decimal(0)) == signed(amount)
		and all(at_minor_unit(v, currency) for _, v in details)
	):
		return details
	return [("", signed(amount))]


def _tax_included(money: ItemMoney, tax_exclusive_by_convention: bool) -> bool:
	tax = money.tax
	if tax == 0:
		return not tax_exclusive_by_convention
	if money.proceeds_total is None:
		return not tax_exclusive_by_convention
	without_tax = money.item + sum(money.added.values(), Decimal(0)) + money.discount
	with_tax = without_tax + tax
	if money.proceeds_total == with_tax:
		return False
	if money.proceeds_total == without_tax:
		return True
	raise ItemMoneyError(
		f"Amazon's item total {money.proceeds_total} {money.currency} equals neither the sum of its "
		f"breakdowns with tax ({with_tax}) nor without it ({without_tax})"
	)


def reported_rate(money: ItemMoney, known_rates: tuple[Decimal, ...] = ()) -> Decimal | None:
	"""The rate (percent) of the tax Amazon reported for an item, or None when it reported none.

	A rate of the marketplace's set-up is taken when it explains Amazon's amount to within the
	rounding of its components (one minor unit each: Amazon rounds the tax of the price, shipping,
	gift wrap and each discount on its own, so 1.67 on 8.33 reads 20.05 %, not 20 %); otherwise the
	rate Amazon's figures imply, to two decimals. The amount booked is always Amazon's.
	"""
	if not money.tax_reported:
		return None
	base = money.taxable
	if money.tax == 0:
		return Decimal(0)
	if base <= 0:
		return None
	tolerance = quantum(money.currency) * (1 + len(money.added) + len(money.discounts))
	fits = [(abs(base * rate / 100 - money.tax), rate) for rate in known_rates if rate]
	fits = [fit for fit in fits if fit[0] <= tolerance]
	if fits:
		return min(fits)[1]
	return (money.tax * 100 / base).quantize(Decimal("0.01"))


def tax_at(amount: Decimal, rate: Decimal, currency: str, *, included: bool) -> Decimal:
	"""Tax at `rate` percent: inside a gross amount (gross x rate / (100 + rate)) or on top of a net
	one (net x rate / 100), rounded half-up (half away from zero) to the currency's minor unit."""
	if not rate or not amount:
		return Decimal(0)
	divisor = 100 + rate if included else Decimal(100)
	return round_money(amount * rate / divisor, currency)


def split_line(amount: Decimal, qty: int, currency: str) -> list[tuple[int, Decimal]]:
	"""[(qty, rate)] whose qty * rate sum to `amount` exactly, every rate at the currency's minor unit.

	Amazon prices the whole quantity (10.00 for 3). A single rate would need more decimals than an
	ERPNext currency field keeps (3.3333...), and rounding it would change the line's amount. So a
	non-dividing amount becomes two parts of the same order item whose rates differ by one minor
	unit: 10.00 for 3 -> 2 x 3.33 + 1 x 3.34. Every amount stays Amazon's to the cent, no artificial
	rounding charge is needed, and the quantity is unchanged. An even amount stays one line.
	"""
	if qty <= 0:
		raise ValueError("quantity must be positive")
	step = quantum(currency)
	if not at_minor_unit(amount, currency):
		raise ItemMoneyError(f"the amount {amount} has more decimals than {currency} allows")
	units = int(amount / step)
	base, remainder = divmod(units, qty)
	if remainder == 0:
		return [(qty, base * step)]
	return [(qty - remainder, base * step), (remainder, (base + 1) * step)]


def at_minor_unit(amount: Decimal, currency: str) -> bool:
	"""Whether the amount needs no more decimals than the currency has (10.50 USD yes, 10.505 no)."""
	return round_money(amount, currency) == amount


def share(total: Decimal, part: int, whole: int, currency: str) -> Decimal:
	"""A part's share of an amount, rounded to the currency (callers give the remainder to the last part)."""
	return round_money(total * part / whole, currency)


def tax_exclusive_by_convention(marketplace_id: str, country: str = "") -> bool:
	return marketplace_id in TAX_EXCLUSIVE_MARKETPLACES or (country or "").upper() in TAX_EXCLUSIVE_COUNTRIES
