"""The in-memory ERP port keeps the contract the engines rely on."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from amazon_connector.core.drafts import (
	CustomerDraft,
	FeeEntryDraft,
	FeeLineDraft,
	ItemDraft,
	SalesOrderDraft,
	SalesOrderLineDraft,
)
from amazon_connector.core.engine.report import SyncReport, run_isolated
from amazon_connector.core.ports import Outcome, SyncLocked
from amazon_connector.core.preview import PreviewErp

NOW = datetime(2026, 11, 1, tzinfo=timezone.utc)


def item(sku="SKU-1", marketplace="ATVPDKIKX0DER", price="10.00", currency="USD", title="Mug"):
	return ItemDraft(
		sku=sku,
		marketplace_id=marketplace,
		item_code=sku,
		item_name=title,
		price=Decimal(price),
		currency=currency,
	)


def order(order_id="111-0000000-0000001", status="SHIPPED", updated=NOW, qty=1, submit=True):
	line = SalesOrderLineDraft("1", "SKU-1", Decimal(qty), Decimal("10.00"), Decimal("10.00") * qty)
	return SalesOrderDraft(
		amazon_order_id=order_id,
		marketplace_id="ATVPDKIKX0DER",
		currency="USD",
		purchase_date=NOW - timedelta(days=3),
		last_updated=updated,
		amazon_status=status,
		fulfilled_by="AMAZON",
		customer=CustomerDraft("mkt:US", "Amazon US"),
		lines=[line],
		grand_total=line.amount,
		submit=submit,
	)


def test_same_sku_in_two_marketplaces_is_one_item_with_two_prices():
	erp = PreviewErp()
	assert erp.upsert_item(item()) is Outcome.CREATED
	assert (
		erp.upsert_item(item(marketplace="A2EUQ1WTGCTBG2", price="13.00", currency="CAD")) is Outcome.UPDATED
	)
	assert list(erp.items) == ["SKU-1"]
	assert erp.items["SKU-1"]["prices"] == {
		"ATVPDKIKX0DER": (Decimal("10.00"), "USD"),
		"A2EUQ1WTGCTBG2": (Decimal("13.00"), "CAD"),
	}
	assert erp.upsert_item(item()) is Outcome.UNCHANGED
	assert erp.upsert_item(item(price="11.00")) is Outcome.UPDATED


def test_orders_are_created_once_updated_on_change_and_cancelled():
	erp = PreviewErp()
	assert erp.upsert_sales_order(order(status="UNSHIPPED")) is Outcome.CREATED
	assert erp.upsert_sales_order(order(status="UNSHIPPED")) is Outcome.UNCHANGED
	assert (
		erp.upsert_sales_order(order(status="SHIPPED", updated=NOW + timedelta(hours=1))) is Outcome.UPDATED
	)
	assert erp.sales_order_state("111-0000000-0000001").amazon_status == "SHIPPED"
	assert erp.cancel_sales_order("111-0000000-0000001", "cancelled on Amazon") is Outcome.CANCELLED
	assert erp.cancel_sales_order("111-0000000-0000001", "again") is Outcome.UNCHANGED
	assert erp.sales_order_state("111-0000000-0000001").docstatus == 2


def test_fee_entries_post_once_per_event_and_awaiting_orders_are_listed():
	erp = PreviewErp()
	erp.upsert_sales_order(order("A", status="SHIPPED"))
	erp.upsert_sales_order(order("B", status="UNSHIPPED"))
	assert erp.orders_awaiting_fees(NOW + timedelta(days=1)) == ["A"]
	entry = FeeEntryDraft(
		"A", "A|shipment|1", "USD", NOW, [FeeLineDraft("Commission", "fee", Decimal("1.50"))]
	)
	assert erp.post_fee_entry(entry) is Outcome.CREATED
	assert erp.post_fee_entry(entry) is Outcome.UNCHANGED
	assert erp.posted_fee_event_keys("A") == {"A|shipment|1"}
	assert erp.orders_awaiting_fees(NOW + timedelta(days=1)) == []


def test_a_failing_record_is_undone_alone_and_reported_with_its_id():
	erp = PreviewErp()
	report = SyncReport(kind="orders", account="test")

	def good():
		return erp.upsert_sales_order(order("GOOD"))

	def bad():
		erp.upsert_sales_order(order("BAD"))
		raise ValueError("line 2 has no SKU")

	assert run_isolated(report, erp, "order", "GOOD", good) is Outcome.CREATED
	assert run_isolated(report, erp, "order", "BAD", bad) is None
	assert set(erp.sales_orders) == {"GOOD"}
	assert report.counts["created"] == 1 and report.failed == 1
	assert report.failures[0].amazon_id == "BAD"
	assert "line 2 has no SKU" in report.failures[0].reason


def test_checkpoints_are_copies():
	erp = PreviewErp()
	value = {"windows": ["a"]}
	erp.set_checkpoint("orders", value)
	value["windows"].append("b")
	assert erp.get_checkpoint("orders") == {"windows": ["a"]}
	assert erp.get_checkpoint("fees") is None


def test_record_scope_reraises():
	erp = PreviewErp()
	with pytest.raises(RuntimeError):
		with erp.record_scope("order", "X"):
			erp.upsert_sales_order(order("X"))
			raise RuntimeError("boom")
	assert erp.sales_orders == {}


def test_record_scope_undoes_in_place_changes_to_existing_records():
	erp = PreviewErp()
	erp.upsert_item(item())
	erp.upsert_sales_order(order("KEEP", status="UNSHIPPED"))
	with pytest.raises(RuntimeError):
		with erp.record_scope("item", "SKU-1"):
			erp.upsert_item(item(price="99.00"))
			erp.upsert_sales_order(order("KEEP", status="SHIPPED", updated=NOW + timedelta(days=1)))
			raise RuntimeError("boom")
	assert erp.items["SKU-1"]["prices"]["ATVPDKIKX0DER"] == (Decimal("10.00"), "USD")
	assert erp.sales_order_state("KEEP").amazon_status == "UNSHIPPED"


def test_orders_stay_drafts_unless_submitted_and_are_submitted_when_amazon_accepts():
	erp = PreviewErp()
	erp.upsert_sales_order(order("P", status="UNSHIPPED", submit=False))
	assert erp.sales_order_state("P").docstatus == 0
	erp.upsert_sales_order(order("P", status="SHIPPED", updated=NOW + timedelta(hours=1)))
	assert erp.sales_order_state("P").docstatus == 1


def test_only_one_run_per_account_holds_the_lock():
	erp = PreviewErp("Seller EU")
	with erp.exclusive("orders"):
		with pytest.raises(SyncLocked, match="orders sync of Seller EU"):
			with erp.exclusive("products"):
				pass
	with erp.exclusive("products"):
		pass


def test_fee_keys_per_order_follow_undone_and_deleted_entries():
	erp = PreviewErp()
	for name in ("A", "B"):
		erp.upsert_sales_order(order(name, status="SHIPPED"))
	line = [FeeLineDraft("Commission", "fee", Decimal("1.50"))]
	erp.post_fee_entry(FeeEntryDraft("A", "A|shipment|1", "USD", NOW, line))
	report = SyncReport(kind="fees", account="test")

	def posts_then_fails():
		erp.post_fee_entry(FeeEntryDraft("B", "B|shipment|1", "USD", NOW, line))
		raise ValueError("the second line has no account")

	run_isolated(report, erp, "fee", "B", posts_then_fails)
	assert erp.posted_fee_event_keys("B") == set()  # the undone entry left the index too
	assert erp.orders_awaiting_fees(NOW + timedelta(days=1)) == ["B"]
	del erp.fee_entries["A|shipment|1"]
	assert erp.posted_fee_event_keys("A") == set()
	assert erp.orders_awaiting_fees(NOW + timedelta(days=1)) == ["A", "B"]
