"""Amazon Selling Partner API access: credentials, endpoints, pacing, retries, pagination.

Nothing in this package imports Frappe; it returns Amazon's payloads as plain dicts shaped as in
Amazon's published models.
"""
