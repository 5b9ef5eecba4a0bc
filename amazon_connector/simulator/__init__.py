"""A faithful local Selling Partner API for tests, demos and benchmarks (framework-free).

	from amazon_connector.simulator import Simulator, generate_world
	with Simulator(generate_world(seed=7, orders=50), limits=False) as sim:
		print(sim.base_url, sim.account["seller_id"])

See docs/simulator.md for the world file format and the control endpoints.
"""

from .generator import generate_world
from .server import Simulator
from .world import World, WorldError, load_world, write_world

__all__ = ["Simulator", "World", "WorldError", "generate_world", "load_world", "write_world"]
