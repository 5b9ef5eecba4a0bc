"""python -m amazon_connector.simulator --world FILE | --generate [...] --port 0

Prints the base URL on one line, then serves until Ctrl-C.
"""

from __future__ import annotations

import errno
import sys
import threading

from .arguments import OneLineParser, count, fail, port, positive_float, timestamp, whole_number
from .generator import DEFAULT_MARKETPLACES, generate_world
from .server import Simulator
from .world import WorldError, load_world, write_world


def main(argv: list[str] | None = None) -> int:
	parser = OneLineParser(prog="python -m amazon_connector.simulator", description=__doc__)
	source = parser.add_mutually_exclusive_group(required=True)
	source.add_argument("--world", help="serve this world file (JSON)")
	source.add_argument("--generate", action="store_true", help="generate a world")
	parser.add_argument("--seed", type=whole_number, default=1)
	parser.add_argument("--orders", type=count(0), default=200)
	parser.add_argument("--start", help="first order date (ISO 8601); default 60 days before --end")
	parser.add_argument("--end", help="last order date (ISO 8601); default today 00:00 UTC")
	parser.add_argument(
		"--now", type=timestamp, help="the instant the simulator's clock starts at (ISO 8601); default now"
	)
	parser.add_argument("--marketplaces", default=",".join(DEFAULT_MARKETPLACES), help="e.g. US,CA,UK,DE,JP")
	parser.add_argument("--write-world", metavar="FILE", help="also write the generated world to FILE")
	parser.add_argument("--port", type=port, default=0, help="0 picks a free port")
	parser.add_argument(
		"--time-scale", type=positive_float, default=1.0, help="run the simulator clock this much faster"
	)
	parser.add_argument("--no-limits", action="store_true", help="do not enforce Amazon's usage plans")
	args = parser.parse_args(argv)
	try:
		if args.world:
			world = load_world(args.world)
		else:
			data = generate_world(
				seed=args.seed,
				orders=args.orders,
				start=args.start,
				end=args.end,
				marketplaces=args.marketplaces,
				# Kept packed unless it is written out: a world of 100,000 orders then fits in a few
				# hundred megabytes instead of several gigabytes.
				packed=not args.write_world,
			)
			if args.write_world:
				write_world(data, args.write_world)
			world = data
		sim = Simulator(
			world, time_scale=args.time_scale, limits=not args.no_limits, port=args.port, start_time=args.now
		)
	except OSError as exc:
		return fail(
			parser.prog, f"cannot use {exc.filename}: {exc.strerror}" if exc.filename else str(exc), 2
		)
	except (WorldError, ValueError) as exc:
		return fail(parser.prog, str(exc), 2)
	try:
		base_url = sim.start()
	except OSError as exc:
		reason = "it is in use" if exc.errno == errno.EADDRINUSE else (exc.strerror or str(exc))
		return fail(parser.prog, f"cannot listen on 127.0.0.1 port {args.port}: {reason}")
	print(base_url, flush=True)
	try:
		threading.Event().wait()
	except KeyboardInterrupt:
		pass
	finally:
		sim.stop()
	return 0


if __name__ == "__main__":
	sys.exit(main())
