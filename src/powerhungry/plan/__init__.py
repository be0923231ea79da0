"""Planning a study before it runs: what each cell will cost (`estimate`), from the paper's own
logs (`paper_logs`) scaled to a GPU class (`gpu_classes`), what each measurement job asks the
cluster for, and the cells split into shorter jobs (`shards`). Modules are imported on use: a
measurement job needs only `shards`."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from powerhungry.plan.estimate import PlanSettings


class PlanSettingsError(ValueError):
    """A `plan:` setting the study cannot run with, named with its fix."""


def plan_settings(config: Mapping[str, Any]) -> PlanSettings:
    """The `plan` of a config that `study_from_config` validated (its schema defaults are
    filled in there) as PlanSettings, each measurement job's start-up including the protocol's
    idle baseline (`idle_seconds`). Raises PlanSettingsError for a GPU class without figures
    (`gpu_classes.UnknownGpuClassError`) and for a cap or safety factor that is not finite."""
    from powerhungry.plan.estimate import PlanSettings
    from powerhungry.plan.gpu_classes import gpu_class
    from powerhungry.plan.shards import JOB_OVERHEAD_S

    plan = config["plan"]
    for name in ("max_job_hours", "safety_factor"):
        # JSON Schema's bounds let NaN and infinity through (every comparison with NaN is false).
        if not math.isfinite(plan[name]):
            raise PlanSettingsError(f"plan.{name}: {plan[name]!r} is not a finite number")
    return PlanSettings(
        gpu=gpu_class(plan["gpu_class"]),
        max_job_hours=float(plan["max_job_hours"]),
        safety_factor=float(plan["safety_factor"]),
        startup_s=JOB_OVERHEAD_S + float(config["protocol"]["idle_seconds"]),
    )
