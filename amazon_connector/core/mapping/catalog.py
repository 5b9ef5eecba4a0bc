"""Read a Catalog Items 2022-04-01 `Item` for one marketplace.

Every dataset of an Item (summaries, identifiers, images, productTypes, classifications,
relationships) is a list with one entry per marketplace. These helpers pick the marketplace's entry
(or the only one, when Amazon answered for a single marketplace without naming it the same way).
"""

from __future__ import annotations

VARIATION_PARENT = "VARIATION_PARENT"
MAIN_IMAGE = "MAIN"


def _entry(item: dict | None, dataset: str, marketplace_id: str) -> dict:
	entries = (item or {}).get(dataset) or []
	entries = [e for e in entries if isinstance(e, dict)]
	for entry in entries:
		if entry.get("marketplaceId") == marketplace_id:
			return entry
	return entries[0] if len(entries) == 1 else {}


def summary(item: dict | None, marketplace_id: str) -> dict:
	return _entry(item, "summaries", marketplace_id)


def item_name(item: dict | None, marketplace_id: str) -> str:
	return (summary(item, marketplace_id).get("itemName") or "").strip()


def brand(item: dict | None, marketplace_id: str) -> str:
	return (summary(item, marketplace_id).get("brand") or "").strip()


def identifiers(item: dict | None, marketplace_id: str) -> list[tuple[str, str]]:
	"""(identifierType, identifier) pairs, e.g. ("EAN", "0887276302195"), in Amazon's order."""
	entry = _entry(item, "identifiers", marketplace_id)
	return [
		((i.get("identifierType") or "").strip().upper(), (i.get("identifier") or "").strip())
		for i in entry.get("identifiers") or []
		if isinstance(i, dict) and i.get("identifier")
	]


def main_image(item: dict | None, marketplace_id: str) -> str:
	"""The largest MAIN image's link (Amazon lists the same image in several sizes)."""
	images = [
		image
		for image in _entry(item, "images", marketplace_id).get("images") or []
		if isinstance(image, dict) and image.get("variant") == MAIN_IMAGE and image.get("link")
	]
	if not images:
		return ""
	best = max(images, key=lambda i: (i.get("width") or 0) * (i.get("height") or 0))
	return best["link"]


def product_type(item: dict | None, marketplace_id: str) -> str:
	return (_entry(item, "productTypes", marketplace_id).get("productType") or "").strip()


def classification(item: dict | None, marketplace_id: str) -> str:
	"""The browse classification's display name: the summary's, else the first classification."""
	browse = summary(item, marketplace_id).get("browseClassification") or {}
	if browse.get("displayName"):
		return browse["displayName"].strip()
	for node in _entry(item, "classifications", marketplace_id).get("classifications") or []:
		if isinstance(node, dict) and node.get("displayName"):
			return node["displayName"].strip()
	return ""


def _variation_relationships(item: dict | None, marketplace_id: str) -> list[dict]:
	return [
		r
		for r in _entry(item, "relationships", marketplace_id).get("relationships") or []
		if isinstance(r, dict) and r.get("type") == "VARIATION"
	]


def parent_asin(item: dict | None, marketplace_id: str) -> str:
	for relationship in _variation_relationships(item, marketplace_id):
		parents = relationship.get("parentAsins") or []
		if parents:
			return parents[0]
	return ""


def is_variation_parent(item: dict | None, marketplace_id: str) -> bool:
	"""A variation parent groups children and cannot be bought itself."""
	if summary(item, marketplace_id).get("itemClassification") == VARIATION_PARENT:
		return True
	relationships = _variation_relationships(item, marketplace_id)
	return any(r.get("childAsins") for r in relationships) and not any(
		r.get("parentAsins") for r in relationships
	)
