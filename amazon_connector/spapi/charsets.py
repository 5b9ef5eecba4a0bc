"""Charset names as Amazon puts them in a report download's Content-Type, and Python's codecs for them.

Kept free of python-amazon-sp-api so that the simulator encodes its documents with exactly the codec
the client decodes them with.
"""

from __future__ import annotations

import codecs

# Java charset names Python does not know by that name; Amazon's Japanese files say Windows-31J.
_JAVA_CHARSETS = {"windows-31j": "cp932", "x-sjis": "shift_jis", "ms932": "cp932", "sjis": "shift_jis"}


def python_codec(charset: str) -> str:
	"""The Python codec name for a charset from a Content-Type header; unknown names pass through."""
	name = charset.strip().lower()
	if name in _JAVA_CHARSETS:
		return _JAVA_CHARSETS[name]
	try:
		return codecs.lookup(name).name
	except LookupError:
		return charset


def charset_of(content_type: str | None) -> str | None:
	"""The `charset` parameter of a Content-Type header (`text/plain; charset=Cp1252` -> `Cp1252`)."""
	if not content_type:
		return None
	for part in content_type.split(";")[1:]:
		name, _, value = part.strip().partition("=")
		if name.strip().lower() == "charset" and value.strip():
			return value.strip().strip('"').strip("'")
	return None
