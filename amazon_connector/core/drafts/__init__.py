"""Plain drafts of what the core wants an ERP to hold. Money is Decimal in the draft's currency."""

from .fees import FeeEntryDraft, FeeLineDraft, UnpostedFinanceEvent
from .items import BarcodeDraft, ItemDraft
from .orders import (
	AddressDraft,
	ChargeDraft,
	CustomerDraft,
	PackageDraft,
	SalesOrderDraft,
	SalesOrderLineDraft,
)

__all__ = [
	"AddressDraft",
	"BarcodeDraft",
	"ChargeDraft",
	"CustomerDraft",
	"FeeEntryDraft",
	"FeeLineDraft",
	"ItemDraft",
	"PackageDraft",
	"SalesOrderDraft",
	"SalesOrderLineDraft",
	"UnpostedFinanceEvent",
]
