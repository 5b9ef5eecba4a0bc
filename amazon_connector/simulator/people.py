"""Buyers and addresses per country, with the sales-tax rates of the places they live in."""

from __future__ import annotations

from decimal import Decimal

# (city, state or region, postal code, tax rate where tax is added on top)
PLACES = {
	"US": [
		("Seattle", "WA", "98101", Decimal("0.1035")),
		("Los Angeles", "CA", "90012", Decimal("0.095")),
		("Austin", "TX", "78701", Decimal("0.0825")),
		("Brooklyn", "NY", "11201", Decimal("0.08875")),
		("Portland", "OR", "97205", Decimal("0")),  # no sales tax in Oregon
		("Chicago", "IL", "60601", Decimal("0.1025")),
		("Miami", "FL", "33130", Decimal("0.07")),
		("Wilmington", "DE", "19801", Decimal("0")),
		("Denver", "CO", "80202", Decimal("0.0881")),
	],
	"CA": [
		("Toronto", "ON", "M5V 2T6", Decimal("0.13")),
		("Montréal", "QC", "H2Y 1C6", Decimal("0.14975")),
		("Vancouver", "BC", "V6B 1A1", Decimal("0.12")),
		("Calgary", "AB", "T2P 1J9", Decimal("0.05")),
		("Halifax", "NS", "B3J 1S9", Decimal("0.14")),
	],
	"MX": [
		("Ciudad de México", "CDMX", "06600", Decimal("0")),
		("Guadalajara", "JAL", "44100", Decimal("0")),
	],
	"GB": [
		("London", "Greater London", "SW1A 1AA", Decimal("0")),
		("Manchester", "Greater Manchester", "M1 2AB", Decimal("0")),
		("Edinburgh", "Scotland", "EH1 1YZ", Decimal("0")),
		("Cardiff", "Wales", "CF10 1EP", Decimal("0")),
	],
	"DE": [
		("Berlin", "Berlin", "10117", Decimal("0")),
		("München", "Bayern", "80331", Decimal("0")),
		("Köln", "Nordrhein-Westfalen", "50667", Decimal("0")),
		("Hamburg", "Hamburg", "20095", Decimal("0")),
	],
	"FR": [
		("Paris", "Île-de-France", "75001", Decimal("0")),
		("Lyon", "Auvergne-Rhône-Alpes", "69002", Decimal("0")),
	],
	"IT": [("Milano", "MI", "20121", Decimal("0")), ("Roma", "RM", "00184", Decimal("0"))],
	"ES": [("Madrid", "Madrid", "28013", Decimal("0")), ("Sevilla", "Sevilla", "41001", Decimal("0"))],
	"JP": [
		("渋谷区", "東京都", "150-0002", Decimal("0")),
		("大阪市北区", "大阪府", "530-0001", Decimal("0")),
		("札幌市中央区", "北海道", "060-0001", Decimal("0")),
		("横浜市西区", "神奈川県", "220-0011", Decimal("0")),
	],
}

NAMES = {
	"US": ["Jane Doe", "John Smith", "Maria Garcia", "Wei Chen", "Aisha Johnson", "Robert O'Neil"],
	"CA": ["Émilie Tremblay", "Liam Wilson", "Olivia Roy", "Noah Martin"],
	"MX": ["José Hernández", "Lucía Martínez"],
	"GB": ["Sarah Thompson", "James Wilson", "Amelia Hughes", "Oliver Patel"],
	"DE": ["Jürgen Müller", "Anna Schmidt", "Lukas Weiß", "Zoë Bäcker"],
	"FR": ["Chloé Dubois", "Léa Martin"],
	"IT": ["Giulia Rossi", "Marco Bianchi"],
	"ES": ["Lucía García", "Hugo Fernández"],
	"JP": ["山田 太郎", "佐藤 花子", "鈴木 一郎", "髙橋 美咲"],
}

STREETS = {
	"US": ["123 Main Street", "456 Pine Ave", "789 Oak Blvd", "12 Elm St"],
	"CA": ["100 King St W", "2000 Rue Sainte-Catherine", "55 Water St"],
	"MX": ["Av. Reforma 222", "Calle Juárez 15"],
	"GB": ["45 Oak Avenue", "123 High Street", "7 Baker Street"],
	"DE": ["Hauptstraße 5", "Königsallee 12", "Schloßstraße 3"],
	"FR": ["12 rue de Rivoli", "8 avenue Foch"],
	"IT": ["Via Roma 10", "Corso Como 5"],
	"ES": ["Calle Mayor 3", "Gran Vía 20"],
	"JP": ["神宮前1-2-3", "梅田3-1-1", "北1条西2-1"],
}

COMPANIES = {
	"US": ["Acme Supplies LLC", "Blue Ridge Dental PC"],
	"CA": ["Northwind Trading Ltd."],
	"GB": ["Wilson Electronics Ltd", "Hughes & Co"],
	"DE": ["Müller Büroservice GmbH", "Weiß & Söhne KG"],
	"FR": ["Atelier Dubois SARL"],
	"IT": ["Rossi S.r.l."],
	"ES": ["García Hermanos S.L."],
	"JP": ["株式会社サンプル商事"],
	"MX": ["Comercializadora Juárez S.A. de C.V."],
}
