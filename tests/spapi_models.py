"""Where the tests find Amazon's OpenAPI models.

The tests name each model by its flat file name (the layout of `../shared/sp-api-models`, which CI
has). A checkout of Amazon's own repository (https://github.com/amzn/selling-partner-api-models)
keeps the same files under `models/<api dir>/<original name>`; both layouts are accepted, as the
checkout's root or its `models/` folder.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# flat file name -> (folder under models/, Amazon's file name), as /work/shared/sp-api-models/README.md lists
AMAZON_NAMES = {
	"orders-v0.json": ("orders-api-model", "ordersV0.json"),
	"orders-2026-01-01.json": ("orders-api-model", "orders_2026-01-01.json"),
	"catalog-items-2022-04-01.json": ("catalog-items-api-model", "catalogItems_2022-04-01.json"),
	"listings-items-2021-08-01.json": ("listings-items-api-model", "listingsItems_2021-08-01.json"),
	"reports-2021-06-30.json": ("reports-api-model", "reports_2021-06-30.json"),
	"feeds-2021-06-30.json": ("feeds-api-model", "feeds_2021-06-30.json"),
	"finances-v0.json": ("finances-api-model", "financesV0.json"),
	"finances-2024-06-19.json": ("finances-api-model", "finances_2024-06-19.json"),
	"fba-inventory-v1.json": ("fba-inventory-api-model", "fbaInventory.json"),
	"fulfillment-outbound-2020-07-01.json": (
		"fulfillment-outbound-api-model",
		"fulfillmentOutbound_2020-07-01.json",
	),
	"fulfillment-outbound-2026-07-04.json": (
		"fulfillment-outbound-api-model",
		"fulfillmentOutbound_2026-07-04.json",
	),
	"sellers-v1.json": ("sellers-api-model", "sellers.json"),
	"tokens-2021-03-01.json": ("tokens-api-model", "tokens_2021-03-01.json"),
	"notifications-v1.json": ("notifications-api-model", "notifications.json"),
	"product-fees-v0.json": ("product-fees-api-model", "productFeesV0.json"),
	"product-pricing-v0.json": ("product-pricing-api-model", "productPricingV0.json"),
}

# Set by CI, which has the models: a run that could not find them fails instead of skipping.
REQUIRED_VARIABLE = "AMAZON_SPAPI_MODELS_REQUIRED"

HOW_TO_GET_THEM = (
	"git clone https://github.com/amzn/selling-partner-api-models and run the tests with "
	"AMAZON_SPAPI_MODELS=<that folder> (a folder of the renamed files, like CI's "
	"../shared/sp-api-models, works too)"
)


def candidates() -> list[Path]:
	"""$AMAZON_SPAPI_MODELS when set; otherwise the usual places beside the repository."""
	configured = os.environ.get("AMAZON_SPAPI_MODELS")
	if configured:
		return [Path(configured).expanduser()]
	return [REPO.parent / "shared" / "sp-api-models", REPO.parent / "selling-partner-api-models"]


class Models:
	"""One folder of models in either layout; `path(flat_name)` gives the file."""

	def __init__(self, root: Path):
		self.root = root
		nested = root / "models" if (root / "models").is_dir() else root
		self._nested = nested

	def path(self, flat_name: str) -> Path:
		flat = self.root / flat_name
		if flat.is_file():
			return flat
		folder, original = AMAZON_NAMES[flat_name]
		return self._nested / folder / original

	def found(self) -> bool:
		"""The folder holds Amazon's models (judged by the orders model every contract test run needs)."""
		return self.path("orders-2026-01-01.json").is_file()


def find_models() -> tuple[Models | None, str]:
	"""The models, or None with a sentence saying where they were looked for."""
	looked = candidates()
	for root in looked:
		models = Models(root)
		if models.found():
			return models, ""
	if os.environ.get("AMAZON_SPAPI_MODELS"):
		return None, f"AMAZON_SPAPI_MODELS={looked[0]} holds no models in either layout"
	return None, "AMAZON_SPAPI_MODELS is not set and neither " + " nor ".join(
		str(p) for p in looked
	) + " exists"
