"""Log Settings prunes old sync logs, but never one that still lists something to do: a failed record
not yet retried, or amounts Amazon reported that are not booked and not marked dealt with."""

from __future__ import annotations

import json

import frappe
from frappe.utils import add_days, now_datetime

from amazon_connector.amazon_connector.doctype.amazon_sync_log.amazon_sync_log import AmazonSyncLog
from amazon_connector.tests import factories as f
from amazon_connector.tests.base import TestCase

REFUND = [{"event_type": "Refund", "amazon_id": "111-0000000-0000001", "currency": "USD", "amount": "-12.00"}]


class TestSyncLogKeeping(TestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.settings = f.make_amazon_settings(f.make_company(), account_name="_Test Amazon Log Keeping")

	def tearDown(self):
		# Log Settings' clear_logs commits: the logs made here would outlive the run, and the next run
		# on the site would find them among its own.
		logs = frappe.get_all("Amazon Sync Log", {"amazon_account": self.settings.name}, pluck="name")
		if logs:
			frappe.db.delete("Amazon Sync Failure", {"parent": ("in", logs)})
			frappe.db.delete("Amazon Sync Log", {"name": ("in", logs)})
		frappe.db.commit()
		super().tearDown()

	def old_log(self, *, status="Success", failures=(), events=None, reviewed=0) -> str:
		log = frappe.get_doc(
			{
				"doctype": "Amazon Sync Log",
				"amazon_account": self.settings.name,
				"kind": "fees",
				"status": status,
				"started": now_datetime(),
				"events": json.dumps(events) if events is not None else None,
				"events_reviewed": reviewed,
				"failures": [
					dict(record_kind="fee", amazon_id=i, reason="boom", retried=r) for i, r in failures
				],
			}
		).insert(ignore_permissions=True)
		frappe.db.set_value(
			"Amazon Sync Log", log.name, "modified", add_days(None, -40), update_modified=False
		)
		return log.name

	def test_only_logs_with_nothing_left_to_do_are_pruned(self):
		clean = self.old_log()
		empty_events = self.old_log(events=[])
		retried = self.old_log(status="Partial Success", failures=[("111-1", 1)])
		open_failure = self.old_log(status="Partial Success", failures=[("111-2", 0), ("111-3", 1)])
		money = self.old_log(events=REFUND)
		money_dealt_with = self.old_log(events=REFUND, reviewed=1)
		running = self.old_log(status="Running")
		recent = self.old_log()
		frappe.db.set_value("Amazon Sync Log", recent, "modified", now_datetime(), update_modified=False)

		AmazonSyncLog.clear_old_logs(days=30)

		made = {clean, empty_events, retried, open_failure, money, money_dealt_with, running, recent}
		kept = {name for name in made if frappe.db.exists("Amazon Sync Log", name)}
		self.assertEqual(kept, {open_failure, money, running, recent})
		self.assertFalse({clean, empty_events, retried, money_dealt_with} & kept)
		self.assertFalse(frappe.db.exists("Amazon Sync Failure", {"parent": retried}))
		self.assertEqual(frappe.db.count("Amazon Sync Failure", {"parent": open_failure}), 2)

	def test_log_settings_runs_the_same_rule(self):
		money = self.old_log(events=REFUND)
		clean = self.old_log()
		settings = frappe.get_single("Log Settings")
		settings.register_doctype("Amazon Sync Log", 30)
		settings.clear_logs()
		self.assertTrue(frappe.db.exists("Amazon Sync Log", money))
		self.assertFalse(frappe.db.exists("Amazon Sync Log", clean))


class TestInterruptedLogs(TestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.settings = f.make_amazon_settings(f.make_company(), account_name="_Test Amazon Interrupted")

	def running_log(self) -> str:
		return (
			frappe.get_doc(
				{
					"doctype": "Amazon Sync Log",
					"amazon_account": self.settings.name,
					"kind": "orders",
					"status": "Running",
					"started": now_datetime(),
				}
			)
			.insert(ignore_permissions=True)
			.name
		)

	def test_the_next_run_closes_a_dead_runs_log_as_interrupted(self):
		from amazon_connector.runner.run import _locked

		dead = self.running_log()
		with _locked(self.settings.name, "orders", "test", False):
			self.assertEqual(frappe.db.get_value("Amazon Sync Log", dead, "status"), "Interrupted")
		log = frappe.get_doc("Amazon Sync Log", dead)
		self.assertTrue(log.ended)
		self.assertIn("next run goes on", log.messages)

	def test_the_scheduler_closes_it_once_the_lock_has_expired(self):
		from amazon_connector import tasks

		dead = self.running_log()
		tasks.enqueue_due_syncs()  # nobody holds the account's lock
		self.assertEqual(frappe.db.get_value("Amazon Sync Log", dead, "status"), "Interrupted")
