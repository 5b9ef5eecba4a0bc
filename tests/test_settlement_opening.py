"""An opening balance carried into a settlement: Amazon does not pay out a settlement that closes
with a negative balance, it carries the balance into the next one (v0 `BeginningBalance`, the
settlement report's "Repayment of negative Amazon balance" row). Both settlements book: the carried
one moves its balance to "Amazon Carried Balances" instead of the bank, the next one takes it back
with its deposit, the bank line is Amazon's payout and each leaves exactly its sale side on Amazon
Clearing (invoices are off here), with Amazon's list of settlements (v0) and without it.

Expectations come from the simulator's books (its groups, payouts and report), never from the app.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from test_settlement_clocks import RELEASED_HOUR, _base, members_of, sale_side, world_at
from test_transaction_sync import booked_by_transaction, erp, source_of

from amazon_connector.core.engine.transactions import REQUEST_CUTOFF, TransactionSync
from amazon_connector.core.mapping.settlement_report import read_settlement_report
from amazon_connector.simulator.clock import iso
from amazon_connector.simulator.settlement_report import render

SHORTFALL = Decimal("12.50")  # small: Amazon carries it on rather than charging the seller


def make_negative(sim) -> tuple:
	"""A large label charge in the first closed settlement, so that it closes at minus SHORTFALL:
	(that settlement, the next one)."""
	book = sim.finance_book()
	groups = sorted((g for g in book.groups.values() if g.closed), key=lambda g: g.start)
	first, second = groups[0], groups[1]
	charge = -(first.base + SHORTFALL)
	posted = first.end - timedelta(days=1)
	sim.add_financial_event(
		{
			"AdjustmentType": "PostageBilling",
			"AdjustmentAmount": {"CurrencyCode": first.currency, "CurrencyAmount": float(charge)},
		},
		"AdjustmentEventList",
		posted_date=iso(posted),
	)
	sim.finance_book()
	return first, second


def test_the_simulator_carries_a_negative_balance_into_the_next_settlement(make_simulator):
	sim, _, _ = world_at(make_simulator, RELEASED_HOUR)
	first, second = make_negative(sim)
	book = sim.finance_book()
	carried, following = book.group_body(first), book.group_body(second)
	assert Decimal(str(carried["OriginalTotal"]["CurrencyAmount"])) == -SHORTFALL
	assert "FundTransferDate" not in carried  # not paid out
	assert Decimal(str(following["BeginningBalance"]["CurrencyAmount"])) == -SHORTFALL
	payouts = {t["transactionId"] for _, t in book.transactions() if t["transactionType"] == "Transfer"}
	assert f"sim-transfer-{first.group_id}" not in payouts and f"sim-transfer-{second.group_id}" in payouts
	# The next one's own total counts the opening balance; its report shows it as a row of its own.
	members = book.group_transactions(second)
	added = sum((Decimal(str(t["totalAmount"]["currencyAmount"])) for t in members), Decimal(0))
	assert Decimal(str(following["OriginalTotal"]["CurrencyAmount"])) == added - SHORTFALL
	report = read_settlement_report(render(following, members, country="US", grouped=True, minor=2))
	assert report.opening == -SHORTFALL and report.lines_total == report.total
	first_report = read_settlement_report(
		render(carried, book.group_transactions(first), country="US", grouped=False, minor=2)
	)
	assert first_report.deposit_date is None and first_report.total == -SHORTFALL


@pytest.mark.parametrize("v0", ["on", "off"])
def test_a_carried_balance_books_on_both_settlements_and_clears(make_simulator, v0):
	sim, world, settings = world_at(make_simulator, RELEASED_HOUR)
	sim.set_finances_v0(v0)
	first, second = make_negative(sim)
	port = erp(world)
	limit = sim.now() - REQUEST_CUTOFF
	report = TransactionSync(source_of(sim), port, settings, now=sim.now).run()
	assert report.failures == [], report.failures[:3]
	served = [t for posted, t in sim.finance_book().transactions() if posted < limit]
	payouts = {
		t["relatedIdentifiers"][0]["relatedIdentifierValue"]: -Decimal(
			str(t["totalAmount"]["currencyAmount"])
		)
		for t in served
		if t["transactionType"] == "Transfer"
	}
	moved = booked_by_transaction(port)
	carried_account = Decimal(0)
	for group in (first, second):
		record = port.settlements[group.group_id]
		draft = record["draft"]
		assert record["status"] == "Booked", (group.group_id, draft.unbooked[:3])
		# The bank line is what Amazon paid out: nothing for the carried settlement.
		assert draft.paid == payouts.get(group.group_id, Decimal(0))
		keys = {_base(k) for m in draft.members for k in m.entry_keys}
		on_clearing = sum((moved.get(k, Decimal(0)) for k in keys), Decimal(0)) + draft.clearing_amount
		sale = sum((sale_side(t) for t in members_of(served, group.group_id)), Decimal(0))
		assert on_clearing + sale == 0, group.group_id
		carried_account += draft.carried_change
	assert port.settlements[first.group_id]["draft"].carried_forward == -SHORTFALL
	assert port.settlements[second.group_id]["draft"].opening_balance == -SHORTFALL
	assert carried_account == 0  # what the first left there, the second took back
	again = TransactionSync(source_of(sim), port, settings, now=sim.now).run()
	assert again.failures == [] and again.counts.get("created", 0) == 0
