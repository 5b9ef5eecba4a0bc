"""Bench CLI: `bench --site S amazon-connector sync [--products] [--orders] [--fees] [--account A]
[--after-date D] [--dry-run] [--simulator]`.

The command runs in the terminal (not in a worker) through the same runner as the buttons and the
scheduler (`amazon_connector.runner.run.run_sync`), under the same per-account lock, writing the same
Amazon Sync Logs, with a progress bar on stderr.

The app's modules are imported inside the commands: bench imports this module for every bench
command of every site, before a site is connected.
"""

from __future__ import annotations

import sys

import click
from frappe.commands import get_site, pass_context


@click.group("amazon-connector")
def amazon_connector():
	"""Amazon Connector: sync Amazon seller accounts with ERPNext."""


@amazon_connector.command("sync")
@click.option("--products", is_flag=True, help="Sync products (listings -> Items).")
@click.option("--orders", is_flag=True, help="Sync orders (-> Customers, Addresses, Sales Orders).")
@click.option("--fees", is_flag=True, help="Book Amazon's fees (-> Journal Entries).")
@click.option(
	"--account", "accounts", multiple=True, help="Amazon Settings record (default: every enabled one)."
)
@click.option(
	"--after-date", help="Import orders placed after this date (YYYY-MM-DD) instead of the setting."
)
@click.option(
	"--dry-run", is_flag=True, help="Read Amazon but write nothing to ERPNext; list what would be created."
)
@click.option(
	"--simulator",
	is_flag=True,
	help="Run against the bundled SP-API simulator (a generated seller) through a temporary account.",
)
@click.option(
	"--sim-orders", default=100, show_default=True, help="Orders in the simulator's generated world."
)
@click.option("--sim-seed", default=1, show_default=True, help="Seed of the simulator's generated world.")
@click.option(
	"--sim-marketplaces", help="Comma-separated country codes (default: those in the company's currency)."
)
@click.option("--company", help="Company of the simulator account (default: the default company).")
@click.option(
	"--reset",
	is_flag=True,
	help="With --simulator: a new generated world and no checkpoints (default: keep both).",
)
@pass_context
def sync(
	context,
	products,
	orders,
	fees,
	accounts,
	after_date,
	dry_run,
	simulator,
	sim_orders,
	sim_seed,
	sim_marketplaces,
	company,
	reset,
):
	"""Run a sync now, in this terminal."""
	import frappe

	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	failed = False
	try:
		from amazon_connector.core.engine.pipeline import FEES, ORDERS, PRODUCTS
		from amazon_connector.erpnext_adapter.settings import enabled_accounts

		chosen = [s for s, on in ((PRODUCTS, products), (ORDERS, orders), (FEES, fees)) if on]
		if simulator:
			from amazon_connector.commands.simulated import simulated_account

			with simulated_account(sim_orders, sim_seed, sim_marketplaces, company, reset=reset) as (
				account,
				runtime,
			):
				failed = _sync_accounts([account], chosen, after_date, dry_run, runtime)
		else:
			failed = _sync_accounts(list(accounts) or enabled_accounts(), chosen, after_date, dry_run, None)
	finally:
		frappe.destroy()
	sys.exit(1 if failed else 0)


def _sync_accounts(accounts, chosen, after_date, dry_run, runtime) -> bool:
	import frappe

	from amazon_connector.core.engine.pipeline import FEES, INVOICES, ORDERS, PRODUCTS
	from amazon_connector.core.ports import SyncLocked
	from amazon_connector.erpnext_adapter.settings import SETTINGS_DOCTYPE, read_settings
	from amazon_connector.runner.run import run_sync

	if not accounts:
		click.secho("No enabled Amazon Settings record; create one or pass --account.", fg="yellow")
		return True
	failed = False
	for account in accounts:
		if not frappe.db.exists(SETTINGS_DOCTYPE, account):
			click.secho(f"Amazon Settings {account} does not exist.", fg="red")
			failed = True
			continue
		settings = read_settings(account)
		stages = chosen or [PRODUCTS, ORDERS] + ([INVOICES] if settings.make_sales_invoices else []) + (
			[FEES] if settings.sync_fees else []
		)
		label = " + ".join(stages)
		click.secho(f"{account}: {label}{' (dry run)' if dry_run else ''}", bold=True)
		from amazon_connector.demo.progress import ConsoleProgress

		bar = ConsoleProgress()  # a closed stderr ends the display, never the sync
		try:
			results = run_sync(
				account,
				stages,
				dry_run=dry_run,
				triggered_by="bench command",
				after_date=after_date,
				progress=bar,
				runtime=runtime,
			)
		except SyncLocked as exc:
			bar.close()
			click.secho(str(exc), fg="yellow")
			failed = True
			continue
		except frappe.ValidationError as exc:
			bar.close()
			click.secho(frappe.utils.strip_html(str(exc)), fg="red")
			failed = True
			continue
		bar.close()
		for result in results:
			failed |= _print_result(result, dry_run)
	return failed


def _print_result(result, dry_run: bool) -> bool:
	from amazon_connector.core.engine.report import COUNTED

	report = result.report
	counts = "  ".join(f"{name} {report.counts.get(name, 0)}" for name in COUNTED)
	colour = "red" if result.crashed else ("yellow" if report.counts.get("failed") else "green")
	click.secho(f"  {result.stage:<9} {counts}   log {result.log}", fg=colour)
	if report.api_calls:
		calls = ", ".join(f"{op} {n}" for op, n in sorted(report.api_calls.items()))
		click.echo(f"            API calls: {calls}; throttling waits {report.throttle_wait_seconds:.1f} s")
	for message in report.messages[:10]:
		click.echo(f"            {message}")
	for failure in report.failures[:20]:
		click.secho(
			f"            failed {failure.record_kind} {failure.amazon_id}: {failure.reason}", fg="red"
		)
	if len(report.failures) > 20:
		click.echo(f"            ... and {len(report.failures) - 20} more failures (see the log)")
	if dry_run and result.port is not None:
		_print_preview(result.stage, result.port)
	return bool(result.crashed)


def _print_preview(stage: str, preview, limit: int = 15) -> None:
	"""What the dry run would create: from the in-memory preview the run filled."""
	if stage == "products":
		unchanged = getattr(preview, "unchanged", set())  # found in ERPNext as they are
		rows = [
			f"Item {code} ({r['draft'].item_name})"
			for code, r in preview.items.items()
			if code not in unchanged
		]
	elif stage == "orders":
		rows = [
			f"Sales Order for {oid}: {r['draft'].currency} {r['draft'].grand_total}"
			+ (" (cancelled)" if r["docstatus"] == 2 else "" if r["docstatus"] == 1 else " (draft)")
			for oid, r in preview.sales_orders.items()
		]
	else:
		rows = [f"Journal Entry {key}: {e.currency} {e.total}" for key, e in preview.fee_entries.items()]
	click.echo(f"            would create or change {len(rows)} record(s):")
	for row in rows[:limit]:
		click.echo(f"              {row}")
	if len(rows) > limit:
		click.echo(f"              ... and {len(rows) - limit} more")


@amazon_connector.command("notifications")
@click.option(
	"--account", "accounts", multiple=True, help="Amazon Settings record (default: every one set up for it)."
)
@click.option("--once", is_flag=True, help="Drain the queues until they are empty, then exit.")
@click.option(
	"--seconds", default=300, show_default=True, help="Longest drain of one account before the next one."
)
@pass_context
def notifications(context, accounts, once, seconds):
	"""Import orders as Amazon notifies them: read the accounts' ORDER_CHANGE queues, and book each
	changed order (getOrder) as a Sales Order. Runs until stopped (Ctrl+C, SIGTERM) unless --once;
	run it as a long-lived process beside the workers (Procfile, supervisor) for orders in seconds."""
	import frappe

	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	failed = False
	try:
		failed = _drain_forever(list(accounts), once, max(1, int(seconds)))
	except KeyboardInterrupt:
		click.echo("Stopped.")
	finally:
		frappe.destroy()
	sys.exit(1 if failed else 0)


def _drain_forever(accounts: list[str], once: bool, seconds: int) -> bool:
	import signal
	import time

	import frappe

	from amazon_connector.core.engine.notifications import LONG_POLL_SECONDS
	from amazon_connector.runner.notifications import drain_notifications, notification_accounts

	def stop(*_args):
		raise KeyboardInterrupt

	signal.signal(signal.SIGTERM, stop)
	failed = False
	while True:
		chosen = accounts or notification_accounts()  # read again each round: settings change
		if not chosen:
			click.secho("No Amazon Settings record imports orders by notification.", fg="yellow")
			return True
		# One long poll per account and round; several accounts share the 20 s so none waits long.
		wait = max(1, LONG_POLL_SECONDS // len(chosen))
		for account in chosen:
			try:
				report = drain_notifications(account, seconds, wait_seconds=wait)
			except Exception as exc:  # one account's trouble must not stop the others
				frappe.db.rollback()
				frappe.log_error(title=f"Amazon notifications of {account} not read")
				click.secho(f"{account}: {frappe.utils.strip_html(str(exc))}", fg="red")
				failed = True
				time.sleep(0 if once else wait)
				continue
			if report is None:
				click.secho(f"{account}: not set up for notifications (see Amazon Settings).", fg="yellow")
				failed = failed or bool(accounts)
				continue
			if sum(report.counts.values()):
				counts = ", ".join(f"{k} {v}" for k, v in sorted(report.counts.items()) if v)
				click.echo(f"{account}: {counts}")
				for message in report.messages[:5]:
					click.echo(f"  {message}")
		if once:
			return failed


commands = [amazon_connector]
