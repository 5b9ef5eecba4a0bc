from __future__ import annotations

from frappe.model.document import Document


class AmazonMarketplace(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		country: DF.Link | None
		country_code: DF.Data | None
		currency: DF.Link
		enabled: DF.Check
		marketplace_id: DF.Data
		marketplace_name: DF.Data | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		price_list: DF.Link | None
	# end: auto-generated types
	pass
