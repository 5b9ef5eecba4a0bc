"""Orders end to end: simulator -> access layer -> OrderSync -> ERPNext, checked against the world JSON.

- a backfill creates exactly the world's orders, each Sales Order's grand total and currency equal to
  the order's proceeds.grandTotal; a second run creates nothing;
- a run killed midway (crash after some orders, losing what was not committed yet) or stopped by a
  failing search, then run again, ends with the uninterrupted result and no duplicates;
- a cancellation on Amazon cancels the Sales Order; one with a Delivery Note is flagged instead;
- one malformed order fails alone, reported with its Amazon id, while the others land;
- after syncs with failures (through the job runner, so the Amazon Sync Log is written too) no
  secret appears in any log table or log output.
"""

from __future__ import annotations

import json
import logging

import frappe
from frappe.utils import flt

from amazon_connector.spapi.source import SpApiSource
from amazon_connector.tests import e2e_support as e2e
from amazon_connector.tests.e2e_support import TestCase

# Emulates the job runner's commit policy (runner.commits.CommittingPort commits after every checkpoint and
# every few records) so that a simulated crash loses exactly what a real one would.
COMMIT_EVERY = 7


class Killed(BaseException):
	"""The worker died (not an Exception: nothing in the engine may catch it)."""


class CrashingPort:
	"""The real port; 'commits' (savepoints) like the job runner, between records and after each
	checkpoint, and dies before the N-th upsert, losing everything since the last commit, as a
	crash would."""

	COMMIT = "e2e_commit_point"

	def __init__(self, port, crash_before_upsert: int):
		self._port = port
		self._crash_at = crash_before_upsert
		self.upserts = 0
		self.committed_upserts = 0
		self._since_commit = 0
		frappe.db.savepoint(self.COMMIT)

	def __getattr__(self, name):
		return getattr(self._port, name)

	def _commit(self):
		frappe.db.savepoint(self.COMMIT)
		self._since_commit = 0
		self.committed_upserts = self.upserts

	def set_checkpoint(self, kind, value):
		self._port.set_checkpoint(kind, value)
		self._commit()

	def upsert_sales_order(self, draft):
		if self.upserts + 1 == self._crash_at:
			frappe.db.rollback(save_point=self.COMMIT)
			raise Killed(f"worker killed before order {draft.amazon_order_id}")
		outcome = self._port.upsert_sales_order(draft)
		self.upserts += 1
		self._since_commit += 1
		return outcome

	def record_scope(self, kind, amazon_id):
		# Commit points sit between records: a savepoint set inside a record's scope would go when
		# that scope's own savepoint is released.
		if self._since_commit >= COMMIT_EVERY:
			self._commit()
		return self._port.record_scope(kind, amazon_id)


class OrdersCheck:
	def assert_orders_match_world(self, account: e2e.SimAccount, skip: set[str] = frozenset()):
		expected = {
			order_id: value
			for order_id, value in e2e.expected_orders(account.world, account.start).items()
			if order_id not in skip
		}
		self.assertGreater(len(expected), 10)
		imported = e2e.sales_orders(account.name)
		self.assertEqual(set(imported), set(expected))
		wrong = {
			order_id: ((row.currency, flt(row.grand_total)), (currency, float(total)))
			for order_id, row in imported.items()
			for currency, total in [expected[order_id]]
			if row.currency != currency or flt(row.grand_total, 2) != float(total)
		}
		self.assertFalse(wrong, "Sales Orders whose currency or grand total differ from Amazon's")
		self.assertEqual(e2e.duplicated_order_ids(account.name), [])
		return expected


class TestE2EOrderBackfill(TestCase, OrdersCheck):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.account = e2e.start_account(
			seed=21, orders=60, account_name="_Test E2E Orders", marketplaces=("US", "UK", "DE", "JP")
		)
		cls.addClassCleanup(cls.account.stop)
		frappe.db.set_single_value("Stock Settings", "allow_negative_stock", 1)

	def test_backfill_is_exact_idempotent_and_follows_cancellations(self):
		account = self.account
		_, orders, _ = account.engines()
		report = orders.run()
		self.assertFalse(report.failures, e2e.failure_lines(report)[:5])
		expected = self.assert_orders_match_world(account)
		self.assertEqual(report.counts["created"], len(expected))
		self.assertGreater(len({currency for currency, _ in expected.values()}), 2)

		_, again, _ = account.engines()
		second = again.run()
		self.assertFalse(second.failures, e2e.failure_lines(second)[:5])
		self.assertEqual(second.counts["created"], 0)
		self.assertEqual(second.counts["updated"], 0)
		self.assertEqual(len(e2e.sales_orders(account.name)), len(expected))

		# Two accepted (unshipped, submitted) orders are cancelled on Amazon; one was delivered already.
		unshipped = [
			o["orderId"]
			for o in account.world["orders"]
			if o["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED" and o["orderId"] in expected
		]
		self.assertGreaterEqual(len(unshipped), 2, "the world needs two unshipped orders")
		plain, delivered = unshipped[:2]
		imported = e2e.sales_orders(account.name)
		self.assertEqual(imported[plain].docstatus, 1)
		self.assertEqual(imported[delivered].docstatus, 1)
		delivery_note = self.deliver(imported[delivered].name)

		account.sim.transition_order(plain, "CANCELLED")
		account.sim.transition_order(delivered, "CANCELLED")
		account.sim.advance_clock(600)  # past Amazon's two-minute settling time
		_, third, _ = account.engines()
		report = third.run()
		self.assertFalse(report.failures, e2e.failure_lines(report)[:5])
		self.assertEqual(report.counts["cancelled"], 1)
		self.assertEqual(report.counts["flagged"], 1)
		self.assertEqual(report.counts["created"], 0)

		imported = e2e.sales_orders(account.name)
		self.assertEqual(imported[plain].docstatus, 2)
		self.assertEqual(imported[delivered].docstatus, 1)
		self.assertTrue(imported[delivered].amazon_attention)
		self.assertIn("deliver", imported[delivered].amazon_attention.lower())
		self.assertEqual(frappe.db.get_value("Delivery Note", delivery_note, "docstatus"), 1)
		untouched = set(imported) - {plain, delivered}
		self.assertTrue(all(imported[o].docstatus == 1 or imported[o].docstatus == 0 for o in untouched))
		self.assertFalse([o for o in untouched if imported[o].amazon_attention])

	def deliver(self, sales_order: str) -> str:
		from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note

		note = make_delivery_note(sales_order)
		for row in note.items:  # no stock valuation in this test company
			row.allow_zero_valuation_rate = 1
		note.insert(ignore_permissions=True)
		note.submit()
		self.assertGreater(flt(frappe.db.get_value("Sales Order", sales_order, "per_delivered")), 0)
		return note.name


class TestE2EOrderCrashAndResume(TestCase, OrdersCheck):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.account = e2e.start_account(seed=22, orders=60, account_name="_Test E2E Orders Crash")
		cls.addClassCleanup(cls.account.stop)

	def test_a_killed_run_resumes_to_the_uninterrupted_result(self):
		account = self.account
		crashing = CrashingPort(account.port(), crash_before_upsert=27)
		# Small windows, so the crash falls after some checkpoints.
		_, orders, _ = account.engines(port=crashing, settings_extra={"order_window_target": 10})
		with self.assertRaises(Killed):
			orders.run()
		landed = e2e.sales_orders(account.name)
		self.assertEqual(crashing.upserts, 26)
		self.assertGreater(len(landed), 0)
		# What was not committed yet was lost with the worker.
		self.assertEqual(len(landed), crashing.committed_upserts)

		frappe.clear_cache()  # a new worker process starts with empty caches
		_, resumed, _ = account.engines(settings_extra={"order_window_target": 10})
		report = resumed.run()
		self.assertFalse(report.failures, e2e.failure_lines(report)[:5])
		self.assert_orders_match_world(account)

	def test_a_run_stopped_by_a_failing_search_resumes(self):
		account = self.account
		calls = {"windows": 0}

		class FailingSearch(SpApiSource):
			def search_orders(self, **query):
				calls["windows"] += 1
				for n, order in enumerate(super().search_orders(**query)):
					if calls["windows"] == 3 and n == 2:
						raise ConnectionError("network went away mid-window")
					yield order

		frappe.db.delete("Sales Order", {"amazon_account": account.name})
		frappe.db.delete("Amazon Sync Checkpoint", {"amazon_account": account.name})
		_, orders, _ = account.engines(
			settings_extra={"order_window_target": 10}, source=FailingSearch(account.session())
		)
		report = orders.run()
		self.assertEqual([f.record_kind for f in report.failures], ["window"])
		partial = e2e.sales_orders(account.name)
		self.assertGreater(len(partial), 0)

		_, resumed, _ = account.engines(settings_extra={"order_window_target": 10})
		report = resumed.run()
		self.assertFalse(report.failures, e2e.failure_lines(report)[:5])
		self.assert_orders_match_world(account)


BAD_CURRENCY = "XQZ"


def _break_one_order(world: dict) -> None:
	"""Give one shipped US order an unknown currency on every amount (as a corrupted payload would)."""
	order = next(
		o
		for o in world["orders"]
		if o["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
		and o["salesChannel"]["marketplaceId"] == "ATVPDKIKX0DER"
	)

	def walk(node):
		if isinstance(node, dict):
			if node.get("currencyCode") == "USD":
				node["currencyCode"] = BAD_CURRENCY
			for value in node.values():
				walk(value)
		elif isinstance(node, list):
			for value in node:
				walk(value)

	walk(order)


def malformed_order_id(world: dict) -> str:
	(order_id,) = [o["orderId"] for o in world["orders"] if f'"{BAD_CURRENCY}"' in json.dumps(o)]
	return order_id


class TestE2EMalformedOrder(TestCase, OrdersCheck):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.account = e2e.start_account(
			seed=23, orders=50, account_name="_Test E2E Orders Malformed", edit_world=_break_one_order
		)
		cls.addClassCleanup(cls.account.stop)

	def test_one_malformed_order_fails_alone(self):
		account = self.account
		bad = malformed_order_id(account.world)
		_, orders, _ = account.engines()
		report = orders.run()
		self.assertEqual([(x.record_kind, x.amazon_id) for x in report.failures], [("order", bad)])
		self.assertIn(bad, report.failures[0].reason + " " + report.failures[0].amazon_id)
		self.assertEqual(report.counts["failed"], 1)
		self.assertIsNone(frappe.db.get_value("Sales Order", {"amazon_order_id": bad}))
		self.assert_orders_match_world(account, skip={bad})


WRONG_REFRESH_TOKEN = "test-refresh-token-e2e-revoked"
# Tables the job runner, the port and Frappe write to during a sync (text columns searched).
SEARCHED_TABLES = (
	"Amazon Sync Log",
	"Amazon Sync Failure",
	"Amazon Sync Checkpoint",
	"Error Log",
	"Comment",
	"Version",
	"Sales Order",
	"Journal Entry",
	"Customer",
	"Address",
)


class _Captured(logging.Handler):
	def __init__(self):
		super().__init__(logging.DEBUG)
		self.texts: list[str] = []

	def emit(self, record):
		self.texts.append(logging.Formatter().format(record))


class TestE2ENoSecretInLogs(TestCase):
	"""After syncs with failures (a malformed order, a failing finances window, then revoked
	credentials), neither the LWA client secret nor a refresh token appears in any log record the
	runner, the port or Frappe wrote, nor in what the Python loggers emitted."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.account = e2e.start_account(
			seed=24, orders=30, account_name="_Test E2E Secrets", edit_world=_break_one_order
		)
		cls.addClassCleanup(cls.account.stop)

	def runtime(self):
		from amazon_connector.runner.options import Runtime
		from amazon_connector.spapi.client import SpApiSession

		def session(config):
			session = SpApiSession(config, sleep=lambda seconds: None)  # retries without waiting
			session.throttle_enabled = False
			return session

		return Runtime(session_factory=session, now=self.account.sim.now)

	def test_no_secret_in_sync_logs_error_logs_or_log_output(self):
		from amazon_connector.runner import run as jobs

		account = self.account
		secrets = [
			account.sim.account["client_secret"],
			account.sim.account["refresh_token"],
			WRONG_REFRESH_TOKEN,
		]
		captured = _Captured()
		root = logging.getLogger()
		old_level = root.level
		root.addHandler(captured)
		root.setLevel(logging.DEBUG)
		self.addCleanup(root.setLevel, old_level)
		self.addCleanup(root.removeHandler, captured)

		account.sim.configure_faults(
			# Whichever finances feed the account reads (Finances API on Amazon Settings).
			{
				"script": [
					{"operation": "listFinancialEvents", "fault": "server_error", "count": 100},
					{"operation": "listTransactions", "fault": "server_error", "count": 100},
				]
			}
		)
		results = jobs.run_sync(account.name, ["products", "orders", "fees"], runtime=self.runtime())
		failed = {r.stage: [f.amazon_id for f in r.report.failures] for r in results}
		self.assertIn(malformed_order_id(account.world), failed["orders"])
		# Amazon unwell past the retries ends the fee run cleanly, with a note in its log (checked below).
		fees = next(r for r in results if r.stage == "fees")
		# The v0 fee engine says Amazon kept refusing; the transactions engine names the window it stopped at.
		stop_notes = ("kept refusing", "the next run starts again there")
		self.assertTrue(
			any(note in m for m in fees.report.messages for note in stop_notes), fees.report.messages
		)

		doc = frappe.get_doc("Amazon Settings", account.name)
		doc.refresh_token = WRONG_REFRESH_TOKEN
		doc.save(ignore_permissions=True)
		error_logs = frappe.db.count("Error Log")
		results = jobs.run_sync(account.name, ["products", "orders"], runtime=self.runtime())
		self.assertTrue(all(r.crashed or r.report.failures for r in results), "revoked credentials must fail")
		logs = frappe.get_all("Amazon Sync Log", filters={"amazon_account": account.name}, pluck="name")
		self.assertGreaterEqual(len(logs), 5)
		self.assertTrue(
			frappe.db.count("Amazon Sync Failure", {"parent": ("in", logs)}) > 0
			or frappe.db.count("Error Log") > error_logs
		)

		self.assertEqual(_stored_secrets(secrets), [])
		# The probe itself finds a planted secret.
		frappe.db.savepoint("e2e_canary")
		frappe.get_doc(
			{
				"doctype": "Comment",
				"comment_type": "Comment",
				"reference_doctype": "Amazon Settings",
				"reference_name": account.name,
				"content": "canary " + secrets[1],
			}
		).insert(ignore_permissions=True)
		self.assertEqual(len(_stored_secrets(secrets)), 1)
		frappe.db.rollback(save_point="e2e_canary")
		leaked = [t[:200] for t in captured.texts if any(s in t for s in secrets)]
		self.assertEqual(leaked, [])


def _stored_secrets(secrets: list[str]) -> list[tuple[str, str, str]]:
	"""(doctype, record, secret prefix) of every text column value holding one of the secrets."""
	found = []
	for doctype in SEARCHED_TABLES:
		columns = frappe.db.sql_list(
			"""select column_name from information_schema.columns where table_schema = database()
			and table_name = %s and data_type in ('varchar', 'text', 'mediumtext', 'longtext', 'json')""",
			f"tab{doctype}",
		)
		where = " or ".join(f"`{c}` like %(pattern)s" for c in columns)
		for secret in secrets:
			hits = frappe.db.sql(
				f"select name from `tab{doctype}` where {where}",  # nosemgrep: column names from the schema
				{"pattern": f"%{secret}%"},
				pluck=True,
			)
			found += [(doctype, name, secret[:8] + "...") for name in hits]
	return found
