"""Deterministic worlds with the variety real sellers see.

Same arguments, same world: every choice comes from one `random.Random(seed)`. Dates default to the
60 days before today (UTC midnight), so pass `start`/`end` for a world that is identical on any day.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from amazon_connector.core.money import round_money
from amazon_connector.spapi.fulfilment_networks import network_of

from . import ledger
from .clock import iso, parse_iso
from .inventory import settle
from .marketplaces import VAT_BREAKDOWN_BY_DEFAULT, Marketplace, account_marketplace, by_code
from .people import COMPANIES, NAMES, PLACES, STREETS
from .pricing import LineAmounts, order_proceeds, order_tax_rule, price_item, rule_for_item
from .products import BRANDS, KINDS, SKU_PREFIX, Product, local_price, make_asin, make_ean, make_upc
from .store import PackedList
from .world import FORMAT, FORMAT_VERSION

DEFAULT_MARKETPLACES = ("US", "CA", "UK", "DE", "JP")
MARKETPLACE_WEIGHTS = {"US": 40, "CA": 10, "MX": 5, "UK": 20, "DE": 15, "FR": 5, "IT": 4, "ES": 4, "JP": 12}
SHIPPING_FEE = {"USD": "4.99", "CAD": "6.99", "MXN": "79.00", "GBP": "3.99", "EUR": "3.99", "JPY": "410"}
GIFT_WRAP_FEE = {"USD": "3.99", "CAD": "4.99", "MXN": "59.00", "GBP": "2.99", "EUR": "3.49", "JPY": "300"}
FBA_CHANNEL = {"NA": "AMAZON_NA", "EU": "AMAZON_EU", "FE": "AMAZON_FE"}
BUSINESS_MARKETPLACES = {"US", "UK", "DE", "JP", "CA"}


def _as_datetime(value, default: datetime) -> datetime:
	if value is None:
		return default
	if isinstance(value, datetime):
		return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
	if isinstance(value, date):
		return datetime.combine(value, time(0), tzinfo=timezone.utc)
	return parse_iso(str(value))


class _Generator:
	def __init__(
		self,
		seed: int,
		orders: int,
		start: datetime,
		end: datetime,
		marketplaces: list[Marketplace],
		packed: bool = False,
		vat_breakdown: set[str] | None = None,
	):
		self.rng = random.Random(seed)
		# Codes of the marketplaces whose VAT-inclusive items report their VAT in a TAX breakdown.
		self.vat_breakdown = VAT_BREAKDOWN_BY_DEFAULT if vat_breakdown is None else vat_breakdown
		self.seed = seed
		self.order_count = orders
		self.start = start
		self.end = end
		self.marketplaces = marketplaces
		self.asins: set[str] = set()
		self.order_ids: set[str] = set()
		self.item_ids: set[str] = set()
		self.products: list[Product] = []
		self.unlisted: list[Product] = []  # sold, in the catalogue, but missing from the listings report
		# With `packed`, orders and events are kept compressed as they are made (see store.py), so
		# that a world of 100,000 orders fits in a few hundred megabytes.
		sink = PackedList if packed else list
		self.orders = sink()
		self.claimable: dict[str, list[int]] = {}  # see keep_order
		self.events = {"ShipmentEventList": sink(), "RefundEventList": sink(), "AdjustmentEventList": sink()}

	# products

	def make_products(self) -> None:
		rng = self.rng
		count = max(10, min(80, self.order_count // 4))
		parents: dict[int, str] = {}
		for index in range(count + 3):
			kind_index = index % len(KINDS)
			brand = BRANDS[(index // len(KINDS) + kind_index) % len(BRANDS)]
			product = Product(
				asin=make_asin(rng, self.asins),
				sku=f"{SKU_PREFIX[brand]}-{KINDS[kind_index][0][:4]}-{index + 1:04d}",
				kind=KINDS[kind_index],
				brand=brand,
				variant_index=(index // len(KINDS)) % 6,
				upc=make_upc(rng),
				ean=make_ean(rng),
				usd_price=Decimal(KINDS[kind_index][4]) + Decimal(rng.choice((0, 0, 2, 5, 10))),
				size_tier=rng.randrange(3),
			)
			# Every third kind sells in colour variations under a parent ASIN.
			if kind_index % 3 == 0:
				if kind_index not in parents:
					parents[kind_index] = make_asin(rng, self.asins)
				product.parent_asin = parents[kind_index]
			for marketplace in self.marketplaces:
				if rng.random() < 0.85 or marketplace == self.marketplaces[0]:
					product.offers[marketplace.code] = {
						"fba": rng.random() < 0.5,
						"active": rng.random() < 0.92,
						"price": local_price(product.usd_price, marketplace.currency),
					}
			(self.unlisted if index >= count else self.products).append(product)
		self.parents = parents

	def sellable(self, marketplace: Marketplace) -> list[Product]:
		return [
			p for p in self.products if marketplace.code in p.offers and p.offers[marketplace.code]["active"]
		]

	# orders

	def new_order_id(self, marketplace: Marketplace) -> str:
		while True:
			order_id = f"{self.rng.choice(marketplace.order_prefixes)}-{self.rng.randrange(10**7):07d}-{self.rng.randrange(10**7):07d}"
			if order_id not in self.order_ids:
				self.order_ids.add(order_id)
				return order_id

	def new_item_id(self) -> str:
		while True:
			item_id = f"{self.rng.randrange(10**13, 10**14)}"
			if item_id not in self.item_ids:
				self.item_ids.add(item_id)
				return item_id

	def pick_marketplace(self) -> Marketplace:
		weights = [MARKETPLACE_WEIGHTS.get(m.code, 5) for m in self.marketplaces]
		return self.rng.choices(self.marketplaces, weights=weights)[0]

	def make_orders(self) -> None:
		span = (self.end - self.start).total_seconds()
		moments = sorted(
			self.start + timedelta(seconds=self.rng.random() * span) for _ in range(self.order_count)
		)
		# marketplace id -> positions in self.orders of its shipped orders (read back when replaced)
		shipped: dict[str, list[int]] = {}
		# The newest orders are always still open, so that even a small world has some: the very newest
		# awaits payment (PENDING), the two before it await shipment (UNSHIPPED).
		forced = {len(moments) - 1: "PENDING", len(moments) - 2: "UNSHIPPED", len(moments) - 3: "UNSHIPPED"}
		for index, created in enumerate(moments):
			marketplace = self.pick_marketplace()
			if index in forced:
				self.keep_order(self.make_order(marketplace, created, status=forced[index]))
				continue
			if shipped and self.rng.random() < 0.02:
				candidates = shipped.get(marketplace.marketplace_id) or [None]
				original = self.rng.choice(candidates)
				if original is not None:
					order = self.make_order(marketplace, created, replacement_of=self.orders[original])
					self.keep_order(order)
					continue
			order = self.make_order(marketplace, created)
			self.keep_order(order)
			if order["fulfillment"]["fulfillmentStatus"] == "SHIPPED":
				shipped.setdefault(marketplace.marketplace_id, []).append(len(self.orders) - 1)

	def keep_order(self, order: dict) -> None:
		"""Add an order to the world, noting where the shipped ones with proceeds are (the guarantee
		claims of `post_account_events` pick among them without reading every order again)."""
		self.orders.append(order)
		if order["fulfillment"]["fulfillmentStatus"] == "SHIPPED" and order.get("proceeds"):
			marketplace_id = order["salesChannel"]["marketplaceId"]
			self.claimable.setdefault(marketplace_id, []).append(len(self.orders) - 1)

	def make_order(
		self,
		marketplace: Marketplace,
		created: datetime,
		replacement_of: dict | None = None,
		status: str | None = None,
	) -> dict:
		rng = self.rng
		country = marketplace.country_code
		currency = marketplace.currency
		age = self.end - created
		fba = rng.random() < 0.5
		products = self.sellable(marketplace) or self.products
		# Status: recent orders may still be pending or unshipped; older ones shipped or cancelled.
		roll = rng.random()
		ship_after = timedelta(hours=rng.uniform(2, 72))
		if status is not None:
			pass
		elif replacement_of is not None:
			status = "SHIPPED" if created + ship_after < self.end else "UNSHIPPED"
		elif age < timedelta(days=2) and roll < 0.3:  # payment not cleared yet (days, for some methods)
			status = "PENDING"
		elif roll < 0.05:
			status = "CANCELLED"
		elif created + ship_after < self.end:
			status = "SHIPPED"
		else:
			status = "UNSHIPPED"
		business = (
			replacement_of is None and marketplace.code in BUSINESS_MARKETPLACES and rng.random() < 0.07
		)
		place = rng.choice(PLACES[country])
		facilitator = marketplace.code == "US" or (marketplace.code == "UK" and rng.random() < 0.15)
		rule = order_tax_rule(
			marketplace, place, facilitator=facilitator, reported=marketplace.code in self.vat_breakdown
		)
		line_count = 1 if replacement_of else rng.choices((1, 2, 3, 4), weights=(68, 20, 9, 3))[0]
		chosen = rng.sample(products, k=min(line_count, len(products)))
		# A few lines sell SKUs that the listings report does not have.
		if replacement_of is None and self.unlisted and rng.random() < 0.04:
			chosen[0] = rng.choice(self.unlisted)
		partially_cancelled = status == "SHIPPED" and len(chosen) > 1 and rng.random() < 0.25
		gift = replacement_of is None and rng.random() < 0.06
		promo = replacement_of is None and rng.random() < 0.12
		charge_shipping = replacement_of is None and (not fba or rng.random() < 0.1) and rng.random() < 0.45
		items = []
		for index, product in enumerate(chosen):
			quantity = 1 if replacement_of else rng.choices((1, 2, 3, 5), weights=(75, 15, 7, 3))[0]
			offer = product.offers.get(marketplace.code) or {
				"price": local_price(product.usd_price, currency)
			}
			unit = Decimal("0") if replacement_of else offer["price"]
			if business:
				unit = round_money(unit * Decimal("0.95"), currency)
			line = LineAmounts(unit_price=unit, quantity=quantity)
			if charge_shipping:
				line.shipping = Decimal(SHIPPING_FEE[currency]) * (1 if index == 0 else 0)
			if gift:
				line.gift_wrap = Decimal(GIFT_WRAP_FEE[currency]) * quantity
			if promo and index == 0:
				if line.shipping and rng.random() < 0.5:
					line.shipping_discount = line.shipping
					line.promotion_ids = [f"FREE-SHIP-{marketplace.code}-{rng.randrange(1000, 9999)}"]
				else:
					line.item_discount = round_money(line.item_subtotal * Decimal("0.10"), currency)
					line.promotion_ids = [f"SAVE10-{marketplace.code}-{rng.randrange(1000, 9999)}"]
			cancelled_line = status == "CANCELLED" or (partially_cancelled and index == len(chosen) - 1)
			items.append(
				self.make_item(
					marketplace,
					product,
					line,
					rule_for_item(rule, marketplace, product.asin),
					status,
					cancelled_line,
					fba,
					gift,
					business,
					replacement_of,
				)
			)
		order_id = self.new_order_id(marketplace)
		last_updated = created
		if status == "SHIPPED":
			last_updated = created + ship_after + timedelta(hours=rng.uniform(0, 30))
		elif status == "CANCELLED":
			last_updated = created + timedelta(minutes=rng.uniform(10, 600))
		elif status == "UNSHIPPED":
			last_updated = created + timedelta(minutes=rng.uniform(1, 40))
		last_updated = min(last_updated, self.end)
		order: dict = {
			"orderId": order_id,
			"createdTime": iso(created),
			"lastUpdatedTime": iso(last_updated),
			"programs": [],
			"salesChannel": {
				"channelName": "AMAZON",
				"marketplaceId": marketplace.marketplace_id,
				"marketplaceName": marketplace.name,
			},
		}
		if fba and rng.random() < 0.7:
			order["programs"].append("PRIME")
		if business:
			order["programs"].append("AMAZON_BUSINESS")
		if replacement_of is not None:
			order["associatedOrders"] = [
				{"orderId": replacement_of["orderId"], "associationType": "REPLACEMENT_ORIGINAL_ID"}
			]
		if status != "PENDING":
			name = rng.choice(NAMES[country])
			buyer: dict = {"buyerName": name}
			if not fba:
				buyer["buyerEmail"] = (
					f"{order_id.replace('-', '')[:12].lower()}@marketplace.{marketplace.domain[4:]}"
				)
			address = {
				"name": name,
				"addressLine1": rng.choice(STREETS[country]),
				"city": place[0],
				"stateOrRegion": place[1],
				"postalCode": place[2],
				"countryCode": country,
				"addressType": "RESIDENTIAL",
			}
			if business:
				company = rng.choice(COMPANIES[country])
				buyer["buyerCompanyName"] = company
				if marketplace.vat_inclusive:
					order["tax"] = {"taxRegistrations": [buyer_vat_registration(order_id, country, company)]}
				buyer["buyerPurchaseOrderNumber"] = f"PO-{rng.randrange(10000, 99999)}"
				address["companyName"] = company
				address["addressType"] = "COMMERCIAL"
			if rng.random() < 0.3:
				address["addressLine2"] = rng.choice(("Apt 4B", "Suite 200", "2F", "Flat 3"))
			if not fba:
				address["phone"] = (
					f"+{rng.randrange(10, 99)} {rng.randrange(100, 999)} {rng.randrange(1000000, 9999999)}"
				)
			order["buyer"] = buyer
			order["recipient"] = {"deliveryAddress": address}
		proceeds = order_proceeds(items, currency)
		if proceeds:
			order["proceeds"] = proceeds
		ship_by = created + timedelta(days=2)
		order["fulfillment"] = {
			"fulfillmentStatus": status,
			"fulfilledBy": "AMAZON" if fba else "MERCHANT",
			"fulfillmentServiceLevel": "NEXT_DAY"
			if "PRIME" in order["programs"] and rng.random() < 0.3
			else "STANDARD",
			"shipByWindow": {"earliestDateTime": iso(created), "latestDateTime": iso(ship_by)},
			"deliverByWindow": {
				"earliestDateTime": iso(ship_by + timedelta(days=1)),
				"latestDateTime": iso(ship_by + timedelta(days=5)),
			},
		}
		order["orderItems"] = items
		if status == "SHIPPED" and not fba:
			order["packages"] = [self.make_package(order, created + ship_after, marketplace)]
		if status == "SHIPPED":
			self.post_shipment_events(order, created + ship_after)
		return order

	def make_item(
		self, marketplace, product, line, rule, status, cancelled, fba, gift, business, replacement_of
	) -> dict:
		currency = marketplace.currency
		item: dict = {
			"orderItemId": self.new_item_id(),
			"quantityOrdered": line.quantity,
			"product": {
				"asin": product.asin,
				"title": product.title(marketplace.language),
				"sellerSku": product.sku,
				"condition": {"conditionType": "NEW", "conditionSubtype": "NEW"},
			},
		}
		if status != "PENDING":
			price_item(item, line, rule, currency, proceeds=not cancelled)
			if business:
				item["product"]["price"]["priceDesignation"] = "BUSINESS_PRICE"
		if line.promotion_ids:
			item["promotion"] = {"breakdowns": [{"promotionId": p} for p in line.promotion_ids]}
		if cancelled:
			requester = self.rng.random() < 0.6
			item["cancellation"] = {
				"cancellationExecution": {
					"cancelledBy": "BUYER" if requester else "MERCHANT",
					"cancelReason": "Buyer canceled" if requester else "Out of stock",
				}
			}
			if requester:
				item["cancellation"]["cancellationRequest"] = {
					"requester": "BUYER",
					"cancelReason": "Order created by mistake",
				}
		shipped = status == "SHIPPED" and not cancelled
		item["fulfillment"] = {
			"quantityFulfilled": line.quantity if shipped else 0,
			"quantityUnfulfilled": 0 if shipped or cancelled else line.quantity,
		}
		if gift:
			item["fulfillment"]["packing"] = {
				"giftOption": {"giftMessage": "Happy birthday!", "giftWrapLevel": "STANDARD"}
			}
		return item

	def make_package(self, order: dict, shipped_at: datetime, marketplace: Marketplace) -> dict:
		carriers = {"US": "UPS", "CA": "Canada Post", "GB": "Royal Mail", "DE": "DHL", "JP": "ヤマト運輸"}
		return {
			"packageReferenceId": "1",
			"createdTime": iso(shipped_at - timedelta(hours=1)),
			"packageStatus": {"status": "SHIPPED"},
			"carrier": carriers.get(marketplace.country_code, "DHL"),
			"shipTime": iso(shipped_at),
			"trackingNumber": f"TRK{self.rng.randrange(10**11, 10**12)}",
			"packageItems": [
				{"orderItemId": item["orderItemId"], "quantity": item["quantityOrdered"]}
				for item in order["orderItems"]
				if item.get("proceeds")
			],
		}

	def post_shipment_events(self, order: dict, shipped_at: datetime) -> None:
		rng = self.rng
		posted = shipped_at + timedelta(days=rng.uniform(0.5, 5))  # fees post days after shipment
		event = ledger.shipment_event(order, iso(posted))
		if event is None:
			return
		self.events["ShipmentEventList"].append(event)
		if rng.random() < 0.05:
			refunded = rng.choice(event["ShipmentItemList"])["OrderItemId"]
			refund = ledger.refund_event(order, iso(posted + timedelta(days=rng.uniform(3, 25))), [refunded])
			if refund:
				self.events["RefundEventList"].append(refund)
		self.post_partial_refunds(order, event, posted)
		if rng.random() < 0.02:
			self.events["AdjustmentEventList"].append(
				self.reimbursement(order, posted + timedelta(days=rng.uniform(5, 40)))
			)

	def post_account_events(self) -> None:
		"""Money not tied to one order: monthly subscription and storage fees, weekly advertising, a
		coupon, a deal, a SAFE-T claim, a liquidation, and one A-to-z guarantee claim per marketplace.
		Drawn from a generator of their own, so that adding them changed no order of older worlds."""
		rng = random.Random(f"account-events-{self.seed}")
		for marketplace in self.marketplaces:
			currency = marketplace.currency
			scale = Decimal(100) if currency == "JPY" else Decimal(1)

			def money_of(amount: str, currency: str = currency, scale: Decimal = scale) -> dict:
				return ledger.currency_amount(Decimal(amount) * scale, currency)

			moment = self.start + timedelta(days=1, hours=3)
			while moment < self.end:
				self.events.setdefault("ServiceFeeEventList", []).append(
					{"FeeReason": "Subscription", "PostedDate": iso(moment), "FeeDescription": "Subscription Fee",
						"FeeList": [{"FeeType": "Subscription", "FeeAmount": money_of("-39.00")}]}
				)  # fmt: skip
				self.events["ServiceFeeEventList"].append(
					{"FeeReason": "FBAStorageFee", "PostedDate": iso(moment + timedelta(hours=2)),
						"FeeList": [{"FeeType": "FBAStorageFee", "FeeAmount": money_of(f"-{rng.randint(5, 40)}.{rng.randint(0, 99):02d}")}]}
				)  # fmt: skip
				moment += timedelta(days=30)
			moment = self.start + timedelta(days=3, hours=5)
			while moment < self.end:
				value = Decimal(rng.randint(20, 90)) * scale
				self.events.setdefault("ProductAdsPaymentEventList", []).append(
					{"postedDate": iso(moment), "PostedDate": iso(moment), "transactionType": "charge", "invoiceId": f"TR{rng.randrange(10**8, 10**9)}",
						"baseValue": ledger.currency_amount(-value, currency), "taxValue": ledger.currency_amount(Decimal(0), currency),
						"transactionValue": ledger.currency_amount(-value, currency)}
				)  # fmt: skip
				moment += timedelta(days=7)
			middle = self.start + (self.end - self.start) / 2
			self.events.setdefault("CouponPaymentEventList", []).append(
				{"PostedDate": iso(middle), "CouponId": f"C{rng.randrange(10**6, 10**7)}", "ClipOrRedemptionCount": 12,
					"FeeComponent": {"FeeType": "CouponRedemptionFee", "FeeAmount": money_of("-7.20")},
					"TotalAmount": money_of("-7.20")}
			)  # fmt: skip
			self.events.setdefault("SellerDealPaymentEventList", []).append(
				{"postedDate": iso(middle + timedelta(days=2)), "PostedDate": iso(middle + timedelta(days=2)), "dealId": f"D{rng.randrange(10**6, 10**7)}",
					"eventType": "SellerDealComplete", "feeType": "RunLightningDealFee",
					"feeAmount": money_of("-70.00"), "taxAmount": money_of("0.00"), "totalAmount": money_of("-70.00")}
			)  # fmt: skip
			self.events.setdefault("SAFETReimbursementEventList", []).append(
				{"PostedDate": iso(middle + timedelta(days=4)), "SAFETClaimId": f"S{rng.randrange(10**6, 10**7)}",
					"ReimbursedAmount": money_of("18.50"), "ReasonCode": "Damaged"}
			)  # fmt: skip
			self.events.setdefault("FBALiquidationEventList", []).append(
				{"PostedDate": iso(middle + timedelta(days=6)), "OriginalRemovalOrderId": f"L{rng.randrange(10**6, 10**7)}",
					"LiquidationProceedsAmount": money_of("31.00"), "LiquidationFeeAmount": money_of("-4.65")}
			)  # fmt: skip
			# A fee type the connector's tables do not know (Amazon adds them: this one came in 2024), once
			# in the first marketplace and in about half of the others: it must land on an account of
			# its own, never be dropped or lumped in.
			first = marketplace is self.marketplaces[0]
			if first or random.Random(f"unknown-fee-{self.seed}-{marketplace.marketplace_id}").random() < 0.5:
				self.events["ServiceFeeEventList"].append(
					{"FeeReason": "LowInventoryLevelFee", "PostedDate": iso(middle + timedelta(hours=8)),
						"FeeList": [{"FeeType": "LowInventoryLevelFee", "FeeAmount": money_of("-0.89")}]}
				)  # fmt: skip
			shipped = self.claimable.get(marketplace.marketplace_id)
			if shipped:
				order = self.orders[rng.choice(shipped)]
				claim = ledger.refund_event(order, iso(middle + timedelta(days=1)))
				if claim:
					self.events.setdefault("GuaranteeClaimEventList", []).append(claim)

	def post_partial_refunds(self, order: dict, shipment: dict, posted: datetime) -> None:
		"""About one order in 25 with an item of several units: one unit refunded, and in about half
		of those a second refund of one more unit a few days later (several refunds on one order).
		Chosen from the order id, not the world's random stream, so the rest of the world is
		the same with or without them."""
		items = [i for i in shipment["ShipmentItemList"] if int(i["QuantityShipped"]) > 1]
		if not items or ledger.stable_pick(order["orderId"] + ":partial", range(25)) != 0:
			return
		item_id = items[0]["OrderItemId"]
		second = ledger.stable_pick(order["orderId"] + ":second", (True, False))
		for sequence in range(2 if second else 1):
			refund = ledger.refund_event(
				order,
				iso(posted + timedelta(days=6 + 4 * sequence)),
				[item_id],
				units={item_id: 1},
				sequence=sequence + 1,
			)
			if refund:
				self.events["RefundEventList"].append(refund)

	def reimbursement(self, order: dict, posted: datetime) -> dict:
		item = order["orderItems"][0]
		currency = item["product"]["price"]["unitPrice"]["currencyCode"]
		per_unit = round_money(
			Decimal(item["product"]["price"]["unitPrice"]["amount"]) * Decimal("0.6"), currency
		)
		amount = ledger.currency_amount(per_unit, currency)
		return {
			"AdjustmentType": "FBAInventoryReimbursement",
			"PostedDate": iso(posted),
			"AdjustmentAmount": amount,
			"AdjustmentItemList": [
				{
					"Quantity": "1",
					"PerUnitAmount": amount,
					"TotalAmount": amount,
					"SellerSKU": item["product"]["sellerSku"],
					"ProductDescription": item["product"]["title"],
					"ASIN": item["product"]["asin"],
				}
			],
		}

	# listings and catalogue

	def listing_rows(self, marketplace: Marketplace) -> list[dict]:
		rows = []
		for index, product in enumerate(self.products):
			offer = product.offers.get(marketplace.code)
			if not offer:
				continue
			opened = self.start - timedelta(days=30 + index * 3)
			rows.append(
				{
					"item-name": product.title(marketplace.language),
					"item-description": "",
					"listing-id": f"{opened:%m%d}{chr(65 + index % 26)}{self.rng.randrange(100000, 999999)}",
					"seller-sku": product.sku,
					"price": ledger_amount(offer["price"], marketplace.currency),
					"quantity": ""
					if offer["fba"]
					else str(self.rng.randrange(0, 120) if offer["active"] else 0),
					"open-date": open_date(opened, marketplace),
					"image-url": f"https://m.media-amazon.com/images/I/{product.asin}.jpg",
					"item-is-marketplace": "y",
					"product-id-type": "1",
					"zshop-shipping-fee": "",
					"item-note": "",
					"item-condition": "11",
					"zshop-category1": "",
					"zshop-browse-path": "",
					"zshop-storefront-feature": "",
					"asin1": product.asin,
					"asin2": "",
					"asin3": "",
					"will-ship-internationally": "",
					"expedited-shipping": "",
					"zshop-boldface": "",
					"product-id": product.asin,
					"bid-for-featured-placement": "",
					"add-delete": "",
					"pending-quantity": "0",
					"fulfillment-channel": FBA_CHANNEL[marketplace.region] if offer["fba"] else "DEFAULT",
					"merchant-shipping-group": "" if offer["fba"] else "Migrated Template",
					"status": "Active" if offer["active"] else "Inactive",
				}
			)
		return rows

	def fba_inventory(self) -> dict:
		"""One pool per fulfilment network with the products sold FBA in any of its marketplaces.
		Drawn from a generator of its own, so worlds made before inventory existed stay the same."""
		rng = random.Random(f"fba-inventory-{self.seed}")
		pools: dict[str, list] = {}
		for network in dict.fromkeys(network_of(m.marketplace_id) for m in self.marketplaces):
			members = [m for m in self.marketplaces if network_of(m.marketplace_id) == network]
			for product in self.products:
				if not any((product.offers.get(m.code) or {}).get("fba") for m in members):
					continue
				pools.setdefault(network, []).append(self.inventory_summary(rng, product, members[0]))
		return pools

	def inventory_summary(self, rng: random.Random, product: Product, marketplace: Marketplace) -> dict:
		fulfillable = rng.choice((0, rng.randrange(1, 20), rng.randrange(20, 300)))
		reserved = rng.randrange(0, 6)
		details: dict = {
			"fulfillableQuantity": fulfillable,
			"inboundWorkingQuantity": rng.choice((0, 0, rng.randrange(1, 50))),
			"inboundShippedQuantity": rng.choice((0, 0, rng.randrange(1, 50))),
			"inboundReceivingQuantity": rng.choice((0, 0, 0, rng.randrange(1, 20))),
			# Amazon gives the breakdowns of reserved and unfulfillable stock, or only their totals.
			"reservedQuantity": {"totalReservedQuantity": reserved}
			if rng.random() < 0.5
			else {
				"totalReservedQuantity": reserved,
				"pendingCustomerOrderQuantity": reserved,
				"pendingTransshipmentQuantity": 0,
				"fcProcessingQuantity": 0,
			},
		}
		damaged = rng.choice((0, 0, 0, rng.randrange(1, 4)))
		details["unfulfillableQuantity"] = (
			{"totalUnfulfillableQuantity": damaged}
			if rng.random() < 0.5
			else {"totalUnfulfillableQuantity": damaged, "customerDamagedQuantity": damaged}
		)
		if rng.random() < 0.3:
			researching = rng.randrange(0, 3)
			details["researchingQuantity"] = {
				"totalResearchingQuantity": researching,
				"researchingQuantityBreakdown": [
					{"name": "researchingQuantityInShortTerm", "quantity": researching}
				],
			}
		summary = {
			"asin": product.asin,
			"fnSku": "X00" + product.asin[3:],
			"sellerSku": product.sku,
			"condition": "NewItem",
			"inventoryDetails": details,
			"productName": product.title(marketplace.language),
		}
		settle(summary, self.start)
		return summary

	def catalog_items(self) -> list[dict]:
		items = []
		for product in self.products + self.unlisted:
			items.append(self.catalog_item(product))
		for kind_index, parent in self.parents.items():
			children = [p for p in self.products + self.unlisted if p.parent_asin == parent]
			items.append(self.parent_item(parent, kind_index, children))
		return items

	def catalog_item(self, product: Product) -> dict:
		per_market = self.marketplaces
		identifiers = []
		for m in per_market:
			ids = [{"identifierType": "EAN", "identifier": product.ean}]
			if m.region == "NA":
				ids.insert(0, {"identifierType": "UPC", "identifier": product.upc})
			identifiers.append({"marketplaceId": m.marketplace_id, "identifiers": ids})
		classification = {"displayName": product.kind[1], "classificationId": product.kind[5]}
		item = {
			"asin": product.asin,
			"attributes": {
				"brand": [{"value": product.brand, "marketplace_id": m.marketplace_id} for m in per_market],
				"item_name": [
					{
						"value": product.title(m.language),
						"language_tag": m.language,
						"marketplace_id": m.marketplace_id,
					}
					for m in per_market
				],
				"externally_assigned_product_identifier": [
					{"type": "ean", "value": product.ean, "marketplace_id": m.marketplace_id}
					for m in per_market
				],
			},
			"classifications": [
				{"marketplaceId": m.marketplace_id, "classifications": [classification]} for m in per_market
			],
			"dimensions": [
				{
					"marketplaceId": m.marketplace_id,
					"package": {
						"weight": {"unit": "kilograms", "value": round(0.2 + product.size_tier * 0.6, 2)},
						"length": {"unit": "centimeters", "value": 20 + product.size_tier * 10},
						"width": {"unit": "centimeters", "value": 12 + product.size_tier * 6},
						"height": {"unit": "centimeters", "value": 5 + product.size_tier * 5},
					},
				}
				for m in per_market
			],
			"identifiers": identifiers,
			"images": [
				{
					"marketplaceId": m.marketplace_id,
					"images": [
						{
							"variant": "MAIN",
							"link": f"https://m.media-amazon.com/images/I/{product.asin}.jpg",
							"height": 1500,
							"width": 1500,
						}
					],
				}
				for m in per_market
			],
			"productTypes": [
				{"marketplaceId": m.marketplace_id, "productType": product.product_type} for m in per_market
			],
			"relationships": [
				{
					"marketplaceId": m.marketplace_id,
					"relationships": [
						{
							"type": "VARIATION",
							"parentAsins": [product.parent_asin],
							"variationTheme": {"attributes": ["color"], "theme": "COLOR"},
						}
					]
					if product.parent_asin
					else [],
				}
				for m in per_market
			],
			"salesRanks": [
				{
					"marketplaceId": m.marketplace_id,
					"classificationRanks": [
						{
							"classificationId": product.kind[5],
							"title": product.kind[1],
							"rank": self.rng.randrange(1, 50000),
						}
					],
				}
				for m in per_market
			],
			"summaries": [
				{
					"marketplaceId": m.marketplace_id,
					"brand": product.brand,
					"browseClassification": classification,
					"itemClassification": "BASE_PRODUCT",
					"itemName": product.title(m.language),
					"manufacturer": product.brand,
					"modelNumber": product.sku.split("-")[-1],
					"packageQuantity": 2 if product.variant_index == 5 else 1,
					"websiteDisplayGroup": product.product_type.lower() + "_display_on_website",
				}
				for m in per_market
			],
		}
		return item

	def parent_item(self, asin: str, kind_index: int, children: list[Product]) -> dict:
		kind = KINDS[kind_index]
		brand = children[0].brand if children else "Northwind"
		return {
			"asin": asin,
			"identifiers": [
				{"marketplaceId": m.marketplace_id, "identifiers": []} for m in self.marketplaces
			],
			"productTypes": [
				{"marketplaceId": m.marketplace_id, "productType": kind[0]} for m in self.marketplaces
			],
			"relationships": [
				{
					"marketplaceId": m.marketplace_id,
					"relationships": [
						{
							"type": "VARIATION",
							"childAsins": [c.asin for c in children],
							"variationTheme": {"attributes": ["color"], "theme": "COLOR"},
						}
					],
				}
				for m in self.marketplaces
			],
			"summaries": [
				{
					"marketplaceId": m.marketplace_id,
					"brand": brand,
					"itemClassification": "VARIATION_PARENT",
					"itemName": f"{brand} {kind[1]}",
				}
				for m in self.marketplaces
			],
		}

	def account(self) -> dict:
		seller = "A" + "".join(self.rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(13))
		return {
			"clientId": f"sim-client-{self.seed}",
			"clientSecret": f"sim-client-secret-{self.seed}",
			"refreshToken": f"sim-refresh-token-{self.seed}",
			"sellerId": seller,
			"storeName": "Simulated Store",
			"region": self.marketplaces[0].region,
			"marketplaces": [account_marketplace(m, m.code in self.vat_breakdown) for m in self.marketplaces],
		}


def ledger_amount(amount: Decimal, currency: str) -> str:
	return f"{round_money(amount, currency):f}"


OPEN_DATE_FORMATS = {
	"NA": ("%Y-%m-%d %H:%M:%S", "PST", -8),
	"EU": ("%d/%m/%Y %H:%M:%S", "GMT", 0),
	"FE": ("%Y/%m/%d %H:%M:%S", "JST", 9),
}


def open_date(moment: datetime, marketplace: Marketplace) -> str:
	pattern, zone, offset = OPEN_DATE_FORMATS[marketplace.region]
	if marketplace.code == "DE":
		pattern, zone, offset = "%d.%m.%Y %H:%M:%S", "MEZ", 1
	local = moment.astimezone(timezone(timedelta(hours=offset)))
	return f"{local.strftime(pattern)} {zone}"


def generated_account(seed: int = 1, marketplaces=DEFAULT_MARKETPLACES) -> dict:
	"""The account `generate_world` makes for these arguments, without making the world (a caller
	talking to a simulator that generated its world in another process needs only its credentials)."""
	if isinstance(marketplaces, str):
		marketplaces = [m for m in marketplaces.split(",") if m.strip()]
	moment = datetime(2000, 1, 1, tzinfo=timezone.utc)  # the account does not depend on the dates
	return _Generator(seed, 0, moment, moment, [by_code(code.strip()) for code in marketplaces]).account()


def buyer_vat_registration(order_id: str, country: str, company: str) -> dict:
	"""A business buyer's VAT registration as Amazon reports it (a stable number per order id)."""
	digits = "".join(ch for ch in order_id if ch.isdigit())[-9:].rjust(9, "0")
	prefix = {"GB": "GB", "DE": "DE", "FR": "FR", "IT": "IT", "ES": "ES", "JP": "T"}.get(country, country)
	return {
		"entityType": "BUYER",
		"legalName": company,
		"taxRegistrationType": "VAT",
		"taxRegistrationNumber": f"{prefix}{digits}",
	}


def generate_world(
	seed: int = 1,
	orders: int = 200,
	start=None,
	end=None,
	marketplaces=DEFAULT_MARKETPLACES,
	*,
	packed: bool = False,
	vat_breakdown=None,
) -> dict:
	"""A JSON-able world in Amazon's shapes (see docs/simulator.md). Deterministic for equal arguments.

	packed: orders and event lists are `store.PackedList`s (iterate them for the dicts), for a large
	world handed straight to a `World` or a `Simulator` in bounded memory.
	vat_breakdown: codes of the VAT-inclusive marketplaces whose items report their VAT in a TAX
	breakdown (default: `marketplaces.VAT_BREAKDOWN_BY_DEFAULT`); the others report none."""
	if orders < 0:
		raise ValueError("orders must not be negative")
	today = datetime.combine(datetime.now(timezone.utc).date(), time(0), tzinfo=timezone.utc)
	end_at = _as_datetime(end, today)
	start_at = _as_datetime(start, end_at - timedelta(days=60))
	if start_at >= end_at:
		raise ValueError(f"start {iso(start_at)} must be before end {iso(end_at)}")
	if isinstance(marketplaces, str):
		marketplaces = [m for m in marketplaces.split(",") if m.strip()]
	chosen = [by_code(code.strip()) for code in marketplaces]
	if not chosen:
		raise ValueError("at least one marketplace is needed")
	if isinstance(vat_breakdown, str):
		vat_breakdown = [m for m in vat_breakdown.split(",") if m.strip()]
	breakdown = None if vat_breakdown is None else {by_code(code.strip()).code for code in vat_breakdown}
	generator = _Generator(seed, orders, start_at, end_at, chosen, packed, vat_breakdown=breakdown)
	account = generator.account()
	generator.make_products()
	generator.make_orders()
	generator.post_account_events()
	listings = {m.marketplace_id: generator.listing_rows(m) for m in chosen}
	events = {name: entries for name, entries in generator.events.items() if entries}
	return {
		"format": FORMAT,
		"version": FORMAT_VERSION,
		"generated": {
			"seed": seed,
			"orders": orders,
			"start": iso(start_at),
			"end": iso(end_at),
			"marketplaces": [m.code for m in chosen],
		},
		"account": account,
		"orders": generator.orders,
		"financialEvents": events,
		"listings": listings,
		"catalogItems": generator.catalog_items(),
		"fbaInventory": generator.fba_inventory(),
	}
