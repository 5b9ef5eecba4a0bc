"""Reports: create, poll until DONE, fetch the document, download, decompress, read its charset."""

from __future__ import annotations

import gzip

import pytest
from spapi_servers import FakeAmazon, FakeClock, Reply, amazon_error, session_for

from amazon_connector.spapi import reports
from amazon_connector.spapi.errors import AccessDeniedError, DeadlineExceeded, ReportFailed, user_message

REPORTS = "/reports/2021-06-30/reports"
LISTINGS_TSV = "seller-sku\tasin1\titem-name\nSKU-1\tB000000001\tCaf\u00e9 cr\u00e8me\n"


@pytest.fixture
def fake():
	with FakeAmazon() as server:
		yield server


def serve_report(fake, statuses, *, document: bytes, gzip_it: bool, content_type: str | None):
	fake.route("POST", REPORTS, lambda r: Reply(202, {"reportId": "R-1"}))
	queue = list(statuses)

	def get_report(request):
		status = queue.pop(0) if len(queue) > 1 else queue[0]
		body = {"reportId": "R-1", "reportType": "GET_MERCHANT_LISTINGS_ALL_DATA", "processingStatus": status}
		if status == "DONE":
			body["reportDocumentId"] = "D-1"
		return Reply(200, body)

	fake.route("GET", f"{REPORTS}/R-1", get_report)
	meta = {"reportDocumentId": "D-1", "url": f"{fake.base_url}/_doc/D-1"}
	if gzip_it:
		meta["compressionAlgorithm"] = "GZIP"
	fake.route("GET", "/reports/2021-06-30/documents/D-1", meta)
	headers = {"Content-Type": content_type} if content_type else {}
	fake.route("GET", "/_doc/D-1", Reply(200, gzip.compress(document) if gzip_it else document, headers))


def test_report_is_polled_until_done_then_downloaded_and_gunzipped(fake):
	clock = FakeClock()
	serve_report(
		fake,
		["IN_QUEUE", "IN_PROGRESS", "IN_PROGRESS", "DONE"],
		document=LISTINGS_TSV.encode("cp1252"),
		gzip_it=True,
		content_type="text/plain; charset=Cp1252",
	)
	session = session_for(fake, clock=clock)
	doc = reports.fetch_report_document(
		session, "GET_MERCHANT_LISTINGS_ALL_DATA", ["ATVPDKIKX0DER"], poll_interval=30
	)
	assert (doc.report_id, doc.document_id, doc.charset) == ("R-1", "D-1", "Cp1252")
	assert doc.content == LISTINGS_TSV.encode("cp1252")
	assert doc.text() == LISTINGS_TSV
	created = fake.requests_to(REPORTS, "POST")[0].json()
	assert created == {"reportType": "GET_MERCHANT_LISTINGS_ALL_DATA", "marketplaceIds": ["ATVPDKIKX0DER"]}
	assert len(fake.requests_to(f"{REPORTS}/R-1")) == 4
	assert clock.sleeps.count(30) == 3
	# The presigned download never carries our access token.
	assert "x-amz-access-token" not in fake.requests_to("/_doc/D-1")[0].headers
	stats = session.stats()["calls"]
	assert (
		stats["createReport"] == 1
		and stats["getReportDocument"] == 1
		and stats["downloadReportDocument"] == 1
	)


def test_uncompressed_document_without_charset(fake):
	serve_report(fake, ["DONE"], document=b"a\tb\n", gzip_it=False, content_type="text/plain")
	doc = reports.fetch_report_document(session_for(fake), "GET_MERCHANT_LISTINGS_ALL_DATA", "ATVPDKIKX0DER")
	assert doc.content == b"a\tb\n"
	assert doc.charset is None


def test_download_trouble_is_retried(fake):
	serve_report(fake, ["DONE"], document=b"x", gzip_it=False, content_type="text/plain;charset=UTF-8")
	fake.script("GET", "/_doc/D-1", Reply(503, b"<Error>SlowDown</Error>"))
	doc = reports.fetch_report_document(session_for(fake), "GET_MERCHANT_LISTINGS_ALL_DATA", "ATVPDKIKX0DER")
	assert (doc.content, doc.charset) == (b"x", "UTF-8")
	assert fake.count("/_doc/D-1", 503) == 1


EXPIRED = b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>'


def test_an_expired_download_url_is_replaced_by_a_fresh_one(fake):
	serve_report(fake, ["DONE"], document=b"x", gzip_it=False, content_type="text/plain;charset=UTF-8")
	fake.script("GET", "/_doc/D-1", Reply(403, EXPIRED, {"Content-Type": "application/xml"}))
	doc = reports.fetch_report_document(session_for(fake), "GET_MERCHANT_LISTINGS_ALL_DATA", "ATVPDKIKX0DER")
	assert doc.content == b"x"
	assert fake.count("/_doc/D-1", 403) == 1
	assert len(fake.requests_to("/reports/2021-06-30/documents/D-1")) == 2  # a second URL was asked for


def test_a_download_refused_every_time_gives_up_after_three_urls(fake):
	serve_report(fake, ["DONE"], document=b"x", gzip_it=False, content_type=None)
	fake.route("GET", "/_doc/D-1", Reply(403, EXPIRED, {"Content-Type": "application/xml"}))
	with pytest.raises(AccessDeniedError):
		reports.fetch_report_document(session_for(fake), "GET_MERCHANT_LISTINGS_ALL_DATA", "ATVPDKIKX0DER")
	assert len(fake.requests_to("/reports/2021-06-30/documents/D-1")) == reports.DOWNLOAD_ATTEMPTS == 3


@pytest.mark.parametrize("final", ["CANCELLED", "FATAL"])
def test_cancelled_or_fatal_report_raises_report_failed(fake, final):
	serve_report(fake, ["IN_PROGRESS", final], document=b"", gzip_it=False, content_type=None)
	with pytest.raises(ReportFailed) as raised:
		reports.fetch_report_document(session_for(fake), "GET_MERCHANT_LISTINGS_ALL_DATA", "ATVPDKIKX0DER")
	assert raised.value.processing_status == final
	assert raised.value.report_id == "R-1"
	assert final in user_message(raised.value)
	assert fake.requests_to("/_doc/D-1") == []


def test_a_report_that_never_finishes_hits_the_deadline(fake):
	clock = FakeClock()
	serve_report(fake, ["IN_PROGRESS"], document=b"", gzip_it=False, content_type=None)
	with pytest.raises(DeadlineExceeded):
		reports.fetch_report_document(
			session_for(fake, clock=clock),
			"GET_MERCHANT_LISTINGS_ALL_DATA",
			"ATVPDKIKX0DER",
			poll_interval=60,
			deadline=600,
		)
	polls = len(fake.requests_to(f"{REPORTS}/R-1"))
	assert 9 <= polls <= 11
	assert clock() - 1000.0 <= 600 + 1e-6


def test_createreport_rejection_is_typed(fake):
	fake.route("POST", REPORTS, amazon_error(400, "InvalidInput", "Invalid reportType"))
	from amazon_connector.spapi.errors import InvalidInputError

	with pytest.raises(InvalidInputError, match="Invalid reportType"):
		reports.fetch_report_document(session_for(fake), "GET_NOT_A_REPORT", "ATVPDKIKX0DER")


@pytest.mark.parametrize(
	"header, charset",
	[
		("text/plain; charset=Shift_JIS", "Shift_JIS"),
		('text/plain;charset="UTF-8"', "UTF-8"),
		("text/plain", None),
		(None, None),
	],
)
def test_charset_parsing(header, charset):
	assert reports.charset_of(header) == charset


@pytest.mark.parametrize(
	"charset, codec",
	[("Cp1252", "cp1252"), ("Windows-31J", "cp932"), ("UTF-8", "utf-8"), ("ISO-8859-1", "iso8859-1")],
)
def test_java_charset_names_map_to_python_codecs(charset, codec):
	assert reports.python_codec(charset) == codec
	text = "\u30c6\u30b9\u30c8 caf\u00e9" if codec == "cp932" else "caf\u00e9"
	text = text.replace("\u00e9", "e") if codec == "cp932" else text
	doc = reports.ReportDocument("R", "D", text.encode(codec), charset)
	assert doc.text() == text
