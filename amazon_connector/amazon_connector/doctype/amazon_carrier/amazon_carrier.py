"""Amazon Carrier: a carrier as ERPNext names it, and the carrier code Amazon expects for it."""

from __future__ import annotations

from frappe.model.document import Document


class AmazonCarrier(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		aliases: DF.SmallText | None
		amazon_carrier_code: DF.Data
		amazon_carrier_name: DF.Data | None
		carrier: DF.Data
	# end: auto-generated types

	def validate(self):
		# Codes are compared as Amazon spells them; stray spaces from a paste would not match.
		self.amazon_carrier_code = " ".join((self.amazon_carrier_code or "").split())
		self.aliases = "\n".join(line.strip() for line in (self.aliases or "").splitlines() if line.strip())
