"""ERPNext set up before the app's bench tests (the `before_tests` hook).

ERPNext 15 ships `erpnext.setup.utils.before_tests` (the setup wizard with a test company); ERPNext 16
dropped it and prepares its own tests elsewhere. On 16 the setup wizard is completed here the same
way, so that the tests find a site ERPNext has been set up on.
"""

from __future__ import annotations

import frappe
from frappe.utils import now_datetime


def before_tests():
	try:
		from erpnext.setup.utils import before_tests as erpnext_before_tests
	except ImportError:  # ERPNext 16
		erpnext_before_tests = None
	if erpnext_before_tests:
		erpnext_before_tests()
		return
	frappe.clear_cache()
	if not frappe.db.a_row_exists("Company"):
		from frappe.desk.page.setup_wizard.setup_wizard import setup_complete

		year = now_datetime().year
		setup_complete(
			{
				"currency": "USD",
				"full_name": "Test User",
				"company_name": "Wind Power LLC",
				"timezone": "America/New_York",
				"company_abbr": "WP",
				"industry": "Manufacturing",
				"country": "United States",
				"fy_start_date": f"{year}-01-01",
				"fy_end_date": f"{year}-12-31",
				"language": "english",
				"company_tagline": "Testing",
				"email": "test@erpnext.com",
				"password": "test",
				"chart_of_accounts": "Standard",
			}
		)
	# The defaults ERPNext 15's before_tests sets after its wizard (among them: no Item Price inserted
	# from an order's rate), from the function 16 keeps for its own tests where it has it.
	try:
		from erpnext.setup.utils import set_defaults_for_tests
	except ImportError:
		set_defaults_for_tests = None
	if set_defaults_for_tests:
		set_defaults_for_tests()
	else:
		frappe.db.set_single_value("Stock Settings", "auto_insert_price_list_rate_if_missing", 0)
	frappe.db.commit()
