"""Who sees the app on the apps screen: the people who may run it (its role, or System Manager)."""

import frappe

from amazon_connector.install import ROLE


def has_app_permission() -> bool:
	return frappe.session.user == "Administrator" or bool({ROLE, "System Manager"} & set(frappe.get_roles()))
