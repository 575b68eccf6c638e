"""Parsers that misbehave on cue, for the batch extraction tests (imported by worker processes).

The file's first bytes say what to do: b"HANG" sleeps (a soft timeout stops it), b"STUCK" blocks
the alarm signal and sleeps (only the parent's hard kill stops it), b"CRASH" kills its own
process, b"HOG" allocates far beyond the memory limit; anything else parses normally.
"""

import os
import signal
import time

from gip_pipeline.extraction.parse import parse_bytes


def misbehaving_parse(data: bytes, name: str, origin: str | None = None):
    if data.startswith(b"HANG"):
        time.sleep(600)
    if data.startswith(b"STUCK"):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(600)
    if data.startswith(b"CRASH"):
        os.kill(os.getpid(), signal.SIGSEGV)
    if data.startswith(b"HOG"):
        hog = bytearray(8 * 1024 ** 3)  # over the worker's address-space limit
        return hog
    return parse_bytes(data, name, origin)


PARSER = "gip_pipeline_tests.batch_helpers:misbehaving_parse"


def slow_parse(data: bytes, name: str, origin: str | None = None):
    """parse_bytes, 0.2 s slower per file (so that a test can kill a run mid-extraction)."""
    time.sleep(0.2)
    return parse_bytes(data, name, origin)
