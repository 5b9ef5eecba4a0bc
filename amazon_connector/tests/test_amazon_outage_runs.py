"""A run while Amazon is out, on a real bench: the orders stage cannot reach Amazon (nobody listens at
the account's endpoint) and fails; the invoices and fees stages after it are not run and their logs
say Failed, naming the orders stage and Amazon's reason; the workspace's last run of the account
reads Failed, and the not-run stages keep their last sync. With the credentials refused by Amazon's
login service, every stage of an import fails or is not run, so the account backs off."""

from __future__ import annotations

import socket
from unittest.mock import patch

import frappe

from amazon_connector.dashboard import accounts_at_a_glance
from amazon_connector.runner import backoff, options
from amazon_connector.runner import run as runner
from amazon_connector.runner.options import Runtime
from amazon_connector.spapi.client import SpApiSession
from amazon_connector.spapi.retry import RetryPolicy
from amazon_connector.tests.sim_support import TestCase, simulated_settings, start_simulator


def closed_port_url() -> str:
	"""A loopback URL nobody listens on (bind a port, then release it)."""
	with socket.socket() as sock:
		sock.bind(("127.0.0.1", 0))
		port = sock.getsockname()[1]
	return f"http://127.0.0.1:{port}"


class TestAmazonOutageRuns(TestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.sim = start_simulator(sku_prefix="OUTAGE-")
		cls.addClassCleanup(cls.sim.stop)

	def setUp(self):
		# One attempt a call: a refused connection is not worth the default retries' waits here.
		runtime = Runtime(
			session_factory=lambda config: SpApiSession(config, retry=RetryPolicy(max_attempts=1)),
			now=self.sim.now,
		)
		patcher = patch.object(options.OPTIONS, "runtime", runtime)
		patcher.start()
		self.addCleanup(patcher.stop)

	def logs_of(self, results) -> dict:
		return {r.stage: frappe.get_doc("Amazon Sync Log", r.log) for r in results}

	def test_unreachable_amazon_fails_the_run_and_the_stages_after_orders_are_not_run(self):
		doc = simulated_settings(
			self.sim, "_Test Amazon Outage", endpoint_url=closed_port_url(), make_sales_invoices=1
		)
		results = runner.run_sync(doc.name, ["orders", "invoices", "fees"], triggered_by="manual")
		logs = self.logs_of(results)
		self.assertEqual(list(logs), ["orders", "invoices", "fees"])
		self.assertEqual(logs["orders"].status, "Failed")
		self.assertIn("Could not reach Amazon (127.0.0.1)", logs["orders"].failures[0].reason)
		self.assertIn("try again. The next run resumes", logs["orders"].messages)
		for stage in ("invoices", "fees"):
			log = logs[stage]
			self.assertEqual(log.status, "Failed", stage)
			self.assertTrue(
				log.messages.startswith("Not run: the Orders stage could not reach Amazon: Could not reach"),
				log.messages,
			)
			self.assertEqual(log.failed_count, 1)
			self.assertEqual([row.record_kind for row in log.failures], [stage])
		# Not run: the fees stage's last sync stays empty (it never synced).
		self.assertFalse(frappe.db.get_value("Amazon Settings", doc.name, "last_fee_sync"))
		# What the workspace shows of the account: its last run, Failed.
		[row] = [r for r in accounts_at_a_glance() if r["account"] == doc.name]
		self.assertEqual(row["last_run"]["log"], logs["fees"].name)
		self.assertEqual(row["last_run"]["status"], "Failed")

	def test_credentials_refused_start_the_back_off_even_with_invoices_in_the_run(self):
		doc = simulated_settings(
			self.sim,
			"_Test Amazon Outage Refused",
			lwa_client_secret="wrong-client-secret-for-outage",
			make_sales_invoices=1,
		)
		results = runner.run_sync(
			doc.name, ["products", "orders", "invoices", "fees"], triggered_by=runner.SCHEDULER
		)
		logs = self.logs_of(results)
		self.assertEqual({log.status for log in logs.values()}, {"Failed"})
		self.assertTrue(
			logs["invoices"].messages.startswith(
				"Not run: Amazon refused the account's credentials in the Products stage"
			),
			logs["invoices"].messages,
		)
		state = frappe.db.get_value("Amazon Settings", doc.name, list(backoff.STATE_FIELDS), as_dict=True)
		self.assertTrue(state.failing_since)
		self.assertEqual(state.failed_runs, 1)
		self.assertNotIn("wrong-client-secret-for-outage", state.last_error + logs["invoices"].messages)
