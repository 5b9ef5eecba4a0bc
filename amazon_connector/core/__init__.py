"""The sync core: decides what to do with Amazon's payloads. No Frappe, no HTTP in here."""
