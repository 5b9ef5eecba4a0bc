"""Existing installs book Amazon's money from Finances 2024-06-19 from where their v0 feed stopped."""

from amazon_connector.erpnext_adapter.cutover import switch_all


def execute():
	switch_all()
