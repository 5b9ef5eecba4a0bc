"""Listings health in getListingsItem: the issues Amazon reports on a listing, and their effect.

A test (or the demo) names a SKU's issues in Amazon's shape (`set`); getListingsItem then returns
them with `includedData=issues`, and an issue that takes the listing down (an ERROR, or an
enforcement LISTING_SUPPRESSED / CATALOG_ITEM_REMOVED that Amazon does not exempt it from) leaves
its summary DISCOVERABLE only, or without any status, as Amazon shows a suppressed listing. A SKU
can also be given no summary at all (`summary=False`), as Amazon answers for a listing it has not
created yet. Without issues the listing is as the listings report has it: BUYABLE and DISCOVERABLE
when Active, DISCOVERABLE only otherwise.
"""

from __future__ import annotations

import copy
import threading

TAKES_DOWN = ("LISTING_SUPPRESSED", "CATALOG_ITEM_REMOVED")
EXEMPT = ("EXEMPT", "EXEMPT_UNTIL_EXPIRY_DATE")


def issue(
	code: str,
	message: str,
	severity: str = "ERROR",
	*,
	categories=("MISSING_ATTRIBUTE",),
	attributes=(),
	enforcement: str = "",
	exemption: str = "NOT_EXEMPT",
) -> dict:
	"""One Issue as the Listings Items model has it."""
	found = {"code": code, "message": message, "severity": severity, "categories": list(categories)}
	if attributes:
		found["attributeNames"] = list(attributes)
	if enforcement:
		found["enforcements"] = {"actions": [{"action": enforcement}], "exemption": {"status": exemption}}
	return found


class ListingIssues:
	def __init__(self):
		self._lock = threading.Lock()
		self._issues: dict[tuple[str | None, str], list[dict]] = {}
		self._no_summary: set[tuple[str | None, str]] = set()

	def set(
		self, sku: str, issues: list[dict], *, marketplace_id: str | None = None, summary: bool = True
	) -> None:
		"""`sku`'s issues in `marketplace_id` (None: every marketplace)."""
		with self._lock:
			self._issues[(marketplace_id, sku)] = copy.deepcopy(issues)
			if summary:
				self._no_summary.discard((marketplace_id, sku))
			else:
				self._no_summary.add((marketplace_id, sku))

	def clear(self, sku: str) -> None:
		with self._lock:
			for key in [k for k in self._issues if k[1] == sku]:
				del self._issues[key]
			self._no_summary = {k for k in self._no_summary if k[1] != sku}

	def apply(self, item: dict, marketplace_id: str) -> dict:
		"""The listings item with the SKU's issues in `marketplace_id` and their effect on its summary."""
		sku = item.get("sku", "")
		with self._lock:
			issues = self._issues.get((marketplace_id, sku), self._issues.get((None, sku)))
			no_summary = {(marketplace_id, sku), (None, sku)} & self._no_summary
		if issues is None and not no_summary:
			return item
		item = copy.deepcopy(item)
		item["issues"] = copy.deepcopy(issues or [])
		if no_summary:
			item["summaries"] = []
			return item
		if any(_takes_down(i) for i in item["issues"]):
			for summary in item.get("summaries") or ():
				if summary.get("marketplaceId") == marketplace_id:
					summary["status"] = [s for s in summary.get("status") or () if s != "BUYABLE"]
		return item


def _takes_down(found: dict) -> bool:
	enforcements = found.get("enforcements") or {}
	exempt = (enforcements.get("exemption") or {}).get("status") in EXEMPT
	actions = {a.get("action") for a in enforcements.get("actions") or ()}
	return (found.get("severity") == "ERROR" and not enforcements) or (
		not exempt and bool(actions & set(TAKES_DOWN))
	)
