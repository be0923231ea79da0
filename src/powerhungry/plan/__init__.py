"""Planning a study before it runs: what each cell will cost (`estimate`), from the paper's own
logs (`paper_logs`) scaled to a GPU class (`gpu_classes`), and what each measurement job asks
the cluster for."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from powerhungry.plan.estimate import PlanSettings
from powerhungry.plan.gpu_classes import gpu_class


def plan_settings(config: Mapping[str, Any]) -> PlanSettings:
    """The `plan` of a config that `study_from_config` validated (its schema defaults are
    filled in there) as PlanSettings; raises UnknownGpuClassError (a ValueError) for a GPU
    class without figures."""
    plan = config["plan"]
    return PlanSettings(
        gpu=gpu_class(plan["gpu_class"]),
        max_job_hours=float(plan["max_job_hours"]),
        safety_factor=float(plan["safety_factor"]),
    )
