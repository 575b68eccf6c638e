"""A file's time limit grows while it is read: each page the OCR starts on asks for more time.

ocr.page_blocks calls `ocr_page_started()`; whoever set the limit (batch.extract_one) listens
and moves its deadline. The allowance is granted as the pages come rather than estimated
before reading: the estimate loaded every PDF's text layer a second time, a tenth of a
born-digital PDF's extraction, to learn that no page needed OCR.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

_listeners: list[Callable[[], None]] = []


def ocr_page_started() -> None:
    for listener in list(_listeners):
        listener()


@contextmanager
def on_ocr_page(listener: Callable[[], None]) -> Iterator[None]:
    _listeners.append(listener)
    try:
        yield
    finally:
        _listeners.remove(listener)
