"""long_lived_setup: no collection during a job's set-up, its objects frozen afterwards."""

import gc

import pytest

from powerhungry.startup import long_lived_setup


@pytest.fixture(autouse=True)
def collector_restored():
    yield
    gc.unfreeze()
    gc.enable()


def test_collector_is_off_inside_and_frozen_objects_are_kept_out_of_collections():
    gc.unfreeze()
    with long_lived_setup():
        assert not gc.isenabled()
        made_inside = [[] for _ in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(made_inside)
    # A frozen object is in no generation a collection scans.
    assert not any(made_inside[0] is obj for obj in gc.get_objects())


def test_collector_is_back_on_when_the_setup_raises():
    with pytest.raises(ImportError), long_lived_setup():
        raise ImportError("no such model code")
    assert gc.isenabled()
