"""Read Amazon's GET_MERCHANT_LISTINGS_ALL_DATA report: a tab-separated file, one listing a line.

What the file looks like in practice, and what this module copes with:
- Text in the marketplace's charset: UTF-8, windows-1252 in Europe, windows-31j (Shift_JIS with
  Microsoft's extensions) in Japan, sometimes with a byte order mark. The download's Content-Type
  names the charset, in Java spelling ("Cp1252", "windows-31j") that Python does not always know.
- A header row whose names follow the language of the seller's Seller Central account: English
  ("seller-sku"), Japanese ("出品者SKU"), German ("Händler-SKU"), French ("sku-vendeur"), ...
  They are mapped to the English names; columns we do not know are kept under their own name.
- Odd rows: blank lines, rows short of columns (or cut in two by a line break inside the
  description), rows with extra empty columns, a repeated header, quoted files. A row that cannot be
  read safely (no SKU, more values than columns) becomes an error naming its line and SKU; the
  other rows are still returned.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from ..money import MAX_AMOUNT, MoneyError, minor_units, parse_quantity, round_money

REPORT_TYPE = "GET_MERCHANT_LISTINGS_ALL_DATA"


class ListingsReportError(ValueError):
	"""The report as a whole cannot be read (no header, no SKU column)."""


@dataclass(frozen=True)
class ListingRow:
	line: int  # line number in the file, for messages
	sku: str
	asin: str = ""
	item_name: str = ""
	description: str = ""
	listing_id: str = ""
	price: Decimal | None = None
	quantity: int | None = None
	open_date: str = ""  # as written; the format follows the marketplace's locale
	product_id: str = ""
	product_id_type: str = ""  # ASIN, ISBN, UPC, EAN, or what the file said
	fulfillment_channel: str = ""  # MERCHANT or AMAZON (or what the file said)
	status: str = ""  # Active, Inactive, Incomplete (or what the file said)
	item_condition: str = ""
	image_url: str = ""
	raw: dict = field(default_factory=dict, compare=False, repr=False)  # English column name -> value


@dataclass(frozen=True)
class RowProblem:
	line: int
	sku: str
	message: str

	def __str__(self) -> str:
		where = f"line {self.line}" + (f" (SKU {self.sku})" if self.sku else "")
		return f"{where}: {self.message}"


@dataclass
class ListingsReport:
	rows: list[ListingRow]
	errors: list[RowProblem]  # rows skipped
	warnings: list[RowProblem]  # rows kept, with a value left out
	encoding: str
	columns: list[str]  # English names, in file order
	unknown_columns: list[str]


# -- charset ---------------------------------------------------------------------------------

# Java charset names Amazon sends, mapped to the Python codec that decodes them correctly.
# Shift_JIS files from Amazon use Microsoft's extensions (①, ㈱, ...), so they are read as cp932;
# "ISO-8859-1" files are windows-1252 in practice (the euro sign is 0x80).
_CHARSET_ALIASES = {
	"windows-31j": "cp932",
	"ms932": "cp932",
	"cp932": "cp932",
	"shift_jis": "cp932",
	"shift-jis": "cp932",
	"sjis": "cp932",
	"x-sjis": "cp932",
	"ms_kanji": "cp932",
	"iso-8859-1": "cp1252",
	"iso8859-1": "cp1252",
	"iso_8859-1": "cp1252",
	"latin1": "cp1252",
	"latin-1": "cp1252",
	"us-ascii": "utf-8",
	"ascii": "utf-8",
}
_JAPAN = {"JP"}


def _codec(charset: str | None) -> str | None:
	if not charset:
		return None
	name = charset.strip().strip("\"'").lower()
	name = _CHARSET_ALIASES.get(name, name)
	try:
		return codecs.lookup(name).name
	except LookupError:
		return None


def charset_of(content_type: str | None) -> str | None:
	"""The charset parameter of a Content-Type header ("text/plain;charset=Cp1252" -> "Cp1252")."""
	match = re.search(r"charset\s*=\s*\"?([^\";\s]+)", content_type or "", re.IGNORECASE)
	return match.group(1) if match else None


def decode_report(content: bytes | str, charset: str | None = None, country: str = "") -> tuple[str, str]:
	"""(text, codec used). Order: byte order mark, UTF-8, the declared charset, then the
	marketplace's usual charset (windows-31j in Japan, windows-1252 elsewhere)."""
	if isinstance(content, str):
		return content.lstrip("\ufeff"), "str"
	if content.startswith(codecs.BOM_UTF8):
		return content[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace"), "utf-8-sig"
	if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
		return content.decode("utf-16", errors="replace").lstrip("\ufeff"), "utf-16"
	declared = _codec(charset)
	# UTF-8 goes first unless the file says UTF-16/32: text in a legacy charset with any accent or
	# kana is practically never valid UTF-8, while UTF-8 read as windows-1252 silently turns to "Ã©".
	candidates: list[str | None]
	if declared and declared.startswith(("utf-16", "utf-32")):
		candidates = [declared, "utf-8"]
	else:
		candidates = ["utf-8", declared]
	candidates.append("cp932" if country.upper() in _JAPAN else "cp1252")
	candidates.append("cp932" if country.upper() not in _JAPAN else "cp1252")
	for codec in dict.fromkeys(c for c in candidates if c):
		try:
			return content.decode(codec), codec
		except UnicodeDecodeError:
			continue
	# Nothing fits: keep every byte (latin-1 cannot fail) rather than losing the whole report.
	return content.decode("latin-1"), "latin-1"


# -- header ----------------------------------------------------------------------------------

# Localized header names seen in real reports, by the English name they stand for.
_HEADER_ALIASES = {
	"item-name": (
		"item-name", "artikelbezeichnung", "nom-produit", "nome-dell'articolo", "título-del-producto",
		"商品名", "商品名称", "nazwa-produktu", "اسم-المنتج",
	),
	"item-description": (
		"item-description", "artikelbeschreibung", "descrizione-dell'articolo", "descripción-del-producto",
		"description-article", "商品の説明", "商品描述", "opis-produktu", "وصف-المنتج",
	),
	"listing-id": (
		"listing-id", "angebotsnummer", "id-offre", "numero-offerta", "identificador-del-listing", "出品id",
		"identyfikator-oferty", "رقم-العرض",
	),
	"seller-sku": (
		"seller-sku", "sku", "händler-sku", "sku-vendeur", "sku-venditore", "sku-del-vendedor", "出品者sku",
		"卖家-sku", "sku-sprzedawcy", "sku-البائع",
	),
	"price": ("price", "preis", "prix", "prezzo", "precio", "価格", "价格", "cena", "السعر"),
	"quantity": ("quantity", "menge", "quantité", "quantità", "cantidad", "数量", "ilość", "الكمية"),
	"open-date": (
		"open-date", "erstellungsdatum", "date-ouverture", "data-di-creazione", "fecha-de-creación", "出品日",
		"开售日期", "data-otwarcia", "تاريخ-مفتوح",
	),
	"image-url": ("image-url",),
	"product-id-type": (
		"product-id-type", "produkt-id-typ", "type-id-produit", "tipo-di-identificativo-del-prodotto",
		"tipo-de-identificador-de-producto", "商品idタイプ", "商品编码类型", "typ-identyfikatora-produktu",
		"نوع-رقم-المنتج",
	),
	"product-id": (
		"product-id", "produkt-id", "id-produit", "identificativo-del-prodotto", "identificador-del-producto",
		"商品id", "商品编码", "identyfikator-produktu", "رقم-المنتج",
	),
	"item-condition": (
		"item-condition", "artikelzustand", "état-produit", "condizione-dell'articolo", "コンディション",
		"商品状况", "stan-produktu", "حالة-المنتج",
	),
	"item-note": (
		"item-note", "anmerkung-zum-artikel", "note-état-article", "note-sull'articolo", "nota-sobre-el-producto",
		"コンディション説明", "商品备注", "uwaga-o-produkcie", "ملاحظة-المنتج",
	),
	"asin1": ("asin1", "asin-1", "asin"),
	"asin2": ("asin2", "asin-2"),
	"asin3": ("asin3", "asin-3"),
	"fulfillment-channel": (
		"fulfillment-channel", "fulfilment-channel", "versender", "canal-traitement", "canale-di-gestione",
		"canal-de-gestión-logística", "フルフィルメント・チャンネル", "配送渠道", "kanał-realizacji", "قناة-الشحن",
	),
	"status": ("status", "état", "stato", "estado", "ステータス", "状态", "durum", "الحالة"),
	"merchant-shipping-group": (
		"merchant-shipping-group", "händlerversandgruppe", "groupe-expédition-vendeur",
		"gruppo-spedizione-venditore", "卖家配送组", "grupa-wysyłki-sprzedawcy",
	),
	"pending-quantity": ("pending-quantity", "cantidad-pendiente", "ilość-oczekująca", "等待购买数量", "在庫数"),
}  # fmt: skip


def _header_key(name: str) -> str:
	key = unicodedata.normalize("NFKC", name).strip().strip('"').strip().casefold()
	key = re.sub(r"[\s_]+", "-", key)
	return key


_ALIASES = {_header_key(alias): english for english, aliases in _HEADER_ALIASES.items() for alias in aliases}


def english_column(header: str) -> str:
	"""The English column name of a header cell; unknown headers keep their own (normalized) name."""
	key = _header_key(header)
	if key in _ALIASES:
		return _ALIASES[key]
	# Turkish reports write "seller-sku (satıcı sku)": the English name, then a translation.
	stripped = re.sub(r"-?\(.*\)$", "", key).rstrip("-")
	return _ALIASES.get(stripped, key)


# -- values ----------------------------------------------------------------------------------

_STATUS = {
	"active": "Active", "aktiv": "Active", "actif": "Active", "attivo": "Active", "activo": "Active",
	"aktywny": "Active", "aktif": "Active", "アクティブ": "Active", "出品中": "Active", "在售": "Active",
	"inactive": "Inactive", "inaktiv": "Inactive", "inactif": "Inactive", "inattivo": "Inactive",
	"inactivo": "Inactive", "nieaktywny": "Inactive", "pasif": "Inactive", "停止中": "Inactive",
	"出品停止中": "Inactive", "不可售": "Inactive",
	"incomplete": "Incomplete", "unvollständig": "Incomplete", "incomplet": "Incomplete",
	"incompleto": "Incomplete", "niekompletny": "Incomplete", "eksik": "Incomplete", "不完全": "Incomplete",
}  # fmt: skip
_PRODUCT_ID_TYPES = {"1": "ASIN", "2": "ISBN", "3": "UPC", "4": "EAN"}
_ASIN = re.compile(r"^[A-Z0-9]{10}$")


def normalize_status(value: str) -> str:
	text = (value or "").strip()
	return _STATUS.get(unicodedata.normalize("NFKC", text).casefold(), text)


def normalize_fulfillment_channel(value: str) -> str:
	"""DEFAULT (the seller ships) -> MERCHANT; AMAZON_NA / AMAZON_EU / AMAZON_JP ... -> AMAZON."""
	text = (value or "").strip().upper()
	if text in ("DEFAULT", "MFN", "MERCHANT"):
		return "MERCHANT"
	if text.startswith(("AMAZON", "AFN")):
		return "AMAZON"
	return text


def normalize_product_id_type(value: str) -> str:
	text = (value or "").strip().upper()
	return _PRODUCT_ID_TYPES.get(text, text)


def is_asin(value: str) -> bool:
	return bool(_ASIN.match(value or ""))


class PriceError(ValueError):
	pass


def parse_price(value: str, currency: str = "") -> Decimal | None:
	"""A price as written in the report: "12.99", "12,99", "1,980" (yen), "1.234,56", "¥1,980".

	A lone separator followed by exactly three digits is a thousands separator; otherwise the last
	separator is the decimal one. Returns None for an empty cell; raises PriceError when unreadable.
	"""
	text = unicodedata.normalize("NFKC", value or "").strip()
	if not text:
		return None
	text = re.sub(r"[^\d,.\-]", "", text)
	if not re.search(r"\d", text):
		raise PriceError(f"not a price: {value!r}")
	last_comma, last_dot = text.rfind(","), text.rfind(".")
	decimal_sep: str | None
	if last_comma >= 0 and last_dot >= 0:
		decimal_sep = "," if last_comma > last_dot else "."
	elif last_comma >= 0 or last_dot >= 0:
		sep = "," if last_comma >= 0 else "."
		tail = text.rsplit(sep, 1)[1]
		thousands = text.count(sep) > 1 or (len(tail) == 3 and (sep == "," or minor_units(currency) == 0))
		decimal_sep = None if thousands else sep
	else:
		decimal_sep = None
	thousands_sep = {",": ".", ".": ","}.get(decimal_sep or "", "")
	if decimal_sep is None:
		number = text.replace(",", "").replace(".", "")
	else:
		number = text.replace(thousands_sep, "").replace(decimal_sep, ".")
	try:
		amount = Decimal(number)
	except InvalidOperation as exc:
		raise PriceError(f"not a price: {value!r}") from exc
	if amount < 0:
		raise PriceError(f"negative price: {value!r}")
	if amount >= MAX_AMOUNT:
		raise PriceError(f"not a believable price: {value!r}")
	return round_money(amount, currency) if currency else amount


def _quantity(value: str) -> int | None:
	"""The quantity cell: None when empty; MoneyError when not a believable count ("Infinity", "1e30")."""
	text = (value or "").strip().replace(",", "")
	return parse_quantity(text) if text else None


# -- rows ------------------------------------------------------------------------------------

_LINE_BREAK = re.compile(r"\r\n|\n|\r")


def _records(text: str) -> list[tuple[int, list[str]]]:
	"""(line number, cells) of the header and of every record after it."""
	lines = _LINE_BREAK.split(text)
	start = next((i for i, line in enumerate(lines) if line.strip()), None)
	if start is None:
		return []
	header_cells = lines[start].split("\t")
	quoted = all(len(c) >= 2 and c.startswith('"') and c.endswith('"') for c in header_cells if c)
	if quoted:
		# A file written with CSV quoting: the csv module handles quotes and line breaks in values.
		reader = csv.reader(io.StringIO("\n".join(lines[start:])), delimiter="\t", quotechar='"')
		return [(start + reader.line_num, cells) for cells in reader]
	width = len(header_cells)
	out = [(start + 1, header_cells)]
	i = start + 1
	while i < len(lines):
		if not lines[i].strip():
			i += 1  # a blank line starts nothing (inside a value it is joined below)
			continue
		cells = lines[i].split("\t")
		line_no = i + 1
		if len(cells) < width:
			cells, i = _join_split_row(cells, lines, i, width)
		out.append((line_no, cells))
		i += 1
	return out


_MAX_JOINED_LINES = 50


def _join_split_row(cells: list[str], lines: list[str], i: int, width: int) -> tuple[list[str], int]:
	"""A line break inside a value cuts a row in pieces: join the following lines when, together,
	they have exactly the header's width. Otherwise the short row stays as it is."""
	joined, j = cells, i
	while len(joined) < width and j + 1 < len(lines) and j - i < _MAX_JOINED_LINES:
		following = lines[j + 1].split("\t")
		if len(following) >= width:
			break  # a whole row of its own
		joined = joined[:-1] + [joined[-1] + "\n" + following[0]] + following[1:]
		j += 1
	if len(joined) == width:
		return joined, j
	return cells, i


def parse_listings_report(
	content: bytes | str, charset: str | None = None, *, country: str = "", currency: str = ""
) -> ListingsReport:
	"""Parse the report's bytes (already decompressed) into ListingRows and per-row problems.

	`country` (ISO code of the marketplace) picks the fallback charset; `currency` the price's
	rounding and its thousands separator.
	"""
	text, encoding = decode_report(content, charset, country)
	text = text.replace("\x00", "")
	records = _records(text)
	if not records:
		raise ListingsReportError("The listings report is empty: it has no header row")
	header_line, header = records[0]
	columns = [english_column(h) for h in header]
	if "seller-sku" not in columns:
		raise ListingsReportError(
			f"The listings report has no seller-sku column (header on line {header_line}: "
			f"{', '.join(h.strip() for h in header[:6])}...)"
		)
	known = {english for english in _HEADER_ALIASES}
	unknown = [c for c in columns if c not in known]
	sku_index = columns.index("seller-sku")
	width = len(columns)

	rows: list[ListingRow] = []
	errors: list[RowProblem] = []
	warnings: list[RowProblem] = []
	seen: dict[str, int] = {}
	for line_no, cells in records[1:]:
		if not any(c.strip() for c in cells):
			continue
		sku = cells[sku_index].strip() if sku_index < len(cells) else ""
		if [c.strip() for c in cells] == [h.strip() for h in header]:
			continue  # the header again (reports glued together)
		if len(cells) > width:
			if any(c.strip() for c in cells[width:]):
				errors.append(
					RowProblem(
						line_no,
						sku,
						f"has {len(cells)} values for {width} columns; skipped, not to misread it",
					)
				)
				continue
			cells = cells[:width]
		if len(cells) < width:
			cells = cells + [""] * (width - len(cells))
		values = {column: value.strip() for column, value in zip(columns, cells, strict=True)}
		if not sku:
			errors.append(RowProblem(line_no, "", "has no seller SKU; skipped"))
			continue
		if sku in seen:
			errors.append(
				RowProblem(line_no, sku, f"lists the SKU again (first on line {seen[sku]}); skipped")
			)
			continue
		seen[sku] = line_no
		try:
			rows.append(_row(line_no, sku, values, currency, warnings))
		except Exception as exc:  # whatever a cell holds, it fails its own row, never the report
			errors.append(RowProblem(line_no, sku, f"cannot be read ({exc}); skipped"))
	return ListingsReport(rows, errors, warnings, encoding, columns, unknown)


def _row(line_no: int, sku: str, values: dict, currency: str, warnings: list[RowProblem]) -> ListingRow:
	try:
		price = parse_price(values.get("price", ""), currency)
	except PriceError as exc:
		warnings.append(RowProblem(line_no, sku, f"{exc}; the price is left out"))
		price = None
	try:
		quantity = _quantity(values.get("quantity", ""))
	except MoneyError as exc:
		warnings.append(RowProblem(line_no, sku, f"{exc}; the quantity is left out"))
		quantity = None
	product_id = values.get("product-id", "")
	product_id_type = normalize_product_id_type(values.get("product-id-type", ""))
	asin = values.get("asin1", "").upper()
	if not asin and product_id_type in ("ASIN", "") and is_asin(product_id.upper()):
		asin = product_id.upper()
	return ListingRow(
		line=line_no,
		sku=sku,
		asin=asin,
		item_name=values.get("item-name", ""),
		description=values.get("item-description", ""),
		listing_id=values.get("listing-id", ""),
		price=price,
		quantity=quantity,
		open_date=values.get("open-date", ""),
		product_id=product_id,
		product_id_type=product_id_type,
		fulfillment_channel=normalize_fulfillment_channel(values.get("fulfillment-channel", "")),
		status=normalize_status(values.get("status", "")),
		item_condition=values.get("item-condition", ""),
		image_url=values.get("image-url", ""),
		raw=values,
	)
