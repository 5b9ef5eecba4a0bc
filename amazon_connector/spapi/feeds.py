"""Feeds 2021-06-30 with JSON_LISTINGS_FEED: many listings changes in one submission.

createFeedDocument -> upload the JSON to its presigned URL (`upload_listings_feed`) -> createFeed
(`create_feed`); later getFeed until DONE (or CANCELLED / FATAL) (`get_feed_status`) ->
getFeedDocument of the result -> download (maybe gzipped) -> the processing report, whose issues
name the message (and so the SKU) they are about (`read_feed_result`). The steps are separate so
that a caller can keep the document id before asking Amazon for the feed, and read the report on a
later run instead of waiting minutes for Amazon's processing. `cancel_feed` (cancelFeed, 2/s, burst
15) takes back a feed still IN_QUEUE, the only status Amazon cancels; `find_feeds` (getFeeds,
0.0222/s, burst 10) lists the JSON_LISTINGS_FEEDs created since a moment, which is how a feed whose
createFeed answer never arrived is found again (Amazon's Feed carries no input document id).
A feed holds at most 25,000 messages; createFeed allows one feed every two minutes after a burst
of 15, so many changes go in few feeds, not many.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from amazon_connector.spapi._params import csv
from amazon_connector.spapi.apis import FeedsApi
from amazon_connector.spapi.errors import SpApiError

FEED_TYPE = "JSON_LISTINGS_FEED"
CONTENT_TYPE = "application/json; charset=UTF-8"
MAX_MESSAGES = 25_000
DONE = "DONE"
IN_QUEUE = "IN_QUEUE"
CANCELLED = "CANCELLED"
FATAL = "FATAL"
FAILED = (CANCELLED, FATAL)
FEEDS_PAGE_SIZE = 100


@dataclass(frozen=True)
class FeedMessage:
	sku: str
	patches: tuple[dict, ...]
	product_type: str = "PRODUCT"


@dataclass
class FeedResult:
	"""The processing report: per SKU, Amazon's errors; SKUs without an error were accepted."""

	feed_id: str
	status: str
	errors: dict[str, list[str]] = field(default_factory=dict)  # SKU -> Amazon's messages
	feed_issues: list[str] = field(default_factory=list)  # issues of no one message
	summary: dict = field(default_factory=dict)

	def accepted(self, sku: str) -> bool:
		return self.status == DONE and sku not in self.errors and not self.feed_issues


def feed_document(seller_id: str, messages: Iterable[FeedMessage]) -> tuple[bytes, dict[int, str]]:
	"""The JSON_LISTINGS_FEED body and messageId -> SKU."""
	by_id: dict[int, str] = {}
	entries = []
	for message_id, message in enumerate(messages, start=1):
		by_id[message_id] = message.sku
		entries.append(
			{
				"messageId": message_id,
				"sku": message.sku,
				"operationType": "PATCH",
				"productType": message.product_type,
				"patches": list(message.patches),
			}
		)
	if not entries:
		raise ValueError("a feed needs at least one message")
	if len(entries) > MAX_MESSAGES:
		raise ValueError(f"a JSON_LISTINGS_FEED holds at most {MAX_MESSAGES} messages, not {len(entries)}")
	body = {"header": {"sellerId": seller_id, "version": "2.0", "issueLocale": "en_US"}, "messages": entries}
	return json.dumps(body, ensure_ascii=False).encode("utf-8"), by_id


@dataclass(frozen=True)
class FeedDocument:
	"""A JSON_LISTINGS_FEED uploaded to Amazon, not yet a feed: its document id, and which SKU each
	message id carries."""

	document_id: str
	skus_by_message: dict[int, str]


@dataclass(frozen=True)
class FeedStatus:
	"""getFeed's answer: where Amazon's processing is, and the result document once it ended."""

	feed_id: str
	status: str  # IN_QUEUE, IN_PROGRESS, DONE, CANCELLED or FATAL (or a status Amazon adds later)
	result_document_id: str = ""
	processing_end: str = ""  # Amazon's processingEndTime (ISO 8601); "" while processing or not given
	created: str = ""  # Amazon's createdTime (ISO 8601)

	@property
	def finished(self) -> bool:
		return self.status == DONE or self.status in FAILED


def upload_listings_feed(session, seller_id: str, messages: list[FeedMessage]) -> FeedDocument:
	"""createFeedDocument and the upload of the messages as one JSON_LISTINGS_FEED."""
	content, by_id = feed_document(seller_id, messages)
	created = session.call("createFeedDocument", FeedsApi, "new_feed_document", CONTENT_TYPE).body
	document_id, url = str(created.get("feedDocumentId") or ""), created.get("url")
	if not document_id or not url:
		raise SpApiError(
			"createFeedDocument answered without a document id or URL", operation="createFeedDocument"
		)
	session.upload(url, content, CONTENT_TYPE, operation="uploadFeedDocument")
	return FeedDocument(document_id, by_id)


def create_feed(session, document_id: str, marketplace_ids: list[str]) -> str:
	"""createFeed of an uploaded document: the feed id. Amazon processes it later."""
	feed = session.call(
		"createFeed", FeedsApi, "new_feed", FEED_TYPE, document_id, list(marketplace_ids)
	).body
	feed_id = str(feed.get("feedId") or "")
	if not feed_id:
		raise SpApiError("createFeed answered without a feedId", operation="createFeed")
	return feed_id


def cancel_feed(session, feed_id: str) -> None:
	"""cancelFeed: Amazon cancels a feed still IN_QUEUE (HTTP 200) and refuses any other (HTTP 400)."""
	session.call("cancelFeed", FeedsApi, "cancel_feed", feed_id)


def find_feeds(session, marketplace_ids: list[str], created_since: datetime) -> list[FeedStatus]:
	"""getFeeds: every JSON_LISTINGS_FEED of these marketplaces created since `created_since`, in any
	status, page by page (a nextToken is sent as the only parameter, as Amazon requires)."""
	params: dict = {  # the library passes these as they are: arrays go comma-delimited (csv)
		"feedTypes": FEED_TYPE,
		"marketplaceIds": csv(marketplace_ids, name="marketplaceIds"),
		"createdSince": created_since.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
		"pageSize": FEEDS_PAGE_SIZE,
	}
	found: list[FeedStatus] = []
	token = None
	while True:
		body = session.call(
			"getFeeds", FeedsApi, "get_feeds", **({"nextToken": token} if token else params)
		).body
		found.extend(_status(feed) for feed in body.get("feeds") or [] if isinstance(feed, dict))
		token = body.get("nextToken")
		if not token:
			return found


def get_feed_status(session, feed_id: str) -> FeedStatus:
	return _status(session.call("getFeed", FeedsApi, "get_feed", feed_id).body, feed_id)


def _status(feed: dict, feed_id: str = "") -> FeedStatus:
	return FeedStatus(
		str(feed.get("feedId") or feed_id),
		str(feed.get("processingStatus") or ""),
		str(feed.get("resultFeedDocumentId") or ""),
		str(feed.get("processingEndTime") or ""),
		str(feed.get("createdTime") or ""),
	)


def read_feed_result(session, status: FeedStatus, skus_by_message: dict[int, str]) -> FeedResult:
	"""The processing report of a finished feed (a CANCELLED feed may have none: then its status
	is the only issue)."""
	result = FeedResult(status.feed_id, status.status)
	if status.result_document_id:
		_read_report(session, status.result_document_id, skus_by_message, result)
	if status.status in FAILED and not result.feed_issues:
		result.feed_issues.append(f"Amazon ended feed {status.feed_id} {status.status}")
	return result


def _read_report(session, document_id: str, by_id: dict[int, str], result: FeedResult) -> None:
	document = session.call("getFeedDocument", FeedsApi, "feed_document", document_id).body
	url = document.get("url")
	if not url:
		raise SpApiError(f"Feed document {document_id} has no URL", operation="getFeedDocument")
	content = session.download(url, operation="downloadFeedDocument").content
	if str(document.get("compressionAlgorithm") or "").upper() == "GZIP":
		try:
			content = gzip.decompress(content)
		except (OSError, EOFError, zlib.error) as exc:
			raise SpApiError(
				f"Feed document {document_id} is marked GZIP but does not decompress: {exc}",
				operation="downloadFeedDocument",
			) from None
	try:
		report = json.loads(content.decode("utf-8"))
	except (UnicodeDecodeError, json.JSONDecodeError) as exc:
		raise SpApiError(
			f"The processing report of feed {result.feed_id} is not JSON: {exc}",
			operation="downloadFeedDocument",
		) from None
	result.summary = dict(report.get("summary") or {})
	for issue in report.get("issues") or []:
		if str(issue.get("severity") or "ERROR").upper() != "ERROR":
			continue  # warnings do not stop a message
		text = f"{issue.get('code') or ''}: {issue.get('message') or ''}".strip(": ")
		message_id = _int(issue.get("messageId"))
		sku = issue.get("sku") or (by_id.get(message_id) if message_id is not None else None)
		if sku:
			result.errors.setdefault(str(sku), []).append(text)
		else:
			result.feed_issues.append(text)


def _int(value) -> int | None:
	try:
		return int(value)
	except (TypeError, ValueError):
		return None
