"""Sync logs made before logs had a title get one: their kind and account (see `log_title`), so that
lists and the workspace's Latest Syncs tell the runs apart."""

import frappe

from amazon_connector.amazon_connector.doctype.amazon_sync_log.amazon_sync_log import log_title


def execute():
	log = frappe.qb.DocType("Amazon Sync Log")
	untitled = (log.title.isnull()) | (log.title == "")
	pairs = frappe.qb.from_(log).select(log.kind, log.amazon_account).where(untitled).distinct().run()
	for kind, account in pairs:
		same = (log.kind == kind) if kind is not None else log.kind.isnull()
		same &= (log.amazon_account == account) if account is not None else log.amazon_account.isnull()
		frappe.qb.update(log).set(log.title, log_title(kind, account)).where(untitled & same).run()
