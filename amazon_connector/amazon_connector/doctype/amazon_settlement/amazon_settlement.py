"""One Amazon settlement (payout) and what became of it; written by the settlement sync only."""

from frappe.model.document import Document


class AmazonSettlement(Document):
	pass
