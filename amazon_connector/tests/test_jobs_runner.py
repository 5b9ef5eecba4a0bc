"""Jobs, scheduler, lock, permissions and the sync log, on a real bench against the simulator."""

from __future__ import annotations

import json
import time
from unittest.mock import patch

import frappe
from frappe.utils.background_jobs import get_job, is_job_enqueued

from amazon_connector import api, tasks
from amazon_connector.core.engine.pipeline import Pipeline
from amazon_connector.core.ports import SyncLocked
from amazon_connector.erpnext_adapter import connection
from amazon_connector.locks import AccountLock, current_holder
from amazon_connector.runner import options, queue
from amazon_connector.runner import run as jobs
from amazon_connector.runner.sync_log import update_open_failures
from amazon_connector.tests.factories import make_user
from amazon_connector.tests.sim_support import TestCase, runtime_for, simulated_settings, start_simulator

NO_ROLE_USER = "amazon-no-role@example.com"
MANAGER_USER = "amazon-manager@example.com"


class JobTestCase(TestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.sim = start_simulator()
		cls.addClassCleanup(cls.sim.stop)

	def setUp(self):
		patcher = patch.object(options.OPTIONS, "runtime", runtime_for(self.sim))
		patcher.start()
		self.addCleanup(patcher.stop)
		frappe.set_user("Administrator")
		self.addCleanup(frappe.set_user, "Administrator")

	def logs(self, account, **filters):
		return frappe.get_all(
			"Amazon Sync Log",
			filters={"amazon_account": account, **filters},
			fields=[
				"name",
				"kind",
				"status",
				"started",
				"ended",
				"created_count",
				"failed_count",
				"creation",
			],
			order_by="creation asc, name asc",
		)


class TestButtons(JobTestCase):
	def test_pressing_twice_enqueues_exactly_one_job(self):
		doc = simulated_settings(self.sim, "_Test Amazon Buttons")
		job_id = queue.sync_job_id(doc.name)
		self.addCleanup(lambda: (job := get_job(job_id)) and job.delete())
		# Really queue on Redis (as outside tests); this bench has no worker, so the job stays queued.
		with patch.object(options.OPTIONS, "jobs_in_process", False):
			first = api.sync_orders(doc.name)
			second = api.sync_orders(doc.name)
			third = api.sync_products(doc.name)
		self.assertTrue(is_job_enqueued(job_id))
		job = get_job(job_id)
		self.assertEqual(job.origin.rsplit(":", 1)[-1], "long")
		self.assertEqual(job.timeout, queue.JOB_TIMEOUT)
		# New accounts make Sales Invoices: the orders button invoices what shipped, right after.
		self.assertEqual(job.kwargs["kwargs"]["stages"], ["orders", "invoices"])
		self.assertIn("started", first)
		self.assertIn("already", second)
		self.assertIn("already", third)
		from frappe.utils.background_jobs import get_queue

		# RQ's id of the job (Frappe 16 writes the id's colons as "|"): once in the queue.
		queued = [j for j in get_queue("long").job_ids if j == job.id]
		self.assertEqual(len(queued), 1)

	def test_a_started_job_whose_worker_died_is_forgotten_once_the_lock_is_free(self):
		from datetime import datetime, timedelta, timezone

		from rq.job import JobStatus

		doc = simulated_settings(self.sim, "_Test Amazon Dead Job")
		job_id = queue.sync_job_id(doc.name)
		self.addCleanup(lambda: (job := get_job(job_id)) and job.delete())
		with patch.object(options.OPTIONS, "jobs_in_process", False):
			self.assertTrue(queue.enqueue_sync(doc.name, ["orders"]))
			job = get_job(job_id)
			# As RQ leaves the job of a worker killed two minutes ago: "started", for up to six hours.
			job.set_status(JobStatus.STARTED)
			job.started_at = datetime.now(timezone.utc) - timedelta(minutes=2)
			job.save()
			with AccountLock(doc.name, "orders"):  # its lock still held: it may be running
				self.assertFalse(queue.forget_dead_sync_job(doc.name))
				self.assertFalse(queue.enqueue_sync(doc.name, ["orders"]))
			job.started_at = datetime.now(timezone.utc) - timedelta(seconds=5)
			job.save()
			self.assertFalse(queue.forget_dead_sync_job(doc.name))  # just started: not yet locked
			job.started_at = datetime.now(timezone.utc) - timedelta(minutes=2)
			job.save()
			# Lock free, started long ago: dead. The next enqueue queues a new job.
			self.assertTrue(queue.enqueue_sync(doc.name, ["orders"]))
		self.assertEqual(get_job(job_id).get_status(), JobStatus.QUEUED)

	def test_button_runs_the_job_and_writes_a_log(self):
		doc = simulated_settings(self.sim, "_Test Amazon Button Run")
		message = api.sync_products(doc.name)  # in tests the job runs at once (now=True)
		self.assertIn("started", message)
		logs = self.logs(doc.name)
		self.assertEqual([log.kind for log in logs], ["products"])
		self.assertIn(logs[0].status, ("Success", "Partial Success"))
		log = frappe.get_doc("Amazon Sync Log", logs[0].name)
		handled = log.created_count + log.updated_count + log.unchanged_count + log.failed_count
		self.assertGreater(handled, 0)
		self.assertTrue(log.ended and log.api_calls)

	def test_test_connection_button_enqueues_its_job(self):
		doc = simulated_settings(self.sim, "_Test Amazon Button Test", marketplaces=[])
		api.test_connection(doc.name)
		doc.reload()
		self.assertEqual(len(doc.marketplaces), 1)

	def test_user_without_the_role_is_refused(self):
		doc = simulated_settings(self.sim, "_Test Amazon Permissions")
		frappe.set_user(make_user(NO_ROLE_USER, ["Sales User"]))
		for method in (api.sync_products, api.sync_orders, api.sync_fees, api.test_connection):
			with self.assertRaises(frappe.PermissionError):
				method(doc.name)
		frappe.set_user("Administrator")
		self.assertEqual(self.logs(doc.name), [])

	def test_connector_manager_may_run(self):
		doc = simulated_settings(self.sim, "_Test Amazon Manager")
		frappe.set_user(make_user(MANAGER_USER, ["Amazon Connector Manager"]))
		self.assertIn("started", api.sync_products(doc.name))


class TestScheduler(JobTestCase):
	def test_due_stages_follow_the_frequencies(self):
		doc = simulated_settings(
			self.sim, "_Test Amazon Due", product_sync_frequency="Daily", order_sync_frequency="Hourly"
		)
		now = frappe.utils.now_datetime()
		self.assertEqual(
			tasks.due_stages(doc, now), ["products", "orders", "invoices", "fees", "fba_inventory"]
		)
		doc.last_product_sync = frappe.utils.add_to_date(now, hours=-2)
		doc.last_order_sync = frappe.utils.add_to_date(now, minutes=-20)
		doc.last_fba_inventory_sync = frappe.utils.add_to_date(now, minutes=-30)
		self.assertEqual(tasks.due_stages(doc, now), [])
		doc.last_fba_inventory_sync = frappe.utils.add_to_date(now, minutes=-61)
		self.assertEqual(tasks.due_stages(doc, now), ["fba_inventory"])
		doc.fba_inventory_frequency = "Never"
		self.assertEqual(tasks.due_stages(doc, now), [])
		doc.last_order_sync = frappe.utils.add_to_date(now, minutes=-61)
		doc.sync_fees = 0
		self.assertEqual(tasks.due_stages(doc, now), ["orders", "invoices"])
		doc.make_sales_invoices = 0
		self.assertEqual(tasks.due_stages(doc, now), ["orders"])
		doc.order_sync_frequency = "Never"
		self.assertEqual(tasks.due_stages(doc, now), [])

	def test_prices_follow_the_stock_push_schedule_and_listings_health_its_own(self):
		doc = simulated_settings(
			self.sim,
			"_Test Amazon Due Listings",
			fba_inventory_frequency="Never",
			push_prices=1,
			stock_push_frequency="Every 5 Minutes",
			listing_health_frequency="Daily",
		)
		now = frappe.utils.now_datetime()
		self.assertEqual(tasks.due_stages(doc, now), ["price_push", "listing_health"])
		doc.last_price_push = frappe.utils.add_to_date(now, minutes=-2)
		doc.last_listing_health_check = frappe.utils.add_to_date(now, hours=-3)
		self.assertEqual(tasks.due_stages(doc, now), [])
		doc.last_price_push = frappe.utils.add_to_date(now, minutes=-6)
		doc.last_listing_health_check = frappe.utils.add_to_date(now, hours=-25)
		self.assertEqual(tasks.due_stages(doc, now), ["price_push", "listing_health"])
		doc.push_prices = 0
		doc.listing_health_frequency = "Never"
		self.assertEqual(tasks.due_stages(doc, now), [])

	def test_scheduler_runs_products_before_orders(self):
		doc = simulated_settings(
			self.sim,
			"_Test Amazon Scheduled",
			product_sync_frequency="Daily",
			order_sync_frequency="Hourly",
			sync_fees=0,
			fba_inventory_frequency="Never",
		)
		started = []
		real_engine = Pipeline.engine

		def engine(run, stage):
			started.append(stage)
			return real_engine(run, stage)

		with (
			patch.object(Pipeline, "engine", engine),
			patch.object(tasks, "enabled_accounts", return_value=[doc.name]),
		):
			tasks.enqueue_due_syncs()
		self.assertEqual(started, ["products", "orders", "invoices"])
		logs = self.logs(doc.name)
		self.assertEqual([log.kind for log in logs], ["products", "orders", "invoices"])
		self.assertLessEqual(logs[0].ended, logs[1].started)
		self.assertLessEqual(logs[1].ended, logs[2].started)
		doc.reload()
		self.assertTrue(doc.last_product_sync and doc.last_order_sync)
		# Nothing is due right after the run.
		self.assertEqual(tasks.due_stages(doc, frappe.utils.now_datetime()), [])


class TestLock(JobTestCase):
	def test_second_simultaneous_run_is_refused(self):
		doc = simulated_settings(self.sim, "_Test Amazon Locked")
		with AccountLock(doc.name, "orders"):
			with self.assertRaises(SyncLocked) as caught:
				jobs.run_sync(doc.name, ["products"], triggered_by="manual")
			self.assertIn("orders", str(caught.exception))
		skipped = self.logs(doc.name, status="Skipped")
		self.assertEqual(len(skipped), 1)
		self.assertIsNone(current_holder(doc.name))
		# Free again: the next run goes ahead.
		jobs.run_sync(doc.name, ["products"], dry_run=True)
		self.assertEqual(len(self.logs(doc.name, status=("!=", "Skipped"))), 1)

	def test_stale_lock_of_a_crashed_worker_expires(self):
		doc = simulated_settings(self.sim, "_Test Amazon Stale")
		crashed = AccountLock(doc.name, "orders", ttl=1, heartbeat=False)
		crashed.acquire()  # and never released, as by a killed worker
		with self.assertRaises(SyncLocked):
			AccountLock(doc.name, "products").acquire()
		deadline = time.monotonic() + 10
		while current_holder(doc.name) and time.monotonic() < deadline:
			time.sleep(0.2)
		with AccountLock(doc.name, "products"):
			self.assertEqual(current_holder(doc.name)["kind"], "products")

	def test_heartbeat_keeps_a_long_run_locked(self):
		doc = simulated_settings(self.sim, "_Test Amazon Heartbeat")
		with AccountLock(doc.name, "orders", ttl=1):
			time.sleep(1.5)  # longer than the TTL: only the heartbeat keeps it
			self.assertIsNotNone(current_holder(doc.name))


class TestSyncLog(JobTestCase):
	def test_log_carries_counts_usage_and_failures_and_retry(self):
		# No Items and "Fail Order": every priced order fails on its unknown SKUs, with its Amazon id.
		doc = simulated_settings(self.sim, "_Test Amazon Log", unknown_sku_policy="Fail Order")
		[result] = jobs.run_sync(doc.name, ["orders"], dry_run=True)
		log = frappe.get_doc("Amazon Sync Log", result.log)
		self.assertEqual(log.kind, "orders")
		self.assertEqual(log.dry_run, 1)
		self.assertGreater(log.failed_count, 0)
		self.assertEqual(log.failed_count, result.report.counts["failed"])
		self.assertEqual(log.status, "Failed" if not log.skipped_count + log.created_count else log.status)
		self.assertTrue(log.windows)
		self.assertGreater(json.loads(log.api_calls).get("searchOrders", 0), 0)
		order_failures = [row for row in log.failures if row.record_kind == "order"]
		self.assertTrue(order_failures)
		for row in order_failures:
			self.assertRegex(row.amazon_id, r"^\d{3}-\d{7}-\d{7}$")
			self.assertTrue(row.reason)

		# Retry from the log, now allowing Items to be created: the orders go through.
		frappe.db.set_value("Amazon Settings", doc.name, "unknown_sku_policy", "Create Item")
		log.db_set("dry_run", 0)
		update_open_failures(log.name)  # as a real run's log would have them
		self.assertEqual(frappe.db.get_value("Amazon Sync Log", log.name, "open_failures"), len(log.failures))
		retry = jobs.retry_failures(log.name)
		retry_log = frappe.get_doc("Amazon Sync Log", retry.log)
		self.assertEqual(retry_log.kind, "retry")
		self.assertIn(log.name, retry_log.triggered_by)
		self.assertEqual(json.loads(retry_log.api_calls).get("getOrder"), len(order_failures))
		log.reload()
		self.assertTrue(all(row.retried for row in log.failures))
		self.assertEqual(log.open_failures, 0)  # "Syncs With Failures" no longer lists it

	def test_crashed_stage_still_leaves_a_failed_log(self):
		doc = simulated_settings(self.sim, "_Test Amazon Crash", endpoint_url="http://127.0.0.1:9")
		[result] = jobs.run_sync(doc.name, ["orders"], dry_run=True)
		log = frappe.get_doc("Amazon Sync Log", result.log)
		self.assertIn(log.status, ("Failed", "Partial Success"))
		self.assertGreater(log.failed_count, 0)
		self.assertTrue(log.failures[0].reason)

	def test_old_logs_are_pruned_by_log_clearing(self):
		from frappe.core.doctype.log_settings.log_settings import _supports_log_clearing

		self.assertTrue(_supports_log_clearing("Amazon Sync Log"))
		doc = simulated_settings(self.sim, "_Test Amazon Prune")
		[result] = jobs.run_sync(doc.name, ["orders"], dry_run=True)
		frappe.db.set_value(
			"Amazon Sync Log", result.log, "modified", frappe.utils.add_days(None, -40), update_modified=False
		)
		from amazon_connector.amazon_connector.doctype.amazon_sync_log.amazon_sync_log import AmazonSyncLog

		AmazonSyncLog.clear_old_logs(days=30)
		self.assertFalse(frappe.db.exists("Amazon Sync Log", result.log))
		self.assertFalse(frappe.db.exists("Amazon Sync Failure", {"parent": result.log}))


class TestSecrets(JobTestCase):
	SECRET = "test-client-secret-never-logged"
	TOKEN = "test-refresh-token-never-logged"

	def test_no_secret_in_any_log_or_error_record(self):
		# Wrong credentials: LWA refuses them, Amazon's answer and our errors travel to every log.
		doc = simulated_settings(
			self.sim, "_Test Amazon Secrets", lwa_client_secret=self.SECRET, refresh_token=self.TOKEN
		)
		connection.test_connection(doc.name)
		results = jobs.run_sync(doc.name, ["products", "orders", "fees"])
		self.assertTrue(results)
		# And a run with the right secret, whose tokens and records are logged as usual.
		good = simulated_settings(self.sim, "_Test Amazon Secrets OK")
		jobs.run_sync(good.name, ["orders"], dry_run=True)
		secrets = [
			self.SECRET,
			self.TOKEN,
			self.sim.account["client_secret"],
			self.sim.account["refresh_token"],
		]
		tables = {
			"tabAmazon Sync Log": ["messages", "windows", "events", "api_calls", "triggered_by"],
			"tabAmazon Sync Failure": ["amazon_id", "reason", "detail"],
			"tabError Log": ["error", "method"],
			"tabVersion": ["data"],
			"tabComment": ["content"],
		}
		self.assertTrue(frappe.db.count("Amazon Sync Log", {"amazon_account": doc.name}))
		self.assertTrue(frappe.db.count("Error Log", {"reference_name": doc.name}))
		for secret in secrets:
			for table, columns in tables.items():
				for column in columns:
					hits = frappe.db.sql(
						f"select count(*) from `{table}` where `{column}` like %s", (f"%{secret}%",)
					)
					self.assertEqual(hits[0][0], 0, f"{table}.{column} holds a secret")
