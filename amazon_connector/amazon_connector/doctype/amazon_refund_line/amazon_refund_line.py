"""Amazon Refund Line: what one order item gave back, as Amazon reported it."""

from __future__ import annotations

from frappe.model.document import Document


class AmazonRefundLine(Document):
	pass
