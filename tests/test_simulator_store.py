"""The simulator's packed, indexed world: the same answers as the plain world, in bounded memory."""

import json
import random
from datetime import datetime, timedelta, timezone

from amazon_connector.simulator import Simulator, World, generate_world
from amazon_connector.simulator.generator import generated_account
from amazon_connector.simulator.settlements import FinanceBook
from amazon_connector.simulator.store import EventStore, OrderStore, PackedList, unpack

START = datetime(2026, 1, 1, tzinfo=timezone.utc)
END = datetime(2026, 4, 1, tzinfo=timezone.utc)


def iso(moment):
	return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_packed_world_is_the_plain_world():
	plain = generate_world(seed=4, orders=300, start=START, end=END)
	packed = generate_world(seed=4, orders=300, start=START, end=END, packed=True)
	assert isinstance(packed["orders"], PackedList) and len(packed["orders"]) == 300
	assert json.dumps(World(packed).to_dict(), sort_keys=True) == json.dumps(
		World(plain).to_dict(), sort_keys=True
	)
	assert World(plain).to_dict()["orders"] == plain["orders"]


def test_the_generated_account_is_the_worlds_without_making_it():
	assert generated_account(9) == generate_world(seed=9, orders=5, start=START, end=END)["account"]
	assert (
		generated_account(9, "UK,DE")
		== generate_world(seed=9, orders=5, start=START, end=END, marketplaces="UK,DE")["account"]
	)


def test_orders_found_by_time_are_those_a_scan_finds_and_follow_changes():
	rng = random.Random(5)
	store = OrderStore()
	orders = {}
	for index in range(400):
		created = START + timedelta(minutes=rng.randrange(0, 90 * 24 * 60))
		updated = created + timedelta(minutes=rng.randrange(0, 5000))
		order = {"orderId": f"O{index:04d}", "createdTime": iso(created), "lastUpdatedTime": iso(updated)}
		orders[order["orderId"]] = order
		store.put(order)
	changed = dict(orders["O0007"], lastUpdatedTime=iso(END))
	store.put(changed)
	orders["O0007"] = changed
	stored = store["O0007"]
	stored["lastUpdatedTime"] = iso(START)  # a decoded order is a copy
	assert store["O0007"]["lastUpdatedTime"] == iso(END)
	for field in ("createdTime", "lastUpdatedTime"):
		for _ in range(30):
			after = START + timedelta(days=rng.uniform(0, 90))
			before = after + timedelta(days=rng.uniform(0, 20))
			scanned = sorted(
				(datetime.fromisoformat(o[field].replace("Z", "+00:00")), o["orderId"])
				for o in orders.values()
				if after <= datetime.fromisoformat(o[field].replace("Z", "+00:00")) <= before
			)
			assert store.ids_between(field, after, before) == scanned
	assert ("O0007" in [i for _, i in store.ids_between("lastUpdatedTime", END, END)]) is True


def test_events_by_date_and_by_order_keep_their_order_of_arrival():
	store = EventStore()
	moments = [START + timedelta(hours=h) for h in (5, 1, 5, 3, 1)]
	for index, moment in enumerate(moments):
		store.add("ShipmentEventList", {"AmazonOrderId": f"O{index % 2}", "n": index}, moment)
	assert [e["n"] for _, e in store.posted(START, END)] == [1, 4, 3, 0, 2]
	assert [e["n"] for _, e in store.posted(START, START + timedelta(hours=5))] == [1, 4, 3]
	assert [e["n"] for _, e in store.posted(START, END, "O0")] == [4, 0, 2]
	assert [e["n"] for _, e in store.posted(START, END, "nobody")] == []
	assert [e["n"] for _, e, _ in store] == [0, 1, 2, 3, 4]
	assert store.first_posted() == START + timedelta(hours=1)


def _served(book, now):
	"""Everything a book serves, as JSON: transactions, settlements, their v0 members, reserves."""
	groups = book.event_groups(START - timedelta(days=30), now)
	members = {
		g["FinancialEventGroupId"]: [
			(n, unpack(b)) for n, b in book.events_of_group(g["FinancialEventGroupId"])
		]
		for g in groups
	}
	return json.dumps(
		{
			"transactions": [(p.isoformat(), t) for p, t in book.transactions()],
			"groups": groups,
			"members": members,
			"reserves": [(n, e, p.isoformat()) for n, e, p in book.reserves],
		},
		sort_keys=True,
	)


def test_the_kept_book_is_the_book_built_afresh():
	"""The simulator keeps one book and takes in only what changed: its answers must stay those of a
	book built from the whole world, as settlements close and events arrive late or early."""
	world = generate_world(seed=6, orders=400, start=START, end=END)
	sim = Simulator(world, start_time=END - timedelta(days=20))

	def hour():
		return sim.now().replace(minute=0, second=0, microsecond=0)

	def fresh():
		return _served(FinanceBook(sim.world, hour()), hour())

	kept = sim.finance_book()
	assert sim.reserve_events(), "a world of several settlements holds reserves"
	assert _served(kept, hour()) == fresh()
	sim.advance_clock(3600)  # no settlement closed, no event added: the same reserves, not rebuilt
	assert sim.reserve_events() is sim.reserve_events()
	closed = sum(g.closed for g in kept.groups.values())
	sim.advance_clock(30 * 24 * 3600)  # settlements close
	assert sim.finance_book() is kept
	assert sum(g.closed for g in kept.groups.values()) > closed
	assert _served(kept, hour()) == fresh()
	before = list(kept.reserves)
	# A late reimbursement into a settlement closed long ago: its payout and every reserve after it change.
	sim.add_financial_event(
		{
			"AdjustmentType": "ReversalReimbursement",
			"AdjustmentAmount": {"CurrencyCode": "USD", "CurrencyAmount": 5000},
		},
		posted_date=START + timedelta(days=20),
	)
	assert _served(sim.finance_book(), hour()) == fresh()
	assert sim.reserve_events() != before
	# An event before the first settlement moves every period.
	sim.add_financial_event(
		{
			"AdjustmentType": "ReversalReimbursement",
			"AdjustmentAmount": {"CurrencyCode": "USD", "CurrencyAmount": 1},
		},
		posted_date=START - timedelta(days=40),
	)
	assert _served(sim.finance_book(), hour()) == fresh()
	assert min(g.start for g in kept.groups.values()) <= START - timedelta(days=40)
