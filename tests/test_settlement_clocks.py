"""Settlements at many clocks: the simulator lays its world out from the moment it is given and cuts
settlements at midnight UTC, so which transactions fall into which settlement, which have closed
and which deferred shipments Amazon has released into one all change with the time of day. At each
clock here, every closed settlement the engine books leaves on Amazon Clearing exactly minus its
sale side (the buyer's money, which the invoices bring; invoices are off here), its deposit
included, whatever it holds.

The sale side is read from the transactions as Amazon serves them ("Sales" and "Promotions"
breakdowns), never from the app's mapping.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from test_transaction_sync import booked_by_transaction, erp, invoiced, invoicing_erp, source_of

from amazon_connector import simulator as sim_package
from amazon_connector.core.engine.invoices import InvoiceSync
from amazon_connector.core.engine.transactions import REQUEST_CUTOFF, TransactionSync
from amazon_connector.core.mapping.transactions import related_identifier
from amazon_connector.core.settings import SyncSettings

MIDNIGHT = datetime(2026, 11, 1, tzinfo=timezone.utc)
# Hours of the day the clock is set to (the world ends three days before, as the bench tests lay it
# out). At RELEASED_HOUR the last closed settlement holds deferred shipments Amazon released into it:
# the case a check once missed.
HOURS = (1, 5, 9, 13, 17, 21)
RELEASED_HOUR = 5


def _leaves(breakdowns) -> list[tuple[str, Decimal]]:
	found = []
	for node in breakdowns or []:
		children = node.get("breakdowns") or []
		if children:
			found += [(node["breakdownType"], a) for _, a in _leaves(children)]
		else:
			found.append((node["breakdownType"], Decimal(str(node["breakdownAmount"]["currencyAmount"]))))
	return found


def sale_side(transaction: dict) -> Decimal:
	found = _leaves(transaction.get("breakdowns"))
	if not found:
		found = [leaf for item in transaction.get("items") or [] for leaf in _leaves(item.get("breakdowns"))]
	if not found and transaction["transactionType"] == "Shipment":
		return Decimal(str(transaction["totalAmount"]["currencyAmount"]))  # its net total, all Amazon shows
	return sum((a for top, a in found if top in ("Sales", "Promotions")), Decimal(0))


def settlement_of(transaction: dict) -> str:
	return related_identifier(transaction, "SETTLEMENT_ID")


def world_at(make_simulator, hour: int):
	"""(simulator, world, settings) of the bench test's world with the clock at `hour` o'clock."""
	clock = MIDNIGHT + timedelta(hours=hour)
	end = clock - timedelta(days=3)
	world = sim_package.generate_world(
		seed=43, orders=50, marketplaces=("US",), start=end - timedelta(days=20), end=end
	)
	sim = make_simulator(
		world,
		time_scale=1.0,
		start_time=clock,
		finances_v0="off",
		settlement_days=7,
		transactions_page_size=60,
	)
	after = date.fromisoformat(world["generated"]["start"][:10]) - timedelta(days=1)
	return sim, world, SyncSettings(account_key="sim-txn", after_date=after)


def members_of(served: list[dict], group_id: str) -> list[dict]:
	return [t for t in served if settlement_of(t) == group_id and t["transactionType"] != "Transfer"]


@pytest.mark.parametrize("hour", HOURS)
def test_every_closed_settlement_leaves_its_sale_side_on_clearing(make_simulator, hour):
	sim, world, settings = world_at(make_simulator, hour)
	port = erp(world)  # orders not submitted: nothing is invoiced, the sale sides stay off clearing
	limit = sim.now() - REQUEST_CUTOFF
	report = TransactionSync(source_of(sim), port, settings, now=sim.now).run()
	assert report.failures == [], report.failures[:3]
	served = [t for posted, t in sim.finance_book().transactions() if posted < limit]
	moved = booked_by_transaction(port)
	book = sim.finance_book()
	closed = [g for g in book.groups.values() if g.closed]
	assert len(closed) >= 2
	released = 0
	for group in closed:
		record = port.settlements[group.group_id]
		assert record["status"] == "Booked", (group.group_id, record["draft"].unbooked[:3])
		deposit = Decimal(str(book.group_body(group)["OriginalTotal"]["CurrencyAmount"]))
		members = members_of(served, group.group_id)
		keys = {_base(k) for m in record["draft"].members for k in m.entry_keys}
		on_clearing = sum((moved.get(k, Decimal(0)) for k in keys), Decimal(0)) - deposit
		assert on_clearing + sum((sale_side(t) for t in members), Decimal(0)) == 0, (hour, group.group_id)
		released += sum(1 for t in members if t["transactionStatus"] == "DEFERRED_RELEASED")
	if hour == RELEASED_HOUR:
		assert released


def test_a_refund_without_breakdowns_ties_its_settlement_out_with_invoices_on(make_simulator):
	"""Invoices on: the buyer's money comes through the invoices and credit notes; a refund Amazon
	shows without any breakdown has no credit note, its whole total is its entry's, and its
	settlement still leaves nothing on clearing."""
	sim, world, settings = world_at(make_simulator, RELEASED_HOUR)
	port = invoicing_erp(world)
	limit = sim.now() - REQUEST_CUTOFF
	TransactionSync(source_of(sim), port, settings, now=sim.now).run()
	InvoiceSync(None, port, settings).run()
	report = TransactionSync(source_of(sim), port, settings, now=sim.now).run()
	assert report.failures == [], report.failures[:3]
	served = [t for posted, t in sim.finance_book().transactions() if posted < limit]
	moved = booked_by_transaction(port)
	bare = 0
	for group in (g for g in sim.finance_book().groups.values() if g.closed):
		draft = port.settlements[group.group_id]["draft"]
		assert port.settlements[group.group_id]["status"] == "Booked", draft.unbooked[:3]
		for transaction in members_of(served, group.group_id):
			if transaction["transactionType"] == "Refund" and "breakdowns" not in json.dumps(transaction):
				bare += 1
				key = f"txn:{transaction['transactionId']}"
				assert moved[key] == Decimal(str(transaction["totalAmount"]["currencyAmount"]))
				assert not any(
					d.amazon_order_id == related_identifier(transaction, "ORDER_ID")
					for d in port.credit_notes.values()
				)
		on_clearing = sum(
			(
				sum((moved.get(k, Decimal(0)) for k in {_base(k) for k in m.entry_keys}), Decimal(0))
				+ invoiced(port, m)
				for m in draft.members
			),
			Decimal(0),
		)
		assert on_clearing - draft.deposit == 0, group.group_id
	assert bare


def _base(key: str) -> str:
	return key.removesuffix(":deferred").removesuffix(":released")


def test_a_shipment_without_breakdowns_books_what_amazon_kept_and_its_settlement_ties_out(make_simulator):
	"""Invoices on: the invoice puts the buyer's gross on clearing, a shipment Amazon shows without any
	breakdown pays its net total; the difference is booked once, on its own account, when the order is
	invoiced (the transaction waits until then), and each settlement leaves nothing on clearing."""
	sim, world, settings = world_at(make_simulator, RELEASED_HOUR)
	port = invoicing_erp(world)
	limit = sim.now() - REQUEST_CUTOFF
	served = [t for posted, t in sim.finance_book().transactions() if posted < limit]
	bare = [
		t
		for t in served
		if t["transactionType"] == "Shipment"
		and "breakdowns" not in json.dumps(t)
		and t.get("transactionStatus") != "DEFERRED"
	]
	assert bare
	first = TransactionSync(source_of(sim), port, settings, now=sim.now).run()
	assert first.failures == [], first.failures[:3]
	pending = port.get_checkpoint("transactions")["pending"]
	for transaction in bare:  # not invoiced yet: what Amazon kept is not known, nothing is booked
		assert f"txn:{transaction['transactionId']}" not in port.fee_entries
		assert pending[f"txn:{transaction['transactionId']}"]["why"] == "invoice"
	InvoiceSync(None, port, settings).run()
	report = TransactionSync(source_of(sim), port, settings, now=sim.now).run()
	assert report.failures == [], report.failures[:3]
	TransactionSync(source_of(sim), port, settings, now=sim.now).run()  # read again: booked once
	for transaction in bare:
		order_id = related_identifier(transaction, "ORDER_ID")
		entry = port.fee_entries[f"txn:{transaction['transactionId']}"]
		net = Decimal(str(transaction["totalAmount"]["currencyAmount"]))
		gross = Decimal(str(port.invoices[order_id]["grand_total"]))
		assert gross > net
		[line] = entry.lines
		assert (line.account_label, line.amount) == ("Amazon Fees Without Breakdown", gross - net)
		assert order_id in line.remark and order_id in entry.remark
	moved = booked_by_transaction(port)
	checked = 0
	for group in (g for g in sim.finance_book().groups.values() if g.closed):
		draft = port.settlements[group.group_id]["draft"]
		assert port.settlements[group.group_id]["status"] == "Booked", draft.unbooked[:3]
		on_clearing = sum(
			(
				sum((moved.get(k, Decimal(0)) for k in {_base(k) for k in m.entry_keys}), Decimal(0))
				+ invoiced(port, m)
				for m in draft.members
			),
			Decimal(0),
		)
		assert on_clearing - draft.deposit == 0, group.group_id
		checked += any(f"txn:{t['transactionId']}" in m.entry_keys for t in bare for m in draft.members)
		# The settlement's lines (what its reconciliation view shows) have what Amazon kept of each such
		# shipment on its own line, as its entry booked it, and the sale at the invoiced gross: the
		# lines add up to what the settlement's transactions total.
		kept = {
			related_identifier(t, "ORDER_ID"): port.fee_entries[f"txn:{t['transactionId']}"].lines[0].amount
			for t in bare
			if settlement_of(t) == group.group_id
		}
		if kept:
			line = "fee:Amazon Fees Without Breakdown"
			assert draft.figures[line] == -sum(kept.values()), group.group_id
			assert sorted(draft.figure_orders[line]) == sorted(kept), group.group_id
		assert sum(draft.figures.values(), Decimal(0)) == draft.transactions_total, group.group_id
	assert checked
