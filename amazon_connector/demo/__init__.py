"""The demo: the whole sync against the local SP-API simulator into the in-memory preview.

Framework-free like `core/`, `spapi/` and `simulator/` (it never imports Frappe), so it runs
without a bench: `python -m amazon_connector.demo` (see `run`).
"""
