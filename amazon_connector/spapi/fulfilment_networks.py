"""Which marketplaces share one pool of FBA stock (Amazon's fulfilment networks).

getInventorySummaries with Marketplace granularity answers for the fulfilment network behind the
marketplace: a pan-European seller sees the same EU pool from Germany, France, Italy, Spain and the
other EU stores; the North American unified account shares one pool between the US, Canada and
Mexico. The UK has had its own network since 2021; Japan, Australia, Singapore, India, Brazil and
the other stores each have their own. A SKU read from several marketplaces of one pool is that
pool's stock once, never once per marketplace.
"""

from __future__ import annotations

EU = "EU"
NA = "NA"

_POOLS = {
	# North America unified account
	"ATVPDKIKX0DER": NA,  # US
	"A2EUQ1WTGCTBG2": NA,  # CA
	"A1AM78C64UM0Y8": NA,  # MX
	# Pan-European FBA
	"A1PA6795UKMFR9": EU,  # DE
	"A13V1IB3VIYZZH": EU,  # FR
	"APJ6JRA9NG5V4": EU,  # IT
	"A1RKKUPIHCS9HS": EU,  # ES
	"A1805IZSGTT6HS": EU,  # NL
	"A2NODRKZP88ZB9": EU,  # SE
	"A1C3SOZRARQ6R3": EU,  # PL
	"AMEN7PMS3EDWL": EU,  # BE
	"A28R8C7NBKEWEA": EU,  # IE
}


def network_of(marketplace_id: str) -> str:
	"""The fulfilment network (stock pool) of a marketplace: "EU", "NA", or the marketplace id
	itself for a marketplace with a network of its own (UK, JP, ...)."""
	return _POOLS.get(marketplace_id, marketplace_id)
