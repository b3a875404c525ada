"""Word-level diffs between wordings, for amendments and the version history."""

import difflib
import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# A word, or one punctuation mark, with its trailing white space: joining the tokens gives back
# the text, and "materials." against "materials;" changes only the mark, not the word.
_TOKENS = re.compile(r"\w+\s*|[^\w\s]\s*|\s+")


def word_diff(old: str, new: str) -> SafeString:
    """HTML of `new` against `old`: removed words in <del>, added words in <ins>.

    Tokens are compared without their trailing white space, so that a word followed by a full
    stop in one wording and by a space in the other is still the same word."""
    a, b = _TOKENS.findall(old or ""), _TOKENS.findall(new or "")
    matcher = difflib.SequenceMatcher(
        None, [t.strip() for t in a], [t.strip() for t in b], autojunk=False
    )
    parts = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(escape("".join(b[j1:j2])))
            continue
        if op in ("delete", "replace"):
            parts.append(f"<del>{escape(''.join(a[i1:i2]))}</del>")
        if op in ("insert", "replace"):
            parts.append(f"<ins>{escape(''.join(b[j1:j2]))}</ins>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text is escaped above
