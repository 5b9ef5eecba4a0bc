"""Returns of a shipped Multi-Channel Fulfillment order (Fulfillment Outbound 2020-07-01):
listReturnReasonCodes -> reasons a person picks from, the units to return -> the
createFulfillmentReturn body, and Amazon's answer -> what it accepted (with the return authorization
the buyer sends the units under) and what it refused, with its reason.

Amazon takes a return unit by unit: each CreateReturnItem is one unit of one shipped line, with an id
of the seller's (`sellerReturnItemId`, at most 80 characters), so two units of a line are two items.
The ids are the return document's name and a running number, so Amazon's later reports of each unit
(New, then Processed with the condition it arrived in) find their way back. In Amazon's answer the
authorization, Amazon's own reason code and the received condition are optional and may be absent;
`invalidReturnItems` may be missing, empty or name units with one of Amazon's four reasons.
"""

from __future__ import annotations

import re

from ..drafts.fulfilment import (
	InvalidReturnItem,
	ReturnAuthorization,
	ReturnLine,
	ReturnReason,
	ReturnResult,
)
from .fulfilment import FulfilmentAnswerError, FulfilmentDraftError, read_authorization, read_return_item

RETURN_ITEM_ID_LIMIT = 80  # sellerReturnItemId: maxLength 80
RETURN_COMMENT_LIMIT = 1000  # returnComment: maxLength 1000
_ID_CHARACTERS = re.compile(r"[^A-Za-z0-9_.-]+")

# Amazon's InvalidItemReasonCode values in words a seller understands.
INVALID_REASONS = {
	"InvalidValues": "Amazon finds no such item on the fulfilment order",
	"DuplicateRequest": "a return was already asked for this unit",
	"NoCompletedShipItems": "the order has not shipped yet",
	"NoReturnableQuantity": "every shipped unit of it is already being returned",
}


def read_return_reasons(payload: dict) -> list[ReturnReason]:
	"""listReturnReasonCodes' payload -> its reasons (the translation when Amazon gave one)."""
	reasons = []
	for entry in (payload or {}).get("reasonCodeDetails") or []:
		code = str(entry.get("returnReasonCode") or "")
		if code:
			text = entry.get("translatedDescription") or entry.get("description") or code
			reasons.append(ReturnReason(code, str(text)))
	return reasons


def return_item_ids(prefix: str, units: int, start: int = 1) -> list[str]:
	"""`units` seller return item ids "<prefix>-<n>", n from `start`."""
	base = _ID_CHARACTERS.sub("-", prefix or "").strip("-")
	if not base:
		raise FulfilmentDraftError(f"{prefix!r} gives no return item id")
	ids = [f"{base}-{n}" for n in range(start, start + units)]
	if ids and len(ids[-1]) > RETURN_ITEM_ID_LIMIT:
		keep = RETURN_ITEM_ID_LIMIT - len(str(start + units)) - 1
		ids = [f"{base[:keep]}-{n}" for n in range(start, start + units)]
	return ids


def return_request(source: str, prefix: str, lines: list[ReturnLine]) -> tuple[dict, dict[str, ReturnLine]]:
	"""The createFulfillmentReturn body, and which line each unit's id belongs to."""
	problems = []
	for line in lines:
		if not isinstance(line.units, int) or isinstance(line.units, bool) or line.units <= 0:
			problems.append(f"line {line.line_id}: the units to return must be a positive whole number")
		if not line.reason_code:
			problems.append(f"line {line.line_id}: choose Amazon's return reason")
		if not line.amazon_shipment_id:
			problems.append(f"line {line.line_id}: no Amazon shipment to return it from")
		if len(line.comment or "") > RETURN_COMMENT_LIMIT:
			problems.append(
				f"line {line.line_id}: the comment is longer than {RETURN_COMMENT_LIMIT} characters"
			)
	if not lines:
		problems.append("no units to return")
	if problems:
		raise FulfilmentDraftError(f"{source}: {'; '.join(problems)}.")
	ids = return_item_ids(prefix, sum(line.units for line in lines))
	items: list[dict] = []
	owner: dict[str, ReturnLine] = {}
	for line in lines:
		for _ in range(line.units):
			item_id = ids[len(items)]
			item = {
				"sellerReturnItemId": item_id,
				"sellerFulfillmentOrderItemId": line.line_id,
				"amazonShipmentId": line.amazon_shipment_id,
				"returnReasonCode": line.reason_code,
			}
			if line.comment:
				item["returnComment"] = line.comment
			items.append(item)
			owner[item_id] = line
	return {"items": items}, owner


def read_return_result(payload: dict) -> ReturnResult:
	"""createFulfillmentReturn's payload -> the units Amazon accepted and those it refused."""
	payload = payload or {}
	try:
		return ReturnResult(
			accepted=[read_return_item(item) for item in payload.get("returnItems") or []],
			invalid=[_invalid(item) for item in payload.get("invalidReturnItems") or []],
			authorizations=[read_authorization(a) for a in payload.get("returnAuthorizations") or []],
		)
	except (KeyError, TypeError, ValueError) as exc:
		raise FulfilmentAnswerError(f"Amazon's answer to the return does not read: {exc}") from None


def _invalid(item: dict) -> InvalidReturnItem:
	reason = item.get("invalidItemReason") or {}
	return InvalidReturnItem(
		seller_return_item_id=str(item["sellerReturnItemId"]),
		line_id=str(item.get("sellerFulfillmentOrderItemId") or ""),
		code=str(reason.get("invalidItemReasonCode") or ""),
		description=str(reason.get("description") or ""),
	)


def invalid_text(items: list[InvalidReturnItem], names: dict[str, str] | None = None) -> str:
	"""Amazon's refusals, per line: "<item>: <n> unit(s), <reason> (<code>: <Amazon's words>)"."""
	grouped: dict[tuple[str, str, str], int] = {}
	for item in items:
		key = (item.line_id, item.code, item.description)
		grouped[key] = grouped.get(key, 0) + 1
	parts = []
	for (line_id, code, description), units in grouped.items():
		name = (names or {}).get(line_id, line_id)
		words = INVALID_REASONS.get(code, code or "no reason given")
		detail = f"{code}: {description}" if description else code
		parts.append(f"{name}: {units} unit{'s' if units != 1 else ''}, {words} ({detail})")
	return "; ".join(parts)


def authorization_text(authorizations: list[ReturnAuthorization]) -> str:
	return " ".join(a.text() for a in authorizations)
