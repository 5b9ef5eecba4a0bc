"""The Frappe job runner: everything that starts, runs and records a sync, one job a module.

- `queue`: job ids and enqueueing (one sync job per account, one Test Connection job per account).
- `jobs`: the RQ entry points (`run_sync_job`, `test_connection_job`), which tell the form.
- `run`: a run of one account under its lock: the stages through `core.engine.pipeline`, with a
  sync log, a savepoint and commits around each (`SyncRun`, `run_sync`, `retry_failures`).
- `retry`: which failed records of a sync log are read again, and how.
- `commits`: the commit policy (`CommittingPort`, `commit`, savepoints).
- `sync_log`: the Amazon Sync Log of a stage, and the summaries shown to the user.
- `realtime`: progress and the final summary to the Amazon Settings form.
- `options`: how this process runs jobs (production defaults; the bench tests' switches).

Secrets are scrubbed by `spapi.redaction`, Test Connection and the marketplace merge are the
adapter's (`erpnext_adapter.connection`, `.marketplaces`), the settings are read by
`erpnext_adapter.settings`.
"""
