"""Stock to Amazon: patches for a few SKUs, Amazon's refusals named, pacing, and every simulator
answer checked against Amazon's models. The feeds for many SKUs, read back on later runs, are in
test_stock_feeds."""

from __future__ import annotations

import json
from datetime import date

import httpx
import jsonschema
import pytest

from amazon_connector.core.engine.stock_push import StockPush
from amazon_connector.core.preview import PreviewErp
from amazon_connector.core.settings import MarketplaceConfig, SyncSettings
from amazon_connector.simulator import generate_world
from amazon_connector.simulator.connect import account_config, scaled_clock
from amazon_connector.spapi import feeds, listings_push
from amazon_connector.spapi.client import SpApiSession
from amazon_connector.spapi.source import SpApiSource
from amazon_connector.spapi.throttle import ThrottleRegistry

US, DE = "ATVPDKIKX0DER", "A1PA6795UKMFR9"


@pytest.fixture(scope="module")
def world():
	return generate_world(seed=15, orders=40, marketplaces="US,DE")


@pytest.fixture
def sim(make_simulator, world):
	return make_simulator(world, time_scale=600.0, report_delays=(30.0, 60.0))


def session_for(sim):
	clock, sleep = scaled_clock(sim.clock.time_scale)
	account = account_config(sim.account, sim.base_url, "Stock Seller")
	return SpApiSession(account, clock=clock, sleep=sleep, throttle=ThrottleRegistry())


@pytest.fixture
def source(sim):
	with session_for(sim) as session:
		yield SpApiSource(session)


def merchant_rows(sim, marketplace_id):
	return [r for r in sim.world.listings[marketplace_id] if r["fulfillment-channel"] == "DEFAULT"]


def fba_rows(sim, marketplace_id):
	return [r for r in sim.world.listings[marketplace_id] if r["fulfillment-channel"] != "DEFAULT"]


def erp_for(sim, marketplace_ids=(US, DE), available=lambda i: 5 + i) -> PreviewErp:
	"""A preview ERP holding every merchant-fulfilled listing with an available quantity."""
	erp = PreviewErp("Stock Seller")
	for marketplace_id in marketplace_ids:
		for index, row in enumerate(merchant_rows(sim, marketplace_id)):
			erp.merchant_listings[(marketplace_id, row["seller-sku"])] = {
				"item_code": row["seller-sku"],
				"available": available(index),
				"last_pushed": None,
			}
	return erp


def settings(sim, **extra) -> SyncSettings:
	return SyncSettings(
		account_key="Stock Seller",
		after_date=date(2026, 1, 1),
		marketplaces=(MarketplaceConfig(US), MarketplaceConfig(DE)),
		seller_id=sim.world.seller_id,
		extra={"report_poll_interval": 5, **extra},
	)


def applied(sim) -> dict[tuple[str, str], int]:
	return {
		(a["marketplaceId"], a["sku"]): int(a["quantity"])
		for a in sim.listings_push.applied
		if "quantity" in a
	}


def test_a_few_changes_go_as_patches_once(sim, source):
	erp = erp_for(sim, (US,))
	changed = sorted(erp.merchant_listings)[:3]
	for key in sorted(erp.merchant_listings):  # the others were pushed before and have not changed
		if key not in changed:
			erp.merchant_listings[key]["last_pushed"] = erp.merchant_listings[key]["available"]
	report = StockPush(source, erp, settings(sim)).run()
	assert report.failed == 0, report.failures
	assert applied(sim) == {key: erp.merchant_listings[key]["available"] for key in changed}
	assert source.stats()["calls"] == {"patchListingsItem": 3}
	for key in changed:
		assert sim.listings_push.quantity(*key) == erp.merchant_listings[key]["available"]
		assert erp.merchant_listings[key]["last_pushed"] == erp.merchant_listings[key]["available"]

	again = StockPush(source, erp, settings(sim)).run()
	assert again.counts["updated"] == 0 and len(sim.listings_push.applied) == 3
	assert source.stats()["calls"] == {"patchListingsItem": 3}


def test_one_sku_at_one_quantity_in_two_marketplaces_is_one_call(sim, source):
	sku = next(
		r["seller-sku"]
		for r in merchant_rows(sim, US)
		if r["seller-sku"] in {x["seller-sku"] for x in merchant_rows(sim, DE)}
	)
	erp = PreviewErp("x")
	for marketplace_id in (US, DE):
		erp.merchant_listings[(marketplace_id, sku)] = {"item_code": sku, "available": 7, "last_pushed": 3}
	StockPush(source, erp, settings(sim)).run()
	assert source.stats()["calls"] == {"patchListingsItem": 1}
	assert applied(sim) == {(US, sku): 7, (DE, sku): 7}


def test_amazon_refuses_one_sku_and_says_why(sim, source):
	erp = erp_for(sim, (US,))
	keys = sorted(erp.merchant_listings)[:3]
	erp.merchant_listings = {k: erp.merchant_listings[k] for k in keys}
	refused = keys[1][1]
	sim.listings_push.rejections[refused] = ("8560", "The SKU does not match any ASIN.")
	report = StockPush(source, erp, settings(sim)).run()
	assert [(f.amazon_id, f.reason) for f in report.failures] == [
		(f"{refused} ({US})", "8560: The SKU does not match any ASIN.")
	]
	assert erp.merchant_listings[keys[1]]["last_pushed"] is None  # tried again next time
	assert "does not match any ASIN" in erp.merchant_listings[keys[1]]["rejected"]
	assert report.counts["updated"] == 2


def test_an_fba_offer_is_refused_by_amazon(sim, source):
	"""The port never lists FBA SKUs; should one slip through, Amazon refuses it and nothing changes."""
	row = fba_rows(sim, US)[0]
	erp = PreviewErp("x")
	erp.merchant_listings[(US, row["seller-sku"])] = {"item_code": "x", "available": 4, "last_pushed": None}
	report = StockPush(source, erp, settings(sim)).run()
	assert report.failed == 1 and "fulfilled by Amazon" in report.failures[0].reason
	assert sim.listings_push.applied == []


def test_a_malformed_feed_document_ends_fatal_with_a_report(sim):
	with session_for(sim) as session:
		created = session.call(
			"createFeedDocument", feeds.FeedsApi, "new_feed_document", feeds.CONTENT_TYPE
		).body
		session.upload(created["url"], b"{not json", feeds.CONTENT_TYPE)
		feed = session.call(
			"createFeed", feeds.FeedsApi, "new_feed", feeds.FEED_TYPE, created["feedDocumentId"], [US]
		).body
		status = feeds.get_feed_status(session, feed["feedId"])
		while not status.finished:
			session.sleep(5)
			status = feeds.get_feed_status(session, feed["feedId"])
		assert status.status == "FATAL" and status.result_document_id and status.processing_end
		result = feeds.read_feed_result(session, status, {})
		assert "not a valid JSON_LISTINGS_FEED" in result.feed_issues[0]


def test_patches_keep_to_the_usage_plan(make_simulator, world):
	sim = make_simulator(world, limits=True, time_scale=1.0)  # 5 requests/s, burst 5, in real seconds
	with session_for(sim) as session:
		source = SpApiSource(session)
		erp = erp_for(sim, (US,))
		assert len(erp.merchant_listings) > 5  # more than the burst
		report = StockPush(source, erp, settings(sim, stock_patch_limit=100)).run()
		assert report.failed == 0, report.failures
		assert sim.stats()["throttled"].get("patchListingsItem", 0) == 0
		assert session.stats()["throttle_wait_seconds"] > 0


def test_throttled_patches_are_retried(make_simulator, world):
	sim = make_simulator(
		world, faults={"script": [{"operation": "patchListingsItem", "fault": "throttle", "count": 2}]}
	)
	with session_for(sim) as session:
		erp = erp_for(sim, (US,))
		keys = sorted(erp.merchant_listings)[:2]
		erp.merchant_listings = {k: erp.merchant_listings[k] for k in keys}
		report = StockPush(SpApiSource(session), erp, settings(sim)).run()
		assert report.failed == 0 and sim.stats()["throttled"]["patchListingsItem"] == 2
		assert set(applied(sim)) == set(keys)


# -- the models ------------------------------------------------------------------------------------


def _validate(load_model, model_file, path, method, response):
	model = load_model(model_file)
	declared = model["paths"][path][method]["responses"][str(response.status_code)]
	schema = dict(declared["schema"], definitions=model["definitions"])
	validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
	errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(response.json())]
	assert not errors, errors[:5]
	return response.json()


def test_every_answer_matches_the_models(make_simulator, world, load_model):
	sim = make_simulator(world, time_scale=1.0, report_delays=(30.0, 60.0))  # the test moves the clock
	headers = {"x-amz-access-token": sim.access_token()}
	base, seller = sim.base_url, sim.world.seller_id
	row = merchant_rows(sim, US)[0]
	patch_path = "/listings/2021-08-01/items/{sellerId}/{sku}"
	for body in (
		{"productType": "PRODUCT", "patches": [listings_push.quantity_patch(3)]},
		{
			"productType": "PRODUCT",
			"patches": [{"op": "replace", "path": "/attributes/unknown", "value": [{}]}],
		},
	):
		response = httpx.patch(
			f"{base}/listings/2021-08-01/items/{seller}/{row['seller-sku']}",
			params={"marketplaceIds": US},
			json=body,
			headers=headers,
		)
		answer = _validate(load_model, "listings-items-2021-08-01.json", patch_path, "patch", response)
		assert answer["status"] in ("ACCEPTED", "INVALID")

	model = "feeds-2021-06-30.json"
	created = httpx.post(
		f"{base}/feeds/2021-06-30/documents", json={"contentType": feeds.CONTENT_TYPE}, headers=headers
	)
	document = _validate(load_model, model, "/feeds/2021-06-30/documents", "post", created)
	content, _ = feeds.feed_document(
		seller, [feeds.FeedMessage(row["seller-sku"], (listings_push.quantity_patch(9),))]
	)
	assert httpx.put(document["url"], content=content).status_code == 200
	feed = httpx.post(
		f"{base}/feeds/2021-06-30/feeds",
		json={
			"feedType": feeds.FEED_TYPE,
			"marketplaceIds": [US],
			"inputFeedDocumentId": document["feedDocumentId"],
		},
		headers=headers,
	)
	feed_id = _validate(load_model, model, "/feeds/2021-06-30/feeds", "post", feed)["feedId"]
	seen = set()
	for _ in range(200):
		response = httpx.get(f"{base}/feeds/2021-06-30/feeds/{feed_id}", headers=headers)
		status = _validate(load_model, model, "/feeds/2021-06-30/feeds/{feedId}", "get", response)[
			"processingStatus"
		]
		seen.add(status)
		if status == "DONE":
			break
		sim.advance_clock(10)
	assert {"IN_QUEUE", "DONE"} <= seen
	result_id = response.json()["resultFeedDocumentId"]
	result = httpx.get(f"{base}/feeds/2021-06-30/documents/{result_id}", headers=headers)
	answer = _validate(load_model, model, "/feeds/2021-06-30/documents/{feedDocumentId}", "get", result)
	report = httpx.get(answer["url"]).content
	if answer.get("compressionAlgorithm") == "GZIP":
		import gzip

		report = gzip.decompress(report)
	assert json.loads(report)["summary"]["messagesAccepted"] == 1
	assert sim.listings_push.quantity(US, row["seller-sku"]) == 9


def test_cancelfeed_and_getfeeds_answer_as_the_model_says(make_simulator, world, load_model):
	sim = make_simulator(world, time_scale=1.0, report_delays=(30.0, 60.0))  # the test moves the clock
	headers = {"x-amz-access-token": sim.access_token()}
	base, model = sim.base_url, "feeds-2021-06-30.json"
	sku = merchant_rows(sim, US)[0]["seller-sku"]
	feed_path, list_path = "/feeds/2021-06-30/feeds/{feedId}", "/feeds/2021-06-30/feeds"

	def create() -> str:
		document = httpx.post(
			f"{base}/feeds/2021-06-30/documents", json={"contentType": feeds.CONTENT_TYPE}, headers=headers
		).json()
		content, _ = feeds.feed_document(
			sim.world.seller_id, [feeds.FeedMessage(sku, (listings_push.quantity_patch(4),))]
		)
		httpx.put(document["url"], content=content)
		body = {
			"feedType": feeds.FEED_TYPE,
			"marketplaceIds": [US],
			"inputFeedDocumentId": document["feedDocumentId"],
		}
		return httpx.post(f"{base}{list_path}", json=body, headers=headers).json()["feedId"]

	cancelled = [create() for _ in range(4)]
	done = create()
	for feed_id in cancelled:  # in Amazon's queue: cancelled (200, no body)
		assert httpx.delete(f"{base}/feeds/2021-06-30/feeds/{feed_id}", headers=headers).status_code == 200
	shapes = set()
	for feed_id in cancelled:
		answer = httpx.get(f"{base}/feeds/2021-06-30/feeds/{feed_id}", headers=headers)
		feed = _validate(load_model, model, feed_path, "get", answer)
		assert feed["processingStatus"] == "CANCELLED" and "resultFeedDocumentId" not in feed
		shapes.add("processingEndTime" in feed)
	assert shapes == {True, False}  # the model leaves a cancelled feed's end time optional: both
	sim.advance_clock(120)
	refused = httpx.delete(f"{base}/feeds/2021-06-30/feeds/{done}", headers=headers)  # DONE: not cancelled
	assert refused.status_code == 400
	_validate(load_model, model, feed_path, "delete", refused)
	assert sim.listings_push.quantity(US, sku) == 4 and len(sim.listings_push.applied) == 1

	listed = httpx.get(
		f"{base}{list_path}", params={"feedTypes": feeds.FEED_TYPE, "pageSize": 2}, headers=headers
	)
	page = _validate(load_model, model, list_path, "get", listed)
	assert len(page["feeds"]) == 2 and page["nextToken"]
	seen = [f["feedId"] for f in page["feeds"]]
	while "nextToken" in page:
		page = httpx.get(
			f"{base}{list_path}", params={"nextToken": page["nextToken"]}, headers=headers
		).json()
		seen += [f["feedId"] for f in page["feeds"]]
	assert sorted(seen) == sorted([*cancelled, done])
	only_done = httpx.get(
		f"{base}{list_path}",
		params={"feedTypes": feeds.FEED_TYPE, "processingStatuses": "DONE,FATAL", "marketplaceIds": US},
		headers=headers,
	)
	assert [f["feedId"] for f in _validate(load_model, model, list_path, "get", only_done)["feeds"]] == [done]
	other = httpx.get(
		f"{base}{list_path}", params={"feedTypes": feeds.FEED_TYPE, "marketplaceIds": DE}, headers=headers
	)
	assert other.json()["feeds"] == []
	mixed = httpx.get(
		f"{base}{list_path}", params={"nextToken": "x", "feedTypes": feeds.FEED_TYPE}, headers=headers
	)
	assert mixed.status_code == 400
	_validate(load_model, model, list_path, "get", mixed)
	assert httpx.get(f"{base}{list_path}", headers=headers).status_code == 400  # feedTypes or nextToken


def test_the_access_layer_cancels_and_lists_feeds(sim):
	with session_for(sim) as session:
		document = feeds.upload_listings_feed(
			session, sim.world.seller_id, [feeds.FeedMessage(merchant_rows(sim, US)[0]["seller-sku"], ())]
		)
		feed_id = feeds.create_feed(session, document.document_id, [US])
		since = sim.clock.now()
		found = feeds.find_feeds(session, [US], since.replace(year=since.year - 1))
		assert [f.feed_id for f in found] == [feed_id] and found[0].status in (
			"IN_QUEUE",
			"IN_PROGRESS",
			"DONE",
		)
		assert feeds.find_feeds(session, [DE], since.replace(year=since.year - 1)) == []
