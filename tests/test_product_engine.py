"""ProductSync against the in-memory ERP, with Amazon's answers injected (reports, catalog, listings)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from amazon_connector.core.engine.products import ProductSync
from amazon_connector.core.preview import PreviewErp
from amazon_connector.core.settings import MarketplaceConfig, SyncSettings
from amazon_connector.spapi.errors import DeadlineExceeded, NotFoundError, ReportFailed, ServerError

US = MarketplaceConfig("ATVPDKIKX0DER", "US", "USD", "Amazon US")
CA = MarketplaceConfig("A2EUQ1WTGCTBG2", "CA", "CAD", "Amazon CA")
JP = MarketplaceConfig("A1VC38T7YXB528", "JP", "JPY", "Amazon JP")

COLUMNS = ["item-name", "item-description", "listing-id", "seller-sku", "price", "quantity", "open-date", "image-url",
	"product-id-type", "asin1", "product-id", "fulfillment-channel", "status"]  # fmt: skip


@dataclass(frozen=True)
class Document:
	report_id: str
	document_id: str
	content: bytes
	charset: str | None


class FakeAmazon:
	"""Reports, catalog and listings answers by marketplace, and the calls made for them."""

	seller_id = ""  # the settings name the seller

	def __init__(self):
		self.reports: dict[str, object] = {}  # marketplace id -> Document or an exception to raise
		self.catalog: dict[tuple[str, str], dict] = {}
		self.listings: dict[tuple[str, str], dict] = {}
		self.calls: list[tuple] = []

	def set_report(self, marketplace: MarketplaceConfig, rows: list[dict], charset: str = "UTF-8"):
		codec = {"UTF-8": "utf-8", "Cp1252": "cp1252", "windows-31j": "cp932"}[charset]
		lines = ["\t".join(COLUMNS)] + ["\t".join(row.get(c, "") for c in COLUMNS) for row in rows]
		content = ("\n".join(lines) + "\n").encode(codec)
		self.reports[marketplace.marketplace_id] = Document(
			f"R-{marketplace.country}", f"D-{marketplace.country}", content, charset
		)

	def fetch_report_document(self, report_type, marketplace_ids, **options):
		self.calls.append(("report", report_type, tuple(marketplace_ids)))
		self.report_options = options
		answer = self.reports[marketplace_ids[0]]
		if isinstance(answer, Exception):
			raise answer
		return answer

	def search_catalog_items(self, marketplace_id, asins):
		self.calls.append(("catalog", marketplace_id, tuple(asins)))
		for asin in asins:
			found = self.catalog.get((marketplace_id, asin))
			if isinstance(found, Exception):
				raise found
			if found:
				yield found

	def get_listings_item(self, seller_id, sku, marketplace_ids):
		self.calls.append(("listing", seller_id, sku, tuple(marketplace_ids)))
		found = self.listings.get((marketplace_ids[0], sku))
		if found is None:
			raise NotFoundError("not found", operation="getListingsItem", status=404)
		return found

	def count(self, kind: str) -> int:
		return sum(1 for call in self.calls if call[0] == kind)


def listing(sku, asin="", name="", price="", status="Active", channel="DEFAULT", **extra) -> dict:
	row = {"seller-sku": sku, "asin1": asin, "item-name": name, "price": price, "status": status,
		"fulfillment-channel": channel, "listing-id": f"L-{sku}", "product-id": asin, "product-id-type": "1" if asin else ""}  # fmt: skip
	row.update({k.replace("_", "-"): v for k, v in extra.items()})
	return row


def catalog_item(
	asin, marketplace, name, brand="Acme", ean=None, classification="BASE_PRODUCT", children=None
):
	item = {
		"asin": asin,
		"summaries": [{"marketplaceId": marketplace.marketplace_id, "itemName": name, "brand": brand,
			"itemClassification": classification}],
		"images": [{"marketplaceId": marketplace.marketplace_id, "images": [
			{"variant": "MAIN", "link": f"https://m.media-amazon.com/images/I/{asin}.jpg", "height": 1000, "width": 1000}]}],
		"productTypes": [{"marketplaceId": marketplace.marketplace_id, "productType": "HOME"}],
	}  # fmt: skip
	if ean:
		item["identifiers"] = [
			{
				"marketplaceId": marketplace.marketplace_id,
				"identifiers": [{"identifierType": "EAN", "identifier": ean}],
			}
		]
	if children:
		item["relationships"] = [{"marketplaceId": marketplace.marketplace_id,
			"relationships": [{"type": "VARIATION", "childAsins": children}]}]  # fmt: skip
	return item


def settings(*marketplaces, **overrides) -> SyncSettings:
	values = dict(account_key="Test Seller", after_date=date(2024, 1, 1), marketplaces=marketplaces or (US,),
		seller_id="A1SELLERTEST")  # fmt: skip
	values.update(overrides)
	return SyncSettings(**values)


def sync(amazon: FakeAmazon, port, sync_settings: SyncSettings) -> ProductSync:
	return ProductSync(amazon, port, sync_settings)


@pytest.fixture
def amazon() -> FakeAmazon:
	fake = FakeAmazon()
	fake.set_report(US, [
		listing("MUG-1", "B000000001", "Coffee mug", "12.99"),
		listing("BOTTLE-1", "B000000002", "", "24.50"),  # no title in the report: the catalog has it
		listing("LAMP-1", "", "Desk lamp", "", status="Incomplete"),  # not on Amazon's catalog yet
	])  # fmt: skip
	fake.catalog[(US.marketplace_id, "B000000001")] = catalog_item(
		"B000000001", US, "Coffee mug, 350 ml", ean="4006381333931"
	)
	fake.catalog[(US.marketplace_id, "B000000002")] = catalog_item(
		"B000000002", US, "Steel bottle 1 l", brand="Thermo"
	)
	return fake


def test_run_creates_one_item_per_sku(amazon):
	port = PreviewErp()
	progress = []
	report = sync(amazon, port, settings(US)).run(
		progress=lambda done, total, message: progress.append((done, total))
	)
	assert report.summary()["counts"]["created"] == 3 and report.failed == 0
	assert set(port.items) == {"MUG-1", "BOTTLE-1", "LAMP-1"}
	mug = port.items["MUG-1"]["draft"]
	assert (mug.item_name, mug.brand, mug.asin) == (
		"Coffee mug",
		"Acme",
		"B000000001",
	)  # the report's title wins
	assert [(b.code, b.barcode_type) for b in mug.barcodes] == [("4006381333931", "EAN")]
	assert port.items["MUG-1"]["prices"] == {US.marketplace_id: (Decimal("12.99"), "USD")}
	bottle = port.items["BOTTLE-1"]["draft"]
	assert (bottle.item_name, bottle.brand) == ("Steel bottle 1 l", "Thermo")
	assert port.items["LAMP-1"]["prices"] == {}  # no price in the report: no Item Price
	assert port.items["LAMP-1"]["draft"].listing_status == "Incomplete"
	# One catalog search for the marketplace's ASINs (the access layer batches by 20).
	assert [c for c in amazon.calls if c[0] == "catalog"] == [
		("catalog", US.marketplace_id, ("B000000001", "B000000002"))
	]
	assert progress[-1] == (3, 3)
	assert "3 SKUs in 1 marketplace: " in report.messages[-1], report.messages  # not "1 marketplaces"


def test_second_run_is_all_unchanged_and_a_price_change_is_one_update(amazon):
	port = PreviewErp()
	sync(amazon, port, settings(US)).run()
	again = sync(amazon, port, settings(US)).run()
	assert again.summary()["counts"] == {
		**again.summary()["counts"],
		"created": 0,
		"updated": 0,
		"unchanged": 3,
	}
	amazon.set_report(US, [
		listing("MUG-1", "B000000001", "Coffee mug", "13.49"),
		listing("BOTTLE-1", "B000000002", "", "24.50"),
		listing("LAMP-1", "", "Desk lamp", "", status="Incomplete"),
	])  # fmt: skip
	third = sync(amazon, port, settings(US)).run()
	assert (third.counts["updated"], third.counts["unchanged"]) == (1, 2)
	assert port.items["MUG-1"]["prices"][US.marketplace_id] == (Decimal("13.49"), "USD")


def test_second_run_unchanged_with_the_shared_preview(amazon):
	"""The same with PreviewErp as it stands (one marketplace: no listing of another to compare)."""
	port = PreviewErp()
	sync(amazon, port, settings(US)).run()
	again = sync(amazon, port, settings(US)).run()
	assert (again.counts["created"], again.counts["updated"], again.counts["unchanged"]) == (0, 0, 3)


def test_prices_are_left_alone_when_switched_off(amazon):
	port = PreviewErp()
	sync(amazon, port, settings(US)).run()
	amazon.set_report(US, [listing("MUG-1", "B000000001", "Coffee mug", "99.00")])
	sync(amazon, port, settings(US, update_prices=False)).run()
	assert port.items["MUG-1"]["prices"][US.marketplace_id] == (Decimal("12.99"), "USD")


def test_same_sku_in_two_marketplaces_is_one_item_with_two_prices(amazon):
	amazon.set_report(CA, [
		listing("MUG-1", "B000000001", "Tasse à café", "16.99", channel="AMAZON_NA"),
		listing("CA-ONLY", "B00000000C", "Maple syrup", "9.00"),
	], charset="Cp1252")  # fmt: skip
	port = PreviewErp()
	report = sync(amazon, port, settings(US, CA)).run()
	assert report.failed == 0
	assert set(port.items) == {"MUG-1", "BOTTLE-1", "LAMP-1", "CA-ONLY"}
	mug = port.items["MUG-1"]
	assert mug["prices"] == {
		US.marketplace_id: (Decimal("12.99"), "USD"),
		CA.marketplace_id: (Decimal("16.99"), "CAD"),
	}
	assert mug["draft"].item_name == "Coffee mug"  # the first marketplace's content
	assert mug["listings"][CA.marketplace_id]["fulfillment_channel"] == "AMAZON"
	assert mug["listings"][US.marketplace_id]["fulfillment_channel"] == "MERCHANT"
	# Counted per Item: the mug's Canadian price is part of creating it, not an update on an empty ERP.
	assert (report.counts["created"], report.counts.get("updated", 0)) == (4, 0)
	# Catalog: the US ASINs in the US, only CA's own SKU in CA.
	catalog_calls = [c for c in amazon.calls if c[0] == "catalog"]
	assert ("catalog", CA.marketplace_id, ("B00000000C",)) in catalog_calls
	again = sync(amazon, port, settings(US, CA)).run()
	assert (again.counts["created"], again.counts["updated"], again.counts["unchanged"]) == (0, 0, 5)


def test_a_bad_row_fails_alone_with_its_sku(amazon):
	amazon.set_report(US, [
		listing("GOOD-1", "B000000001", "Coffee mug", "12.99"),
		listing("BAD<1>", "B000000003", "Angle brackets", "1.00"),
		listing("BADUPC-1", "", "Wrong check digit", "2.00", product_id="036000291453", product_id_type="3"),
		listing("", "B000000004", "No SKU", "3.00"),
		listing("GOOD-2", "B000000002", "Bottle", "4.00"),
	])  # fmt: skip
	port = PreviewErp()
	report = sync(amazon, port, settings(US)).run()
	assert set(port.items) == {"GOOD-1", "GOOD-2"}
	assert report.counts["created"] == 2 and report.failed == 3
	reasons = {f.amazon_id: f.reason for f in report.failures}
	assert "'<' or '>'" in reasons["BAD<1>"]
	assert "check digit" in reasons["BADUPC-1"]
	assert any("line 5" in amazon_id and "no seller SKU" in reason for amazon_id, reason in reasons.items())
	assert all(f.record_kind == "item" for f in report.failures)


def test_an_erp_failure_undoes_only_that_record(amazon):
	class Fussy(PreviewErp):
		def upsert_item(self, draft):
			outcome = super().upsert_item(draft)
			if draft.sku == "BOTTLE-1":
				raise RuntimeError("Item Price could not be saved")
			return outcome

	port = Fussy()
	report = sync(amazon, port, settings(US)).run()
	assert set(port.items) == {"MUG-1", "LAMP-1"} and ("ATVPDKIKX0DER", "BOTTLE-1") not in port.item_map
	assert [f.amazon_id for f in report.failures] == ["BOTTLE-1"]


@pytest.mark.parametrize(
	"failure, words",
	[
		(ReportFailed("Report R-CA ended FATAL", operation="getReport", report_id="R-CA", processing_status="FATAL"),
			"status FATAL"),
		(ReportFailed("Report R-CA ended CANCELLED", operation="getReport", report_id="R-CA", processing_status="CANCELLED"),
			"status CANCELLED"),
		(DeadlineExceeded("still IN_PROGRESS after 3600 s", operation="getReport"), "did not finish"),
		(ServerError("Service unavailable", operation="createReport", status=503), "having trouble"),
	],
)  # fmt: skip
def test_report_failure_is_a_clear_message_and_other_marketplaces_go_on(amazon, failure, words):
	amazon.reports[CA.marketplace_id] = failure
	port = PreviewErp()
	report = sync(amazon, port, settings(CA, US)).run()
	assert set(port.items) == {"MUG-1", "BOTTLE-1", "LAMP-1"}
	marketplace_failures = [f for f in report.failures if f.record_kind == "marketplace"]
	assert [f.amazon_id for f in marketplace_failures] == [CA.marketplace_id]
	message = next(m for m in report.messages if m.startswith("CA:"))
	assert words in message
	assert report.summary()["failures"] == [f"marketplace {CA.marketplace_id}: {message}"]


def test_an_unreadable_report_fails_its_marketplace():
	fake = FakeAmazon()
	fake.reports[US.marketplace_id] = Document("R", "D", b"this is not a listings report\n", "UTF-8")
	report = sync(fake, PreviewErp(), settings(US)).run()
	assert report.failures[0].record_kind == "marketplace" and "seller-sku" in report.failures[0].reason


def test_catalog_outage_keeps_the_report_data(amazon):
	amazon.catalog[(US.marketplace_id, "B000000001")] = ServerError(
		"down", operation="searchCatalogItems", status=503
	)
	port = PreviewErp()
	report = sync(amazon, port, settings(US)).run()
	assert report.counts["created"] == 3 and report.failed == 0
	assert port.items["MUG-1"]["draft"].brand == ""
	assert any("Catalog details" in m for m in report.messages)


def test_variation_parent_is_skipped_children_become_items():
	fake = FakeAmazon()
	fake.set_report(US, [
		listing("SHIRT-PARENT", "B0PARENT01", "T-shirt", ""),
		listing("SHIRT-M", "B0CHILD001", "T-shirt M", "15.00"),
		listing("SHIRT-L", "B0CHILD002", "T-shirt L", "15.00"),
	])  # fmt: skip
	fake.catalog[(US.marketplace_id, "B0PARENT01")] = catalog_item(
		"B0PARENT01", US, "T-shirt", classification="VARIATION_PARENT", children=["B0CHILD001", "B0CHILD002"]
	)
	port = PreviewErp()
	report = sync(fake, port, settings(US)).run()
	assert set(port.items) == {"SHIRT-M", "SHIRT-L"}
	assert (report.counts["skipped"], report.counts["created"], report.failed) == (1, 2, 0)


def test_japanese_report_lands_in_yen(amazon):
	amazon.set_report(JP, [listing("JP-1", "B07JPTEST1", "①ステンレス水筒 ㈱テスト", "1,980", channel="AMAZON_JP")],
		charset="windows-31j")  # fmt: skip
	port = PreviewErp()
	sync(amazon, port, settings(JP)).run()
	assert port.items["JP-1"]["draft"].item_name == "①ステンレス水筒 ㈱テスト"
	assert port.items["JP-1"]["prices"] == {JP.marketplace_id: (Decimal("1980"), "JPY")}


def test_no_enabled_marketplace():
	report = sync(FakeAmazon(), PreviewErp(), settings(MarketplaceConfig("X", enabled=False))).run()
	assert report.counts == {} and "No marketplace" in report.messages[0]


# -- ensure_items --------------------------------------------------------------------------------


def test_ensure_items_creates_missing_skus_from_the_listing(amazon, load_model):
	model = load_model("listings-items-2021-08-01.json")
	path = model["paths"]["/listings/2021-08-01/items/{sellerId}/{sku}"]["get"]
	example = path["responses"]["200"]["x-amzn-api-sandbox"]["static"][0]["response"]
	amazon.listings[(US.marketplace_id, "GM-ZDPI-9B4E")] = example
	port = PreviewErp()
	sync(amazon, port, settings(US)).run()
	products = sync(amazon, port, settings(US))
	found = products.ensure_items(US.marketplace_id, {"MUG-1": "B000000001", "GM-ZDPI-9B4E": "B071VG5N9D"})
	assert found == {"MUG-1": "MUG-1", "GM-ZDPI-9B4E": "GM-ZDPI-9B4E"}
	created = port.items["GM-ZDPI-9B4E"]
	assert created["draft"].item_name == "Hardside Carry-On Spinner Suitcase Luggage"
	assert created["prices"] == {US.marketplace_id: (Decimal("100.00"), "USD")}
	assert amazon.count("listing") == 1  # MUG-1 was already an Item: no call for it


def test_ensure_items_falls_back_to_the_catalog_and_remembers_failures(amazon):
	port = PreviewErp()
	products = sync(amazon, port, settings(US))
	# No listing any more, but the catalog knows the ASIN the order named.
	assert products.ensure_items(US.marketplace_id, {"OLD-SKU": "B000000002"}) == {"OLD-SKU": "OLD-SKU"}
	assert port.items["OLD-SKU"]["draft"].item_name == "Steel bottle 1 l"
	# A SKU that cannot be an Item is left out, with its reason, and not asked for again.
	assert products.ensure_items(US.marketplace_id, {"BAD<SKU>": ""}) == {}
	assert products.ensure_failures[0].amazon_id == "BAD<SKU>"
	listing_calls = amazon.count("listing")
	assert products.ensure_items(US.marketplace_id, {"BAD<SKU>": ""}) == {}
	assert amazon.count("listing") == listing_calls


def test_ensure_items_an_unreadable_listing_fails_only_its_sku(amazon):
	amazon.listings[(US.marketplace_id, "ODD-1")] = {
		"sku": "ODD-1",
		"summaries": [{"marketplaceId": US.marketplace_id, "asin": "B000000002", "itemName": "Odd"}],
		"offers": [{"marketplaceId": US.marketplace_id, "offerType": "B2C", "price": {"currencyCode": "USD", "amount": "n/a"}}],
	}  # fmt: skip
	port = PreviewErp()
	products = sync(amazon, port, settings(US))
	found = products.ensure_items(US.marketplace_id, {"ODD-1": "", "OLD-SKU": "B000000002"})
	assert found == {"OLD-SKU": "OLD-SKU"}
	assert [(f.amazon_id, "not an amount" in f.reason) for f in products.ensure_failures] == [("ODD-1", True)]


def test_ensure_items_recreates_an_item_that_was_undone(amazon):
	port = PreviewErp()
	products = sync(amazon, port, settings(US))
	with pytest.raises(RuntimeError):
		with port.record_scope("order", "111-0000000-0000000"):
			assert products.ensure_items(US.marketplace_id, {"MUG-1": "B000000001"}) == {"MUG-1": "MUG-1"}
			raise RuntimeError("the order failed")
	assert "MUG-1" not in port.items
	assert products.ensure_items(US.marketplace_id, {"MUG-1": "B000000001"}) == {"MUG-1": "MUG-1"}
	assert "MUG-1" in port.items


def test_report_polling_options_come_from_the_settings(amazon):
	custom = settings(US, extra={"report_poll_interval": "10", "report_deadline": 900})
	sync(amazon, PreviewErp(), custom).run()
	assert amazon.report_options == {"poll_interval": 10.0, "deadline": 900.0}
	assert amazon.calls[0] == ("report", "GET_MERCHANT_LISTINGS_ALL_DATA", (US.marketplace_id,))
