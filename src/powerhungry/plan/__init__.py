"""Planning a study before it runs: what each cell will cost (`estimate`), from the paper's own
logs (`paper_logs`) scaled to a GPU class (`gpu_classes`), what each measurement job asks the
cluster for, and the cells split into shorter jobs (`shards`). Modules are imported on use: a
measurement job needs only `shards`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from powerhungry.plan.estimate import PlanSettings


class PlanSettingsError(ValueError):
    """A `plan:` setting the study cannot run with, named with its fix."""


def plan_settings(config: Mapping[str, Any]) -> PlanSettings:
    """The `plan` of a config that `study_from_config` validated (its schema defaults are
    filled in there) as PlanSettings. Raises PlanSettingsError for a GPU class without figures
    (`gpu_classes.UnknownGpuClassError`) and for a max_job_hours too short for the idle-power
    job (protocol.idle_seconds and a job's start-up, times safety_factor)."""
    from powerhungry.plan.estimate import PlanSettings
    from powerhungry.plan.gpu_classes import gpu_class
    from powerhungry.plan.shards import JOB_OVERHEAD_S

    plan = config["plan"]
    settings = PlanSettings(
        gpu=gpu_class(plan["gpu_class"]),
        max_job_hours=float(plan["max_job_hours"]),
        safety_factor=float(plan["safety_factor"]),
    )
    idle_seconds = float(config["protocol"]["idle_seconds"])
    needed_h = (JOB_OVERHEAD_S + idle_seconds) * settings.safety_factor / 3600
    if needed_h > settings.max_job_hours:
        raise PlanSettingsError(
            f"plan.max_job_hours {settings.max_job_hours:g} is shorter than the idle-power job "
            f"(protocol.idle_seconds {idle_seconds:g} and {JOB_OVERHEAD_S} s of start-up, times "
            f"safety_factor {settings.safety_factor:g}: {needed_h:.2f} h): shorten "
            "protocol.idle_seconds or raise plan.max_job_hours"
        )
    return settings
