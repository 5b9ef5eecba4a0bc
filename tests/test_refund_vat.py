"""A refund Amazon reported without tax on a VAT-inclusive marketplace: the VAT comes out of each
gross component at the item's own rate, to the minor unit, and net + VAT is Amazon's amount."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

from amazon_connector.core.drafts.refunds import RefundLineDraft
from amazon_connector.core.mapping.refund_vat import refund_line_net_of_vat

D = Decimal


def inside(gross: str, rate: int, step: str) -> Decimal:
	"""The VAT inside `gross`, worked out here on its own: gross x rate / (100 + rate), half away from zero."""
	value = D(gross) * rate / (100 + rate)
	return value.copy_abs().quantize(D(step), rounding=ROUND_HALF_UP).copy_sign(value)


@pytest.mark.parametrize(
	("currency", "rate", "step", "principal", "shipping", "gift_wrap", "promotion"),
	[
		("GBP", 20, "0.01", "23.99", "2.99", "1.50", "-3.00"),
		("EUR", 19, "0.01", "17.85", "4.99", "0", "-1.05"),
		("EUR", 7, "0.01", "12.99", "0", "0", "0"),
		("JPY", 10, "1", "3980", "350", "0", "-199"),
		("JPY", 8, "1", "1299", "0", "0", "0"),
	],
)
def test_each_component_loses_its_own_vat_and_the_total_is_amazons(
	currency, rate, step, principal, shipping, gift_wrap, promotion
):
	line = RefundLineDraft(
		sku="SKU-1",
		quantity=D(1),
		principal=D(principal),
		shipping=D(shipping),
		gift_wrap=D(gift_wrap),
		promotion=D(promotion),
	)
	net = refund_line_net_of_vat(line, D(rate), currency)
	assert net.total == line.total  # the credit note still gives back exactly what Amazon refunded
	assert net.tax == inside(principal, rate, step) + inside(promotion, rate, step)
	assert net.shipping_tax == inside(shipping, rate, step)
	assert net.gift_wrap_tax == inside(gift_wrap, rate, step)
	assert net.principal == D(principal) - inside(principal, rate, step)
	assert net.promotion == D(promotion) - inside(promotion, rate, step)
	assert net.shipping + net.shipping_tax == D(shipping)


def test_two_items_of_one_order_keep_their_own_rates():
	book = RefundLineDraft(sku="BOOK", quantity=D(1), principal=D("8.99"), shipping=D("1.20"))
	gadget = RefundLineDraft(sku="GADGET", quantity=D(1), principal=D("8.99"), shipping=D("1.20"))
	zero, standard = refund_line_net_of_vat(book, D(0), "GBP"), refund_line_net_of_vat(gadget, D(20), "GBP")
	assert (zero.tax, zero.shipping_tax, zero.principal) == (D(0), D(0), D("8.99"))
	assert (standard.tax, standard.shipping_tax) == (D("1.50"), D("0.20"))


def test_tax_amazon_reported_is_kept_as_it_is():
	line = RefundLineDraft(sku="DE-1", quantity=D(1), principal=D("16.80"), tax=D("3.19"))
	assert refund_line_net_of_vat(line, D(19), "EUR") == line
