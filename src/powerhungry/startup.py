"""A job's set-up without garbage collection: its imports and set-up live as long as it does.

Python's cyclic garbage collector runs every few hundred allocations, and its full collections
scan every tracked object; while torch and transformers import, those scans find nothing to free
and cost about a fifth of the import (0.8 of 4.4 s measured on this project's 2-core CI machine,
`import torch, transformers; transformers.BertModel`). `long_lived_setup` turns the collector off
for the set-up, then freezes what it made (`gc.freeze`, moved to the permanent generation), so
later collections, such as the one that frees each repetition's model, scan only what came after.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def long_lived_setup() -> Iterator[None]:
    """Run the block with the garbage collector off; on exit freeze everything allocated so far
    and turn the collector back on (also when the block raises). Objects made in the block are
    never collected afterwards: use it for imports and set-up that last the process's lifetime,
    not for a loop that makes and drops large objects (a model loaded per repetition)."""
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()
