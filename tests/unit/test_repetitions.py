"""The stopping rule of fixed and adaptive repetitions, on synthetic series."""

import math

import pytest

from powerhungry.measure.repetitions import enough_repetitions, halfwidth_95
from powerhungry.study import Protocol


def protocol(repetitions, max_repetitions=None, target=None):
    return Protocol(
        batch_size=1,
        repetitions=repetitions,
        warmup_inferences=0,
        measure_power_secs=1,
        carbon_intensity="USA",
        device="cpu",
        dtype="float32",
        max_repetitions=max_repetitions,
        target_relative_halfwidth=target,
    )


def test_halfwidth_is_the_student_t_interval():
    # mean 2, sample std 1, n 3: t(0.975, 2) = 4.302653 -> 4.302653 / sqrt(3)
    assert halfwidth_95([1.0, 2.0, 3.0]) == pytest.approx(4.302653 / math.sqrt(3), rel=1e-6)
    assert math.isnan(halfwidth_95([1.0]))


def test_fixed_repetitions_stop_exactly_at_r():
    fixed = protocol(3)
    assert [enough_repetitions([1.0] * n, fixed) for n in range(5)] == [
        False,
        False,
        False,
        True,
        True,
    ]


def test_adaptive_stops_when_the_interval_is_narrow():
    adaptive = protocol(3, max_repetitions=20, target=0.02)
    steady = [1.00, 1.01, 0.99]  # half-width 2.5% of the mean at n=3
    assert not enough_repetitions(steady, adaptive)
    assert enough_repetitions([*steady, 1.00, 1.005, 0.995], adaptive)  # 0.7% at n=6


def test_adaptive_never_stops_before_the_minimum_and_always_at_the_maximum():
    adaptive = protocol(3, max_repetitions=5, target=0.02)
    assert not enough_repetitions([1.0, 1.0], adaptive)  # zero spread, but n < 3
    assert enough_repetitions([1.0, 1.0, 1.0], adaptive)
    noisy = [1.0, 2.0, 0.5, 3.0]
    assert not enough_repetitions(noisy, adaptive)
    assert enough_repetitions([*noisy, 1.5], adaptive)  # max_repetitions reached
