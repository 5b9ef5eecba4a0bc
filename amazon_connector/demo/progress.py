"""Progress of a run on stderr, for the demo, the benchmark and the bench command: the stage, its
counts and an ETA.

The figures stay on stdout, so `> out.txt` keeps them clean while the terminal shows the progress.
On a terminal the line is rewritten in place; elsewhere (a log, CI) a line is written at most every
few seconds, and whenever a stage starts or ends.
"""

from __future__ import annotations

import sys
import time


def eta_text(seconds: float) -> str:
	seconds = max(0, round(seconds))
	hours, rest = divmod(seconds, 3600)
	minutes, secs = divmod(rest, 60)
	return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class ConsoleProgress:
	"""A `progress(stage, done, total, message)` callback for `run_pipeline`."""

	def __init__(self, stream=None, *, clock=time.monotonic, interval: float | None = None):
		self.stream = stream if stream is not None else sys.stderr
		self.clock = clock
		self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
		self.interval = interval if interval is not None else (0.2 if self.tty else 5.0)
		self._stage: str | None = None
		self._stage_started = 0.0
		self._first_counted: tuple[float, int] | None = None
		self._last_written = float("-inf")
		self._width = 0

	def __call__(self, stage: str, done: int, total: int | None, message: str) -> None:
		now = self.clock()
		new_stage = stage != self._stage
		if new_stage:
			self._end_line()
			self._stage, self._stage_started, self._first_counted = stage, now, None
		if total and done and self._first_counted is None:
			self._first_counted = (now, done)
		finished = bool(total) and done >= total
		if not (new_stage or finished or now - self._last_written >= self.interval):
			return
		self._write(self.line(stage, done, total, message, now))
		self._last_written = now

	def line(self, stage: str, done: int, total: int | None, message: str, now: float) -> str:
		elapsed = now - self._stage_started
		if not total:
			return f"{stage}: {message} ({eta_text(elapsed)} so far)"
		text = f"{stage}: {done}/{total} ({100 * done // total}%)"
		if done >= total:
			text += f" done in {eta_text(elapsed)}"
		elif self._first_counted is not None and done > self._first_counted[1]:
			# The rate since the first counted record: a stage's set-up (a report Amazon prepares,
			# the catalogue look-ups) would otherwise make the first estimates far too long.
			since, first_done = self._first_counted
			rate = (done - first_done) / max(now - since, 1e-9)
			text += f", about {eta_text((total - done) / rate)} left"
		return f"{text} - {message}" if message else text

	def _write(self, text: str) -> None:
		if self.tty:
			padding = " " * max(0, self._width - len(text))
			self._emit(f"\r{text}{padding}")
			self._width = len(text)
		else:
			self._emit(text + "\n")

	def _end_line(self) -> None:
		if self.tty and self._width:
			self._emit("\n")
			self._width = 0

	def _emit(self, text: str) -> None:
		"""Write unless the stream has gone away: a closed pipe (`| head`) or terminal (a dropped ssh
		session) ends the progress display, never the run it shows."""
		if self.stream is None:
			return
		try:
			self.stream.write(text)
			self.stream.flush()
		except (OSError, ValueError):  # BrokenPipeError is an OSError; ValueError: the stream was closed
			self.stream = None

	def close(self) -> None:
		"""End the rewritten line, so that what follows starts on a line of its own."""
		self._end_line()
