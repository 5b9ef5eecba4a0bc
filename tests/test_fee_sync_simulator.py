"""FeeSync end to end: the SP-API access layer against the local simulator, into the PreviewErp.

The simulator's world carries Finances v0 events derived from its orders (shipments with fees and
marketplace-facilitator tax, refunds); the expected totals are computed from the world's raw events.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from test_fee_mapping import expected_booked
from test_fee_sync import import_order

from amazon_connector import simulator as sim_package
from amazon_connector.core.engine.fees import SAFETY_MARGIN, FeeSync
from amazon_connector.core.preview import PreviewErp
from amazon_connector.core.settings import SyncSettings
from amazon_connector.core.timestamps import parse_timestamp
from amazon_connector.simulator.connect import account_config
from amazon_connector.spapi.account import AccountConfig


@pytest.fixture(scope="module")
def fee_world():
	return sim_package.generate_world(seed=11, orders=30, marketplaces=("US", "UK", "JP"))


@pytest.fixture
def fee_sim(make_simulator, fee_world):
	"""A simulator of our own world, so that late events added here stay here."""
	return make_simulator(fee_world, limits=False)


def account_of(sim) -> AccountConfig:
	return account_config(sim.account, sim.base_url, "sim-fees")


def erp_with_world_orders(world: dict) -> PreviewErp:
	port = PreviewErp("sim-fees")
	for order in world["orders"]:
		status = (order.get("fulfillment") or {}).get("fulfillmentStatus", "")
		import_order(port, order["orderId"], status=status, updated=order["lastUpdatedTime"])
	return port


def fee_sync(sim, port, world) -> FeeSync:
	from amazon_connector.spapi.client import SpApiSession
	from amazon_connector.spapi.source import SpApiSource

	after = date.fromisoformat(world["generated"]["start"][:10]) - timedelta(days=1)
	settings = SyncSettings(account_key="sim-fees", after_date=after)
	return FeeSync(SpApiSource(SpApiSession(account_of(sim))), port, settings, now=sim.now)


def served_events(sim, before) -> list[dict]:
	"""The world's events Amazon serves by `before`, one FinancialEvents page each."""
	return [{name: [event]} for name, event in sim.world.events_posted(parse_timestamp("2000-01-01"), before)]


def booked(port: PreviewErp) -> dict[str, Decimal]:
	totals = defaultdict(Decimal)
	for entry in port.fee_entries.values():
		totals[entry.currency] += entry.total
	return dict(totals)


def test_fees_from_the_simulator_sum_to_amazons_totals_and_post_once(fee_sim, fee_world):
	port = erp_with_world_orders(fee_world)
	first = fee_sync(fee_sim, port, fee_world).run()
	assert first.failures == []
	assert first.counts["created"] > 0
	edge = parse_timestamp(port.checkpoints["fees"]["posted_before"])
	expected = expected_booked(served_events(fee_sim, edge))
	assert set(expected) >= {"USD", "GBP", "JPY"}
	assert booked(port) == expected
	# Marketplace-facilitator tax withheld and refunds arrive as the world says.
	types = {line.fee_type for entry in port.fee_entries.values() for line in entry.lines}
	assert "Commission" in types and any(t.startswith("MarketplaceFacilitator") for t in types)
	# v0 books order fees only; the world's account-level money is recorded (the 2024 feed books it).
	assert {e.event_type for e in first.events} <= {"Refund", "Adjustment", "GuaranteeClaim", "ServiceFee",
		"ProductAdsPayment", "CouponPayment", "SellerDealPayment", "SAFETReimbursement", "FBALiquidation"}  # fmt: skip
	assert first.api_calls.get("listFinancialEvents", 0) >= len(first.windows)

	entries = dict(port.fee_entries)
	second = fee_sync(fee_sim, port, fee_world).run()
	assert second.failures == [] and second.counts["created"] == 0
	assert port.fee_entries == entries and second.events == []
	assert parse_timestamp(port.checkpoints["fees"]["posted_before"]) >= edge


def test_a_late_adjustment_from_the_simulator_posts_one_new_entry(fee_sim, fee_world):
	port = erp_with_world_orders(fee_world)
	fee_sync(fee_sim, port, fee_world).run()
	edge = parse_timestamp(port.checkpoints["fees"]["posted_before"])
	before = set(port.fee_entries)

	shipped = next(
		e
		for _, e in fee_sim.world.events_posted(parse_timestamp("2000-01-01"), edge)
		if "ShipmentItemList" in e
	)
	item = shipped["ShipmentItemList"][0]
	currency = item["ItemFeeList"][0]["FeeAmount"]["CurrencyCode"]
	fee_sim.advance_clock(3600)
	fee_sim.add_financial_event(
		{
			"AmazonOrderId": shipped["AmazonOrderId"],
			"MarketplaceName": shipped["MarketplaceName"],
			"ShipmentItemAdjustmentList": [
				{
					"SellerSKU": item["SellerSKU"],
					"OrderAdjustmentItemId": "90000000000001",
					"QuantityShipped": 1,
					"ItemFeeAdjustmentList": [
						{
							"FeeType": "FBAPerUnitFulfillmentFee",
							"FeeAmount": {"CurrencyCode": currency, "CurrencyAmount": -1},
						}
					],
				}
			],
		},
		"ShipmentEventList",
		posted_date=fee_sim.now() - timedelta(minutes=30),
	)
	report = fee_sync(fee_sim, port, fee_world).run()
	new = set(port.fee_entries) - before
	assert report.failures == [] and report.counts["created"] == 1 and len(new) == 1
	entry = port.fee_entries[new.pop()]
	assert entry.amazon_order_id == shipped["AmazonOrderId"] and entry.total == Decimal(1)
	assert parse_timestamp(port.checkpoints["fees"]["posted_before"]) > edge
	assert parse_timestamp(port.checkpoints["fees"]["posted_before"]) <= fee_sim.now() - SAFETY_MARGIN


def test_refunds_from_the_simulator_book_their_fees_and_are_logged(fee_sim, fee_world):
	port = erp_with_world_orders(fee_world)
	fee_sync(fee_sim, port, fee_world).run()
	fee_sim.advance_clock(60 * 86400)  # every refund of the world is posted by then
	report = fee_sync(fee_sim, port, fee_world).run()
	refunds = [
		e
		for name, e in fee_sim.world.events_posted(parse_timestamp("2000-01-01"), fee_sim.now())
		if name == "RefundEventList"
	]
	assert refunds, "the world should hold refunds"
	assert report.failures == []
	assert sorted(e.amazon_order_id for e in report.events if e.event_type == "Refund") == sorted(
		r["AmazonOrderId"] for r in refunds
	)
	refund_entries = [e for e in port.fee_entries.values() if e.event_type == "Refund"]
	assert len(refund_entries) == len(refunds) == report.counts["created"]
	assert booked(port) == expected_booked(served_events(fee_sim, fee_sim.now()))
