"""The workspace's HTML blocks: per block, the folder beside this module holding its block.html,
block.js and block.css. install.py keeps the Custom HTML Block records in step with them on every
install and migrate (Frappe does not sync that DocType from an app's folders)."""

from __future__ import annotations

import os

HERE = os.path.dirname(__file__)

# Block name (the Custom HTML Block record and the workspace's label) -> its folder.
BLOCKS = {"Amazon Accounts at a Glance": "accounts_at_a_glance"}


def block_parts(folder: str) -> dict[str, str]:
	"""The Custom HTML Block fields of one block, from its files."""
	parts = {}
	for field, file in (("html", "block.html"), ("script", "block.js"), ("style", "block.css")):
		with open(os.path.join(HERE, folder, file), encoding="utf-8") as f:
			parts[field] = f.read()
	return parts
