"""Products a simulated seller sells: titles per language, identifiers with valid check digits, prices."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

# (product type, English noun, German noun, Japanese noun, base USD price, browse node)
KINDS = [
	(
		"KITCHEN",
		"Digital Kitchen Scale",
		"Digitale Küchenwaage",
		"デジタル キッチンスケール",
		"24.99",
		"289913",
	),
	(
		"BOTTLE",
		"Insulated Water Bottle 750 ml",
		"Isolierte Trinkflasche 750 ml",
		"真空断熱 ボトル 750ml",
		"19.99",
		"3737191",
	),
	("HEADPHONES", "Wireless Earbuds", "Kabellose Ohrhörer", "ワイヤレス イヤホン", "59.99", "172541"),
	("TOY_FIGURE", "Wooden Puzzle Set", "Holzpuzzle-Set", "木製パズル セット", "14.99", "166359011"),
	("NOTEBOOK", "A5 Dotted Notebook", "A5 Notizbuch gepunktet", "A5 ドット方眼ノート", "9.99", "1069242"),
	("LAMP", "LED Desk Lamp", "LED-Schreibtischlampe", "LED デスクライト", "34.99", "1063292"),
	(
		"BACKPACK",
		'Laptop Backpack 15"',
		"Laptop-Rucksack 15 Zoll",
		"ノートPC リュック 15インチ",
		"44.99",
		"15743251",
	),
	("PET_SUPPLIES", "Dog Chew Toy", "Kauspielzeug für Hunde", "犬用 噛むおもちゃ", "12.49", "2975312011"),
	("TEA", "Green Tea Sencha 100 g", "Grüner Tee Sencha 100 g", "煎茶 緑茶 100g", "11.99", "16318031"),
	("CABLE", "USB-C Cable 2 m", "USB-C-Kabel 2 m", "USB-C ケーブル 2m", "8.99", "172456"),
]

# Brands; some carry characters that not every report charset has, as real catalogues do:
# ™ and € exist in windows-1252 but not in Latin-1; Ł and ł exist in neither; ① and ㈱ exist in
# windows-31j but not in strict Shift_JIS.
BRANDS = ["Northwind", "Bluefin™", "Küchenfreund", "Złota Łyżka", "Sakura①", "Acme", "Hoshi㈱", "Lumière"]
SKU_PREFIX = {
	"Northwind": "NW",
	"Bluefin™": "BF",
	"Küchenfreund": "KF",
	"Złota Łyżka": "ZL",
	"Sakura①": "SK",
	"Acme": "AC",
	"Hoshi㈱": "HO",
	"Lumière": "LU",
}
VARIANTS = {
	"en": ["Black", "White", "Blue", "Large", "Small", "2-Pack"],
	"de": ["Schwarz", "Weiß", "Blau", "Groß", "Klein", "2er-Pack"],
	"ja": ["ブラック", "ホワイト", "ブルー", "大", "小", "2個セット"],
}
LANGUAGE_OF = {"en_US": "en", "en_CA": "en", "en_GB": "en", "de_DE": "de", "ja_JP": "ja"}

# Rough exchange rates from USD, and how prices end in each currency.
FX = {"USD": "1", "CAD": "1.36", "MXN": "18.5", "GBP": "0.86", "EUR": "0.95", "JPY": "150"}


def check_digit(digits: str) -> str:
	"""GS1 check digit (UPC-A, EAN-13)."""
	total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
	return str((10 - total % 10) % 10)


def make_upc(rng: random.Random) -> str:
	body = "0" + "".join(rng.choice("0123456789") for _ in range(10))
	return body + check_digit(body)


def make_ean(rng: random.Random) -> str:
	body = "40" + "".join(rng.choice("0123456789") for _ in range(10))
	return body + check_digit(body)


def make_asin(rng: random.Random, taken: set[str]) -> str:
	while True:
		asin = "B0" + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(8))
		if asin not in taken:
			taken.add(asin)
			return asin


def local_price(usd: Decimal, currency: str) -> Decimal:
	raw = usd * Decimal(FX.get(currency, "1"))
	if currency == "JPY":
		return (raw / 10).quantize(Decimal("1"), rounding=ROUND_HALF_UP) * 10 - 20  # 2980-style prices
	return raw.quantize(Decimal("1"), rounding=ROUND_HALF_UP) - Decimal("0.01")


@dataclass
class Product:
	asin: str
	sku: str
	kind: tuple
	brand: str
	variant_index: int
	upc: str
	ean: str
	usd_price: Decimal
	size_tier: int
	parent_asin: str | None = None
	offers: dict = field(
		default_factory=dict
	)  # marketplace code -> {"fba": bool, "active": bool, "price": Decimal}

	@property
	def product_type(self) -> str:
		return self.kind[0]

	def title(self, language: str) -> str:
		lang = LANGUAGE_OF.get(language, "en")
		noun = {"en": self.kind[1], "de": self.kind[2], "ja": self.kind[3]}[lang]
		return (
			f"{self.brand} {noun} - {VARIANTS[lang][self.variant_index]}"
			if lang != "ja"
			else (f"{self.brand} {noun} {VARIANTS[lang][self.variant_index]}")
		)
