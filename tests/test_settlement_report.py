"""Amazon's V2 settlement report (GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2): amounts in every
marketplace number format, the reader's per-row isolation, the simulator's reports (listed with
getReports as Amazon's model says, both number shapes, rows adding up to the payout), and the
settlement engine using them: the report's total where Amazon's list of settlements is gone, and a
report that disagrees flagged with both figures."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import jsonschema
import pytest
from fixtures_simulator import SimHttp
from hypothesis import given
from hypothesis import strategies as st
from test_transaction_sync import erp, source_of

from amazon_connector import simulator as sim_package
from amazon_connector.core.engine.transactions import TransactionSync
from amazon_connector.core.mapping.settlement_report import (
	REPORT_TYPE,
	SettlementReportError,
	parse_report_amount,
	parse_report_time,
	read_settlement_report,
)
from amazon_connector.core.money import MoneyError
from amazon_connector.core.settings import SyncSettings
from amazon_connector.spapi.reports import ReportDocument
from amazon_connector.spapi.source import SpApiSource

# -- amounts in the marketplace's format ------------------------------------------------------------


def _written(amount: Decimal, style: str, minor: int) -> str:
	"""`amount` as a marketplace writes it: us (1234.56), us-grouped (1,234.56), de (1234,56),
	de-grouped (1.234,56), fr-grouped (1 234,56)."""
	grouped = style.endswith("grouped")
	text = f"{abs(amount):,.{minor}f}" if grouped else f"{abs(amount):.{minor}f}"
	if style.startswith("de"):
		text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
	elif style.startswith("fr"):
		text = text.replace(",", " ").replace(".", ",")
	return ("-" if amount < 0 else "") + text


STYLES = ("us", "us-grouped", "de", "de-grouped", "fr-grouped")


@given(
	cents=st.integers(min_value=-(10**11), max_value=10**11),
	style=st.sampled_from(STYLES),
	currency=st.sampled_from(("EUR", "GBP", "USD", "INR")),
)
def test_two_decimal_amounts_read_back_in_every_format(cents, style, currency):
	amount = Decimal(cents).scaleb(-2)
	assert parse_report_amount(_written(amount, style, 2), currency) == amount


@given(yen=st.integers(min_value=-(10**11), max_value=10**11), style=st.sampled_from(STYLES))
def test_yen_has_no_decimals_so_every_separator_groups(yen, style):
	assert parse_report_amount(_written(Decimal(yen), style, 0), "JPY") == Decimal(yen)


@given(
	text=st.text(alphabet="0123456789.,- ", min_size=1, max_size=14),
	currency=st.sampled_from(("EUR", "USD", "JPY")),
)
def test_any_text_is_an_amount_or_a_clear_error(text, currency):
	try:
		value = parse_report_amount(text, currency)
	except MoneyError as exc:
		assert "amount" in str(exc)
	else:
		assert value.is_finite()


def test_amounts_as_amazon_writes_them():
	assert parse_report_amount("95,00", "EUR") == Decimal("95.00")
	assert parse_report_amount("95.00", "GBP") == Decimal("95.00")
	assert parse_report_amount("-1.234,56", "EUR") == Decimal("-1234.56")
	assert parse_report_amount("-1,234.56", "USD") == Decimal("-1234.56")
	assert parse_report_amount("1,234", "EUR") == Decimal("1234")  # Amazon writes every cent: grouping
	assert parse_report_amount("12,34,567.50", "INR") == Decimal("1234567.50")
	assert parse_report_amount("3,5", "EUR") == Decimal("3.5")
	for bad in ("", "abc", "1.234.56", "1,234,56", "1.234,567,89", "1.234 567,89", "12,3,4", "--5", "1e5"):
		with pytest.raises(MoneyError, match="amount"):
			parse_report_amount(bad, "EUR")
	with pytest.raises(MoneyError, match="believable"):
		parse_report_amount("1.000.000.000.000,00", "EUR")


def test_dates_as_amazon_writes_them():
	utc = timezone.utc
	moment = datetime(2026, 11, 1, 7, 0, 5, tzinfo=utc)
	for text in ("2026-11-01 07:00:05 UTC", "01.11.2026 07:00:05 UTC", "01/11/2026 07:00:05 UTC",
		"2026-11-01T07:00:05+00:00", "2026-11-01T08:00:05+01:00", "2026-11-01T07:00:05Z"):  # fmt: skip
		assert parse_report_time(text) == moment, text
	assert parse_report_time("01.11.2026") == datetime(2026, 11, 1, tzinfo=utc)
	assert parse_report_time("") is None
	with pytest.raises(ValueError, match="not a date"):
		parse_report_time("1st of November")


# -- the reader ------------------------------------------------------------------------------------

HEADER = "\t".join(("settlement-id", "settlement-start-date", "settlement-end-date", "deposit-date",
	"total-amount", "currency", "transaction-type", "order-id", "amount-type", "amount-description",
	"amount", "posted-date", "sku"))  # fmt: skip


def _file(*rows: tuple) -> str:
	return "\n".join([HEADER, *("\t".join(row) for row in rows)]) + "\n"


def test_a_german_report_reads_row_by_row_and_a_bad_row_fails_alone():
	text = _file(
		(
			"111",
			"01.11.2026 00:00:00 UTC",
			"15.11.2026 00:00:00 UTC",
			"16.11.2026 00:00:00 UTC",
			"1.150,45",
			"EUR",
		),
		(
			"111",
			"",
			"",
			"",
			"",
			"",
			"Order",
			"302-1",
			"ItemPrice",
			"Principal",
			"1.200,00",
			"03.11.2026",
			"S1",
		),
		("111", "", "", "", "", "", "Order", "302-1", "ItemFees", "Commission", "-49,55", "03.11.2026", "S1"),
		("111", "", "", "", "", "", "Order", "302-2", "ItemFees", "Commission", "zwölf", "04.11.2026", "S2"),
		("222", "", "", "", "", "", "Order", "302-3", "ItemPrice", "Principal", "5,00", "04.11.2026", "S3"),
	)
	report = read_settlement_report(text, "report 42")
	assert (report.settlement_id, report.currency, report.total) == ("111", "EUR", Decimal("1150.45"))
	assert report.deposit_date == datetime(2026, 11, 16, tzinfo=timezone.utc)
	assert [line.amount for line in report.lines] == [Decimal("1200.00"), Decimal("-49.55")]
	assert report.lines_total == Decimal("1150.45")
	assert [line for line, _ in report.failures] == [5, 6]
	assert "settlement 111, line 5" in report.failures[0][1] and "zwölf" in report.failures[0][1]
	assert "settlement 222" in report.failures[1][1]


def test_a_report_without_its_summary_or_amazons_columns_is_refused_by_name():
	with pytest.raises(SettlementReportError, match="report 7 has no summary row"):
		read_settlement_report(
			_file(("1", "", "", "", "", "", "Order", "1", "ItemPrice", "Principal", "5.00")), "report 7"
		)
	with pytest.raises(SettlementReportError, match="report 8 lacks Amazon's columns total-amount"):
		read_settlement_report(
			"settlement-id\tcurrency\tamount\ttransaction-type\n1\tEUR\t5\tOrder\n", "report 8"
		)
	with pytest.raises(SettlementReportError, match="report 9 .*line 2"):
		read_settlement_report(_file(("1", "", "", "", "lots", "EUR")), "report 9")


# -- the simulator's reports -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def eu_world():
	end = datetime.combine(datetime.now(timezone.utc).date(), datetime.min.time(), tzinfo=timezone.utc)
	return sim_package.generate_world(
		seed=5, orders=40, marketplaces=("US", "DE", "UK"), start=end - timedelta(days=50), end=end
	)


def _schema(load_model, operation_id: str) -> jsonschema.Draft4Validator:
	model = load_model("reports-2021-06-30.json")
	operation = next(
		op
		for methods in model["paths"].values()
		for method, op in methods.items()
		if method != "parameters" and op.get("operationId") == operation_id
	)
	return jsonschema.Draft4Validator(
		dict(operation["responses"]["200"]["schema"], definitions=model["definitions"])
	)


def test_the_simulator_lists_a_report_per_closed_settlement_in_the_marketplaces_format(
	make_simulator, eu_world, load_model
):
	sim = make_simulator(eu_world, limits=False)
	http = SimHttp(sim)
	validator = _schema(load_model, "getReports")
	since = (sim.now() - timedelta(days=90)).strftime("%Y-%m-%dT%H:%M:%SZ")
	listed, token = [], None
	while True:
		query = (
			{"nextToken": token}
			if token
			else {"reportTypes": REPORT_TYPE, "pageSize": 2, "createdSince": since}
		)
		response = http.get("/reports/2021-06-30/reports", **query)
		assert response.status_code == 200, response.text
		assert not list(validator.iter_errors(response.json()))
		listed += response.json()["reports"]
		token = response.json().get("nextToken")
		if not token:
			break
	# nextToken must be the only parameter, as Amazon says.
	first = http.get("/reports/2021-06-30/reports", reportTypes=REPORT_TYPE, pageSize=1).json()
	refused = http.get("/reports/2021-06-30/reports", nextToken=first["nextToken"], pageSize=1)
	assert refused.status_code == 400
	http.close()

	book = sim.finance_book()
	closed = {g.group_id: g for g in book.groups.values() if g.closed}
	assert len(listed) == len(closed) and {r["reportType"] for r in listed} == {REPORT_TYPE}
	source = source_of(sim)
	seen_formats = set()
	for meta in listed:
		document = source.download_report(meta["reportId"], meta["reportDocumentId"])
		text = document.content.decode(document.codec or "utf-8")
		report = read_settlement_report(text)
		group = closed[report.settlement_id]
		assert report.failures == []
		assert report.total == Decimal(str(book.group_body(group)["OriginalTotal"]["CurrencyAmount"]))
		assert report.lines_total == report.total  # its rows add up to the payout
		assert report.currency == group.currency and report.end == group.end
		amounts = [line.split("\t")[14] for line in text.splitlines()[2:]]
		decimal_comma = any(
			"," in a and a.rsplit(",", 1)[1].isdigit() and len(a.rsplit(",", 1)[1]) == 2 for a in amounts
		)
		seen_formats.add((report.currency, decimal_comma))
	# Euros with a decimal comma; dollars and pounds with a point.
	assert ("EUR", True) in seen_formats and ("USD", False) in seen_formats and ("GBP", False) in seen_formats


class _Tampered(SpApiSource):
	"""Amazon's report of one settlement says a cent more than its payout."""

	def __init__(self, session, settlement_id: str):
		super().__init__(session)
		self.settlement_id = settlement_id

	def download_report(self, report_id: str, document_id: str) -> ReportDocument:
		document = super().download_report(report_id, document_id)
		text = document.content.decode(document.codec or "utf-8")
		report = read_settlement_report(text)
		if report.settlement_id != self.settlement_id:
			return document
		header, summary, *rest = text.split("\n")
		cells = summary.split("\t")
		cells[4] = f"{report.total + Decimal('0.01'):.2f}"
		text = "\n".join([header, "\t".join(cells), *rest])
		return ReportDocument(document.report_id, document.document_id, text.encode(), "UTF-8")


def test_settlements_use_the_report_where_the_list_of_settlements_is_gone(make_simulator, eu_world):
	sim = make_simulator(eu_world, limits=False, finances_v0="off")
	after = date.fromisoformat(eu_world["generated"]["start"][:10]) - timedelta(days=1)
	closed = sorted((g for g in sim.finance_book().groups.values() if g.closed), key=lambda g: g.group_id)
	port = erp(eu_world)
	settings = SyncSettings(account_key="sim-txn", after_date=after)
	source = _Tampered(source_of(sim).session, closed[0].group_id)
	report = TransactionSync(source, port, settings, now=sim.now).run()
	assert report.failures == [], report.failures[:3]
	assert report.api_calls.get("getReports", 0) >= 1
	for group in closed:
		record = port.settlements[group.group_id]
		draft = record["draft"]
		body = sim.finance_book().group_body(group)
		deposit = Decimal(str(body["OriginalTotal"]["CurrencyAmount"]))
		if group is closed[0]:
			# Flagged with both figures, not booked.
			assert record["status"] == "Mismatch"
			assert (draft.report_total, draft.deposit) == (deposit + Decimal("0.01"), deposit)
		else:
			assert record["status"] == "Booked", group.group_id
			assert draft.report_total == deposit == draft.report_lines_total
			if "FundTransferDate" not in body:  # carried into the next settlement, not paid out
				assert draft.carried_forward == deposit and draft.paid == 0
				continue
			assert draft.deposit_date == datetime.fromisoformat(
				body["FundTransferDate"].replace("Z", "+00:00")
			)
	# Each report is downloaded once; the next run reads none again.
	downloads = report.api_calls.get("getReportDocument", 0)
	assert downloads == len(closed)
	again = TransactionSync(source_of(sim), port, settings, now=sim.now).run()
	assert again.api_calls.get("getReports", 0) >= 1 and again.api_calls.get("getReportDocument", 0) == 0


def test_the_simulator_makes_a_settlement_report_once_and_keeps_a_bounded_number(
	make_simulator, eu_world, monkeypatch
):
	"""Listing reports makes no file; the first read of a report makes its file, a second read does
	not; past PUBLISHED_KEPT files the oldest read is let go and made again, the same, when read."""
	from amazon_connector.simulator import reports as sim_reports

	monkeypatch.setattr(sim_reports, "PUBLISHED_KEPT", 2)
	sim = make_simulator(eu_world, limits=False)
	http = SimHttp(sim)
	for _ in range(3):
		listed = http.get("/reports/2021-06-30/reports", reportTypes=REPORT_TYPE, pageSize=100).json()[
			"reports"
		]
	http.close()
	assert len(listed) >= 3 and sim.reports.files_made == 0
	source = source_of(sim)

	def read(meta) -> bytes:
		return source.download_report(meta["reportId"], meta["reportDocumentId"]).content

	first = read(listed[0])
	assert read(listed[0]) == first and sim.reports.files_made == 1
	read(listed[1])
	read(listed[2])  # three made, two kept: the first is let go
	assert sim.reports.files_made == 3 and len(sim.reports._kept) == 2
	assert read(listed[0]) == first and sim.reports.files_made == 4
