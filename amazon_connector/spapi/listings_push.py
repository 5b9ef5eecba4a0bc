"""Listings Items 2021-08-01 patchListingsItem: change a few attributes of one SKU's offer.

The connector patches offer data only (the quantity a merchant ships, the offer price), so the
request names the generic product type "PRODUCT", which Amazon accepts for offer-only changes. One
call covers every marketplace given: a SKU whose new quantity is the same everywhere is one call.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from amazon_connector.spapi._params import csv
from amazon_connector.spapi.apis import ListingsApi

OFFER_PRODUCT_TYPE = "PRODUCT"
MERCHANT_CHANNEL = "DEFAULT"  # Amazon's fulfillment_channel_code of merchant-fulfilled stock


@dataclass(frozen=True)
class Submission:
	"""Amazon's answer to a patch: ACCEPTED (it will apply the change), or INVALID with its issues."""

	sku: str
	status: str
	submission_id: str = ""
	issues: tuple[dict, ...] = field(default_factory=tuple)

	@property
	def accepted(self) -> bool:
		return self.status == "ACCEPTED" and not any(i.get("severity") == "ERROR" for i in self.issues)

	def error_text(self) -> str:
		errors = [i for i in self.issues if i.get("severity") == "ERROR"] or list(self.issues)
		return (
			"; ".join(f"{i.get('code', '')}: {i.get('message', '')}".strip(": ") for i in errors)
			or self.status
		)


def quantity_patch(quantity: int) -> dict:
	"""The JSON Patch that sets a merchant-fulfilled SKU's quantity."""
	if int(quantity) < 0:
		raise ValueError("a quantity cannot be negative")
	return {
		"op": "replace",
		"path": "/attributes/fulfillment_availability",
		"value": [{"fulfillment_channel_code": MERCHANT_CHANNEL, "quantity": int(quantity)}],
	}


def price_patch(marketplace_id: str, currency: str, price) -> dict:
	"""The JSON Patch that sets the offer price (`purchasable_offer`, our_price) in one marketplace.
	Amazon's listing attribute names the amount `value_with_tax` in every marketplace; it is the
	price the buyer sees there."""
	amount = Decimal(str(price))
	if not amount.is_finite() or amount <= 0:
		raise ValueError(f"an offer price must be greater than 0, not {price}")
	if not marketplace_id or not currency:
		raise ValueError("an offer price needs its marketplace and currency")
	return {
		"op": "replace",
		"path": "/attributes/purchasable_offer",
		"value": [
			{
				"marketplace_id": marketplace_id,
				"currency": currency,
				"our_price": [{"schedule": [{"value_with_tax": float(amount)}]}],
			}
		],
	}


def patch_listings_item(
	session, seller_id: str, sku: str, marketplace_ids: Iterable[str] | str, patches: list[dict]
) -> Submission:
	if not seller_id:
		raise ValueError("patch_listings_item needs the seller id")
	if not sku:
		raise ValueError("patch_listings_item needs a SKU")
	if not patches:
		raise ValueError("patch_listings_item needs at least one patch")
	body = session.call(
		"patchListingsItem",
		ListingsApi,
		"patch_listings_item",
		seller_id,
		sku,
		body={"productType": OFFER_PRODUCT_TYPE, "patches": patches},
		marketplaceIds=csv(marketplace_ids, name="marketplace_ids"),
		includedData="issues",
	).body
	return Submission(
		sku=str(body.get("sku") or sku),
		status=str(body.get("status") or ""),
		submission_id=str(body.get("submissionId") or ""),
		issues=tuple(body.get("issues") or ()),
	)
