"""TransactionSync end to end: the access layer against the simulator (Finances v0 switched off),
into the PreviewErp: every transaction booked once, to the cent, deferred -> released, pending
orders, settlements that tie out, re-runs that book nothing, and a switch-over from v0."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from test_fee_sync import import_order

from amazon_connector import simulator as sim_package
from amazon_connector.core.engine.cutover import books_from, feed_of, handed_over, last_v0_posting
from amazon_connector.core.engine.fees import FeeSync
from amazon_connector.core.engine.invoices import InvoiceSync
from amazon_connector.core.engine.transactions import TransactionSync
from amazon_connector.core.mapping.transaction_accounts import DEFERRED_ACCOUNT_LABEL, RESERVE_ACCOUNT_LABEL
from amazon_connector.core.mapping.transactions import map_transaction
from amazon_connector.core.preview import PreviewErp
from amazon_connector.core.settings import SyncSettings
from amazon_connector.simulator.connect import account_config
from amazon_connector.spapi.client import SpApiSession
from amazon_connector.spapi.source import SpApiSource


@pytest.fixture(scope="module")
def world():
	end = datetime.combine(datetime.now(timezone.utc).date(), datetime.min.time(), tzinfo=timezone.utc)
	return sim_package.generate_world(
		seed=5, orders=40, marketplaces=("US", "DE"), start=end - timedelta(days=50), end=end
	)


@pytest.fixture
def sim(make_simulator, world):
	return make_simulator(world, limits=False, finances_v0="off", transactions_page_size=60)


def erp(world, *, skip: set[str] = frozenset()) -> PreviewErp:
	port = PreviewErp("sim-txn")
	for order in world["orders"]:
		if order["orderId"] in skip:
			continue
		status = (order.get("fulfillment") or {}).get("fulfillmentStatus", "")
		import_order(port, order["orderId"], status=status, updated=order["lastUpdatedTime"])
	return port


def invoicing_erp(world):
	"""The preview ERP with every order submitted at the buyer's grand total, as its invoice will be."""
	port = erp(world)
	totals = {
		o["orderId"]: o.get("proceeds", {}).get("grandTotal", {}).get("amount") for o in world["orders"]
	}
	for order_id, record in port.sales_orders.items():
		record["docstatus"] = 1
		record["draft"].grand_total = Decimal(totals[order_id] or 0)  # no proceeds: a pending order
	return port


def invoiced(port, member) -> Decimal:
	"""What the ERP put on clearing for a member's sale side: the invoice's grand total for a sale, the
	credit note's amount for a refund (the preview records it as the member's sale)."""
	if member.sale > 0 and member.transaction_type == "Shipment":
		return Decimal(str(port.invoices[member.amazon_order_id]["grand_total"]))
	return member.sale


def settings(world, **extra) -> SyncSettings:
	after = date.fromisoformat(world["generated"]["start"][:10]) - timedelta(days=1)
	return SyncSettings(account_key="sim-txn", after_date=after, extra=extra)


def source_of(sim) -> SpApiSource:
	"""The simulator's limits are off, so is the access layer's pacing (0.5 requests/s for listTransactions)."""
	session = SpApiSession(account_config(sim.account, sim.base_url, "sim-txn"))
	session.throttle_enabled = False
	return SpApiSource(session)


def sync(sim, port, world, **extra) -> TransactionSync:
	return TransactionSync(source_of(sim), port, settings(world, **extra), now=sim.now)


def served(sim) -> list[dict]:
	return [t for _, t in sim.finance_book().transactions() if _ < sim.now() - timedelta(minutes=3)]


def booked_by_transaction(port: PreviewErp) -> dict[str, Decimal]:
	"""What the ERP moved off Amazon Clearing per transaction key (seller's view: + = owed to the seller)."""
	moved: dict[str, Decimal] = defaultdict(Decimal)
	for key, entry in port.fee_entries.items():
		moved[key] -= entry.total
	for key, entry in port.account_entries.items():
		moved[key.removesuffix(":deferred").removesuffix(":released")] -= entry.total
	return moved


def test_every_transaction_is_booked_once_to_the_cent(sim, world):
	port = erp(world)
	report = sync(sim, port, world).run()
	assert report.failures == [], report.failures[:3]
	transactions = [t for t in served(sim) if t["transactionType"] != "Transfer"]
	moved = booked_by_transaction(port)
	for transaction in transactions:
		plan = map_transaction(transaction)
		fees = -(plan.fee_draft.total if plan.fee_draft else Decimal(0))
		account = -(plan.account_draft.total if plan.account_draft else Decimal(0))
		# What the fee/account entries book is the transaction's total minus its sale side, exactly.
		sale = sum((plan.fee_draft.sale_amounts.values() if plan.fee_draft else []), Decimal(0))
		assert fees + account + sale == plan.total, plan.key
		deferral = -(plan.deferral.total if plan.deferral else 0) - (
			plan.release.total if plan.release else 0
		)
		assert moved.get(plan.key, Decimal(0)) == fees + account + deferral, plan.key
	# Every type is on an account of its own kind; reserves and deferrals on their asset accounts.
	labels = {line.account_label for entry in port.account_entries.values() for line in entry.lines}
	assert {RESERVE_ACCOUNT_LABEL, DEFERRED_ACCOUNT_LABEL, "Amazon Subscription Fees", "Amazon FBA Storage Fees",
		"Amazon Advertising", "Amazon Coupon Fees", "Amazon Deal Fees", "Amazon SAFE-T Reimbursements",
		"Amazon FBA Liquidation Proceeds"} <= labels  # fmt: skip
	assert not any(label.startswith("Amazon Other Transactions") for label in labels)
	# the world's service fee of a kind the tables do not know is on an account of its own
	assert "Amazon Service Fees (LowInventoryLevelFee)" in labels
	assert report.api_calls.get("listTransactions", 0) > 0 and "listFinancialEvents" not in report.api_calls
	assert port.credit_notes or port.held_refunds  # refunds reach the invoices' RefundDraft

	before = (dict(port.fee_entries), dict(port.account_entries), dict(port.settlements))
	again = sync(sim, port, world).run()
	assert again.failures == [] and again.counts.get("created", 0) == 0
	assert (port.fee_entries, port.account_entries, port.settlements) == before


def test_closed_settlements_tie_out_and_open_ones_wait(sim, world):
	port = erp(world)
	report = sync(sim, port, world).run()
	assert report.failures == []
	groups = {g.group_id: g for g in sim.finance_book().groups.values()}
	booked = {sid: r for sid, r in port.settlements.items() if r["status"] == "Booked"}
	closed = [g for g in groups.values() if g.closed]
	assert len(closed) >= 2 and set(booked) == {g.group_id for g in closed}
	moved = booked_by_transaction(port)
	for sid, record in booked.items():
		draft = record["draft"]
		body = sim.finance_book().group_body(groups[sid])
		assert draft.deposit == Decimal(str(body["OriginalTotal"]["CurrencyAmount"]))
		assert draft.difference == 0
		# Clearing of the settlement: its transactions' totals (sale side included: the invoices'
		# payment entries bring it) minus the deposit is zero.
		members = [
			map_transaction(t)
			for t in served(sim)
			if _settlement(t) == sid and t["transactionType"] != "Transfer"
		]
		# (An opening balance Amazon carried in from the previous settlement is part of its deposit.)
		assert sum((p.total for p in members), Decimal(0)) + draft.opening_balance - draft.deposit == 0
		assert all(
			p.key in moved or not p.entries or all(getattr(e, "is_empty", False) for e in p.entries)
			for p in members
		)
	for sid, record in port.settlements.items():
		if not groups[sid].closed:
			assert record["status"] == "Open"


def test_a_settlement_waits_for_its_orders_invoices_then_books(sim, world):
	"""With the orders submitted (so the invoices stage invoices them), a closed settlement is booked
	only once the buyer's money of each of its orders is on clearing: every invoice, every credit note."""
	port = invoicing_erp(world)
	report = sync(sim, port, world).run()
	assert report.failures == []
	closed = [g.group_id for g in sim.finance_book().groups.values() if g.closed]
	waiting = [sid for sid in closed if port.settlements[sid]["status"] == "Waiting"]
	assert waiting, "a closed settlement with uninvoiced orders must wait"
	for sid in waiting:
		unbooked = port.settlements[sid]["draft"].unbooked
		assert any(line.startswith("invoice of order ") for line in unbooked), unbooked

	InvoiceSync(None, port, settings(world)).run()
	report = sync(sim, port, world).run()
	assert report.failures == []
	assert {sid for sid in closed if port.settlements[sid]["status"] == "Booked"} == set(closed)
	moved = booked_by_transaction(port)
	for sid in closed:
		draft = port.settlements[sid]["draft"]
		# On clearing: each member's entries, its sale side through the invoice or credit note, and the
		# deposit: nothing is left.
		on_clearing = Decimal(0)
		for member in draft.members:
			keys = {k.removesuffix(":deferred").removesuffix(":released") for k in member.entry_keys}
			on_clearing += sum((moved.get(k, Decimal(0)) for k in keys), Decimal(0)) + invoiced(port, member)
		assert on_clearing + draft.opening_balance - draft.deposit == 0, sid
		refunds = [m for m in draft.members if m.refund_key]
		assert all(m.refund_key in port.credit_notes for m in refunds), sid


def _settlement(transaction) -> str:
	return next(
		(
			r["relatedIdentifierValue"]
			for r in transaction["relatedIdentifiers"]
			if r["relatedIdentifierName"] == "SETTLEMENT_ID"
		),
		"",
	)


def test_a_settlement_that_does_not_add_up_is_flagged_not_booked(sim, world):
	port = erp(world)
	sync_run = sync(sim, port, world)
	# Amazon's own total one cent off its transactions.
	book = sim.finance_book()
	closed = sorted((g for g in book.groups.values() if g.closed), key=lambda g: g.start)[0]
	original = book.group_body

	def off_by_a_cent(group):
		body = original(group)
		if group is closed:
			body["OriginalTotal"]["CurrencyAmount"] = float(
				Decimal(str(body["OriginalTotal"]["CurrencyAmount"])) + Decimal("0.01")
			)
		return body

	book.group_body = off_by_a_cent
	sim.set_finances_v0("on")
	report = sync_run.run()
	record = port.settlements[closed.group_id]
	assert record["status"] == "Mismatch"
	assert record["draft"].difference == Decimal("-0.01")
	assert any(closed.group_id in note for note in report.messages)


def test_deferred_transactions_move_to_clearing_when_released(sim, world):
	port = erp(world)
	sync(sim, port, world).run()
	deferred = [k for k in port.account_entries if k.endswith(":deferred")]
	assert deferred
	waiting = [k for k, e in port.checkpoints["transactions"]["pending"].items() if e["why"] == "deferred"]
	released_before = {k for k in port.account_entries if k.endswith(":released")}
	for key in waiting:
		assert f"{key}:released" not in port.account_entries
	sim.advance_clock(timedelta(days=9).total_seconds())
	sync(sim, port, world).run()
	for key in waiting:
		assert f"{key}:released" in port.account_entries
		assert port.account_entries[f"{key}:released"].total == -port.account_entries[f"{key}:deferred"].total
	assert released_before <= set(port.account_entries)
	assert not [k for k, e in port.checkpoints["transactions"]["pending"].items() if e["why"] == "deferred"]


def test_transactions_of_an_order_not_imported_wait_then_book(sim, world):
	shipped = next(
		t for t in served(sim) if t["transactionType"] == "Shipment" and map_transaction(t).fee_draft.lines
	)
	order_id = map_transaction(shipped).amazon_order_id
	port = erp(world, skip={order_id})
	report = sync(sim, port, world, transactions_pending_days=400).run()
	key = map_transaction(shipped).key
	assert key not in port.fee_entries
	assert port.checkpoints["transactions"]["pending"][key]["why"] == "order"
	assert any(order_id in note for note in report.messages)
	import_order(port, order_id, status="SHIPPED", updated="2026-01-01T00:00:00Z")
	second = sync(sim, port, world, transactions_pending_days=400).run()
	assert key in port.fee_entries and key not in port.checkpoints["transactions"]["pending"]
	assert second.api_calls.get("listTransactions", 0) >= 1
	# An order that never arrives: after the pending days its money is booked all the same.
	never = erp(world, skip={order_id})
	sync(sim, never, world, transactions_pending_days=400).run()
	late = sync(sim, never, world, transactions_pending_days=0).run()
	assert key in never.fee_entries
	assert any("without a Sales Order" in note and order_id in note for note in late.messages)


def test_a_switch_over_install_books_nothing_v0_booked(make_simulator, world):
	sim = make_simulator(world, limits=False)
	port = erp(world)
	FeeSync(source_of(sim), port, settings(world), now=sim.now).run()
	v0_entries = dict(port.fee_entries)
	assert v0_entries
	# The patch sets the cut-over to the end of what v0 read; the new feed starts there but re-reads
	# its overlap, and the v0-booked events are recognised.
	cutover = port.checkpoints["fees"]["posted_before"]
	start = datetime.fromisoformat(cutover.replace("Z", "+00:00")) - timedelta(days=20)
	report = sync(sim, port, world, transactions_from=start.isoformat()).run()
	assert report.failures == []
	new_keys = {k for k in port.fee_entries if k.startswith("txn:")}
	for key in new_keys:
		entry = port.fee_entries[key]
		prefix = f"{entry.amazon_order_id}:{entry.event_type}:{entry.posted_date.astimezone(timezone.utc):%Y%m%dT%H%M%SZ}:"
		assert not any(k.startswith(prefix) for k in v0_entries), key
	assert any("booked by the Finances v0 feed" in note for note in report.messages)


def test_a_switch_over_takes_over_what_v0_waited_for_and_leaves_earlier_settlements(make_simulator, world):
	"""The upgrade's cut-over: the posted time of the last event v0 booked. The new feed books from
	there, the order v0 was waiting for (not imported yet) is read by order and booked once, and a
	settlement that began before the cut-over is left to the seller, never booked."""
	sim = make_simulator(world, limits=False)
	shipments = sorted(
		(t for t in served(sim) if t["transactionType"] == "Shipment" and map_transaction(t).fee_draft.lines),
		key=lambda t: t["postedDate"],
	)
	waited = map_transaction(shipments[0])
	port = erp(world, skip={waited.amazon_order_id})
	FeeSync(source_of(sim), port, settings(world), now=sim.now).run()
	assert waited.amazon_order_id in port.checkpoints["fees"]["waiting"]
	v0_entries = dict(port.fee_entries)
	cutover = last_v0_posting(v0_entries)
	assert cutover is not None and waited.posted_date < cutover

	# v0's events off, its list of settlements still served: every closed settlement is seen.
	sim.set_finances_v0("events-off")
	import_order(port, waited.amazon_order_id, status="SHIPPED", updated="2026-01-01T00:00:00Z")
	report = sync(sim, port, world, transactions_from=cutover.isoformat()).run()
	assert report.failures == [], report.failures[:3]
	assert any("Took over 1 orders" in note for note in report.messages), report.messages
	assert waited.key in port.fee_entries  # v0 never booked it; the new feed did, once
	assert not [k for k, e in port.checkpoints["transactions"]["pending"].items() if e["why"] == "v0"]
	for key, entry in port.fee_entries.items():
		if key.startswith("txn:"):
			prefix = f"{entry.amazon_order_id}:{entry.event_type}:{entry.posted_date.astimezone(timezone.utc):%Y%m%dT%H%M%SZ}:"
			assert not any(k.startswith(prefix) for k in v0_entries), key
	groups = {g.group_id: g for g in sim.finance_book().groups.values() if g.closed}
	before = {sid for sid, g in groups.items() if g.start < cutover}
	assert before
	for sid in before:
		assert port.settlements[sid]["status"] == "Before Start", sid
	assert all(port.settlements[sid]["status"] == "Booked" for sid in set(groups) - before)
	again = sync(sim, port, world, transactions_from=cutover.isoformat()).run()
	assert again.counts.get("created", 0) == 0 and again.failures == []


def test_the_cut_over_rules():
	utc = timezone.utc
	mark = datetime(2026, 5, 1, tzinfo=utc)
	floor = datetime(2026, 1, 1, tzinfo=utc)
	now = datetime(2026, 6, 1, tzinfo=utc)
	# The fees stage keeps v0 until a cut-over still to come, then reads 2024-06-19.
	later = {"finances_api": "2024-06-19", "transactions_from": "2026-07-01T00:00:00+00:00"}
	assert feed_of(later, now) == "v0" and feed_of(later, datetime(2026, 7, 2, tzinfo=utc)) == "2024-06-19"
	assert feed_of({"finances_api": "2024-06-19"}, now) == "2024-06-19"
	assert feed_of({"finances_api": "v0"}, now) == "v0"
	# The new feed never starts after the v0 mark (v0 read nothing beyond it), nor before the floor.
	assert (
		books_from(floor, datetime(2026, 7, 1, tzinfo=utc), {"posted_before": "2026-05-01T00:00:00Z"}) == mark
	)
	assert books_from(floor, datetime(2026, 4, 1, tzinfo=utc), {"posted_before": "2026-05-01T00:00:00Z"}) == (
		datetime(2026, 4, 1, tzinfo=utc)
	)
	assert books_from(floor, None, {}) == floor
	assert books_from(floor, datetime(2025, 1, 1, tzinfo=utc), {}) == floor
	# The cut-over default: the latest posted second among v0's keys; other keys are not v0's.
	keys = [
		"111-1:ShipmentEvent:20260301T101112Z:ab",
		"111-2:RefundEvent:20260402T000001Z:cd#2",
		"txn:x:deferred",
	]
	assert last_v0_posting(keys) == datetime(2026, 4, 2, 0, 0, 1, tzinfo=utc)
	assert last_v0_posting(["txn:abc", "settlement:S1"]) is None
	assert handed_over({"waiting": {"111-3": "2026-03-01T00:00:00Z"}}) == {
		"v0-waiting:111-3": {"posted": "2026-03-01T00:00:00Z", "why": "v0", "order": "111-3"}
	}


def test_the_windows_are_at_most_180_days(world):
	port = PreviewErp("x")
	engine = TransactionSync(None, port, settings(world, transactions_window_days=400))
	now = datetime(2027, 1, 1, tzinfo=timezone.utc)
	windows = engine.plan_windows({}, now)
	assert all(end - start <= timedelta(days=180) for start, end in windows)
	assert windows[0][0].date() == settings(world).after_date and windows[-1][1] <= now - timedelta(minutes=2)
	assert all(a[1] == b[0] for a, b in zip(windows, windows[1:], strict=False))
