"""Drafts of a listing's state as Amazon reports it, and of the offer price the ERP wants there."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class ListingIssue:
	"""One of Amazon's issues with a listing (getListingsItem includedData=issues)."""

	severity: str  # ERROR, WARNING or INFO
	code: str
	message: str
	categories: tuple[str, ...] = ()
	attributes: tuple[str, ...] = ()
	enforced: tuple[str, ...] = ()  # Amazon's enforcement actions in force (not exempt)

	def line(self) -> str:
		tags = ", ".join((*self.categories, *self.enforced))
		where = f" [{', '.join(self.attributes)}]" if self.attributes else ""
		return f"{self.severity} {self.code}{f' ({tags})' if tags else ''}: {self.message}{where}".strip()


@dataclass(frozen=True)
class ListingHealth:
	"""What a seller needs to know of one listing: its status (as the connector names it), Amazon's
	own statuses (BUYABLE, DISCOVERABLE) and its issues."""

	status: str  # Active, Inactive, Incomplete, Ineligible, Ended
	amazon_statuses: tuple[str, ...] = ()
	issues: tuple[ListingIssue, ...] = ()

	def issues_text(self) -> str:
		return "\n".join(issue.line() for issue in self.issues)


@dataclass(frozen=True)
class OfferPrice:
	"""A SKU in one marketplace: the price ERPNext asks (its Item Price), and what Amazon was last told."""

	marketplace_id: str
	sku: str
	item_code: str
	price: Decimal
	currency: str
	last_pushed: Decimal | None = None  # None: never pushed
