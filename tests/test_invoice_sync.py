"""Invoices and refunds through the engines against the in-memory ERP: one invoice per shipped
order, a refund before its invoice is held and then booked, re-runs create nothing."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from test_fee_fixtures import us_refund
from test_fee_sync import FakeFinances, at, settings
from test_refund_mapping import jp_refund_without_tax

from amazon_connector.core.drafts import CustomerDraft, PackageDraft, SalesOrderDraft
from amazon_connector.core.engine.fees import FeeSync
from amazon_connector.core.engine.invoices import InvoiceSync
from amazon_connector.core.engine.pipeline import STAGES
from amazon_connector.core.preview import PreviewErp

US_ORDER, JP_ORDER, WAITING = "111-0000001-0000001", "250-0000007-0000007", "111-0000002-0000002"
NOW = datetime(2026, 4, 20, tzinfo=timezone.utc)


def shipped_order(port: PreviewErp, order_id: str, status="SHIPPED", packages=()) -> None:
	port.upsert_sales_order(
		SalesOrderDraft(
			amazon_order_id=order_id,
			marketplace_id="ATVPDKIKX0DER",
			currency="USD",
			purchase_date=at("2026-03-01T12:00:00Z"),
			last_updated=at("2026-03-02T08:00:00Z"),
			amazon_status=status,
			fulfilled_by="AMAZON",
			customer=CustomerDraft(key="amazon-us", customer_name="Amazon US Customer"),
			lines=[],
			grand_total=Decimal("27.00"),
			submit=True,
			packages=list(packages),
		)
	)


def fee_sync(port, finances) -> FeeSync:
	return FeeSync(finances, port, settings(), now=NOW)


def test_invoices_come_between_orders_and_fees():
	assert STAGES.index("orders") < STAGES.index("invoices") < STAGES.index("fees")


def test_shipped_orders_get_one_invoice_and_partial_shipments_wait():
	port = PreviewErp()
	shipped_order(port, US_ORDER)
	shipped_order(port, WAITING, status="PARTIALLY_SHIPPED")
	report = InvoiceSync(None, port, settings()).run()
	assert sorted(port.invoices) == [US_ORDER]
	assert report.counts["created"] == 1
	again = InvoiceSync(None, port, settings()).run()
	assert again.counts["created"] == 0 and sorted(port.invoices) == [US_ORDER]


def test_the_shipment_date_is_the_last_package_else_amazons_update():
	port = PreviewErp()
	packages = [
		PackageDraft("1", ship_time=at("2026-03-03T10:00:00Z")),
		PackageDraft("2", ship_time=at("2026-03-04T11:00:00Z")),
	]
	shipped_order(port, US_ORDER, packages=packages)
	shipped_order(port, JP_ORDER)
	InvoiceSync(None, port, settings()).run()
	assert port.invoices[US_ORDER]["posting"] == at("2026-03-04T11:00:00Z")
	assert port.invoices[JP_ORDER]["posting"] == at("2026-03-02T08:00:00Z")
	unshipped = port.sales_orders[US_ORDER]["draft"]
	unshipped.amazon_status = "UNSHIPPED"
	assert unshipped.shipped_at is None


def test_a_refund_before_its_invoice_is_held_then_booked_once():
	port = PreviewErp()
	shipped_order(port, US_ORDER, status="PARTIALLY_SHIPPED")
	shipped_order(port, JP_ORDER)
	InvoiceSync(None, port, settings()).run()
	finances = FakeFinances()
	finances.add("RefundEventList", us_refund(posted="2026-03-20T08:00:00Z"))
	finances.add("RefundEventList", jp_refund_without_tax(posted="2026-03-21T08:00:00Z"))
	report = fee_sync(port, finances).run()
	assert [d.amazon_order_id for d in port.held_refunds.values()] == [US_ORDER]
	assert [d.amazon_order_id for d in port.credit_notes.values()] == [JP_ORDER]
	assert report.counts["held"] == 1
	assert any("1 held until their order is invoiced" in m for m in report.messages), report.messages

	# Reading the same events again books and holds nothing new.
	fee_sync(port, finances).run_orders([US_ORDER, JP_ORDER])
	assert len(port.held_refunds) == 1 and len(port.credit_notes) == 1

	# The order ships in full: the invoice stage invoices it and books the held refund.
	port.sales_orders[US_ORDER]["draft"].amazon_status = "SHIPPED"
	report = InvoiceSync(None, port, settings()).run()
	assert report.counts["created"] == 2  # the invoice and the credit note
	assert not port.held_refunds
	credit = next(d for d in port.credit_notes.values() if d.amazon_order_id == US_ORDER)
	assert credit.total == Decimal("13.50")
	assert InvoiceSync(None, port, settings()).run().counts["created"] == 0


def test_a_failing_invoice_fails_alone():
	port = PreviewErp()
	shipped_order(port, US_ORDER)
	shipped_order(port, JP_ORDER)
	original = port.invoice_order

	def invoice_order(order_id):
		if order_id == US_ORDER:
			raise RuntimeError("Item SKU-A: 1 units needed in FBA warehouse, 0 available")
		return original(order_id)

	port.invoice_order = invoice_order
	told: list[tuple] = []
	report = InvoiceSync(None, port, settings()).run(progress=lambda *call: told.append(call))
	# Every order is told (an invoice takes ERPNext seconds), and the end says what failed.
	assert [done for done, _, _ in told] == [0, 1, 2]
	assert told[-1][2] == "Invoiced 1 of 2 shipped orders; 1 could not be invoiced (see the sync log)"
	assert sorted(port.invoices) == [JP_ORDER]
	assert [f.amazon_id for f in report.failures] == [US_ORDER]
	assert "FBA warehouse" in report.failures[0].reason
	assert any("tried again next run" in m for m in report.messages)
