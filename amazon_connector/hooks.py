app_name = "amazon_connector"
app_title = "Amazon Connector"
app_publisher = "Amazon Connector developers"
app_description = "Connects an Amazon seller account (Selling Partner API) to ERPNext"
app_email = "maintainers@example.com"
app_license = "mit"

# "org/repo" form: a bare "erpnext" makes Frappe ask the network which organisation owns it.
required_apps = ["frappe/erpnext"]

# Desk helpers the app's form scripts share (built from public/js by `bench build`).
app_include_js = "amazon_connector.bundle.js"

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
		"*/15 * * * *": ["amazon_connector.tasks.enqueue_due_syncs"],
	},
}

# Log clearing: Log Settings prunes old sync logs (Amazon Sync Log.clear_old_logs).
default_log_clearing_doctypes = {"Amazon Sync Log": 30}


# Tests: ERPNext's own preparation (setup wizard, fiscal year, ...) before this app's bench tests,
# which run on a site where ERPNext may never have been set up.
before_tests = ["erpnext.setup.utils.before_tests"]
