"""The progress line (demo, benchmark, bench command) can never end a run: a closed stderr only ends
the display."""

from __future__ import annotations

import io

from amazon_connector.demo.progress import ConsoleProgress


class ClosedPipe(io.StringIO):
	def __init__(self, error: Exception, tty: bool):
		super().__init__()
		self.error, self.tty, self.writes = error, tty, 0

	def isatty(self):
		return self.tty

	def write(self, text):
		self.writes += 1
		raise self.error


def test_a_broken_pipe_stops_the_display_and_nothing_else():
	for error in (BrokenPipeError(32, "Broken pipe"), ValueError("I/O operation on closed file")):
		for tty in (True, False):
			stream = ClosedPipe(error, tty)
			progress = ConsoleProgress(stream, interval=0)
			progress("orders", 1, 10, "Reading orders")
			progress("orders", 10, 10, "Done")  # no exception, and no second try on a dead stream
			progress("fees", 0, None, "Reading fees")
			progress.close()
			assert stream.writes == 1


def test_a_working_stream_gets_the_lines():
	stream = io.StringIO()
	progress = ConsoleProgress(stream, interval=0)
	progress("fees", 2, 2, "Done")
	progress.close()
	assert "fees: 2/2" in stream.getvalue()
