"""settle_heap: the collector tuned once per process, after a server's start-up."""

import gc
from collections.abc import Iterator

import pytest

from siantar_shared import heap


@pytest.fixture
def fresh_collector(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A process that has not settled yet; the collector's thresholds and frozen objects restored after."""
    thresholds = gc.get_threshold()
    monkeypatch.setattr(heap, "_settled", False)
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_freezes_the_start_up_heap_and_runs_the_young_pass_less_often(fresh_collector: None) -> None:
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    heap.settle_heap()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (heap.YOUNG_THRESHOLD, 10, 10)


def test_only_once_per_process(fresh_collector: None) -> None:
    heap.settle_heap()
    frozen = gc.get_freeze_count()
    kept = [[index] for index in range(1000)]  # what a later start (a test's next app) builds
    gc.set_threshold(700, 10, 10)
    heap.settle_heap()
    assert gc.get_freeze_count() == frozen  # left to the collector
    assert gc.get_threshold() == (700, 10, 10)
    assert len(kept) == 1000
