"""What an order looks like to a caller: only the requested `includedData`, and PII only with an RDT."""

from __future__ import annotations

import copy

INCLUDED_DATA = (
	"BUYER", "RECIPIENT", "PROCEEDS", "EXPENSE", "PROMOTION", "CANCELLATION", "FULFILLMENT", "PACKAGES", "TAX",
	"PAYMENT", "FULFILLMENT_ORDERS",
)  # fmt: skip

# Order-level blocks, and item-level blocks, that each dataset brings.
ORDER_BLOCKS = {
	"BUYER": ("buyer",),
	"RECIPIENT": ("recipient",),
	"PROCEEDS": ("proceeds",),
	"FULFILLMENT": ("fulfillment",),
	"PACKAGES": ("packages",),
	"TAX": ("tax",),
	"PAYMENT": ("payment",),
	"FULFILLMENT_ORDERS": ("fulfillmentOrders",),
}
ITEM_BLOCKS = {
	"PROCEEDS": ("proceeds",),
	"EXPENSE": ("expense",),
	"PROMOTION": ("promotion",),
	"CANCELLATION": ("cancellation",),
	"FULFILLMENT": ("fulfillment",),
	"TAX": ("tax",),
}
OPTIONAL_ORDER = {block for blocks in ORDER_BLOCKS.values() for block in blocks}
OPTIONAL_ITEM = {block for blocks in ITEM_BLOCKS.values() for block in blocks}

# Without the role for it, an address keeps only what locates it coarsely.
COARSE_ADDRESS = ("city", "stateOrRegion", "postalCode", "countryCode")
PII_BUYER = ("buyerName", "buyerEmail")


def render_order(order: dict, included: set[str], pii: set[str]) -> dict:
	"""The order as Amazon returns it for these datasets. `pii` holds the personal data the app may see
	("buyerInfo", "shippingAddress", see World.personal_data_elements); without them names, e-mail and
	address lines are left out."""
	view = {k: copy.deepcopy(v) for k, v in order.items() if k not in OPTIONAL_ORDER and k != "orderItems"}
	for dataset, blocks in ORDER_BLOCKS.items():
		if dataset in included:
			for block in blocks:
				if block in order:
					view[block] = copy.deepcopy(order[block])
	if "buyer" in view and "buyerInfo" not in pii:
		view["buyer"] = {k: v for k, v in view["buyer"].items() if k not in PII_BUYER}
	if "recipient" in view and "shippingAddress" not in pii:
		address = view["recipient"].get("deliveryAddress")
		view["recipient"] = {}
		if address:
			view["recipient"]["deliveryAddress"] = {k: address[k] for k in COARSE_ADDRESS if k in address}
	items = []
	for item in order.get("orderItems", []):
		rendered = {k: copy.deepcopy(v) for k, v in item.items() if k not in OPTIONAL_ITEM}
		if "PROCEEDS" not in included and "product" in rendered:
			rendered["product"].pop("price", None)  # amounts come only with PROCEEDS
		for dataset, blocks in ITEM_BLOCKS.items():
			if dataset in included:
				for block in blocks:
					if block in item:
						rendered[block] = copy.deepcopy(item[block])
		items.append(rendered)
	view["orderItems"] = items
	return view
