"""The VAT inside a refund line that Amazon reported without tax, taken out at the item's own rate.

Where prices include VAT and the marketplace's proceeds carry no TAX breakdown (Amazon's UK and JP
examples), Amazon's refund has no Tax component either: its principal, shipping, gift wrap and
promotion are gross. The invoice booked that item net, with its VAT at the item's rate
(`core.mapping.vat`), so the credit note must take the VAT out of each refunded component the same
way: VAT = gross x rate / (100 + rate), half-up (half away from zero, so the VAT of a discount taken
back is the mirror of a charge's) to the currency's minor unit, net = gross - VAT. Each item keeps
its own rate: a refund of a 0 % book and a 20 % gadget on one order gives back 0 VAT on the book.

Signs follow `drafts.refunds`: amounts are the buyer's credit; a promotion taken back is negative,
and the VAT inside it (negative) lowers the VAT refunded.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from ..drafts.refunds import RefundLineDraft
from .vat import vat_inside

# Gross component -> the tax field its VAT goes to.
_TAX_OF = {"principal": "tax", "shipping": "shipping_tax", "gift_wrap": "gift_wrap_tax", "promotion": "tax"}


def refund_line_net_of_vat(line: RefundLineDraft, rate: Decimal, currency: str) -> RefundLineDraft:
	"""`line` with the VAT at `rate` percent taken out of its gross components (see the module notes).

	A line that already carries tax (Amazon reported it) is returned as it is: Amazon's figure wins."""
	if line.tax_total:
		return line
	net = {}
	taxes = {"tax": Decimal(0), "shipping_tax": Decimal(0), "gift_wrap_tax": Decimal(0)}
	for name, tax_name in _TAX_OF.items():
		gross = getattr(line, name)
		vat = vat_inside(gross, rate, currency)
		net[name] = gross - vat
		taxes[tax_name] += vat
	return replace(
		line,
		principal=net["principal"],
		shipping=net["shipping"],
		gift_wrap=net["gift_wrap"],
		promotion=net["promotion"],
		tax=taxes["tax"],
		shipping_tax=taxes["shipping_tax"],
		gift_wrap_tax=taxes["gift_wrap_tax"],
	)
