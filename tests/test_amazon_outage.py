"""Amazon out during a run (no answer: connection refused; or the login service refusing the
credentials), against the simulator over real HTTP: the stage that meets it fails with Amazon's
reason, and the stages after it that need Amazon (or the records of a stage it stopped) are not run,
each failed and naming the stage and the reason, so that no stage of the run reports a success with
nothing done."""

from __future__ import annotations

from spapi_servers import closed_port_url
from test_order_engine_simulator import item_creator, settings_for

from amazon_connector.core.engine.pipeline import FEES, INVOICES, ORDERS, PRODUCTS, Pipeline
from amazon_connector.core.preview import PreviewErp
from amazon_connector.simulator.connect import account_config
from amazon_connector.spapi.client import SpApiSession
from amazon_connector.spapi.retry import RetryPolicy
from amazon_connector.spapi.source import SpApiSource


def did_work(report) -> bool:
	return any(n for outcome, n in report.counts.items() if outcome not in ("failed", "skipped"))


def source_at(sim, base_url: str, **overrides) -> SpApiSource:
	account = account_config(sim.account, base_url, key="outage", **overrides)
	return SpApiSource(SpApiSession(account, retry=RetryPolicy(max_attempts=1), timeout=5.0))


def pipeline(sim, source, port, world) -> Pipeline:
	run = Pipeline(source, port, settings_for(world), now=sim.clock.now)
	run.products.ensure_items = item_creator(port)  # the orders' Items, as the products code makes them
	return run


def test_unreachable_amazon_fails_the_orders_stage_and_the_stages_after_it_are_not_run(simulator, sim_world):
	port = PreviewErp("outage")
	# A first run while Amazon answers: shipped orders wait for their invoices.
	pipeline(simulator, source_at(simulator, simulator.base_url), port, sim_world).run([ORDERS])
	waiting = port.orders_awaiting_invoice()
	assert waiting

	source = source_at(simulator, closed_port_url())  # nobody listens there: connection refused
	orders, invoices, fees = pipeline(simulator, source, port, sim_world).run([ORDERS, INVOICES, FEES])

	assert orders.failed and not did_work(orders)
	assert any("Could not reach Amazon (127.0.0.1)" in f.reason for f in orders.failures)
	for report in (invoices, fees):
		[message] = report.messages
		assert report.failed == 1 and not did_work(report), report.kind
		assert not report.ran
		assert message.startswith("Not run: the Orders stage could not reach Amazon: Could not reach Amazon")
		assert message.endswith("try again. The next run tries again."), message
		assert [f.reason for f in report.failures] == [message]
		assert report.api_calls == {}  # not even tried
	assert port.orders_awaiting_invoice() == waiting  # nothing invoiced: they wait for the next run


def test_credentials_refused_by_the_login_service_stop_the_run_at_the_first_stage(simulator, sim_world):
	port = PreviewErp("refused")
	source = source_at(simulator, simulator.base_url, client_secret="not-the-client-secret")
	products, orders, fees = pipeline(simulator, source, port, sim_world).run([PRODUCTS, ORDERS, FEES])

	assert products.failed and products.ran
	for report in (orders, fees):
		[message] = report.messages
		assert message.startswith(
			"Not run: Amazon refused the account's credentials in the Products stage: Amazon rejected the "
			"LWA client id or client secret"
		), message
		assert "not-the-client-secret" not in message
		assert not report.ran and report.failed == 1


def test_a_stage_that_reads_only_the_erp_runs_when_the_outage_stopped_another_stage(simulator, sim_world):
	"""Invoices bill what the orders stage recorded; an outage in the products stage leaves them to do."""
	port = PreviewErp("outage-products")
	pipeline(simulator, source_at(simulator, simulator.base_url), port, sim_world).run([ORDERS])
	waiting = port.orders_awaiting_invoice()
	assert waiting

	source = source_at(simulator, closed_port_url())
	products, invoices = pipeline(simulator, source, port, sim_world).run([PRODUCTS, INVOICES])

	assert products.failed
	assert invoices.ran and not invoices.failed
	assert invoices.counts["created"] == len(waiting)
	assert port.orders_awaiting_invoice() == []


def test_a_stage_that_failed_while_amazon_answered_stops_nothing(simulator, sim_world):
	"""Amazon answered (the failure is the run's own, not an outage): the stages after it run."""
	port = PreviewErp("answered")
	source = source_at(simulator, simulator.base_url)
	run = pipeline(simulator, source, port, sim_world)
	run.products.run = lambda progress=None: (_ for _ in ()).throw(ValueError("a bug of ours"))
	products, orders = run.run([PRODUCTS, ORDERS])
	assert products.failed
	assert orders.ran and not orders.failed and orders.counts["created"] > 0
