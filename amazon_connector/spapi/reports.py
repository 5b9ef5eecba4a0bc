"""Reports 2021-06-30: request a report, wait until Amazon has made it, download its document."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone

from amazon_connector.spapi._params import csv
from amazon_connector.spapi.apis import ReportsApi
from amazon_connector.spapi.charsets import charset_of, python_codec
from amazon_connector.spapi.errors import AccessDeniedError, DeadlineExceeded, ReportFailed, SpApiError

DONE = "DONE"
DEFAULT_POLL_INTERVAL = 30.0  # seconds between getReport calls
DEFAULT_DEADLINE = 3600.0  # seconds a report may take
FAILED_STATUSES = ("CANCELLED", "FATAL")
# getReportDocument again for a fresh URL when a download is refused as expired, this many times in all
DOWNLOAD_ATTEMPTS = 3


@dataclass(frozen=True)
class ReportDocument:
	report_id: str
	document_id: str
	content: bytes = field(repr=False)  # already decompressed
	charset: str | None  # from the download's Content-Type; Amazon uses the marketplace's charset

	@property
	def codec(self) -> str | None:
		"""Python's codec for the charset, which Amazon names the Java way (Cp1252, Windows-31J)."""
		return python_codec(self.charset) if self.charset else None

	def text(self, fallback: str = "utf-8", errors: str = "strict") -> str:
		"""The document decoded with its charset (or `fallback` when the download named none)."""
		return self.content.decode(self.codec or fallback, errors)


def fetch_report_document(
	session,
	report_type: str,
	marketplace_ids: Iterable[str] | str,
	*,
	poll_interval: float = DEFAULT_POLL_INTERVAL,
	deadline: float = DEFAULT_DEADLINE,
	data_start_time: datetime | None = None,
	data_end_time: datetime | None = None,
) -> ReportDocument:
	"""createReport, poll getReport until DONE, getReportDocument, then download and decompress.

	data_start_time / data_end_time: the period of a report that covers one (Amazon's dataStartTime
	and dataEndTime; orders placed in it, for an order report).

	Raises ReportFailed when the report ends CANCELLED or FATAL (Amazon cancels a report that has
	no data), DeadlineExceeded when it is not DONE within `deadline` seconds.
	"""
	if not report_type:
		raise ValueError("fetch_report_document needs a report type")
	if poll_interval <= 0:
		raise ValueError("poll_interval must be positive")
	period = {
		name: value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
		for name, value in (("dataStartTime", data_start_time), ("dataEndTime", data_end_time))
		if value is not None
	}
	created = session.call(
		"createReport",
		ReportsApi,
		"create_report",
		reportType=report_type,
		marketplaceIds=csv(marketplace_ids, name="marketplace_ids").split(","),
		**period,
	).body
	report_id = str(created.get("reportId") or "")
	if not report_id:
		raise SpApiError("createReport answered without a reportId", operation="createReport")
	document_id = _wait_until_done(session, report_type, report_id, poll_interval, deadline)
	return download_report_document(session, report_id, document_id)


def download_report_document(session, report_id: str, document_id: str) -> ReportDocument:
	"""getReportDocument, then download (a fresh URL when the first has expired) and decompress."""
	for attempt in range(1, DOWNLOAD_ATTEMPTS + 1):
		document = session.call("getReportDocument", ReportsApi, "get_report_document", document_id).body
		url = document.get("url")
		if not url:
			raise SpApiError(
				f"Report document {document_id} has no download URL", operation="getReportDocument"
			)
		try:
			download = session.download(url, operation="downloadReportDocument")
			break
		except AccessDeniedError:
			# The presigned URL lives five minutes; a download that starts late (a busy worker, a
			# slow network) is refused, and a fresh URL is the remedy.
			if attempt == DOWNLOAD_ATTEMPTS:
				raise
	content = download.content
	if str(document.get("compressionAlgorithm") or "").upper() == "GZIP":
		content = _gunzip(content, document_id)
	return ReportDocument(report_id, document_id, content, charset_of(download.headers.get("content-type")))


def list_reports(
	session, report_types: Iterable[str], *, created_since: datetime | None = None, page_size: int = 100
) -> Iterator[dict]:
	"""getReports: every report of these types created since `created_since` (Amazon's default: 90
	days), page by page (a nextToken is sent as the only parameter, as Amazon requires). Reports
	Amazon makes on its own schedule, such as settlement reports, are found this way."""
	params: dict = {"reportTypes": list(report_types), "pageSize": page_size}
	if created_since is not None:
		params["createdSince"] = created_since.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
	token = None
	while True:
		body = session.call(
			"getReports", ReportsApi, "get_reports", **({"nextToken": token} if token else params)
		).body
		yield from body.get("reports") or []
		token = body.get("nextToken")
		if not token:
			return


def _wait_until_done(session, report_type: str, report_id: str, poll_interval: float, deadline: float) -> str:
	give_up_at = session.clock() + deadline
	while True:
		report = session.call("getReport", ReportsApi, "get_report", report_id).body
		status = str(report.get("processingStatus") or "")
		if status == DONE:
			document_id = report.get("reportDocumentId")
			if not document_id:
				raise SpApiError(f"Report {report_id} is DONE but has no document", operation="getReport")
			return str(document_id)
		if status in FAILED_STATUSES:
			raise ReportFailed(
				f"Report {report_id} ({report_type}) ended {status}",
				operation="getReport",
				report_id=report_id,
				processing_status=status,
			)
		if session.clock() + poll_interval > give_up_at:
			raise DeadlineExceeded(
				f"Report {report_id} ({report_type}) was still {status or 'not ready'} after {deadline:g} s",
				operation="getReport",
				code=status,
			)
		session.sleep(poll_interval)


def _gunzip(content: bytes, document_id: str) -> bytes:
	try:
		return gzip.decompress(content)
	except (OSError, EOFError, zlib.error) as exc:
		raise SpApiError(
			f"Report document {document_id} is marked GZIP but does not decompress: {exc}",
			operation="downloadReportDocument",
		) from None
