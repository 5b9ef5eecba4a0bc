"""The Amazon Connector workspace as shipped: every block on it finds its widget, and every widget
its record in the app. Frappe looks a block's widget up by the widget row's label, and a block whose
label matches no row is left out of the page without a word."""

from __future__ import annotations

import json
from pathlib import Path

from amazon_connector.workspace_blocks import BLOCKS, block_parts

MODULE = Path(__file__).resolve().parents[1] / "amazon_connector" / "amazon_connector"
WORKSPACE = json.loads((MODULE / "workspace" / "amazon_connector" / "amazon_connector.json").read_text())
CONTENT = json.loads(WORKSPACE["content"])

# block type -> (the block's data key, the workspace table, the row's record field)
WIDGETS = {
	"number_card": ("number_card_name", "number_cards", "number_card_name"),
	"chart": ("chart_name", "charts", "chart_name"),
	"custom_block": ("custom_block_name", "custom_blocks", "custom_block_name"),
	"quick_list": ("quick_list_name", "quick_lists", "document_type"),
	"shortcut": ("shortcut_name", "shortcuts", "link_to"),
}


def records(folder: str) -> set[str]:
	return {json.loads(f.read_text())["name"] for f in (MODULE / folder).glob("*/*.json")}


def test_every_block_names_a_widget_row_by_its_label():
	for block in CONTENT:
		if block["type"] not in WIDGETS:
			continue
		key, table, _ = WIDGETS[block["type"]]
		labels = {row["label"] for row in WORKSPACE[table]}
		assert block["data"][key] in labels, (
			f"{block['type']} {block['data'][key]!r} matches no row of {table}"
		)


def test_every_widget_row_is_on_the_page():
	for block_type, (key, table, _) in WIDGETS.items():
		shown = {b["data"][key] for b in CONTENT if b["type"] == block_type}
		missing = {row["label"] for row in WORKSPACE[table]} - shown
		assert not missing, f"{table} rows not on the page: {missing}"


def test_every_card_chart_and_block_is_a_record_the_app_ships():
	cards, charts = records("number_card"), records("dashboard_chart")
	assert {row["number_card_name"] for row in WORKSPACE["number_cards"]} <= cards
	assert {row["chart_name"] for row in WORKSPACE["charts"]} <= charts
	assert {row["custom_block_name"] for row in WORKSPACE["custom_blocks"]} <= set(BLOCKS)


def test_custom_charts_use_a_source_the_app_ships():
	sources = records("dashboard_chart_source")
	for path in (MODULE / "dashboard_chart").glob("*/*.json"):
		chart = json.loads(path.read_text())
		if chart.get("chart_type") == "Custom":
			assert chart["source"] in sources, path.name


def test_every_html_block_has_its_three_files():
	for folder in BLOCKS.values():
		parts = block_parts(folder)
		assert set(parts) == {"html", "script", "style"} and all(parts.values()), folder
