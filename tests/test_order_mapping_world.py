"""map_order over a whole generated world (the simulator's Amazon-shaped orders, every marketplace):
every priced order totals Amazon's grandTotal to the minor unit, and the shapes validate against the model."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from test_order_shapes import order_validator

from amazon_connector.core.mapping.orders import OrderNotReady, map_order
from amazon_connector.core.money import quantum
from amazon_connector.core.settings import SyncSettings
from amazon_connector.simulator import generator


@pytest.fixture(scope="module")
def world_orders():
	return generator.generate_world(seed=7, orders=300)["orders"]


def test_every_generated_order_maps_to_amazons_total(world_orders, load_model):
	validator = order_validator(load_model("orders-2026-01-01.json"))
	settings = SyncSettings(account_key="world", after_date=date(2024, 1, 1))
	seen = Counter()
	for order in world_orders:
		assert not list(validator.iter_errors(order)), order["orderId"]
		status = order["fulfillment"]["fulfillmentStatus"]
		if status in ("PENDING", "PENDING_AVAILABILITY"):
			with pytest.raises(OrderNotReady):
				map_order(order, settings)
			seen["pending"] += 1
			continue
		draft = map_order(order, settings)
		if draft.is_cancelled:
			assert status == "CANCELLED" and not draft.lines
			seen["cancelled"] += 1
			continue
		assert draft.grand_total == Decimal(order["proceeds"]["grandTotal"]["amount"]), order["orderId"]
		assert draft.net_total + draft.added_charges_total == draft.grand_total
		for line in draft.lines:
			assert line.amount == line.qty * line.rate and line.rate == line.rate.quantize(
				quantum(draft.currency)
			)
		seen[draft.currency] += 1
		seen["facilitator"] += any(c.collected_by == "MARKETPLACE" for c in draft.charges)
		seen["included"] += any(c.included_in_rate for c in draft.charges)
		seen["partly cancelled"] += bool(
			draft.cancelled_lines or any(line.cancelled_qty for line in draft.lines)
		)
	# The world exercises what the mapping must get right.
	for wanted in ("USD", "EUR", "GBP", "JPY", "cancelled", "facilitator"):
		assert seen[wanted], (wanted, seen)
