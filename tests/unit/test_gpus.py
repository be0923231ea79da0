"""GPU leases: concurrent measurement jobs on one machine never share a GPU."""

import multiprocessing
import os
import time

import pytest

from powerhungry.measure import gpus
from powerhungry.measure.gpus import GpuLeaseTimeout, gpu_lease, measurement_gpu, own_gpu


def hold(candidates, leases, seconds, started, results):
    # A separate process, as a measurement job is: locks are per open file, across processes.
    with gpu_lease(candidates, leases) as gpu:
        results.put((os.getpid(), gpu, time.monotonic()))
        started.set()
        time.sleep(seconds)
        # Stamped before the lock is let go: a waiter that gets it is always later than this.
        results.put((os.getpid(), "released", time.monotonic()))


@pytest.mark.slow
def test_two_jobs_get_two_gpus_and_a_third_waits_for_one(tmp_path):
    context = multiprocessing.get_context("fork")
    results, started = context.Queue(), [context.Event() for _ in range(2)]
    holders = [
        context.Process(target=hold, args=(["0", "1"], tmp_path, 2.0, started[i], results))
        for i in range(2)
    ]
    for holder in holders:
        holder.start()
    assert all(event.wait(30) for event in started)
    with gpu_lease(["0", "1"], tmp_path) as third:
        acquired = time.monotonic()
    for holder in holders:
        holder.join(30)
    events = [results.get(timeout=5) for _ in range(4)]
    leased = [gpu for _, gpu, _ in events if gpu != "released"]
    assert sorted(leased) == ["0", "1"]  # the two concurrent jobs: one GPU each
    first_release = min(t for _, gpu, t in events if gpu == "released")
    assert third in ("0", "1") and acquired >= first_release  # the third waited for one


@pytest.mark.slow
def test_a_lease_that_never_frees_times_out(tmp_path):
    with gpu_lease(["0"], tmp_path), pytest.raises(GpuLeaseTimeout, match=r"no free GPU"):  # noqa: SIM117
        with gpu_lease(["0"], tmp_path, wait_s=1):
            pass


def test_the_leased_gpu_is_the_only_one_the_job_sees(tmp_path, monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2,3")
    with gpu_lease(["2"], tmp_path), own_gpu(gpus.visible_gpus(), tmp_path) as gpu:
        assert gpu == "3" and os.environ["CUDA_VISIBLE_DEVICES"] == "3"


def test_no_lease_on_the_cpu_or_under_slurm(monkeypatch):
    monkeypatch.setattr(gpus, "own_gpu", lambda candidates: pytest.fail("leased"))
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    with measurement_gpu("cpu"):
        pass
    monkeypatch.setenv("SLURM_JOB_ID", "42")
    with measurement_gpu("cuda"):
        pass


def test_cpu_measurements_take_turns_and_gpu_ones_hold_their_gpu_already(tmp_path):
    # Another CPU measurement (here: the same lease asked again) waits for this one.
    with (
        gpus.measuring_alone("cpu", tmp_path),
        pytest.raises(GpuLeaseTimeout),
        gpu_lease(["cpu"], tmp_path, wait_s=0.5),
    ):
        pass
    with gpus.measuring_alone("cpu", tmp_path), gpus.measuring_alone("cuda", tmp_path):
        pass  # a GPU job takes no CPU lease
