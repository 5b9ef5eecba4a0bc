"""Reports that move IN_QUEUE -> IN_PROGRESS -> DONE (or FATAL / CANCELLED) on the simulator clock,
and documents served at presigned-style URLs that expire like Amazon's (five minutes).

Reports Amazon makes on its own schedule (settlement reports) are published once, as a record and
the means to make their file: the file is made when it is first read and kept among the last
PUBLISHED_KEPT files read, PUBLISHED_KEPT_BYTES at most (made again, the same, when read after
falling out). So listing reports
costs nothing per settlement, and a world of many settlements holds a bounded number of files."""

from __future__ import annotations

import gzip
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import timedelta

from .clock import iso, parse_iso

URL_LIFETIME = timedelta(minutes=5)
_MADE = threading.Event()  # the file of a report published whole is made already
_MADE.set()
MAKING_WAIT = 20.0  # real seconds getReport waits for a report's file whose time is up (see status)
# Files of published reports kept once made (see the module's text): at most so many, and so many bytes.
PUBLISHED_KEPT = 64
PUBLISHED_KEPT_BYTES = 256 * 1024 * 1024


class Reports:
	def __init__(self, sim, queue_seconds: float, processing_seconds: float, compress: bool):
		self.sim = sim
		self.queue = timedelta(seconds=queue_seconds)
		self.processing = timedelta(seconds=processing_seconds)
		self.compress = compress
		self._reports: dict[str, dict] = {}
		self._documents: dict[str, tuple[bytes, str, bool]] = {}
		self._makers: dict[str, Callable[[], tuple[bytes, str]]] = {}  # published: how to make the file
		self._kept: OrderedDict[str, tuple[bytes, str]] = OrderedDict()  # their files, last read last
		self.files_made = 0  # published files made so far (each read of one not kept makes it again)
		self._lock = threading.Lock()

	def create(
		self,
		report_type: str,
		marketplace_id: str,
		make_document: Callable[[], tuple[bytes, str]],
		*,
		background: bool = False,
	) -> dict:
		"""A report of `make_document()` (its bytes and charset). In the `background`, as Amazon
		makes it, the request returns at once and the report stays IN_PROGRESS until its document is
		made (an order report of a large seller takes a while)."""
		now = self.sim.clock.now()
		outcome = self.sim.faults.report_outcome()
		report_id = f"{secrets.randbelow(10**11):011d}"
		record = {
			"reportId": report_id,
			"reportType": report_type,
			"marketplaceIds": [marketplace_id],
			"createdTime": iso(now),
			"_outcome": outcome,
			"_made": threading.Event(),
		}
		with self._lock:
			self._reports[report_id] = record
		if outcome == "FATAL":
			failed = f"Report processing failed for marketplace {marketplace_id}.\n".encode("ascii")
			self._made(record, lambda: (failed, "UTF-8"))
		elif outcome == "CANCELLED":
			record["_made"].set()
		elif background:
			threading.Thread(target=self._made, args=(record, make_document), daemon=True).start()
		else:
			self._made(record, make_document)
		return record

	def _made(self, record: dict, make_document: Callable[[], tuple[bytes, str]]) -> None:
		try:
			content, charset = make_document()
			document_id = f"amzn1.spdoc.1.4.sim.{record['reportId']}.{secrets.token_hex(4)}"
			with self._lock:
				self._documents[document_id] = (
					content,
					charset,
					self.compress and record["_outcome"] == "DONE",
				)
				record["_document"] = document_id
		except Exception:  # a document that cannot be made is a failed report, as on Amazon
			record["_outcome"] = "FATAL"
		finally:
			record["_made"].set()

	def published(self, report_id: str) -> bool:
		with self._lock:
			return report_id in self._reports

	def publish(self, report_id: str, report_type: str, marketplace_ids: list[str], created, data: dict,
		make_document: Callable[[], tuple[bytes, str]]) -> None:  # fmt: skip
		"""A report Amazon makes on its own schedule (a settlement report), done by `created`: kept
		once under its own id, so every listing shows the same report and document; its file
		(`make_document()`: bytes and charset) is made when first read."""
		with self._lock:
			if report_id in self._reports:
				return
			document_id = f"amzn1.spdoc.1.4.sim.{report_id}"
			self._reports[report_id] = {
				"reportId": report_id,
				"reportType": report_type,
				"marketplaceIds": marketplace_ids,
				"createdTime": iso(created - self.queue - self.processing),
				**data,
				"_outcome": "DONE",
				"_document": document_id,
				"_made": _MADE,
			}
			self._makers[document_id] = make_document

	def listed(self, report_types: list[str] | None, statuses: list[str] | None, since, until) -> list[dict]:
		"""getReports: the reports created in [since, until] of the types and statuses asked, newest first."""
		with self._lock:
			ids = list(self._reports)
		found = []
		for report_id in ids:
			view = self.status(report_id)
			if view is None or (report_types and view["reportType"] not in report_types):
				continue
			if statuses and view["processingStatus"] not in statuses:
				continue
			if since <= parse_iso(view["createdTime"]) <= until:
				found.append(view)
		found.sort(key=lambda v: (v["createdTime"], v["reportId"]), reverse=True)
		return found

	def store(self, content: bytes, charset: str, compressed: bool) -> str:
		"""Keep a document (a feed's processing report) to serve like a report document; its id."""
		document_id = f"amzn1.tortuga.4.sim.{secrets.token_hex(8)}"
		with self._lock:
			self._documents[document_id] = (content, charset, compressed)
		return document_id

	def status(self, report_id: str) -> dict | None:
		with self._lock:
			record = self._reports.get(report_id)
		if record is None:
			return None
		now = self.sim.clock.now()
		created = parse_iso(record["createdTime"])
		view = {k: v for k, v in record.items() if not k.startswith("_")}
		started = created + self.queue
		finished = started + self.processing
		if now >= finished:
			# Its time is up but its file is still being made: answer once it is (up to MAKING_WAIT
			# real seconds), for under a fast simulator clock a client's deadline for the report
			# passes within a real second or two, far sooner than a large file is made.
			record["_made"].wait(MAKING_WAIT)
		if now < started:
			view["processingStatus"] = "IN_QUEUE"
		elif now < finished or not record["_made"].is_set():
			view["processingStatus"] = "IN_PROGRESS"
			view["processingStartTime"] = iso(started)
		else:
			view["processingStatus"] = record["_outcome"]
			view["processingStartTime"] = iso(started)
			view["processingEndTime"] = iso(finished)
			if "_document" in record:
				view["reportDocumentId"] = record["_document"]
		return view

	def _known(self, document_id: str) -> bool:
		with self._lock:
			return document_id in self._documents or document_id in self._makers

	def _file(self, document_id: str) -> tuple[bytes, str, bool] | None:
		"""(bytes, charset, compressed) of a document: stored, kept once made, or made now."""
		with self._lock:
			entry = self._documents.get(document_id)
			if entry is not None:
				return entry
			make = self._makers.get(document_id)
			if make is None:
				return None
			made = self._kept.get(document_id)
			if made is not None:
				self._kept.move_to_end(document_id)
				return (*made, self.compress)
		made = make()  # outside the lock: a large settlement's file takes a while
		with self._lock:
			self.files_made += 1
			self._kept[document_id] = made
			while len(self._kept) > 1 and (
				len(self._kept) > PUBLISHED_KEPT
				or sum(len(content) for content, _ in self._kept.values()) > PUBLISHED_KEPT_BYTES
			):
				self._kept.popitem(last=False)
		return (*made, self.compress)

	def document(self, document_id: str) -> dict | None:
		with self._lock:
			known = document_id in self._documents or document_id in self._makers
			compressed = self._documents[document_id][2] if document_id in self._documents else self.compress
		if not known:
			return None
		# A presigned URL is signed against the wall clock, which the simulator's time scale does not
		# speed up (at a scale of 3600 five scaled minutes would be 83 ms); clock jumps still count.
		expires = self.sim.clock.wall_seconds() + URL_LIFETIME.total_seconds()
		url = f"{self.sim.base_url}/_sim/documents/{document_id}?X-Amz-Expires-At={int(expires)}"
		answer = {"reportDocumentId": document_id, "url": url}
		if compressed:
			answer["compressionAlgorithm"] = "GZIP"
		return answer

	def download(self, document_id: str, expires_at: str | None) -> tuple[bytes, str] | str:
		"""The stored bytes and charset, or a reason to deny (an S3-style AccessDenied)."""
		if not self._known(document_id):
			return "The specified key does not exist."
		if not expires_at or not expires_at.isdigit() or int(expires_at) < self.sim.clock.wall_seconds():
			return "Request has expired"
		entry = self._file(document_id)
		if entry is None:
			return "The specified key does not exist."
		content, charset, compressed = entry
		return (gzip.compress(content, mtime=0) if compressed else content), charset
