"""A Sales Order changed after it went to Amazon -> the updateFulfillmentOrder body (Fulfillment Outbound
2020-07-01), holding only what differs from the order Amazon has.

The Sales Order as it stands now (its draft) is compared with the order as Amazon reports it: the
shipping speed, the destination address, and per line the units Amazon is still to ship (its
`quantity` less its `cancelledQuantity`). A lowered quantity sends the new quantity, a row taken off
the Sales Order sends 0 for its line (the line is given up; the rest still ships). Amazon's update
changes lines it already has, by their sellerFulfillmentOrderItemId: a row added to the Sales Order,
or a row whose item changed, cannot be sent this way and is named (cancel at Amazon and send again).
Releasing an order on hold is the same update with fulfillmentAction Ship, carrying whatever else
differs, so Amazon ships the order as the Sales Order stands.
"""

from __future__ import annotations

from dataclasses import fields

from ..drafts.fulfilment import (
	SHIP,
	FulfilmentAddress,
	FulfilmentChange,
	FulfilmentOrderDraft,
	FulfilmentState,
)
from .fulfilment import FulfilmentDraftError, address_body, check_draft


def _same_address(one: FulfilmentAddress, other: FulfilmentAddress | None) -> bool:
	if other is None:
		return False
	return all(
		(getattr(one, f.name) or "").strip() == (getattr(other, f.name) or "").strip() for f in fields(one)
	)


def change_between(
	draft: FulfilmentOrderDraft, state: FulfilmentState, release: bool = False
) -> FulfilmentChange:
	"""What of the draft differs from Amazon's order (and, with `release`, that the order on hold is
	to ship); FulfilmentDraftError naming the rows that an update cannot carry (added, or with another
	item), or what the draft lacks."""
	check_draft(draft)
	blocked = []
	quantities: dict[str, int] = {}
	skus: dict[str, str] = {}
	for line in draft.lines:
		held = state.lines.get(line.line_id)
		where = line.item_code or line.line_id
		if held is None:
			blocked.append(f"item {where} was added after the order went to Amazon")
			continue
		if held.sku != line.sku:
			blocked.append(f"the row of {held.sku} now holds item {where} (SKU {line.sku})")
			continue
		if line.quantity != held.wanted:
			quantities[line.line_id], skus[line.line_id] = line.quantity, line.sku
	kept = {line.line_id for line in draft.lines}
	for line_id, held in state.lines.items():
		if line_id not in kept and held.wanted:
			quantities[line_id], skus[line_id] = 0, held.sku
	if blocked:
		raise FulfilmentDraftError(
			f"{draft.source} cannot be updated at Amazon: {'; '.join(blocked)}. Amazon's update changes only "
			"the lines it was sent; cancel the Amazon fulfilment and send the order again, or ship the new "
			"item on another order."
		)
	return FulfilmentChange(
		seller_fulfillment_order_id=state.seller_fulfillment_order_id,
		shipping_speed=draft.shipping_speed if draft.shipping_speed != state.shipping_speed else "",
		address=None if _same_address(draft.address, state.address) else draft.address,
		quantities=quantities,
		skus=skus,
		release=release,
	)


def update_request(change: FulfilmentChange, marketplace_id: str = "") -> dict:
	"""The updateFulfillmentOrder body: only the changed parts (every field of it is optional)."""
	if change.empty:
		raise ValueError(f"{change.seller_fulfillment_order_id}: nothing to update")
	body: dict = {}
	if marketplace_id:
		body["marketplaceId"] = marketplace_id
	if change.release:
		body["fulfillmentAction"] = SHIP
	if change.shipping_speed:
		body["shippingSpeedCategory"] = change.shipping_speed
	if change.address is not None:
		body["destinationAddress"] = address_body(change.address)
	if change.quantities:
		body["items"] = [
			{"sellerSku": change.skus[line_id], "sellerFulfillmentOrderItemId": line_id, "quantity": units}
			for line_id, units in sorted(change.quantities.items())
		]
	return body
