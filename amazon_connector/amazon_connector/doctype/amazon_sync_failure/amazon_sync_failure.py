from __future__ import annotations

from frappe.model.document import Document


class AmazonSyncFailure(Document):
	pass
