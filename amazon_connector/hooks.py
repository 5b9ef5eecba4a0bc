app_name = "amazon_connector"
app_title = "Amazon Connector"
app_publisher = "Amazon Connector developers"
app_description = "Connects an Amazon seller account (Selling Partner API) to ERPNext"
app_email = "maintainers@example.com"
app_license = "mit"

# "org/repo" form: a bare "erpnext" makes Frappe ask the network which organisation owns it.
required_apps = ["frappe/erpnext"]

# A tile on the apps screen (/apps on v15, the desktop on v16) that opens the app's workspace.
add_to_apps_screen = [
	{
		"name": "amazon_connector",
		"logo": "/assets/amazon_connector/images/amazon-connector-logo.svg",
		"title": "Amazon Connector",
		"route": "/app/amazon-connector",
		"has_permission": "amazon_connector.permissions.has_app_permission",
	}
]

# The desk helpers the forms share (public/js/amazon_connector.bundle.js) are not included on every
# desk page: the Amazon Settings and Amazon Sync Log forms load them with frappe.require.

# An imported Sales Order links to the Journal Entries of its Amazon fees.
doctype_js = {"Sales Order": "public/js/sales_order.js", "Delivery Note": "public/js/delivery_note.js"}

doc_events = {
	# A Sales Order Amazon is still fulfilling is not cancelled in ERPNext alone: Amazon would ship it.
	"Sales Order": {
		"before_cancel": "amazon_connector.erpnext_adapter.fulfilment.refuse_cancel_while_at_amazon",
		# ERPNext 16 keeps a fixed tax row's item-wise detail only in memory until the document is
		# saved: it is put back before every validation (erpnext_adapter.tax_detail).
		"before_validate": "amazon_connector.erpnext_adapter.tax_detail.bind_item_wise_details",
	},
	"Sales Invoice": {
		"before_validate": "amazon_connector.erpnext_adapter.tax_detail.bind_item_wise_details"
	},
	# A submitted Delivery Note of a merchant-fulfilled Amazon order is confirmed to Amazon in the
	# background (erpnext_adapter.shipments).
	# A Sales Return asked back through Amazon is submitted by the mcf stage once Amazon has the units.
	"Delivery Note": {
		"on_submit": "amazon_connector.erpnext_adapter.shipments.on_delivery_note_submit",
		"before_submit": "amazon_connector.erpnext_adapter.fulfilment_returns.refuse_submit_before_amazon",
	},
}

# Keep the typed `DF` blocks of the DocType controllers in step when a DocType is saved.
export_python_type_annotations = True

# Installation
# ------------
# Custom fields on ERPNext DocTypes are created in code and kept in step on every migrate.
after_install = "amazon_connector.install.after_install"
after_migrate = "amazon_connector.install.after_migrate"
before_uninstall = "amazon_connector.install.before_uninstall"

# Scheduled Tasks
# ---------------
# One tick every 15 minutes decides, per enabled account, which syncs are due by their configured
# frequencies and enqueues one job per account that runs them in order (products before orders
# before fees). A single tick, rather than hourly/daily hooks, keeps products ahead of orders when
# both fall due at the same time.
scheduler_events = {
	"cron": {
		# Every 5 minutes, for the stock push; the other stages are due at their own intervals.
		"*/5 * * * *": ["amazon_connector.tasks.enqueue_due_syncs"],
	},
	# Buyer data past each account's retention period (Amazon's Data Protection Policy) is removed.
	"daily": ["amazon_connector.tasks.remove_expired_personal_data"],
}

# Log clearing: Log Settings prunes old sync logs (Amazon Sync Log.clear_old_logs).
default_log_clearing_doctypes = {"Amazon Sync Log": 30}


# Tests: ERPNext set up (setup wizard, fiscal year, ...) before this app's bench tests, which run on a
# site where ERPNext may never have been set up; ERPNext's own preparation where it has one (v15).
before_tests = ["amazon_connector.tests.bootstrap.before_tests"]
