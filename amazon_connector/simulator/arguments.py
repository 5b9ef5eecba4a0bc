"""Command-line arguments of the simulator, the demo and the benchmark: checked at the door, each
bad one refused in one line that names it, with exit status 2 (as argparse does), never a traceback."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path


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


def positive_float(text: str) -> float:
	value = _number(float, 0.0, what="number")(text)
	if value == 0 or value == float("inf"):
		raise argparse.ArgumentTypeError(f"must be more than 0 and finite, not {text}")
	return value


port = _number(int, 0, 65535, what="port number")


def writable_folder(parser: argparse.ArgumentParser, option: str, path: Path) -> Path:
	"""`path` made if missing and tried with a scratch file, or the parser's one-line error."""
	try:
		path.mkdir(parents=True, exist_ok=True)
		with tempfile.TemporaryFile(dir=path):
			pass
	except OSError as exc:
		parser.error(f"{option} {path}: cannot write there ({exc.strerror or exc})")
	return path


def fail(prog: str, message: str, status: int = 1) -> int:
	"""One line on stderr for a failure after the arguments were accepted; returns the status."""
	print(f"{prog}: error: {message}", file=sys.stderr)
	return status
