"""Finding young people's names in text meant for people who must never read one.

The governors' report carries text written by people (the DSL's section, the reviews'
"policies to update"): before it is exported, every young person's name of the school is
looked for in it. A name is found as a whole phrase or by any of its parts of three letters or
more, as a whole word, whatever the case: "Amelia", "HART" and "Amelia Hart" are all found
for Amelia Hart. A common word that is also a name is found too; the DSL rewords it.
"""

import re
from collections.abc import Iterable

MIN_PART = 3


def _parts(name: str) -> list[str]:
    words = [w for w in re.split(r"[^\w'’-]+", name) if len(w) >= MIN_PART]
    whole = " ".join(name.split())
    return [whole, *words] if whole else words


def names_in(text: str, names: Iterable[str]) -> list[str]:
    """The names of ``names`` (as recorded) that ``text`` holds, in full or in part."""
    found = []
    for name in names:
        for part in _parts(name):
            pattern = r"(?<![\w])" + re.escape(part) + r"(?![\w])"
            if re.search(pattern, text, flags=re.IGNORECASE):
                found.append(name)
                break
    return sorted(set(found))
