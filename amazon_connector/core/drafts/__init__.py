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
from .refunds import RefundDraft, RefundLineDraft

__all__ = [
	"AddressDraft",
	"BarcodeDraft",
	"ChargeDraft",
	"CustomerDraft",
	"FeeEntryDraft",
	"FeeLineDraft",
	"ItemDraft",
	"PackageDraft",
	"RefundDraft",
	"RefundLineDraft",
	"SalesOrderDraft",
	"SalesOrderLineDraft",
	"UnpostedFinanceEvent",
]
