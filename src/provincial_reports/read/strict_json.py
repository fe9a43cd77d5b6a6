"""JSON that says each thing once. Python's json module keeps the last of two equal keys in an
object ({"workers_hardship": 228197, "workers_hardship": 22819} reads as 22819, and a document with
two "rows" arrays as its second): which one the sender meant cannot be told, so such a document is
refused, with the key named."""

from __future__ import annotations

import json


class RepeatedKey(ValueError):
    """A key given twice in one JSON object; the message says which, in English and Chinese."""

    def __init__(self, key: str) -> None:
        super().__init__(
            f"the JSON gives the key '{key}' twice in one object, so which value is meant cannot be told "
            f"(JSON的同一对象中键“{key}”重复出现，无法确定以哪个值为准)"
        )
        self.key = key


def _once_each(pairs: list[tuple[str, object]]) -> dict:
    found: dict = {}
    for key, value in pairs:
        if key in found:
            raise RepeatedKey(key)
        found[key] = value
    return found


def loads(text: str) -> object:
    """json.loads, refusing an object with a repeated key (RepeatedKey); other errors as json.loads."""
    return json.loads(text, object_pairs_hook=_once_each)
