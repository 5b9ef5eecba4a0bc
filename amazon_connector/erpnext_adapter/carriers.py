"""The carrier mapping (Amazon Carrier): ERPNext carrier names -> Amazon's carrier codes.

Orders v0 takes `carrierCode` as a string from Amazon's published list of carrier codes (the model
itself enumerates none), or "Other" with the carrier's name. The common carriers of Amazon's
marketplaces are seeded on install and migrate, each under the name Amazon uses, which is also its
code; a seller adds their own carriers, or aliases (a Transporter's name, a Shipping Rule) to a
seeded one. Seeding adds only what is missing, so the seller's edits stay.
"""

from __future__ import annotations

import frappe

from ..core.drafts.shipments import CarrierCode

DOCTYPE = "Amazon Carrier"

# (carrier code as Amazon spells it, aliases that commonly name the same carrier)
SEEDED = (
	("USPS", ("United States Postal Service",)),
	("UPS", ("United Parcel Service",)),
	("UPS Mail Innovations", ()),
	("FedEx", ("Federal Express", "FedEx Ground")),
	("FedEx SmartPost", ()),
	("DHL", ("DHL Express", "DHL Paket")),
	("DHL eCommerce", ()),
	("OnTrac", ()),
	("Amazon Shipping", ()),
	("Canada Post", ()),
	("Purolator", ()),
	("Royal Mail", ()),
	("Parcelforce", ("Parcel Force",)),
	("DPD", ()),
	("Evri", ("Hermes UK",)),
	("Yodel", ()),
	("Hermes", ("Hermes Germany",)),
	("Deutsche Post", ()),
	("GLS", ()),
	("La Poste", ()),
	("Colissimo", ()),
	("Chronopost", ()),
	("Poste Italiane", ()),
	("BRT", ("Bartolini",)),
	("SDA", ()),
	("Correos", ()),
	("SEUR", ()),
	("PostNL", ()),
	("Australia Post", ()),
	("Japan Post", ()),
	("Yamato Transport", ("Yamato",)),
	("Sagawa Express", ("Sagawa",)),
	("India Post", ()),
	("Blue Dart", ()),
)


def seed_carriers() -> None:
	existing = set(frappe.get_all(DOCTYPE, pluck="name"))
	for code, aliases in SEEDED:
		if code in existing:
			continue
		frappe.get_doc(
			{"doctype": DOCTYPE, "carrier": code, "amazon_carrier_code": code, "aliases": "\n".join(aliases)}
		).insert(ignore_permissions=True)


def carrier_codes() -> list[CarrierCode]:
	return [
		CarrierCode(
			name=row.name,
			amazon_code=row.amazon_carrier_code,
			amazon_name=row.amazon_carrier_name or "",
			aliases=tuple(line for line in (row.aliases or "").splitlines() if line.strip()),
		)
		for row in frappe.get_all(
			DOCTYPE,
			fields=["name", "amazon_carrier_code", "amazon_carrier_name", "aliases"],
			order_by="name asc",
		)
	]
