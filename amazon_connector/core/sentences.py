"""One full stop at the end of a message built from other messages.

Reasons come from many places (Amazon's errors as `user_message` sentences, ERPNext's validation
messages, exception texts): some end with a full stop and some do not. A message that ends with a
reason, or puts one before a sentence of its own, takes it through `sentence`, so that it never reads
"try again.." nor stops without one.
"""

from __future__ import annotations

# Ends a sentence already: a full stop (an ellipsis too), a question or an exclamation mark.
_ENDINGS = (".", "!", "?", "\u2026")


def sentence(text: str) -> str:
	"""`text` ending in exactly the full stop it needs: one is added only when it has none of its own
	(trailing spaces dropped); an empty text stays empty."""
	text = (text or "").rstrip()
	if not text or text.endswith(_ENDINGS):
		return text
	return text + "."
