"""Errors the adapter raises for one record; the message names the record and what to do."""

from __future__ import annotations


class AdapterError(Exception):
	"""A record ERPNext cannot hold as drafted (missing set-up, inconsistent data, ...).

	The sync core catches it per record, logs the message with the Amazon id and goes on.
	"""

	# Its message is written for the user, so the sync log shows it without the class name.
	user_facing = True
