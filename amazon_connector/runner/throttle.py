"""The SP-API token buckets of a Frappe process: in the bench's Redis, shared by every worker.

Amazon limits each operation per seller and application, however many RQ workers, bench commands or
machines call it. Each process pacing with buckets of its own (`spapi.throttle`) would let two
workers of one seller spend twice the plan, and a new job would start with a full bucket while
Amazon's is still drained by the last one. So runs in Frappe keep the buckets in the bench's Redis
(`spapi.throttle_redis`, over `frappe.cache`'s connection, the `redis_cache` of the site config):
every process that shares that Redis shares the buckets. The keys are not per site: two sites of one
bench syncing one seller share Amazon's limits too.

Site config `amazon_connector_shared_throttle: 0` goes back to per-process buckets (a bench whose
Redis is unreliable; the client then learns the shared quota from Amazon's 429s only).
"""

from __future__ import annotations

import threading

import frappe
from frappe.utils import cint

from ..spapi.account import AccountConfig
from ..spapi.client import SpApiSession
from ..spapi.throttle import DEFAULT_REGISTRY, ThrottleRegistry
from ..spapi.throttle_redis import RedisThrottleRegistry

_lock = threading.Lock()
_registry: RedisThrottleRegistry | None = None


def shared_buckets_on() -> bool:
	return bool(cint(frappe.conf.get("amazon_connector_shared_throttle", 1)))


def throttle_registry() -> ThrottleRegistry:
	"""This process's registry: one over the bench's Redis (made once), or the per-process one."""
	global _registry
	if not shared_buckets_on():
		return DEFAULT_REGISTRY
	with _lock:
		if _registry is None:
			_registry = RedisThrottleRegistry(frappe.cache)
		return _registry


def frappe_session(config: AccountConfig) -> SpApiSession:
	"""The runner's default way to Amazon: a session pacing with the shared buckets."""
	return SpApiSession(config, throttle=throttle_registry())
