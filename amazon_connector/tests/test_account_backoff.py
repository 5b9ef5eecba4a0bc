"""Back-off for failing accounts (`runner.backoff`), on a real bench against the simulator: wrong
credentials are tried 15 min -> 1 h -> 6 h -> daily, with one Error Log per streak, the state on the
record, and the streak ended by a run that works, a manual sync or new credentials."""

from __future__ import annotations

from datetime import timedelta
from unittest.mock import patch

import frappe
from frappe.utils import add_to_date, get_datetime, now_datetime
from frappe.utils.password import set_encrypted_password

from amazon_connector import tasks
from amazon_connector.runner import backoff, options
from amazon_connector.runner import run as runner
from amazon_connector.tests.sim_support import TestCase, runtime_for, simulated_settings, start_simulator

WRONG_SECRET = "wrong-client-secret-for-backoff"


class TestAccountBackoff(TestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.sim = start_simulator(sku_prefix="BACKOFF-")  # no Item on the site has its SKUs
		cls.addClassCleanup(cls.sim.stop)

	def setUp(self):
		self.started = now_datetime()
		patcher = patch.object(options.OPTIONS, "runtime", runtime_for(self.sim))
		patcher.start()
		self.addCleanup(patcher.stop)

	def state(self, account):
		return frappe.db.get_value("Amazon Settings", account, list(backoff.STATE_FIELDS), as_dict=True)

	def error_logs(self, account) -> int:
		"""The account's Error Logs since the test began (Error Logs of earlier runs of the suite stay)."""
		return frappe.db.count(
			"Error Log",
			{
				"reference_doctype": "Amazon Settings",
				"reference_name": account,
				"creation": (">=", self.started),
			},
		)

	def scheduled_run(self, account):
		return runner.run_sync(account, ["products", "orders"], triggered_by=runner.SCHEDULER)

	def test_wrong_credentials_back_off_step_by_step_with_one_error_log(self):
		doc = simulated_settings(self.sim, "_Test Amazon Backoff", lwa_client_secret=WRONG_SECRET)
		expected = [timedelta(minutes=15), timedelta(hours=1), timedelta(hours=6), timedelta(days=1)]
		for run, delay in enumerate([*expected, timedelta(days=1)], start=1):
			before = now_datetime()
			self.scheduled_run(doc.name)
			state = self.state(doc.name)
			self.assertEqual(state.failed_runs, run)
			waited = get_datetime(state.next_attempt) - before
			self.assertGreaterEqual(waited, delay - timedelta(seconds=1))
			self.assertLess(waited, delay + timedelta(minutes=1))
			self.assertTrue(state.last_error)
			self.assertNotIn(WRONG_SECRET, state.last_error)
			# One Error Log for the whole streak, linked from the record.
			self.assertEqual(self.error_logs(doc.name), 1)
			self.assertTrue(frappe.db.exists("Error Log", state.failure_error_log))
		error = frappe.get_doc("Error Log", self.state(doc.name).failure_error_log)
		self.assertNotIn(WRONG_SECRET, error.error)
		self.assertNotIn(self.sim.account["refresh_token"], error.error + state.last_error)

	def test_scheduler_leaves_a_backing_off_account_alone_until_its_next_attempt(self):
		doc = simulated_settings(
			self.sim,
			"_Test Amazon Backoff Tick",
			lwa_client_secret=WRONG_SECRET,
			product_sync_frequency="Hourly",
			order_sync_frequency="Every 15 Minutes",
		)
		self.scheduled_run(doc.name)
		logs = frappe.db.count("Amazon Sync Log", {"amazon_account": doc.name})
		with patch.object(tasks, "enabled_accounts", return_value=[doc.name]):
			# Due by its frequencies (nothing ever succeeded), but waiting out its back-off.
			tasks.enqueue_due_syncs()
			self.assertEqual(frappe.db.count("Amazon Sync Log", {"amazon_account": doc.name}), logs)
			frappe.db.set_value(
				"Amazon Settings", doc.name, "next_attempt", add_to_date(now_datetime(), minutes=-1)
			)
			tasks.enqueue_due_syncs()
		self.assertGreater(frappe.db.count("Amazon Sync Log", {"amazon_account": doc.name}), logs)
		self.assertEqual(self.state(doc.name).failed_runs, 2)
		self.assertEqual(self.error_logs(doc.name), 1)

	def test_a_run_that_works_ends_the_streak(self):
		doc = simulated_settings(self.sim, "_Test Amazon Backoff Mend", lwa_client_secret=WRONG_SECRET)
		self.scheduled_run(doc.name)
		self.assertTrue(self.state(doc.name).failing_since)
		# Mended behind the form's back (no save): the next scheduled run works and ends the streak.
		set_encrypted_password(
			"Amazon Settings", doc.name, self.sim.account["client_secret"], "lwa_client_secret"
		)
		self.scheduled_run(doc.name)
		state = self.state(doc.name)
		self.assertIsNone(state.failing_since)
		self.assertIsNone(state.next_attempt)
		self.assertEqual(state.failed_runs, 0)

	def test_new_credentials_end_the_streak_on_save(self):
		doc = simulated_settings(self.sim, "_Test Amazon Backoff Save", lwa_client_secret=WRONG_SECRET)
		self.scheduled_run(doc.name)
		doc.reload()
		doc.save()  # saving without a change keeps the back-off
		self.assertTrue(self.state(doc.name).failing_since)
		doc.lwa_client_secret = self.sim.account["client_secret"]
		doc.save()
		self.assertIsNone(self.state(doc.name).failing_since)

	def test_a_manual_sync_tries_at_once_and_starts_a_new_streak(self):
		doc = simulated_settings(self.sim, "_Test Amazon Backoff Manual", lwa_client_secret=WRONG_SECRET)
		self.scheduled_run(doc.name)
		self.scheduled_run(doc.name)
		self.assertEqual(self.state(doc.name).failed_runs, 2)
		runner.run_sync(doc.name, ["orders"], triggered_by="manual")
		state = self.state(doc.name)
		self.assertEqual(state.failed_runs, 1)  # the manual run began a streak of its own
		self.assertLess(get_datetime(state.next_attempt) - now_datetime(), timedelta(minutes=16))
		self.assertEqual(self.error_logs(doc.name), 2)

	def test_a_run_that_cannot_start_backs_off_without_an_error_log_each_time(self):
		doc = simulated_settings(self.sim, "_Test Amazon Backoff Missing")
		frappe.db.delete("__Auth", {"doctype": "Amazon Settings", "name": doc.name})
		for _run in range(3):
			with self.assertRaises(runner.AccountFailing) as caught:
				self.scheduled_run(doc.name)
			self.assertIn("no LWA client secret or refresh token", str(caught.exception))
		state = self.state(doc.name)
		self.assertEqual(state.failed_runs, 3)
		self.assertIn("no LWA client secret or refresh token", state.last_error)
		self.assertEqual(self.error_logs(doc.name), 1)

	def test_failed_records_are_not_an_account_failure(self):
		# A seller of its own (order ids and SKUs no run has imported) and "Fail Order": every order fails
		# on its unknown SKUs, while the account itself is fine.
		sim = start_simulator(seed=77, sku_prefix="BACKOFF-RECORDS-")
		self.addCleanup(sim.stop)
		with patch.object(options.OPTIONS, "runtime", runtime_for(sim)):
			doc = simulated_settings(sim, "_Test Amazon Backoff Records", unknown_sku_policy="Fail Order")
			[result] = runner.run_sync(doc.name, ["orders"], triggered_by=runner.SCHEDULER)
		self.assertGreater(result.report.counts.get("failed", 0), 0, result.report)
		self.assertIsNone(self.state(doc.name).failing_since)

	def test_delays_grow_and_stay_daily(self):
		self.assertEqual(
			[backoff.delay_after(n) for n in (1, 2, 3, 4, 9)],
			[
				timedelta(minutes=15),
				timedelta(hours=1),
				timedelta(hours=6),
				timedelta(days=1),
				timedelta(days=1),
			],
		)
