"""OrderSync end to end: the SP-API access layer against the local simulator, into the PreviewErp."""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta
from decimal import Decimal

from amazon_connector.core.drafts.items import ItemDraft
from amazon_connector.core.engine.orders import OrderSync
from amazon_connector.core.engine.windows import CHECKPOINT_KIND, OrderCheckpoint
from amazon_connector.core.preview import PreviewErp
from amazon_connector.core.settings import MarketplaceConfig, SyncSettings

PENDING = {"PENDING", "PENDING_AVAILABILITY"}


def sim_now(sim):
	return sim.clock.now()


def settings_for(world: dict, **overrides) -> SyncSettings:
	ids = sorted({o["salesChannel"]["marketplaceId"] for o in world["orders"]})
	start = min(o["createdTime"] for o in world["orders"])
	values = dict(
		account_key="sim",
		after_date=date.fromisoformat(start[:10]) - timedelta(days=1),
		marketplaces=tuple(MarketplaceConfig(i) for i in ids),
		order_window_days=10,
	)
	values.update(overrides)
	return SyncSettings(**values)


def item_creator(port: PreviewErp):
	"""Stands in for ProductSync.ensure_items: an Item per unknown SKU."""

	def resolve(marketplace_id, skus):
		for sku in skus:
			port.upsert_item(ItemDraft(sku=sku, marketplace_id=marketplace_id, item_code=sku, item_name=sku))
		return {sku: sku for sku in skus}

	return resolve


def source_for(account):
	from amazon_connector.spapi.client import SpApiSession
	from amazon_connector.spapi.source import SpApiSource

	return SpApiSource(SpApiSession(account))


def engine(sim, account, port, world, **kw):
	return OrderSync(
		kw.pop("source", None) or source_for(account),
		port,
		kw.pop("settings", None) or settings_for(world),
		item_resolver=item_creator(port),
		now=lambda: sim_now(sim),
		**kw,
	)


def expected_ids(world: dict) -> set[str]:
	return {
		o["orderId"]
		for o in world["orders"]
		if o["fulfillment"]["fulfillmentStatus"] not in PENDING | {"CANCELLED"}
		and o["salesChannel"].get("channelName", "AMAZON") == "AMAZON"
	}


def advance(sim, seconds: float) -> None:
	sim.clock.advance(seconds)


def test_backfill_creates_exactly_the_worlds_priced_orders_and_a_second_run_nothing(
	simulator, sim_account, sim_world
):
	port = PreviewErp("sim")
	first = engine(simulator, sim_account, port, sim_world).run()
	assert first.failed == 0, first.summary()["failures"]
	assert set(port.sales_orders) == expected_ids(sim_world)
	by_id = {o["orderId"]: o for o in sim_world["orders"]}
	for order_id, record in port.sales_orders.items():
		assert record["draft"].grand_total == Decimal(by_id[order_id]["proceeds"]["grandTotal"]["amount"]), (
			order_id
		)
	assert first.counts["created"] == len(expected_ids(sim_world))

	advance(simulator, 600)
	second = engine(simulator, sim_account, port, sim_world).run()
	assert second.counts["created"] == 0 and second.counts["updated"] == 0 and second.failed == 0
	assert len(second.windows) == 1 and second.windows[0].startswith("updated")


def test_interrupted_backfill_resumes_without_rereading_finished_windows(
	make_simulator, sim_world, sim_account
):
	from amazon_connector.spapi.client import SpApiSession
	from amazon_connector.spapi.source import SpApiSource

	sim = make_simulator(world=copy.deepcopy(sim_world))
	account = _account_for(sim, sim_account)
	calls = []

	def failing_after(limit):
		class FailingSource(SpApiSource):
			def search_orders(self, **kwargs):
				if limit is not None and len(calls) >= limit:
					raise ConnectionError("network down")
				calls.append(tuple(sorted((k, v) for k, v in kwargs.items() if k != "marketplace_ids")))
				return super().search_orders(**kwargs)

		return FailingSource(SpApiSession(account))

	port = PreviewErp("sim")
	first = engine(sim, account, port, sim_world, source=failing_after(2)).run()
	assert first.failed == 1 and first.failures[0].record_kind == "window"
	finished = list(calls)
	calls.clear()
	second = engine(sim, account, port, sim_world, source=failing_after(None)).run()
	assert second.failed == 0
	assert not set(finished) & set(calls)
	assert set(port.sales_orders) == expected_ids(sim_world)
	stored = OrderCheckpoint.from_dict(port.get_checkpoint(CHECKPOINT_KIND))
	oldest = min(datetime.fromisoformat(o["createdTime"].replace("Z", "+00:00")) for o in sim_world["orders"])
	assert stored.backfill_done_to <= oldest


def test_cancellation_on_amazon_cancels_the_sales_order_on_the_next_run(
	make_simulator, sim_world, sim_account
):
	sim = make_simulator(world=copy.deepcopy(sim_world))
	account = _account_for(sim, sim_account)
	port = PreviewErp("sim")
	engine(sim, account, port, sim_world).run()
	target = next(
		o["orderId"] for o in sim_world["orders"] if o["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED"
	)
	sim.transition_order(target, "CANCELLED")
	advance(sim, 600)
	report = engine(sim, account, port, sim_world).run()
	assert report.counts["cancelled"] == 1, report.summary()
	assert port.sales_orders[target]["docstatus"] == 2


def test_one_malformed_order_fails_alone_with_its_id(make_simulator, sim_world, sim_account):
	world = copy.deepcopy(sim_world)
	broken = next(o for o in world["orders"] if o["orderId"] in expected_ids(world))
	broken["proceeds"]["grandTotal"]["amount"] = str(Decimal(broken["proceeds"]["grandTotal"]["amount"]) + 1)
	sim = make_simulator(world=world)
	account = _account_for(sim, sim_account)
	port = PreviewErp("sim")
	report = engine(sim, account, port, world).run()
	assert report.failed == 1
	assert (
		report.failures[0].amazon_id == broken["orderId"] and broken["orderId"] in report.failures[0].reason
	)
	assert set(port.sales_orders) == expected_ids(world) - {broken["orderId"]}


def _account_for(sim, template):
	from dataclasses import replace

	return replace(template, endpoint_url=sim.base_url)


def test_shipments_come_with_the_search_and_land_on_the_draft(simulator, sim_account, sim_world):
	port = PreviewErp("sim")
	report = engine(simulator, sim_account, port, sim_world).run()
	assert report.failed == 0
	shipped = {
		o["orderId"]: o["packages"]
		for o in sim_world["orders"]
		if o.get("packages") and o["orderId"] in port.sales_orders
	}
	assert shipped, "the generated world should have merchant shipments"
	for order_id, packages in shipped.items():
		drafted = port.sales_orders[order_id]["draft"].packages
		assert [(p.carrier, p.tracking_number) for p in drafted] == [
			(p.get("carrier", ""), p.get("trackingNumber", "")) for p in packages
		], order_id
	assert "getOrder" not in simulator.stats()["calls"]  # no per-order calls for what the search returns
