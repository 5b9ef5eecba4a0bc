"""Reports: IN_QUEUE -> IN_PROGRESS -> DONE over simulator time, documents in the marketplace's charset,
gzip, expiring download URLs, failed reports; and python-amazon-sp-api reading them."""

from __future__ import annotations

import csv
import gzip
import io
import threading
import time

import httpx
import pytest
from fixtures_simulator import SimHttp, sp_api_client

from amazon_connector.simulator.operations import REPORT_COLUMNS
from amazon_connector.simulator.order_report import ORDER_REPORT

REPORTS = "/reports/2021-06-30"
JP, US, DE, UK = "A1VC38T7YXB528", "ATVPDKIKX0DER", "A1PA6795UKMFR9", "A1F83G8C2ARO7P"


def create(client: SimHttp, marketplace_id: str) -> str:
	answer = client.post(
		f"{REPORTS}/reports",
		{"reportType": "GET_MERCHANT_LISTINGS_ALL_DATA", "marketplaceIds": [marketplace_id]},
	)
	assert answer.status_code == 202, answer.text
	return answer.json()["reportId"]


def status(client: SimHttp, report_id: str) -> dict:
	return client.get(f"{REPORTS}/reports/{report_id}").json()


def download(client: SimHttp, sim, marketplace_id: str) -> tuple[bytes, str, dict]:
	report_id = create(client, marketplace_id)
	sim.advance_clock(3600)
	report = status(client, report_id)
	document = client.get(f"{REPORTS}/documents/{report['reportDocumentId']}").json()
	response = httpx.get(document["url"])
	assert response.status_code == 200
	content = response.content
	if document.get("compressionAlgorithm") == "GZIP":
		content = gzip.decompress(content)
	return content, response.headers["content-type"], document


def test_report_moves_through_its_states_on_the_simulator_clock(make_simulator):
	sim = make_simulator(time_scale=1.0, report_delays=(30.0, 60.0))
	client = SimHttp(sim)
	report_id = create(client, US)
	first = status(client, report_id)
	assert first["processingStatus"] == "IN_QUEUE" and "reportDocumentId" not in first
	assert first["reportType"] == "GET_MERCHANT_LISTINGS_ALL_DATA" and first["marketplaceIds"] == [US]
	sim.advance_clock(31)
	assert status(client, report_id)["processingStatus"] == "IN_PROGRESS"
	sim.advance_clock(60)
	done = status(client, report_id)
	assert done["processingStatus"] == "DONE" and done["reportDocumentId"]
	assert done["processingEndTime"] >= done["processingStartTime"] >= done["createdTime"]
	client.close()


def rows_of(content: bytes, codec: str) -> list[dict]:
	return list(csv.DictReader(io.StringIO(content.decode(codec)), delimiter="\t", quoting=csv.QUOTE_NONE))


def test_document_has_the_listings_in_amazons_columns(simulator, sim_http, sim_world):
	content, content_type, document = download(sim_http, simulator, US)
	assert document["compressionAlgorithm"] == "GZIP"
	assert content_type == "text/plain; charset=Cp1252"
	rows = rows_of(content, "cp1252")
	assert list(rows[0]) == list(REPORT_COLUMNS)
	expected = {r["seller-sku"]: r for r in sim_world["listings"][US]}
	assert {r["seller-sku"] for r in rows} == set(expected)
	for row in rows:
		assert row["price"] == expected[row["seller-sku"]]["price"]
		assert row["asin1"] == expected[row["seller-sku"]]["asin1"]


def test_japanese_listings_come_in_windows_31j(simulator, sim_http, sim_world):
	content, content_type, _ = download(sim_http, simulator, JP)
	assert content_type == "text/plain; charset=windows-31j"
	with pytest.raises(UnicodeDecodeError):
		content.decode("utf-8")
	rows = rows_of(content, "cp932")
	names = {r["item-name"] for r in rows}
	originals = {r["item-name"] for r in sim_world["listings"][JP]}
	# Latin letters windows-31j lacks (ü, è, Ł) arrive as "?", as on Amazon.
	assert names == {n.encode("cp932", errors="replace").decode("cp932") for n in originals}
	assert any(any(ch in name for ch in "①㈱") for name in names)  # characters strict Shift_JIS lacks
	assert any("ワイヤレス" in name or "ボトル" in name for name in names)
	with pytest.raises(UnicodeDecodeError):
		content.decode("shift_jis")


def test_characters_outside_cp1252_arrive_as_question_marks(simulator, sim_http, sim_world):
	content, _, _ = download(sim_http, simulator, DE)
	names = [r["item-name"] for r in rows_of(content, "cp1252")]
	originals = [r["item-name"] for r in sim_world["listings"][DE]]
	assert names == [n.encode("cp1252", errors="replace").decode("cp1252") for n in originals]
	assert any("Ł" in n for n in originals) and any("?" in n for n in names)
	assert any(ch in "".join(names) for ch in "äöüß")


def test_uncompressed_documents_and_a_charset_override(make_simulator, sim_world):
	import copy

	world = copy.deepcopy(sim_world)
	next(m for m in world["account"]["marketplaces"] if m["marketplaceId"] == UK)["reportCharset"] = "UTF-8"
	sim = make_simulator(world, compress_reports=False)
	client = SimHttp(sim)
	content, content_type, document = download(client, sim, UK)
	assert "compressionAlgorithm" not in document
	assert content_type == "text/plain; charset=UTF-8"
	assert content.decode("utf-8").startswith("item-name\t")
	client.close()


def test_download_url_expires_after_five_minutes(simulator, sim_http):
	report_id = create(sim_http, US)
	simulator.advance_clock(3600)
	document = sim_http.get(f"{REPORTS}/documents/{status(sim_http, report_id)['reportDocumentId']}").json()
	simulator.advance_clock(301)
	expired = httpx.get(document["url"])
	assert expired.status_code == 403 and b"AccessDenied" in expired.content


def test_one_marketplace_and_one_report_type(sim_http):
	two = sim_http.post(
		f"{REPORTS}/reports", {"reportType": "GET_MERCHANT_LISTINGS_ALL_DATA", "marketplaceIds": [US, UK]}
	)
	assert two.status_code == 400
	other = sim_http.post(
		f"{REPORTS}/reports", {"reportType": "GET_FLAT_FILE_OPEN_LISTINGS_DATA", "marketplaceIds": [US]}
	)
	assert other.status_code == 400 and "GET_FLAT_FILE_OPEN_LISTINGS_DATA" in other.text


@pytest.mark.parametrize(("fault", "outcome"), [("report_fatal", "FATAL"), ("report_cancelled", "CANCELLED")])
def test_reports_can_fail(make_simulator, fault, outcome):
	sim = make_simulator(faults={fault: 1.0})
	client = SimHttp(sim)
	report_id = create(client, US)
	sim.advance_clock(3600)
	report = status(client, report_id)
	assert report["processingStatus"] == outcome
	assert ("reportDocumentId" in report) == (outcome == "FATAL")
	client.close()


def test_python_amazon_sp_api_downloads_and_decodes(simulator, sim_world):
	from sp_api.api import Reports

	reports = sp_api_client(simulator, Reports)
	report_id = reports.create_report(
		reportType="GET_MERCHANT_LISTINGS_ALL_DATA", marketplaceIds=[JP]
	).payload["reportId"]
	simulator.advance_clock(3600)
	document_id = reports.get_report(report_id).payload["reportDocumentId"]
	document = reports.get_report_document(document_id, download=True)
	assert document.character_code == "cp932"
	text = document.payload["document"]
	assert {r["seller-sku"] for r in csv.DictReader(io.StringIO(text), delimiter="\t")} == {
		r["seller-sku"] for r in sim_world["listings"][JP]
	}


def test_a_report_stays_in_progress_until_its_document_is_made(make_simulator, monkeypatch):
	"""Amazon makes a report after the request: a large one is not ready when its usual time is up."""
	sim = make_simulator(time_scale=1.0, report_delays=(100.0, 100.0))
	release = threading.Event()

	def slow_document():
		release.wait(30)
		return b"amazon-order-id\n", "UTF-8"

	report_id = sim.reports.create(ORDER_REPORT, US, slow_document, background=True)["reportId"]
	assert sim.reports.status(report_id)["processingStatus"] == "IN_QUEUE"
	sim.advance_clock(150)
	assert sim.reports.status(report_id)["processingStatus"] == "IN_PROGRESS"
	sim.advance_clock(3600)  # its time is up: getReport waits a little for the file, then says so
	monkeypatch.setattr("amazon_connector.simulator.reports.MAKING_WAIT", 0.2)
	assert sim.reports.status(report_id)["processingStatus"] == "IN_PROGRESS"
	release.set()
	for _ in range(200):
		done = sim.reports.status(report_id)
		if done["processingStatus"] == "DONE":
			break
		time.sleep(0.05)
	assert done["processingStatus"] == "DONE" and done["reportDocumentId"]
	content, _ = sim.reports.download(done["reportDocumentId"], str(int(sim.clock.wall_seconds()) + 60))
	assert gzip.decompress(content) == b"amazon-order-id\n"


def test_a_report_whose_document_cannot_be_made_is_fatal(make_simulator):
	sim = make_simulator(time_scale=1.0, report_delays=(1.0, 1.0))

	def broken():
		raise ValueError("no such order")

	report_id = sim.reports.create(ORDER_REPORT, US, broken, background=True)["reportId"]
	for _ in range(200):
		if sim.reports.status(report_id)["processingStatus"] != "IN_QUEUE":
			sim.advance_clock(60)
		if sim.reports.status(report_id)["processingStatus"] == "FATAL":
			break
		time.sleep(0.05)
	assert sim.reports.status(report_id)["processingStatus"] == "FATAL"


def test_getreport_waits_for_a_file_whose_time_is_up(make_simulator):
	"""Under a fast clock a client's report deadline passes in a real second or two: a file still
	being made when its time is up is waited for, so that the client sees it DONE."""
	sim = make_simulator(time_scale=3600.0, report_delays=(1.0, 1.0))

	def slow_document():
		time.sleep(1.0)  # an hour of this simulator's time
		return b"amazon-order-id\n", "UTF-8"

	report_id = sim.reports.create(ORDER_REPORT, US, slow_document, background=True)["reportId"]
	sim.advance_clock(60)
	done = sim.reports.status(report_id)
	assert done["processingStatus"] == "DONE" and done["reportDocumentId"]
