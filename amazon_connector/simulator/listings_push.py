"""Writing to listings: patchListingsItem and the Feeds flow with JSON_LISTINGS_FEED.

Both apply the same offer patches to the world's listing rows (the listings report shows them):
`/attributes/fulfillment_availability` sets a merchant-fulfilled quantity, and
`/attributes/purchasable_offer` the offer price. Amazon's refusals are imitated: a SKU the seller
does not list in the marketplace, a merchant quantity on an Amazon-fulfilled offer, a patch of
an attribute the simulator does not know, and any SKU a test names in `rejections` (with its
code and message). Every accepted change is kept in `applied`, so tests can count what reached
Amazon (with the moment Amazon applied it, `at`). Feeds move IN_QUEUE -> IN_PROGRESS -> DONE on
the simulator clock (the report delays, or per feed the next of `feed_seconds`, which lets a later
feed finish before an earlier one); a feed is applied at the moment it finishes, in the order the
feeds finish, before any later patch or read, whether or not anyone asks for its status. A feed
whose document is not a JSON_LISTINGS_FEED ends FATAL with a processing report saying why, and
`fail_feeds` makes the next feeds end FATAL as if Amazon had an internal failure. cancelFeed
cancels a feed still IN_QUEUE (and refuses any other with a 400, as the model says): it is never
applied, and getFeed/getFeeds show it CANCELLED without a result document, with a
processingEndTime (the moment of the cancel) for every other cancelled feed and without for the
others, the model leaving it optional. getFeeds lists feeds by feedTypes, marketplaceIds, processingStatuses and
createdSince/createdUntil, newest first, pageSize at a time, its nextToken the only parameter of
the next page.
"""

from __future__ import annotations

import json
import secrets
import threading
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from .clock import iso, parse_iso
from .http_types import ApiError, Reply, Request, invalid
from .reports import URL_LIFETIME

if TYPE_CHECKING:
	from .server import Simulator

FEED_TYPES = ("JSON_LISTINGS_FEED",)
AVAILABILITY = "/attributes/fulfillment_availability"
OFFER = "/attributes/purchasable_offer"


class ListingsPush:
	def __init__(self, sim: Simulator):
		self.sim = sim
		self._lock = threading.Lock()
		self._processing = threading.RLock()  # one feed processed at a time, in the order they finish
		self.rejections: dict[str, tuple[str, str]] = {}  # SKU -> (code, message) Amazon answers with
		self.applied: list[dict] = []  # {"via", "marketplaceId", "sku", "quantity"/"price"}
		self.fail_feeds = 0
		self.feed_seconds: list[float] = []  # the next feeds' queue + processing seconds, in order
		self._uploads: dict[str, dict] = {}
		self._feeds: dict[str, dict] = {}
		self._cancels = 0

	# -- applying patches ------------------------------------------------------------------------
	def _row(self, marketplace_id: str, sku: str) -> dict | None:
		rows = self.sim.world.listings.get(marketplace_id, [])
		return next((r for r in rows if r.get("seller-sku") == sku), None)

	def apply(self, via: str, sku: str, marketplace_ids: list[str], patches, at=None) -> list[dict]:
		"""Apply one SKU's patches in each marketplace (at the moment `at`, else now); Amazon's issues
		(empty when accepted)."""
		issues = []
		if sku in self.rejections:
			code, message = self.rejections[sku]
			return [
				{"code": code, "message": message, "severity": "ERROR", "categories": ["INVALID_ATTRIBUTE"]}
			]
		if not isinstance(patches, list) or not patches:
			return [{"code": "4000001", "message": "patches must be a non-empty list.", "severity": "ERROR",
				"categories": ["INVALID_ATTRIBUTE"]}]  # fmt: skip
		changes = []
		for marketplace_id in marketplace_ids:
			row = self._row(marketplace_id, sku)
			if row is None:
				issues.append(
					{
						"code": "4000004",
						"message": f"SKU {sku} is not listed in marketplace {marketplace_id}.",
						"severity": "ERROR",
						"categories": ["INVALID_ATTRIBUTE"],
					}
				)
				continue
			for patch in patches:
				problem, change = _change(row, patch)
				if problem:
					attribute = str((patch or {}).get("path", "") if isinstance(patch, dict) else "").rsplit(
						"/", 1
					)[-1]
					issues.append({"code": "90220", "message": problem, "severity": "ERROR",
						"attributeNames": [attribute], "categories": ["INVALID_ATTRIBUTE"]})  # fmt: skip
				elif change:
					changes.append((marketplace_id, row, change))
		if issues:
			return issues  # Amazon applies a submission whole or not at all
		moment = iso(at or self.sim.clock.now())
		with self._lock, self.sim.world.lock:
			for marketplace_id, row, change in changes:
				row.update(change)
				self.applied.append(
					{"via": via, "marketplaceId": marketplace_id, "sku": sku, "at": moment, **change}
				)
		return []

	def quantity(self, marketplace_id: str, sku: str) -> int | None:
		self.settle()
		row = self._row(marketplace_id, sku)
		value = (row or {}).get("quantity") or ""
		return int(value) if value.isdigit() else None

	# -- patchListingsItem -----------------------------------------------------------------------
	def patch_listings_item(self, request: Request) -> Reply:
		seller_id, sku = request.path_params["sellerId"], _unquote(request.path_params["sku"])
		if seller_id != self.sim.world.seller_id:
			raise ApiError(403, "Unauthorized", "Access to requested resource is denied.", "Wrong seller id.")
		marketplaces = request.params("marketplaceIds")
		if not marketplaces:
			raise invalid("Missing required parameter marketplaceIds.")
		try:
			body = request.json() or {}
		except ValueError:
			raise invalid("The request body is not valid JSON.") from None
		if not body.get("productType") or "patches" not in body:
			raise invalid("productType and patches are required.")
		self.settle()  # the feeds Amazon finished before this patch came
		issues = self.apply("patch", sku, marketplaces, body.get("patches"))
		answer = {
			"sku": sku,
			"status": "INVALID" if issues else "ACCEPTED",
			"submissionId": secrets.token_hex(16),
			"issues": issues,
		}
		return Reply.json(200, answer)

	# -- Feeds -----------------------------------------------------------------------------------
	def create_feed_document(self, request: Request) -> Reply:
		try:
			body = request.json() or {}
		except ValueError:
			raise invalid("The request body is not valid JSON.") from None
		if not body.get("contentType"):
			raise invalid("contentType is required.")
		document_id = f"amzn1.tortuga.4.sim.{secrets.token_hex(8)}"
		expires = self.sim.clock.now() + URL_LIFETIME
		with self._lock:
			self._uploads[document_id] = {"contentType": body["contentType"], "content": None}
		url = f"{self.sim.base_url}/_sim/uploads/{document_id}?X-Amz-Expires-At={int(expires.timestamp())}"
		return Reply.json(201, {"feedDocumentId": document_id, "url": url})

	def upload(self, document_id: str, expires_at: str | None, content: bytes) -> Reply:
		with self._lock:
			upload = self._uploads.get(document_id)
			if upload is None:
				return _s3_error("NoSuchUpload", "The specified upload does not exist.")
			if (
				not expires_at
				or not expires_at.isdigit()
				or int(expires_at) < self.sim.clock.now().timestamp()
			):
				return _s3_error("AccessDenied", "Request has expired")
			upload["content"] = content
		return Reply(200, b"", "text/plain")

	def create_feed(self, request: Request) -> Reply:
		try:
			body = request.json() or {}
		except ValueError:
			raise invalid("The request body is not valid JSON.") from None
		feed_type, document_id = body.get("feedType"), body.get("inputFeedDocumentId")
		marketplaces = body.get("marketplaceIds")
		if feed_type not in FEED_TYPES:
			raise invalid(
				f"Invalid feedType: {feed_type!r}.", f"The simulator knows {', '.join(FEED_TYPES)}."
			)
		if not isinstance(marketplaces, list) or not 1 <= len(marketplaces) <= 25:
			raise invalid("marketplaceIds must list 1 to 25 marketplaces.")
		with self._lock:
			upload = self._uploads.get(document_id or "")
			if upload is None or upload["content"] is None:
				raise invalid(f"Invalid inputFeedDocumentId: {document_id!r} has no uploaded content.")
			feed_id = f"{secrets.randbelow(10**11):011d}"
			failing = self.fail_feeds > 0
			self.fail_feeds -= 1 if failing else 0
			queue = self.sim.reports.queue.total_seconds()
			processing = self.sim.reports.processing.total_seconds()
			if self.feed_seconds:  # this feed's own time, split as the report delays are
				total = max(0.0, float(self.feed_seconds.pop(0)))
				share = queue / (queue + processing) if queue + processing else 0.0
				queue, processing = total * share, total * (1 - share)
			created = parse_iso(iso(self.sim.clock.now()))  # whole seconds, as Amazon shows it
			started = created + timedelta(seconds=queue)
			self._feeds[feed_id] = {
				"feedId": feed_id,
				"feedType": feed_type,
				"marketplaceIds": list(marketplaces),
				"createdTime": iso(created),
				"_content": upload["content"],
				"_fail": failing,
				"_started": started,
				"_finished": started + timedelta(seconds=processing),
			}
		return Reply.json(202, {"feedId": feed_id})

	def get_feed(self, request: Request) -> Reply:
		with self._lock:
			feed = self._feeds.get(request.path_params["feedId"])
		if feed is None:
			raise ApiError(404, "NotFound", f"Feed {request.path_params['feedId']} is not found.")
		self.settle()
		return Reply.json(200, self._view(feed, self.sim.clock.now()))

	def _status(self, feed: dict, now) -> str:
		if "_cancelled" in feed:
			return "CANCELLED"
		if now < feed["_started"]:
			return "IN_QUEUE"
		if now < feed["_finished"]:
			return "IN_PROGRESS"
		return self._process(feed)[0]

	def _view(self, feed: dict, now) -> dict:
		"""The model's Feed object as of `now` (a finished feed is processed when first seen)."""
		view = {k: v for k, v in feed.items() if not k.startswith("_")}
		status = self._status(feed, now)
		view["processingStatus"] = status
		if status == "CANCELLED":
			if feed["_cancel_shows_end"]:  # the model leaves the end time of a cancelled feed optional
				view["processingEndTime"] = iso(feed["_cancelled"])
		elif status != "IN_QUEUE":
			view["processingStartTime"] = iso(feed["_started"])
			if status != "IN_PROGRESS":
				view["processingEndTime"] = iso(feed["_finished"])
				view["resultFeedDocumentId"] = feed["_document"]
		return view

	def cancel_feed(self, request: Request) -> Reply:
		feed_id = request.path_params["feedId"]
		self.settle()
		now = self.sim.clock.now()
		with self._processing, self._lock:
			feed = self._feeds.get(feed_id)
			if feed is None:
				raise ApiError(404, "NotFound", f"Feed {feed_id} is not found.")
			if "_cancelled" not in feed:
				if "_status" in feed or now >= feed["_started"]:
					status = feed.get("_status") or ("IN_PROGRESS" if now < feed["_finished"] else "DONE")
					raise invalid(
						f"Feed {feed_id} is {status}: only feeds with processingStatus IN_QUEUE can be cancelled."
					)
				feed["_cancelled"] = parse_iso(iso(now))
				feed["_cancel_shows_end"] = self._cancels % 2 == 0  # every other one: both shapes
				self._cancels += 1
		return Reply(200, b"", "application/json")

	def get_feeds(self, request: Request) -> Reply:
		token = request.param("nextToken")
		if token is not None:
			if len({k for k, _ in request.query}) > 1:
				raise invalid("nextToken must be the only parameter.", "Specifying nextToken with any other parameters will cause the request to fail.")  # fmt: skip
			state = self.sim.tokens.read(token, "nextToken")
		else:
			types = request.params("feedTypes")
			if not types:
				raise invalid("Either feedTypes or nextToken is required.")
			now = self.sim.clock.now()
			try:
				since = parse_iso(request.param("createdSince")) if request.param("createdSince") else None
				until = parse_iso(request.param("createdUntil")) if request.param("createdUntil") else now
			except ValueError:
				raise invalid("createdSince and createdUntil must be ISO 8601 date-times.") from None
			since = since or now - timedelta(days=90)
			size = request.param("pageSize") or "10"
			if not size.isdigit() or not 1 <= int(size) <= 100:
				raise invalid("pageSize must be from 1 to 100.")
			statuses = request.params("processingStatuses")
			known = {"CANCELLED", "DONE", "FATAL", "IN_PROGRESS", "IN_QUEUE"}
			if statuses and set(statuses) - known:
				raise invalid(f"Invalid processingStatuses: {', '.join(sorted(set(statuses) - known))}.")
			state = {"types": types, "marketplaces": request.params("marketplaceIds"), "statuses": statuses,
				"since": iso(since), "until": iso(min(until, now)), "size": int(size), "offset": 0}  # fmt: skip
		self.settle()
		now = self.sim.clock.now()
		since, until = parse_iso(state["since"]), parse_iso(state["until"])
		with self._lock:
			feeds = sorted(self._feeds.values(), key=lambda f: (f["createdTime"], f["feedId"]), reverse=True)
		found = []
		for feed in feeds:
			if feed["feedType"] not in state["types"] or not since <= parse_iso(feed["createdTime"]) <= until:
				continue
			if state["marketplaces"] and not set(state["marketplaces"]) & set(feed["marketplaceIds"]):
				continue
			view = self._view(feed, now)
			if not state["statuses"] or view["processingStatus"] in state["statuses"]:
				found.append(view)
		offset, size = state["offset"], state["size"]
		body: dict = {"feeds": found[offset : offset + size]}
		if offset + size < len(found):
			body["nextToken"] = self.sim.tokens.issue({**state, "offset": offset + size})
		return Reply.json(200, body)

	def settle(self) -> None:
		"""Apply every feed that has finished by now, in the order they finished."""
		now = self.sim.clock.now()
		with self._processing:
			with self._lock:
				due = sorted(
					(
						f
						for f in self._feeds.values()
						if "_status" not in f and "_cancelled" not in f and f["_finished"] <= now
					),
					key=lambda f: f["_finished"],
				)
			for feed in due:
				self._process(feed)

	def _process(self, feed: dict) -> tuple[str, str]:
		"""Process a feed once (when it is first seen finished): apply its messages, store the report."""
		with self._processing:
			if "_status" in feed:
				return feed["_status"], feed["_document"]
			status, issues, summary = self._run_feed(feed)
			report = {
				"header": {"sellerId": self.sim.world.seller_id, "version": "2.0", "feedId": feed["feedId"]},
				"issues": issues,
				"summary": summary,
			}
			document_id = self.sim.reports.store(
				json.dumps(report).encode("utf-8"), "UTF-8", self.sim.reports.compress
			)
			with self._lock:
				feed["_status"], feed["_document"] = status, document_id
			return status, document_id

	def _run_feed(self, feed: dict) -> tuple[str, list[dict], dict]:
		empty = {
			"errors": 1,
			"warnings": 0,
			"messagesProcessed": 0,
			"messagesAccepted": 0,
			"messagesInvalid": 0,
		}
		if feed["_fail"]:
			return "FATAL", [{"code": "InternalFailure", "severity": "ERROR",
				"message": "Amazon could not process the feed. Submit it again."}], empty  # fmt: skip
		try:
			document = json.loads(feed["_content"].decode("utf-8"))
			messages = document["messages"]
			if not isinstance(document.get("header"), dict) or not isinstance(messages, list):
				raise ValueError
		except (UnicodeDecodeError, ValueError, KeyError, TypeError):
			return "FATAL", [{"code": "4000003", "severity": "ERROR",
				"message": "The feed is not a valid JSON_LISTINGS_FEED document (header and messages)."}], empty  # fmt: skip
		issues, accepted, invalid_count = [], 0, 0
		for message in messages:
			message_id = message.get("messageId") if isinstance(message, dict) else None
			if (
				not isinstance(message, dict)
				or not message.get("sku")
				or message.get("operationType") != "PATCH"
			):
				found = [{"code": "4000001", "severity": "ERROR",
					"message": "A message needs a messageId, a sku and operationType PATCH."}]  # fmt: skip
			else:
				found = self.apply(
					"feed",
					str(message["sku"]),
					feed["marketplaceIds"],
					message.get("patches"),
					at=feed["_finished"],
				)
			for issue in found:
				issues.append({"messageId": message_id, **issue})
			if found:
				invalid_count += 1
			else:
				accepted += 1
		summary = {
			"errors": len(issues),
			"warnings": 0,
			"messagesProcessed": len(messages),
			"messagesAccepted": accepted,
			"messagesInvalid": invalid_count,
		}
		return "DONE", issues, summary

	def get_feed_document(self, request: Request) -> Reply:
		document_id = request.path_params["feedDocumentId"]
		answer = self.sim.reports.document(document_id)
		if answer is None:
			raise ApiError(404, "NotFound", f"Feed document {document_id} is not found.")
		answer["feedDocumentId"] = answer.pop("reportDocumentId")
		return Reply.json(200, answer)


def _change(row: dict, patch) -> tuple[str | None, dict | None]:
	"""(Amazon's complaint, or the row columns the patch sets)."""
	if not isinstance(patch, dict) or patch.get("op") not in ("add", "replace", "merge", "delete"):
		return "Each patch needs an op of add, replace, merge or delete.", None
	path, value = patch.get("path"), patch.get("value")
	if path == AVAILABILITY:
		entry = (value or [{}])[0] if isinstance(value, list) else {}
		channel = entry.get("fulfillment_channel_code")
		quantity = entry.get("quantity")
		if channel != "DEFAULT":
			return f"fulfillment_channel_code {channel!r} cannot be set by the seller.", None
		if (row.get("fulfillment-channel") or "DEFAULT") != "DEFAULT":
			return "The quantity of an offer fulfilled by Amazon is Amazon's; it cannot be set.", None
		if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
			return f"quantity {quantity!r} is not a whole number of at least 0.", None
		return None, {"quantity": str(quantity)}
	if path == OFFER:
		try:
			entry = value[0]
			amount = entry["our_price"][0]["schedule"][0]["value_with_tax"]
			price = Decimal(str(amount))
		except (TypeError, KeyError, IndexError, InvalidOperation):
			return "purchasable_offer needs our_price[0].schedule[0].value_with_tax.", None
		if price <= 0:
			return f"The price {amount} must be greater than 0.", None
		return None, {"price": f"{price:f}"}
	return f"The simulator does not support patching {path!r}.", None


def _unquote(text: str) -> str:
	from urllib.parse import unquote

	return unquote(text)


def _s3_error(code: str, message: str) -> Reply:
	body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>'
	return Reply(403 if code == "AccessDenied" else 404, body.encode(), "application/xml")
