"""What the adapter needs from one Amazon Settings record, read once per port.

Read through `settings.read_settings`, the app's one reader of the record, as it is when the port
is built (a sync run); a user changing the settings mid-run affects the next run. The adapter
needs no secret.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import frappe
from frappe import _

from .errors import AdapterError
from .settings import AmazonSettings, read_settings


@dataclass(frozen=True)
class AdapterContext(AmazonSettings):
	"""The settings record as the adapter books with it, with what it derives once per port."""

	company_currency: str = ""

	@property
	def account(self) -> str:
		"""The Amazon Settings name."""
		return self.name

	def price_list_for(self, marketplace_id: str, drafted: str = "") -> str:
		"""The marketplace row's price list, else the draft's, else the settings' default."""
		row = self.marketplace(marketplace_id)
		return (row.price_list if row else "") or drafted or self.price_list


def context_of(settings_doc) -> AdapterContext:
	"""Read an Amazon Settings document (or its name, or the record read already) into an AdapterContext."""
	settings = settings_doc if isinstance(settings_doc, AmazonSettings) else read_settings(settings_doc)
	if not settings.company:
		raise AdapterError(_("Amazon Settings {0} has no company").format(settings.name))
	values = {f.name: getattr(settings, f.name) for f in fields(AmazonSettings)}
	return AdapterContext(
		**values
		| {
			# FBA stock is booked in the default warehouse unless the settings name one for it.
			"fba_warehouse": settings.fba_warehouse or settings.warehouse,
			"marketplaces": tuple(row for row in settings.marketplaces if row.marketplace_id),
		},
		company_currency=frappe.get_cached_value("Company", settings.company, "default_currency"),
	)
