"""FeeSync against the in-memory ERP, with Amazon's Finances v0 played by an injected fake."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from test_fee_fixtures import (
	de_shipment,
	inventory_reimbursement,
	jp_shipment,
	mfn_shipment_positive_commission,
	page_of,
	service_fee,
	us_fba_shipment,
	us_refund,
)
from test_fee_mapping import expected_booked

from amazon_connector.core.drafts import CustomerDraft, SalesOrderDraft
from amazon_connector.core.engine.fees import FeeSync
from amazon_connector.core.preview import PreviewErp
from amazon_connector.core.settings import SyncSettings
from amazon_connector.core.timestamps import parse_timestamp
from amazon_connector.spapi.errors import ServerError

UTC = timezone.utc
US_ORDER, MFN_ORDER, JP_ORDER, DE_ORDER = (
	"111-0000001-0000001",
	"111-0000003-0000003",
	"250-0000004-0000004",
	"302-0000005-0000005",
)


def at(text: str) -> datetime:
	return parse_timestamp(text)


class FakeFinances:
	"""listFinancialEvents / listFinancialEventsByOrderId over a list of events, `page_size` a page."""

	def __init__(self, page_size: int = 2):
		self.page_size = page_size
		self.events: list[tuple[datetime, str, dict]] = []
		self.range_calls: list[tuple[datetime, datetime]] = []
		self.order_calls: list[str] = []
		self.fail_on_range_call: int | None = None
		self.fail_after_pages = 0  # pages served before that call fails

	def add(self, list_name: str, event: dict, visible_at: str | None = None) -> None:
		"""`visible_at` places an event without a PostedDate (ServiceFee) on Amazon's timeline."""
		self.events.append((at(visible_at or event["PostedDate"]), list_name, event))

	def list_financial_events(self, *, posted_after, posted_before):
		self.range_calls.append((posted_after, posted_before))
		failing = self.fail_on_range_call == len(self.range_calls)
		chosen = [
			(name, event) for posted, name, event in self.events if posted_after <= posted < posted_before
		]
		for number, page in enumerate(self._pages(chosen)):
			if failing and number == self.fail_after_pages:
				raise ServerError("Service unavailable", operation="listFinancialEvents", status=503)
			yield page
		if failing:
			raise ServerError("Service unavailable", operation="listFinancialEvents", status=503)

	def list_financial_events_by_order_id(self, order_id):
		self.order_calls.append(order_id)
		return self._pages(
			[(name, event) for _, name, event in self.events if event.get("AmazonOrderId") == order_id]
		)

	def _pages(self, chosen):
		for start in range(0, max(len(chosen), 1), self.page_size):
			page = defaultdict(list)
			for name, event in chosen[start : start + self.page_size]:
				page[name].append(event)
			yield dict(page)


def import_order(
	port: PreviewErp, order_id: str, *, status="SHIPPED", updated="2026-03-01T12:00:00Z"
) -> None:
	port.upsert_sales_order(
		SalesOrderDraft(
			amazon_order_id=order_id,
			marketplace_id="ATVPDKIKX0DER",
			currency="USD",
			purchase_date=at(updated),
			last_updated=at(updated),
			amazon_status=status,
			fulfilled_by="AMAZON",
			customer=CustomerDraft(key="amazon-us", customer_name="Amazon US Customer"),
			lines=[],
			grand_total=Decimal("0"),
		)
	)


def settings(**extra) -> SyncSettings:
	return SyncSettings(account_key="test-account", after_date=date(2026, 3, 1), extra=extra)


def early_march() -> FakeFinances:
	finances = FakeFinances()
	finances.add("ShipmentEventList", us_fba_shipment())  # 03-02
	finances.add("ShipmentEventList", mfn_shipment_positive_commission())  # 03-03
	finances.add("ShipmentEventList", jp_shipment())  # 03-04
	finances.add("ShipmentEventList", de_shipment())  # 03-05
	finances.add("ServiceFeeEventList", service_fee(), visible_at="2026-03-06T02:00:00Z")
	finances.add("AdjustmentEventList", inventory_reimbursement())  # 03-06
	return finances


def erp_with_orders(*order_ids) -> PreviewErp:
	port = PreviewErp("test-account")
	for order_id in order_ids or (US_ORDER, MFN_ORDER, JP_ORDER, DE_ORDER):
		import_order(port, order_id)
	return port


def sync(port, finances, now, **extra) -> FeeSync:
	return FeeSync(finances, port, settings(**extra), now=at(now))


def booked_per_currency(port: PreviewErp) -> dict[str, Decimal]:
	totals = defaultdict(Decimal)
	for entry in port.fee_entries.values():
		totals[entry.currency] += entry.total
	return dict(totals)


def events_posted_before(finances: FakeFinances, moment: str):
	return [page_of(**{name: [event]}) for posted, name, event in finances.events if posted < at(moment)]


# -- runs -----------------------------------------------------------------------------------------


def test_first_run_posts_every_fee_event_once_and_checkpoints():
	port, finances = erp_with_orders(), early_march()
	report = sync(port, finances, "2026-03-06T12:00:00Z").run()
	assert report.failures == []
	assert report.counts["created"] == 5  # four shipments and the order's service fee
	assert booked_per_currency(port) == expected_booked(events_posted_before(finances, "2026-03-07"))
	assert port.checkpoints["fees"]["posted_before"] == "2026-03-06T11:55:00Z"
	# From the after date, in windows of at most a week, up to five minutes before now.
	assert finances.range_calls[0][0] == datetime(2026, 3, 1, tzinfo=UTC)
	assert finances.range_calls[-1][1] == datetime(2026, 3, 6, 11, 55, tzinfo=UTC)
	assert all(end - start <= timedelta(days=7) for start, end in finances.range_calls)
	assert [(e.event_type, e.amount) for e in report.events] == [("Adjustment", Decimal("15.00"))]
	assert report.counts["recorded"] == 1


def test_second_run_posts_and_logs_nothing_new():
	port, finances = erp_with_orders(), early_march()
	sync(port, finances, "2026-03-06T12:00:00Z").run()
	entries = dict(port.fee_entries)
	report = sync(port, finances, "2026-03-06T13:00:00Z").run()
	assert port.fee_entries == entries
	assert report.counts["created"] == 0 and report.failed == 0
	assert report.counts["unchanged"] >= 2  # the overlap re-read DE's shipment and the service fee
	assert report.events == []  # the adjustment was logged by the first run
	# The re-read starts 48 hours before the checkpoint: events reach Amazon's index late.
	assert finances.range_calls[-1][0] == datetime(2026, 3, 4, 11, 55, tzinfo=UTC)
	assert port.checkpoints["fees"]["posted_before"] == "2026-03-06T12:55:00Z"


def test_a_late_refund_posts_exactly_one_new_entry_and_is_logged():
	port, finances = erp_with_orders(), early_march()
	sync(port, finances, "2026-03-06T12:00:00Z").run()
	before = set(port.fee_entries)
	finances.add("RefundEventList", us_refund(posted="2026-03-07T08:00:00Z"))
	report = sync(port, finances, "2026-03-08T00:00:00Z").run()
	new = set(port.fee_entries) - before
	assert report.counts["created"] == 1 and len(new) == 1
	refund_entry = port.fee_entries[new.pop()]
	assert refund_entry.amazon_order_id == US_ORDER and refund_entry.event_type == "Refund"
	assert refund_entry.total == Decimal("-2.12")
	assert [(e.event_type, e.amount, e.amazon_order_id) for e in report.events] == [
		("Refund", Decimal("-13.50"), US_ORDER)
	]
	assert len(port.posted_fee_event_keys(US_ORDER)) == 3  # shipment, service fee, refund


def test_an_event_indexed_late_inside_the_overlap_is_still_posted():
	port, finances = erp_with_orders(), early_march()
	sync(port, finances, "2026-03-06T12:00:00Z").run()
	# Posted before the checkpoint, but only visible to Amazon's index after the first run.
	late = jp_shipment(order_id=US_ORDER, posted="2026-03-06T10:00:00Z")
	finances.add("ShipmentEventList", late)
	report = sync(port, finances, "2026-03-06T18:00:00Z").run()
	assert report.counts["created"] == 1
	assert any(e.posted_date == at("2026-03-06T10:00:00Z") for e in port.fee_entries.values())


def test_events_of_orders_not_imported_are_skipped_logged_and_picked_up_once_imported():
	port, finances = erp_with_orders(US_ORDER, MFN_ORDER, JP_ORDER), early_march()
	report = sync(port, finances, "2026-03-06T12:00:00Z").run()
	assert report.counts["skipped"] == 1
	assert all(entry.amazon_order_id != DE_ORDER for entry in port.fee_entries.values())
	[skipped] = [e for e in report.events if e.amazon_order_id == DE_ORDER]
	assert (
		"not imported" in skipped.reason and skipped.amount == Decimal("-7.05") and skipped.currency == "EUR"
	)
	assert any(DE_ORDER in message for message in report.messages)

	again = sync(port, finances, "2026-03-06T13:00:00Z").run()
	assert again.counts["skipped"] == 0 and again.events == []  # logged once

	# The order is imported after its event's window (and the overlap) was read: the follow-up by
	# order id finds it.
	sync(port, finances, "2026-03-12T00:00:00Z").run()
	import_order(port, DE_ORDER, updated="2026-03-05T08:00:00Z")
	later = sync(port, finances, "2026-03-20T00:00:00Z").run()
	assert all(start > at("2026-03-06T00:00:00Z") for start, _ in finances.range_calls[-2:])
	assert finances.order_calls == [DE_ORDER]
	assert later.counts["created"] == 1
	assert [e.amazon_order_id for e in port.fee_entries.values()].count(DE_ORDER) == 1


def test_a_failed_window_stops_the_run_and_the_next_run_resumes_there():
	clean_port, clean = erp_with_orders(), early_march()
	sync(clean_port, clean, "2026-03-20T00:00:00Z").run()

	port, finances = erp_with_orders(), early_march()
	finances.fail_on_range_call = 2
	report = sync(port, finances, "2026-03-20T00:00:00Z").run()
	# Amazon unwell past the retries is not a broken record: the run ends cleanly, the window waits.
	assert report.failed == 0 and not report.failures
	assert any("Amazon kept refusing" in m and "2026-03-08" in m for m in report.messages)
	assert port.checkpoints["fees"]["posted_before"] == "2026-03-08T00:00:00Z"

	finances.fail_on_range_call = None
	resumed = sync(port, finances, "2026-03-20T00:00:00Z").run()
	assert resumed.failed == 0
	assert set(port.fee_entries) == set(clean_port.fee_entries)


def test_one_failing_entry_does_not_stop_the_others():
	class FailingErp(PreviewErp):
		def post_fee_entry(self, draft):
			if draft.amazon_order_id == JP_ORDER:
				raise ValueError("Account 'Amazon Points Cost' could not be created")
			return super().post_fee_entry(draft)

	port, finances = FailingErp("test-account"), early_march()
	for order_id in (US_ORDER, MFN_ORDER, JP_ORDER, DE_ORDER):
		import_order(port, order_id)
	report = sync(port, finances, "2026-03-06T12:00:00Z").run()
	assert report.counts["created"] == 4 and report.failed == 1
	assert report.failures[0].amazon_id.startswith(f"{JP_ORDER} {JP_ORDER}:Shipment:")
	assert "Amazon Points Cost" in report.failures[0].reason
	# Not posted, so the next run tries it again.
	assert all(entry.amazon_order_id != JP_ORDER for entry in port.fee_entries.values())


def test_a_malformed_event_is_a_failure_naming_its_order():
	port, finances = erp_with_orders(), FakeFinances()
	bad = us_fba_shipment()
	bad["ShipmentItemList"][1]["ItemFeeList"][0]["FeeAmount"]["CurrencyAmount"] = "n/a"
	finances.add("ShipmentEventList", bad)
	finances.add("ShipmentEventList", jp_shipment())
	report = sync(port, finances, "2026-03-06T12:00:00Z").run()
	assert report.counts["created"] == 1 and report.failed == 1
	assert report.failures[0].amazon_id.startswith(US_ORDER)


def test_orders_awaiting_fees_are_reported_and_looked_up_in_turn():
	port, finances = PreviewErp("test-account"), FakeFinances()
	pending = ["111-0000010-0000001", "111-0000010-0000002", "111-0000010-0000003"]
	for order_id in pending:
		import_order(port, order_id, updated="2026-03-02T00:00:00Z")
	import_order(port, "111-0000009-0000009", updated="2025-12-01T00:00:00Z")  # long overdue
	import_order(port, "111-0000011-0000011", status="UNSHIPPED")  # no fees expected
	report = sync(port, finances, "2026-03-10T00:00:00Z", fee_requery_limit=2).run()
	assert finances.order_calls == pending[:2]
	assert any("3 shipped orders still await" in m for m in report.messages)
	assert any("111-0000009-0000009" in m and "60 days" in m for m in report.messages)
	sync(port, finances, "2026-03-10T01:00:00Z", fee_requery_limit=2).run()
	assert finances.order_calls == pending[:2] + [pending[2], pending[0]]


def test_windows_are_planned_from_the_checkpoint_minus_the_overlap():
	fee_sync = sync(
		PreviewErp(), FakeFinances(), "2026-03-30T00:00:00Z", fee_window_days=10, fee_overlap_hours=24
	)
	windows = fee_sync.plan_windows({"posted_before": "2026-03-10T00:00:00Z"}, at("2026-03-30T00:00:00Z"))
	assert windows[0][0] == at("2026-03-09T00:00:00Z")
	assert windows[-1][1] == at("2026-03-29T23:55:00Z")
	assert all(b - a <= timedelta(days=10) for a, b in windows)
	assert all(windows[i][1] == windows[i + 1][0] for i in range(len(windows) - 1))
	first = fee_sync.plan_windows({}, at("2026-03-30T00:00:00Z"))
	assert first[0][0] == datetime(2026, 3, 1, tzinfo=UTC)
	assert fee_sync.plan_windows({"posted_before": "2026-03-29T23:58:00Z"}, at("2026-03-30T00:00:00Z"))[0][
		0
	] == at("2026-03-28T23:58:00Z")


def test_the_first_window_starts_at_the_after_date_in_the_company_time_zone():
	# The order sync reads the after date in the same zone: fees start where orders do.
	fee_sync = sync(PreviewErp(), FakeFinances(), "2026-03-30T00:00:00Z", time_zone="Asia/Tokyo")
	assert fee_sync.plan_windows({}, at("2026-03-30T00:00:00Z"))[0][0] == at("2026-02-28T15:00:00Z")


def test_progress_is_reported():
	calls = []
	sync(erp_with_orders(), early_march(), "2026-03-10T00:00:00Z").run(progress=lambda *a: calls.append(a))
	assert calls[0][:2] == (0, 2) and calls[-1][:2] == (2, 2)


@pytest.mark.parametrize("book", [False, True])
def test_promotions_follow_the_setting(book):
	port, finances = erp_with_orders(US_ORDER), FakeFinances()
	finances.add("ShipmentEventList", us_fba_shipment())
	sync(port, finances, "2026-03-06T12:00:00Z", fees_book_promotions=book).run()
	[entry] = port.fee_entries.values()
	assert entry.total == Decimal("31.83") + (Decimal("5.99") if book else 0)


def test_retrying_orders_from_the_log_posts_only_what_is_missing():
	port, finances = erp_with_orders(), early_march()
	sync(port, finances, "2026-03-06T12:00:00Z").run()
	checkpoint = port.checkpoints["fees"]["posted_before"]
	del port.fee_entries[next(k for k, e in port.fee_entries.items() if e.amazon_order_id == JP_ORDER)]
	report = sync(port, finances, "2026-03-07T00:00:00Z").run_orders([JP_ORDER, US_ORDER, JP_ORDER])
	assert finances.order_calls == [JP_ORDER, US_ORDER]
	assert report.counts["created"] == 1 and report.counts["unchanged"] == 2 and report.failed == 0
	assert port.checkpoints["fees"]["posted_before"] == checkpoint  # windows are not moved by a retry


def test_a_failed_window_still_remembers_what_it_logged():
	port, finances = erp_with_orders(), FakeFinances(page_size=1)
	finances.add("AdjustmentEventList", inventory_reimbursement(posted="2026-03-08T10:00:00Z"))
	finances.add("ShipmentEventList", jp_shipment(posted="2026-03-09T00:00:00Z"))
	finances.fail_on_range_call, finances.fail_after_pages = 2, 1  # the second window fails after a page
	first = sync(port, finances, "2026-03-10T00:00:00Z", fee_requery_limit=0).run()
	assert [e.event_type for e in first.events] == ["Adjustment"] and first.failed == 0
	assert port.checkpoints["fees"]["posted_before"] == "2026-03-08T00:00:00Z"
	finances.fail_on_range_call = None
	second = sync(port, finances, "2026-03-10T00:00:00Z", fee_requery_limit=0).run()
	assert second.events == [] and second.failed == 0 and second.counts["created"] == 1


# -- fees of orders imported late -------------------------------------------------------------------


def test_fees_of_an_order_imported_runs_later_are_booked_then_although_the_mark_moved_on():
	clean_port, clean = erp_with_orders(), early_march()
	sync(clean_port, clean, "2026-03-20T00:00:00Z").run()

	port, finances = erp_with_orders(US_ORDER, MFN_ORDER, DE_ORDER), early_march()  # JP not imported yet
	first = sync(port, finances, "2026-03-20T00:00:00Z", fee_requery_limit=0).run()
	assert port.checkpoints["fees"]["posted_before"] > "2026-03-15"  # the mark moved past JP's event
	assert JP_ORDER in port.checkpoints["fees"]["waiting"]
	assert not any(e.amazon_order_id == JP_ORDER for e in port.fee_entries.values())
	assert first.failed == 0
	for later in ("2026-03-27T00:00:00Z", "2026-04-03T00:00:00Z"):  # still not imported: still waiting
		sync(port, finances, later, fee_requery_limit=0).run()
		assert JP_ORDER in port.checkpoints["fees"]["waiting"]
	import_order(port, JP_ORDER)
	last = sync(port, finances, "2026-04-10T00:00:00Z", fee_requery_limit=0).run()
	assert set(port.fee_entries) == set(clean_port.fee_entries)
	assert JP_ORDER not in port.checkpoints["fees"]["waiting"]
	assert any("imported after their events" in m for m in last.messages)
	again = sync(port, finances, "2026-04-11T00:00:00Z", fee_requery_limit=0).run()
	assert again.counts["created"] == 0  # booked once


def test_an_order_the_order_sync_will_never_import_stops_waiting():
	from amazon_connector.core.engine.windows import CHECKPOINT_KIND as ORDERS
	from amazon_connector.core.engine.windows import OrderCheckpoint

	port, finances = erp_with_orders(US_ORDER, MFN_ORDER, DE_ORDER), early_march()
	sync(port, finances, "2026-03-20T00:00:00Z", fee_requery_limit=0).run()
	assert JP_ORDER in port.checkpoints["fees"]["waiting"]
	after = at("2026-03-01T00:00:00Z")
	done = OrderCheckpoint(at("2026-03-20T00:00:00Z"), after, at("2026-03-25T00:00:00Z"), after, 7.0)
	port.set_checkpoint(ORDERS, done.to_dict())  # backfill complete, changes read until 03-25
	sync(port, finances, "2026-03-26T00:00:00Z", fee_requery_limit=0).run()
	assert JP_ORDER not in port.checkpoints["fees"]["waiting"]
