"""Who bought an Amazon order and where it goes: CustomerDraft and AddressDraft.

Customer identity: Amazon identifies a buyer only by the anonymised buyer e-mail it gives for
merchant-fulfilled orders (stable per buyer and seller). With it, each buyer is one customer; without
it (Amazon-fulfilled orders, or no BUYER data granted) all buyers of a marketplace are one customer,
so that ERPNext does not fill with one customer per order that no one can tell apart.
A business buyer's tax registration (`order.tax.taxRegistrations[]`, entityType BUYER; a VAT number
preferred over other types) is the customer's tax id. A business buyer Amazon gives no e-mail for but
a registration number is one customer per registration number, named as Amazon names the company:
its tax id must never land on the customer standing for all of a marketplace's buyers.
Names, e-mail, phone and street lines come with Orders 2026-01-01 when the app has Amazon's roles for
them (no Restricted Data Token is involved); without them, or when the account does not import them,
the address still carries what Amazon always gives (city, state, postal code, country).
"""

from __future__ import annotations

import hashlib

from ..drafts.orders import AddressDraft, CustomerDraft

# ERPNext's Customer.customer_name and Address fields are Data (140 characters).
_NAME_LIMIT = 140


# What a buyer and a delivery address keep when personal data is not imported.
COARSE_ADDRESS_FIELDS = (
	"city",
	"municipality",
	"districtOrCounty",
	"stateOrRegion",
	"postalCode",
	"countryCode",
)
PERSONAL_BUYER_FIELDS = ("buyerName", "buyerEmail")  # a business buyer's company name is not personal


def without_personal_data(order: dict) -> dict:
	"""The order as if the app had no role for personal data: buyer names and e-mail, recipient name,
	street lines and phone left out. Amazon sends them to an app with the roles whether or not this
	account wants them, so an account that does not import them drops them here."""
	stripped = dict(order)
	if isinstance(order.get("buyer"), dict):
		stripped["buyer"] = {k: v for k, v in order["buyer"].items() if k not in PERSONAL_BUYER_FIELDS}
	recipient = order.get("recipient")
	if isinstance(recipient, dict):
		address = recipient.get("deliveryAddress")
		stripped["recipient"] = (
			{"deliveryAddress": {k: address[k] for k in COARSE_ADDRESS_FIELDS if k in address}}
			if isinstance(address, dict)
			else {}
		)
	return stripped


def has_personal_data(order: dict) -> bool:
	"""Whether Amazon sent the order with the buyer's or recipient's personal data."""
	buyer = _block(order.get("buyer"))
	address = _block(_block(order.get("recipient")).get("deliveryAddress"))
	return bool(
		buyer.get("buyerName")
		or buyer.get("buyerEmail")
		or address.get("addressLine1")
		or address.get("name")
	)


def _block(value) -> dict:
	return value if isinstance(value, dict) else {}


def customer_of(
	order: dict, *, marketplace_id: str, marketplace_name: str, is_business: bool
) -> CustomerDraft:
	buyer = order.get("buyer") or {}
	email = (buyer.get("buyerEmail") or "").strip()
	company = (buyer.get("buyerCompanyName") or "").strip()
	name = (buyer.get("buyerName") or "").strip()
	tax_id, legal_name = buyer_tax_registration(order)
	business = is_business or bool(company)
	if email:
		return CustomerDraft(
			key=f"buyer:{email.lower()}",
			customer_name=_clip(company or name or email),
			email=email,
			company_name=company,
			is_business=business,
			tax_id=tax_id if business else "",
		)
	if business and tax_id:
		company = company or legal_name
		return CustomerDraft(
			key=f"tax-id:{tax_id.upper()}",
			customer_name=_clip(company or name or tax_id),
			company_name=_clip(company),
			is_business=True,
			tax_id=tax_id,
		)
	label = marketplace_name or f"Amazon {marketplace_id}"
	return CustomerDraft(
		key=f"marketplace:{marketplace_id}",
		customer_name=_clip(f"{label} Customer"),
		is_marketplace_customer=True,
	)


def buyer_tax_registration(order: dict) -> tuple[str, str]:
	"""(registration number, legal name) of the buyer's tax registration; a VAT number first."""
	registrations = [
		r
		for r in (order.get("tax") or {}).get("taxRegistrations") or []
		if (r.get("entityType") or "").upper() == "BUYER" and (r.get("taxRegistrationNumber") or "").strip()
	]
	if not registrations:
		return "", ""
	registrations.sort(key=lambda r: (r.get("taxRegistrationType") or "").upper() != "VAT")
	chosen = registrations[0]
	return _clip(chosen["taxRegistrationNumber"].strip()), _text(chosen.get("legalName"))


def address_of(order: dict) -> AddressDraft | None:
	address = (order.get("recipient") or {}).get("deliveryAddress") or {}
	fields = {
		"name": _text(address.get("name")),
		"company_name": _text(address.get("companyName")),
		"address_line1": _text(address.get("addressLine1")),
		"address_line2": _text(", ".join(
			part for part in (_text(address.get("addressLine2")), _text(address.get("addressLine3"))) if part
		)),
		"city": _text(address.get("city") or address.get("municipality")),
		"county": _text(address.get("districtOrCounty")),
		"state": _text(address.get("stateOrRegion")),
		"postal_code": _text(address.get("postalCode")),
		"country_code": _text(address.get("countryCode")).upper(),
		"phone": _text(address.get("phone")),
		"address_type": _text(address.get("addressType")),
	}  # fmt: skip
	if not any(fields[k] for k in ("address_line1", "city", "state", "postal_code", "country_code")):
		return None
	identity = "|".join(
		fields[k].casefold()
		for k in (
			"name",
			"company_name",
			"address_line1",
			"address_line2",
			"city",
			"state",
			"postal_code",
			"country_code",
		)
	)
	digest = hashlib.sha1(identity.encode("utf-8")).hexdigest()[:16]
	return AddressDraft(key=f"{fields['country_code'] or 'XX'}-{digest}", **fields)


def _text(value) -> str:
	return _clip(str(value).strip()) if value else ""


def _clip(value: str) -> str:
	return value[:_NAME_LIMIT]
