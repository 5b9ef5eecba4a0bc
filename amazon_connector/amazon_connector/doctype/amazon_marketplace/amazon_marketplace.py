from __future__ import annotations

from frappe.model.document import Document


class AmazonMarketplace(Document):
	pass
