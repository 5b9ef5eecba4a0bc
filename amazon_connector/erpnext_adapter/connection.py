"""Test Connection: ask Amazon which marketplaces the account sells in, and fill the table with them.

Never commits: the runner's job commits once the test has saved the settings.
"""

from __future__ import annotations

import traceback

import frappe
from frappe import _

from ..spapi.errors import user_message
from ..spapi.redaction import Scrubber
from ..spapi.sellers import check_connection
from .marketplaces import fill_marketplaces
from .settings import SETTINGS_DOCTYPE, account_config, settings_doc


def test_connection(account: str) -> tuple[bool, str]:
	"""Ask Amazon which marketplaces the account sells in and fill the marketplace table.

	Returns (ok, one plain sentence); never raises for Amazon's or the network's failures."""
	doc = settings_doc(account)
	config = account_config(doc)
	scrub = Scrubber.for_config(config)
	try:
		participations = check_connection(config)
	except Exception as exc:  # every failure becomes one sentence; the detail goes to the Error Log
		frappe.log_error(
			title=_("Amazon Test Connection failed: {0}").format(account),
			message=scrub(traceback.format_exc()),
			reference_doctype=SETTINGS_DOCTYPE,
			reference_name=account,
		)
		return False, scrub(user_message(exc))
	added, updated, without_list = fill_marketplaces(doc, participations)
	try:
		doc.save()
	except frappe.ValidationError as exc:  # validation writes nothing: there is nothing to undo
		return False, _("Connected, but the marketplaces could not be saved: {0}").format(
			frappe.utils.strip_html(str(exc))
		)
	names = ", ".join(row.marketplace_name or row.marketplace_id for row in doc.marketplaces if row.enabled)
	message = _("Connected. The account sells in {0} marketplace(s): {1}. {2} added, {3} updated.").format(
		len(participations), names or _("none"), added, updated
	)
	if without_list:
		message += " " + _(
			"Added disabled, as no selling price list is in their currency: {0}. Choose one and enable them."
		).format(", ".join(without_list))
	return True, message
