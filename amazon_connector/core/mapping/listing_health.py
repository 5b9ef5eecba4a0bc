"""A listing's health from getListingsItem (includedData=summaries,issues), in five statuses.

Amazon reports, per marketplace, the listing's statuses (BUYABLE: it can be bought; DISCOVERABLE:
it shows in search and browse) and its issues (severity, code, message, categories such as
MISSING_ATTRIBUTE or QUALIFICATION_REQUIRED, and the enforcement actions in force). The connector
names the outcome so that a seller can filter the listings that need work:
- Ended: Amazon has no listing of the SKU in the marketplace (404), or removed its catalog item
  (enforcement CATALOG_ITEM_REMOVED);
- Active: BUYABLE (issues, if any, are warnings to look at);
- Ineligible: not buyable because an error needs Amazon's approval (QUALIFICATION_REQUIRED);
- Incomplete: not buyable with errors to fix (a missing or invalid attribute, image or price), or
  suppressed by Amazon (LISTING_SUPPRESSED);
- Inactive: not buyable without an error of its own (out of stock, closed by the seller), or no
  summary yet.
An enforcement Amazon exempts the listing from (EXEMPT, EXEMPT_UNTIL_EXPIRY_DATE) is not in force.
"""

from __future__ import annotations

from ..drafts.listings import ListingHealth, ListingIssue

ACTIVE, INACTIVE, INCOMPLETE, INELIGIBLE, ENDED = "Active", "Inactive", "Incomplete", "Ineligible", "Ended"
STATUSES = (ACTIVE, INACTIVE, INCOMPLETE, INELIGIBLE, ENDED)
EXEMPT = ("EXEMPT", "EXEMPT_UNTIL_EXPIRY_DATE")


def _issue(raw: dict) -> ListingIssue:
	enforcements = raw.get("enforcements") or {}
	exemption = (enforcements.get("exemption") or {}).get("status")
	actions = tuple(
		str(a.get("action") or "") for a in enforcements.get("actions") or () if isinstance(a, dict)
	)
	return ListingIssue(
		severity=str(raw.get("severity") or ""),
		code=str(raw.get("code") or ""),
		message=" ".join(str(raw.get("message") or "").split()),
		categories=tuple(str(c) for c in raw.get("categories") or ()),
		attributes=tuple(str(a) for a in raw.get("attributeNames") or ()),
		enforced=() if exemption in EXEMPT else tuple(a for a in actions if a),
	)


def listing_health(item: dict | None, marketplace_id: str) -> ListingHealth:
	"""The health of the listing `item` (None: Amazon has none) in `marketplace_id`."""
	if item is None:
		return ListingHealth(ENDED)
	summaries = [s for s in item.get("summaries") or () if isinstance(s, dict)]
	summary = next((s for s in summaries if s.get("marketplaceId") == marketplace_id), None)
	if summary is None and len(summaries) == 1 and not summaries[0].get("marketplaceId"):
		summary = summaries[0]
	statuses = tuple(str(s) for s in (summary or {}).get("status") or ())
	issues = tuple(_issue(i) for i in item.get("issues") or () if isinstance(i, dict))
	enforced = {action for issue in issues for action in issue.enforced}
	errors = [i for i in issues if i.severity == "ERROR"]
	if "CATALOG_ITEM_REMOVED" in enforced and "BUYABLE" not in statuses:
		status = ENDED
	elif "BUYABLE" in statuses:
		status = ACTIVE
	elif any("QUALIFICATION_REQUIRED" in i.categories for i in errors):
		status = INELIGIBLE
	elif errors or "LISTING_SUPPRESSED" in enforced:
		status = INCOMPLETE
	else:
		status = INACTIVE
	return ListingHealth(status, statuses, issues)
