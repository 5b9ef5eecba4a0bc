"""Job ids and enqueueing: one sync job per account (whatever its stages), one connection test.

A second press (or a scheduler tick) while a job of the account is queued or running is refused,
not queued behind it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone

import frappe
from frappe import _
from frappe.utils.background_jobs import generate_qname, get_job, get_workers, is_job_enqueued
from rq.job import JobStatus

from ..core.engine.pipeline import UnknownStage, ordered_stages
from ..locks import current_holder
from .options import OPTIONS

# RQ kills a job that runs longer than its timeout. A first backfill of a large seller reads many
# order windows at Amazon's searchOrders rate (one page every three minutes after the burst).
JOB_TIMEOUT = 6 * 3600
# A run takes the account's lock within moments of starting; a started job without it for this long died.
DEAD_JOB_AFTER = 60
TEST_CONNECTION_TIMEOUT = 120

RUN_SYNC_JOB = "amazon_connector.runner.jobs.run_sync_job"
NOTIFICATIONS_JOB = "amazon_connector.runner.jobs.notifications_job"
# A scheduled drain ends when the queue is empty, at the latest before the next tick queues another.
NOTIFICATIONS_SECONDS = 240
# RQ kills a job past its timeout: a drain gets its seconds, one more long poll and a batch's booking.
NOTIFICATIONS_GRACE = 60
TEST_CONNECTION_JOB = "amazon_connector.runner.jobs.test_connection_job"


def sync_job_id(account: str) -> str:
	return f"amazon_connector:sync:{account}"


def test_job_id(account: str) -> str:
	return f"amazon_connector:test_connection:{account}"


def stages_in_order(stages: Iterable[str]) -> list[str]:
	"""The requested stages in the order a run keeps; an unknown one is refused with a message."""
	try:
		return ordered_stages(stages)
	except UnknownStage as exc:
		frappe.throw(_("Unknown sync kind(s): {0}").format(", ".join(exc.stages)))
		raise  # frappe.throw raised already; this tells the type checker


def enqueue_sync(
	account: str, stages: Iterable[str], *, triggered_by: str = "manual", after_commit: bool = False, **kwargs
) -> bool:
	"""Queue one sync job for the account. False when one is already queued or running.
	`after_commit`: queue it once the caller's transaction commits (a document event's, so that the
	job sees the document)."""
	forget_dead_sync_job(account)
	return _enqueue_once(
		RUN_SYNC_JOB,
		sync_job_id(account),
		JOB_TIMEOUT,
		after_commit=after_commit,
		account=account,
		stages=stages_in_order(stages),
		triggered_by=triggered_by,
		**kwargs,
	)


def notifications_job_id(account: str, worker: str = "") -> str:
	return f"amazon_connector:notifications:{account}" + (f":{worker}" if worker else "")


def enqueue_notifications(account: str, *, worker: str = "", seconds: float = NOTIFICATIONS_SECONDS) -> bool:
	"""Queue a drain of the account's notification queue (`worker` names one more of several that
	drain it side by side: SQS gives each message to one of them). False when it is already queued."""
	return _enqueue_once(
		NOTIFICATIONS_JOB,
		notifications_job_id(account, worker),
		int(seconds) + NOTIFICATIONS_GRACE,
		account=account,
		seconds=seconds,
	)


def enqueue_test_connection(account: str) -> bool:
	"""Queue a connection test of the account. False when one is already queued or running."""
	return _enqueue_once(TEST_CONNECTION_JOB, test_job_id(account), TEST_CONNECTION_TIMEOUT, account=account)


def forget_dead_sync_job(account: str) -> bool:
	"""Delete the account's sync job when RQ still calls it started but its worker is gone (killed, the
	machine lost): a run holds the account's lock from its first moment, so a job started more than
	`DEAD_JOB_AFTER` seconds ago whose account lock is free (it expires `locks.LOCK_TTL` after the
	heartbeat stops) is not running. Left alone, RQ would keep it "started" until the job timeout (six
	hours) and refuse every sync of the account meanwhile. True when a job was forgotten."""
	job = get_job(sync_job_id(account))
	if job is None or job.get_status() != JobStatus.STARTED or current_holder(account) is not None:
		return False
	started = job.started_at
	if started is None or (datetime.now(timezone.utc) - _aware(started)).total_seconds() < DEAD_JOB_AFTER:
		return False
	job.delete()
	return True


def is_sync_running(account: str) -> bool:
	return bool(is_job_enqueued(sync_job_id(account)) or current_holder(account))


def has_worker(queue: str = "long") -> bool:
	"""Whether a background worker listens to the queue the jobs go to; without one, a job waits in
	the queue for ever. True when Redis cannot say (the question must never break the form)."""
	try:
		wanted = generate_qname(queue)
		return any(wanted in worker.queue_names() for worker in get_workers())
	except Exception:
		return True


def _aware(moment: datetime) -> datetime:
	return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)  # RQ keeps UTC


def _enqueue_once(method: str, job_id: str, timeout: int, *, after_commit: bool = False, **kwargs) -> bool:
	# frappe.enqueue(deduplicate=True) also refuses a second job, but silently; this check lets the
	# caller tell the user (a race between the check and the enqueue is still deduplicated).
	if is_job_enqueued(job_id):
		return False
	frappe.enqueue(
		method,
		queue="long",
		timeout=timeout,
		job_id=job_id,
		deduplicate=True,
		now=OPTIONS.jobs_in_process,
		enqueue_after_commit=after_commit,
		**kwargs,
	)
	return True
