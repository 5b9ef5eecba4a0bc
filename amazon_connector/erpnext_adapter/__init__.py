"""The ERPNext adapter: the sync core's ERP port (`core.ports.ErpPort`) on Frappe/ERPNext v15.

Everything here may import frappe and erpnext; nothing in `core/` may. `port.ErpNextPort` is the
entry point; it delegates to one small module per kind of record (items, customers, sales orders,
accounts, fee entries, state). None of these modules commits: the job runner commits between
batches, and `state.record_scope` wraps each record in a savepoint so one bad record's writes are
undone while the others are kept.

Besides the port: `settings` (the one reader of Amazon Settings, and what the framework-free layers
are given of it), `connection` (Test Connection) and `marketplaces` (merging Amazon's marketplace
participations into the settings).
"""
