"""One sync at a time per Amazon account, across every worker, scheduler tick and bench command.

Why Redis and not the database: a MariaDB named lock (`GET_LOCK`) belongs to one connection, so it
cannot be seen or explained ("held by the orders run started at 10:02") and Frappe's test runner,
web workers and jobs share connections in ways that make it re-entrant by accident. A row lock
would hold a transaction open for hours. Every Frappe process of a bench already shares one Redis
(`redis_cache`), and Redis gives an atomic "set if absent, with expiry" (SET NX EX).

Why it cannot stay stuck: the key expires after `ttl` seconds unless its holder renews it. The
holder renews it from a small heartbeat thread while the run is alive; a worker that crashes, is
killed by RQ's timeout or loses its machine stops renewing, and the lock frees itself within
`ttl` (10 minutes by default). Release and renewal check a random token, so a run whose lock
expired can never delete or extend the lock a newer run now holds.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import uuid

import frappe
from frappe import _
from frappe.utils import now_datetime

from .core.ports import SyncLocked

LOCK_TTL = 600  # seconds a lock lives without its holder's heartbeat
HEARTBEAT_EVERY = 60

# Delete / renew only when the stored token is ours.
_RELEASE = """
if string.find(redis.call('get', KEYS[1]) or '', ARGV[1], 1, true) then
	return redis.call('del', KEYS[1])
end
return 0
"""
_RENEW = """
if string.find(redis.call('get', KEYS[1]) or '', ARGV[1], 1, true) then
	return redis.call('expire', KEYS[1], ARGV[2])
end
return 0
"""


def lock_key(account: str) -> str:
	return frappe.cache.make_key(f"amazon_connector:sync_lock:{account}")


def current_holder(account: str) -> dict | None:
	"""Who holds the account's lock ({"kind", "since", "host", "pid"}), or None when it is free."""
	raw = frappe.cache.get(lock_key(account))
	if not raw:
		return None
	try:
		return json.loads(raw)
	except ValueError:
		return {"kind": "?", "since": ""}


class AccountLock:
	"""`with AccountLock(account, "orders"):` runs the body, or raises SyncLocked at once."""

	def __init__(self, account: str, kind: str, *, ttl: int = LOCK_TTL, heartbeat: bool = True):
		self.account = account
		self.kind = kind
		self.ttl = max(int(ttl), 1)
		self.heartbeat = heartbeat
		self.token = uuid.uuid4().hex
		self._key = lock_key(account)
		self._redis = frappe.cache  # captured: the heartbeat thread has no frappe.local
		self._stop = threading.Event()
		self._thread: threading.Thread | None = None

	def acquire(self) -> None:
		value = json.dumps(
			{
				"token": self.token,
				"kind": self.kind,
				"since": str(now_datetime()),
				"host": socket.gethostname(),
				"pid": os.getpid(),
			}
		)
		if not self._redis.set(self._key, value, nx=True, ex=self.ttl):
			holder = current_holder(self.account) or {}
			raise SyncLocked(
				_(
					"A {0} sync of Amazon account {1} is already running (since {2}); this run was not started."
				).format(holder.get("kind", "?"), self.account, holder.get("since", "?"))
			)
		if self.heartbeat:
			self._thread = threading.Thread(
				target=self._beat, name=f"amazon-lock-{self.account}", daemon=True
			)
			self._thread.start()

	def release(self) -> None:
		self._stop.set()
		if self._thread:
			self._thread.join(timeout=5)
		self._redis.eval(_RELEASE, 1, self._key, self.token)

	def _beat(self) -> None:
		every = min(HEARTBEAT_EVERY, max(self.ttl / 3, 0.5))
		while not self._stop.wait(every):
			try:
				self._redis.eval(_RENEW, 1, self._key, self.token, self.ttl)
			except Exception:  # Redis briefly away: the next beat tries again; the TTL is the backstop
				pass

	def __enter__(self) -> AccountLock:
		self.acquire()
		return self

	def __exit__(self, *exc_info) -> None:
		self.release()
