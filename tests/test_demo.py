"""The README's demo runs end to end, and what it prints agrees with the world it generated."""

from __future__ import annotations

import io
import json
from collections import defaultdict
from decimal import Decimal

from amazon_connector.demo import run as demo
from amazon_connector.simulator.marketplaces import MARKETPLACES


def printed_table(output: str, title: str) -> list[list[str]]:
	"""The rows of one of the demo's tables, as printed (header and rule line dropped)."""
	lines = output.splitlines()
	start = lines.index(title) + 3
	rows = []
	for line in lines[start:]:
		if not line.strip():
			break
		rows.append(line.split())
	return rows


def expected_orders(world: dict) -> dict[str, tuple[int, Decimal]]:
	"""Per "marketplace currency": the orders Amazon has priced and not cancelled, and what their buyers
	paid, read straight from the world's order totals."""
	expected: dict[str, list] = defaultdict(lambda: [0, Decimal(0)])
	for order in world["orders"]:
		if order["fulfillment"]["fulfillmentStatus"] in ("PENDING", "CANCELLED"):
			continue
		total = order["proceeds"]["grandTotal"]
		row = expected[f"{order['salesChannel']['marketplaceId']} {total['currencyCode']}"]
		row[0] += 1
		row[1] += Decimal(total["amount"])
	return {key: (n, amount) for key, (n, amount) in expected.items()}


def test_demo_prints_the_worlds_orders_and_money(tmp_path):
	out = io.StringIO()
	summary = demo.run_demo(orders=120, seed=11, out=tmp_path / "drafts", stream=out)
	output = out.getvalue()

	world, _ = demo.demo_world(orders=120, seed=11)
	expected = expected_orders(world)
	names = {m.name: m.marketplace_id for m in MARKETPLACES.values()}
	printed = {
		f"{names[row[0]]} {row[1]}": (int(row[2]), Decimal(row[3]))
		for row in printed_table(output, "Sales Orders per marketplace")
	}
	assert printed == expected  # by name (Amazon.co.uk), never the bare marketplace id
	assert not any(marketplace_id in output for marketplace_id in names.values())

	stages = {row[0]: row[1:] for row in printed_table(output, "What each stage did")}
	assert list(stages) == ["products", "orders", "invoices", "fees"]
	assert int(stages["invoices"][0]) > 0  # shipped orders were invoiced
	assert all(row[-1] == "0" for row in stages.values()), output  # nothing failed
	assert stages["products"][1] == "0", output  # nothing to update in an empty ERPNext
	skipped_orders = int(stages["orders"][4])
	assert skipped_orders > 0 and f"skipped (orders): {demo.SKIPPED_MEANS['orders']}" in output

	# Each stage's "created" is found among the records it would make (Finances 2024-06-19, as a new
	# account: the fees stage books order fees, account entries, settlement deposits and credit notes).
	made = {" ".join(row[:-1]): int(row[-1]) for row in printed_table(output, "Would be created in ERPNext")}
	assert int(stages["invoices"][0]) == made["sales invoices"]
	booked = ("order fee entries", "account entries", "settlement deposits", "credit notes")
	assert int(stages["fees"][0]) == sum(made[kind] for kind in booked), output
	assert all(made[kind] > 0 for kind in booked), made
	assert made["sales orders"] == sum(n for n, _ in expected.values())
	made_by_orders = made["items"] - int(stages["products"][0])
	assert made_by_orders >= 0
	assert (f"items: {made_by_orders} of them" in output) == (made_by_orders > 0)

	calls = {row[0]: int(row[1]) for row in printed_table(output, "API calls per operation")}
	assert calls["searchOrders"] >= 1 and calls["createReport"] == len(world["account"]["marketplaces"])
	assert sum(calls.values()) == sum(summary["api_calls"].values())

	# Each stage reports its own calls, not the shared session's running total.
	by_stage = {stage["kind"]: stage["api_calls"] for stage in summary["stages"]}
	assert by_stage["orders"]["searchOrders"] == calls["searchOrders"]
	assert "searchOrders" not in by_stage["products"] and "searchOrders" not in by_stage["fees"]
	assert by_stage["products"]["createReport"] == calls["createReport"]

	written = json.loads((tmp_path / "drafts" / "sales_orders.json").read_text())
	assert len(written) == sum(n for n, _ in expected.values())


def test_a_world_without_orders_says_so_instead_of_none(tmp_path):
	out = io.StringIO()
	summary = demo.run_demo(orders=0, seed=3, out=None, stream=out)
	assert summary["would_create"]["sales_orders"] == 0
	assert "None" not in out.getvalue()
	assert "No order was imported" in out.getvalue()


def test_progress_goes_to_the_callback_with_counts_for_every_stage(tmp_path):
	seen: list[tuple] = []
	demo.run_demo(orders=40, seed=5, out=None, stream=io.StringIO(), progress=lambda *a: seen.append(a))
	assert [stage for stage in dict.fromkeys(s for s, *_ in seen)] == [
		"products",
		"orders",
		"invoices",
		"fees",
	]
	for stage in ("products", "orders", "invoices", "fees"):
		done, total = next((d, t) for s, d, t, _ in reversed(seen) if s == stage)
		assert total and done == total, (stage, done, total)
