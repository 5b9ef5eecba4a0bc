from decimal import Decimal

import pytest

from amazon_connector.core.money import MoneyError, minor_units, money_of, parse_amount, round_money


@pytest.mark.parametrize(
	"currency, digits", [("USD", 2), ("EUR", 2), ("JPY", 0), ("jpy", 0), ("KWD", 3), ("", 2)]
)
def test_minor_units(currency, digits):
	assert minor_units(currency) == digits


def test_round_money_half_up_to_the_currency():
	assert round_money(Decimal("10.005"), "USD") == Decimal("10.01")
	assert round_money(Decimal("1234.5"), "JPY") == Decimal("1235")
	assert str(round_money(Decimal("1"), "USD")) == "1.00"


def test_money_of_reads_both_amazon_spellings():
	assert money_of({"amount": "19.99", "currencyCode": "USD"}) == (Decimal("19.99"), "USD")
	assert money_of({"CurrencyAmount": -2.7, "CurrencyCode": "EUR"}) == (Decimal("-2.7"), "EUR")
	assert money_of(None) is None


@pytest.mark.parametrize("bad", [None, "", "abc", "NaN", "Infinity"])
def test_parse_amount_rejects_non_numbers(bad):
	with pytest.raises(MoneyError):
		parse_amount(bad)


def test_parse_amount_does_not_go_through_float():
	assert parse_amount("0.1") + parse_amount("0.2") == Decimal("0.3")
