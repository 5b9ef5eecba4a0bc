from __future__ import annotations

from frappe.model.document import Document


class AmazonSyncFailure(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		amazon_id: DF.Data | None
		detail: DF.Code | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		reason: DF.SmallText | None
		record_kind: DF.Data | None
		retried: DF.Check
	# end: auto-generated types
	pass
