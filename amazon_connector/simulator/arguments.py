"""Command-line arguments of the simulator, the demo and the benchmark: checked at the door, each
bad one refused in one line that names it, with exit status 2 (as argparse does), never a traceback."""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from .clock import parse_iso


class OneLineParser(argparse.ArgumentParser):
	"""argparse, but an error is one line on stderr: `prog: error: <what is wrong> (see --help)`."""

	def error(self, message: str):
		self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _number(kind, minimum, maximum=None, what=""):
	def parse(text: str):
		try:
			value = kind(text)
		except ValueError:
			raise argparse.ArgumentTypeError(f"{text!r} is not a {what or kind.__name__}") from None
		if value != value or value < minimum or (maximum is not None and value > maximum):  # NaN too
			bounds = f"from {minimum} to {maximum}" if maximum is not None else f"{minimum} or more"
			raise argparse.ArgumentTypeError(f"must be {bounds}, not {text}")
		return value

	parse.__name__ = what or kind.__name__  # argparse names the type in some messages
	return parse


def count(minimum: int = 0):
	"""A whole number of at least `minimum`."""
	return _number(int, minimum, what="whole number")


def whole_number(text: str) -> int:
	"""Any whole number (a seed)."""
	try:
		return int(text)
	except ValueError:
		raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


whole_number.__name__ = "whole number"


def timestamp(text: str) -> datetime:
	"""An ISO 8601 instant (the simulator's --now)."""
	try:
		return parse_iso(text)
	except ValueError:
		raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 timestamp") from None


def positive_float(text: str) -> float:
	try:
		value = float(text)
	except ValueError:
		raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
	if not (0 < value < float("inf")):  # NaN fails this too
		raise argparse.ArgumentTypeError(f"must be more than 0 and finite, not {text}")
	return value


positive_float.__name__ = "number"


def non_negative_float(text: str) -> float:
	try:
		value = float(text)
	except ValueError:
		raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
	if not (0 <= value < float("inf")):  # NaN fails this too
		raise argparse.ArgumentTypeError(f"must be 0 or more and finite, not {text}")
	return value


non_negative_float.__name__ = "number"


def positive_floats(text: str) -> list[float]:
	"""Comma-separated numbers, each more than 0 ("60,600")."""
	values = [positive_float(part.strip()) for part in text.split(",") if part.strip()]
	if not values:
		raise argparse.ArgumentTypeError(f"{text!r} names no number")
	return values


positive_floats.__name__ = "list of numbers"


def marketplace_codes(text: str) -> list[str]:
	"""Comma-separated marketplace codes the simulator knows ("US,DE")."""
	from .marketplaces import by_code

	codes = [part.strip().upper() for part in text.split(",") if part.strip()]
	if not codes:
		raise argparse.ArgumentTypeError(f"{text!r} names no marketplace")
	for code in codes:
		try:
			by_code(code)
		except ValueError as exc:
			raise argparse.ArgumentTypeError(str(exc)) from None
	return codes


marketplace_codes.__name__ = "marketplace codes"


port = _number(int, 0, 65535, what="port number")


def writable_folder(parser: argparse.ArgumentParser, option: str, path: Path) -> Path:
	"""`path` made if missing and tried with a scratch file, or the parser's one-line error."""
	if path.exists() and not path.is_dir():
		parser.error(f"{option} {path}: is a file, not a folder")
	try:
		path.mkdir(parents=True, exist_ok=True)
		with tempfile.TemporaryFile(dir=path):
			pass
	except OSError as exc:
		parser.error(f"{option} {path}: cannot write there ({exc.strerror or exc})")
	return path


def needs_frappe(parser: argparse.ArgumentParser, what: str, how: str) -> None:
	"""The parser's one-line error when Frappe cannot be imported (the system's or the repository's
	virtual environment's Python instead of the bench's): `what` needs it, `how` says how to run it."""
	try:
		import frappe  # noqa: F401
	except ImportError:
		parser.error(f"{what} needs Frappe: {how}")


def fail(prog: str, message: str, status: int = 1) -> int:
	"""One line on stderr for a failure after the arguments were accepted; returns the status."""
	print(f"{prog}: error: {message}", file=sys.stderr)
	return status
