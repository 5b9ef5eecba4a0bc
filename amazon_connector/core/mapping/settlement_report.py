"""Amazon's settlement report, GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2, read into plain records.

Amazon makes one such report per settlement, on its own schedule (it cannot be requested). It is a
tab-separated file with Amazon's column names; its first data row is the settlement's own summary
(settlement-id, settlement-start-date, settlement-end-date, deposit-date, total-amount, currency),
every further row one amount (transaction-type, order-id, amount-type, amount-description, amount,
posted-date, ...). What it adds to the transactions feed: the settlement's own total, deposit date
and currency, also when Amazon's list of settlements (Finances v0) is gone, a second sum (its rows)
to check that total against, and the balance Amazon carried in from the previous settlement (its
opening balance: a row no transaction of the feed has, see OPENING_DESCRIPTIONS). A settlement
whose balance Amazon did not pay out has no deposit date.

Amounts and dates are written in the marketplace's format: `95.00` and `2026-11-01 07:00:00 UTC` on
amazon.com, `95,00` and `01.11.2026 07:00:00 UTC` on amazon.de / .fr / .it / .es, `95.00` and
`01/11/2026 07:00:00 UTC` on amazon.co.uk, with or without thousands separators (`1.234,56`,
`1,234.56`, `1 234,56`), no decimals for yen. An amount's decimal separator is told from the
currency's minor unit: a last `.` or `,` followed by up to that many digits is the decimal point,
one followed by three digits groups thousands (Amazon writes every amount with its full minor unit,
so `1,234` in euros is a thousand and more, not one).

Each row is read on its own: a row that cannot be read is listed with its line and the reason, and
the others are kept; only a file without its summary row (or without Amazon's columns) is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation

from ..money import MoneyError, check_amount, minor_units

REPORT_TYPE = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
# The columns the reader cannot do without (Amazon's file has two dozen; the others are optional).
REQUIRED = ("settlement-id", "total-amount", "currency", "amount", "transaction-type")

# Thousands grouped by threes (1,234,567), or the Indian way (12,34,567), with one kind of separator.
_GROUPS = re.compile(
	r"^(?:\d{1,3}(?:[.,' \u00a0\u202f]\d{3})*|\d{1,2}(?:[.,' \u00a0\u202f]\d{2})+[.,' \u00a0\u202f]\d{3})$"
)
_DATE_FORMATS = (
	"%Y-%m-%d %H:%M:%S",
	"%Y-%m-%dT%H:%M:%S",
	"%d.%m.%Y %H:%M:%S",
	"%d/%m/%Y %H:%M:%S",
	"%Y-%m-%d",
	"%d.%m.%Y",
	"%d/%m/%Y",
)


# Rows that carry the previous settlement's balance in (amount-description, compared lower case).
OPENING_DESCRIPTIONS = frozenset(
	{
		"repayment of negative amazon balance",
		"previous settlement balance",
		"opening balance",
		"beginning balance",
	}
)


class SettlementReportError(ValueError):
	"""A settlement report that cannot be read at all; the message names it."""


@dataclass(frozen=True)
class SettlementReportLine:
	line: int  # in the file, the header being line 1
	transaction_type: str  # Order, Refund, other-transaction, ServiceFee, ...
	amount_type: str  # ItemPrice, ItemFees, Promotion, other-transaction, ...
	amount_description: str  # Principal, Commission, Current Reserve Amount, ...
	amount: Decimal  # the seller's point of view: + Amazon pays, - Amazon keeps
	order_id: str = ""
	adjustment_id: str = ""
	shipment_id: str = ""
	marketplace_name: str = ""
	sku: str = ""
	posted: datetime | None = None


@dataclass
class SettlementReport:
	settlement_id: str
	currency: str
	total: Decimal  # what Amazon transfers (total-amount)
	start: datetime | None = None
	end: datetime | None = None
	deposit_date: datetime | None = None
	lines: list[SettlementReportLine] = field(default_factory=list)
	failures: list[tuple[int, str]] = field(default_factory=list)  # (line, reason) of unreadable rows

	@property
	def lines_total(self) -> Decimal:
		return sum((line.amount for line in self.lines), Decimal(0))

	@property
	def opening(self) -> Decimal:
		"""The balance carried in from the previous settlement (its opening balance)."""
		return sum(
			(line.amount for line in self.lines if line.amount_description.lower() in OPENING_DESCRIPTIONS),
			Decimal(0),
		)


def parse_report_amount(text: str, currency: str) -> Decimal:
	"""An amount as the report writes it in the marketplace's format (see the module docstring)."""
	raw = (text or "").strip()
	if not raw:
		raise MoneyError("missing amount")
	sign = ""
	if raw[0] in "+-":
		sign, raw = ("-" if raw[0] == "-" else ""), raw[1:].strip()
	elif raw.endswith("-"):  # a trailing minus, as some locales print it
		sign, raw = "-", raw[:-1].strip()
	digits = minor_units(currency)
	whole, fraction = raw, ""
	last = max(raw.rfind("."), raw.rfind(","))
	if last >= 0 and digits and 0 < len(raw) - last - 1 <= digits and raw[last + 1 :].isdigit():
		whole, fraction = raw[:last], raw[last + 1 :]
		if raw[last] in whole:
			raise MoneyError(f"not an amount: {text!r} (its decimal separator also groups digits)")
	if not whole or not (whole.isdigit() or _GROUPS.match(whole)):
		raise MoneyError(f"not an amount: {text!r}")
	separators = {c for c in whole if not c.isdigit()}
	if len(separators) > 1:
		raise MoneyError(f"not an amount: {text!r} (two kinds of thousands separator)")
	try:
		amount = Decimal(
			sign + "".join(c for c in whole if c.isdigit()) + ("." + fraction if fraction else "")
		)
	except InvalidOperation:
		raise MoneyError(f"not an amount: {text!r}") from None
	return check_amount(amount)


def parse_report_time(text: str) -> datetime | None:
	"""A report date or date-time (UTC unless it says otherwise); None when empty."""
	raw = (text or "").strip()
	if not raw:
		return None
	if raw.endswith((" UTC", " GMT")):
		raw = raw[:-4]
	if raw.endswith("Z"):
		raw = raw[:-1]
	moment = _datetime(raw)
	if moment is None:
		raise ValueError(f"not a date: {text!r}")
	return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _datetime(raw: str) -> datetime | None:
	try:
		return datetime.fromisoformat(raw)
	except ValueError:
		pass
	for pattern in _DATE_FORMATS:
		try:
			return datetime.strptime(raw, pattern)
		except ValueError:
			continue
	return None


def read_settlement_report(text: str, where: str = "settlement report") -> SettlementReport:
	"""The report's summary and rows. Raises SettlementReportError (naming `where`) when the file has
	not Amazon's columns or no readable summary row; a bad amount row is listed in `failures`."""
	lines = (text or "").lstrip("\ufeff").splitlines()
	if not lines:
		raise SettlementReportError(f"{where} is empty")
	header = [name.strip().lower() for name in lines[0].split("\t")]
	missing = [name for name in REQUIRED if name not in header]
	if missing:
		raise SettlementReportError(f"{where} lacks Amazon's columns {', '.join(missing)}")
	rows = []
	for number, line in enumerate(lines[1:], start=2):
		if not line.strip():
			continue
		cells = line.split("\t")
		rows.append(
			(number, {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header)})
		)
	summary_at = next((i for i, (_, row) in enumerate(rows) if row.get("total-amount")), None)
	if summary_at is None:
		raise SettlementReportError(f"{where} has no summary row (the one with total-amount)")
	number, summary = rows.pop(summary_at)
	settlement_id = summary.get("settlement-id") or ""
	currency = (summary.get("currency") or "").upper()
	if not settlement_id or not currency:
		raise SettlementReportError(
			f"{where}, line {number}: the summary row has no settlement-id or currency"
		)
	try:
		report = SettlementReport(
			settlement_id=settlement_id,
			currency=currency,
			total=parse_report_amount(summary["total-amount"], currency),
			start=parse_report_time(summary.get("settlement-start-date", "")),
			end=parse_report_time(summary.get("settlement-end-date", "")),
			deposit_date=parse_report_time(summary.get("deposit-date", "")),
		)
	except (MoneyError, ValueError) as exc:
		raise SettlementReportError(f"{where} (settlement {settlement_id}), line {number}: {exc}") from None
	for number, row in rows:
		try:
			report.lines.append(_line(number, row, report))
		except (MoneyError, ValueError) as exc:
			report.failures.append((number, f"settlement {settlement_id}, line {number}: {exc}"))
	return report


def _line(number: int, row: dict, report: SettlementReport) -> SettlementReportLine:
	if row.get("settlement-id") and row["settlement-id"] != report.settlement_id:
		raise ValueError(f"the row is of settlement {row['settlement-id']}")
	if row.get("currency") and row["currency"].upper() != report.currency:
		raise ValueError(f"the row is in {row['currency']}, the settlement in {report.currency}")
	return SettlementReportLine(
		line=number,
		transaction_type=row.get("transaction-type", ""),
		amount_type=row.get("amount-type", ""),
		amount_description=row.get("amount-description", ""),
		amount=parse_report_amount(row.get("amount", ""), report.currency),
		order_id=row.get("order-id", ""),
		adjustment_id=row.get("adjustment-id", ""),
		shipment_id=row.get("shipment-id", ""),
		marketplace_name=row.get("marketplace-name", ""),
		sku=row.get("sku", ""),
		posted=parse_report_time(row.get("posted-date-time") or row.get("posted-date", "")),
	)
