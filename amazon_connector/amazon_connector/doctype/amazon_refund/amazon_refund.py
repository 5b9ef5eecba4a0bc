"""Amazon Refund: one refund Amazon gave a buyer, stored before it is booked (see erpnext_adapter.credit_notes)."""

from __future__ import annotations

from frappe.model.document import Document


class AmazonRefund(Document):
	pass
