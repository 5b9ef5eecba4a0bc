"""Amazon Sync Log.open_failures for the logs written before the field existed: the failed records
not retried yet, so that "Syncs With Failures" lists exactly the logs with something left to do."""

import frappe

from amazon_connector.runner.sync_log import LOG_DOCTYPE, update_open_failures


def execute():
	for log in frappe.get_all(LOG_DOCTYPE, filters={"failed_count": (">", 0)}, pluck="name"):
		update_open_failures(log)
