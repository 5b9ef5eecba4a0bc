"""The sync core: decides what to do with Amazon's payloads. No Frappe, no HTTP in here.

It reads Amazon through the source port (`sources.AmazonSource`) and writes the ERP through the ERP
port (`ports.ErpPort`); see docs/architecture.md.
"""
