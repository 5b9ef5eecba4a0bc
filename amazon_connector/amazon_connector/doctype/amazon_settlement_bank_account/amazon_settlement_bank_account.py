from frappe.model.document import Document


class AmazonSettlementBankAccount(Document):
	pass
