"""The measurement jobs a workflow run makes of a study's cells: which cells are split into
shards (`split`), what each job asks the cluster for (`cell_resources`, `shard_resources`), and
the plan of those very jobs (`rows`: plan.csv, `powerhungry plan`). One JobPlan per process:
each cell's estimate is made once, however many jobs, resources and shards ask for it.

Relative paths: run in the workflow's folder.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from powerhungry.plan.estimate import (
    CellEstimate,
    PlanSettings,
    cell_shards,
    job_resources,
    plan_cell,
    preflight_downloads,
)
from powerhungry.plan.shards import (
    Shard,
    ShardingError,
    covers,
    hours_text,
    read_layout,
    write_layout,
)
from powerhungry.study import Cell, Study

# task, model slug, dataset slug, scenario suffix ("" or "@<name>"): the workflow's wildcards
CellKey = tuple[str, str, str, str]
# Model download sizes from the preflight table of an earlier run or of `powerhungry
# preflight` (a run's own onstart check comes after its jobs are planned).
PREFLIGHT_TABLE = Path("results/preflight.csv")


def cell_key(cell: Cell) -> CellKey:
    """The cell's wildcards: task, model slug, dataset slug, scenario suffix."""
    return cell.task, cell.model.slug, cell.dataset.slug, cell.scenario.suffix


def cell_name(key: CellKey) -> str:
    """A cell key as its files name it: task/model/dataset[@scenario]."""
    return "/".join(key[:3]) + key[3]


def layout_path(cell: Cell) -> Path:
    """Where a split cell's shards are recorded: results/shards/<cell>/layout.json."""
    return Path(cell.result_path("shards", "")) / "layout.json"


class NoSuchShardError(KeyError):
    """A shard file named for a shard its cell does not have."""

    def __str__(self) -> str:
        return str(self.args[0])


class JobPlan:
    """A study's measurement jobs under `settings` (the config's `plan`).

    Cells are split from estimates without their own rows (a measured cell would otherwise move
    between rules); a whole cell's job asks for its estimate with them (`plan_cell`'s
    `own_rows`)."""

    def __init__(self, study: Study, settings: PlanSettings) -> None:
        self.study = study
        self.settings = settings
        self._fresh: dict[CellKey, CellEstimate] = {}
        self._estimates: dict[tuple[CellKey, bool], CellEstimate] = {}

    @cached_property
    def _downloads(self) -> dict[str, int]:
        return preflight_downloads(PREFLIGHT_TABLE)

    def _unsplit(self, cell: Cell) -> CellEstimate:
        """The cell's estimate without its own rows, split as its rates would split it now."""
        key = cell_key(cell)
        if key not in self._fresh:
            self._fresh[key] = plan_cell(
                cell, self.study, self.settings, self._downloads, own_rows=False
            )
        return self._fresh[key]

    def estimate(self, cell: Cell, own_rows: bool) -> CellEstimate:
        """The cell's estimate (`plan_cell`) as the jobs it runs as (`shards`), made once per
        process."""
        key = cell_key(cell), own_rows
        if key not in self._estimates:
            self._estimates[key] = plan_cell(
                cell,
                self.study,
                self.settings,
                self._downloads,
                own_rows,
                layout=self.shards(key[0]),
            )
        return self._estimates[key]

    def rows(self, own_rows: bool = True) -> list[CellEstimate]:
        """Every cell's estimate as the jobs the workflow makes of it (recorded layouts kept, a
        cell measured whole kept whole), in the study's order; where plan.max_job_hours is too
        short for some cells, as they would split, each too-short one saying so (`problem`,
        `min_job_hours`)."""
        try:
            self.shards(cell_key(self.study.cells[0]))  # splits every cell, or raises
        except ShardingError:
            return [
                plan_cell(cell, self.study, self.settings, self._downloads, own_rows)
                for cell in self.study.cells
            ]
        return [self.estimate(cell, own_rows) for cell in self.study.cells]

    @cached_property
    def split(self) -> dict[CellKey, list[Shard]]:
        """{cell key: [Shard, ...]} of the cells too long for one job. What was measured keeps
        its jobs: a cell with shards measured keeps the shards recorded then (its layout.json,
        `record_layouts`) while they cover its samples and repetitions, and a cell measured
        whole stays whole, whatever the estimates or the cap say now (moving either would
        measure it again); `rows` says where those jobs no longer fit the cap. Every other cell
        is split from its estimate without its own rows, a layout recorded for it (by a run
        stopped before its shards) notwithstanding.

        Raises ShardingError, naming plan.max_job_hours and the shortest cap that holds them
        all, if the cap is too short for some cells."""
        split, too_short = {}, []
        protocol = self.study.protocol
        for cell in self.study.cells:
            shards_measured = any(layout_path(cell).parent.glob("[0-9]*.csv"))
            if shards_measured:
                recorded = read_layout(layout_path(cell))
                if recorded and covers(recorded, protocol.repetitions, cell.dataset.samples):
                    split[cell_key(cell)] = recorded
                    continue
            elif Path(cell.result_path("measurements", ".csv")).is_file():
                continue  # measured whole
            try:
                shards = cell_shards(self._unsplit(cell), cell, self.settings)
            except ShardingError as error:
                too_short.append(error.smallest_hours)
                continue
            if shards:
                split[cell_key(cell)] = shards
        if too_short:
            hours = max(too_short)
            raise ShardingError(
                f"plan.max_job_hours {self.settings.max_job_hours:g} is shorter than the "
                f"smallest job of {len(too_short)} cell{'s' * (len(too_short) > 1)} (start-up "
                f"{self.settings.startup_s:g} s, protocol.idle_seconds "
                f"{protocol.idle_seconds:g} s of it, and one repetition, or one load, warm-up "
                "and one inference twice for a retry; times safety_factor): raise it to at "
                f"least {hours_text(hours)} (powerhungry plan lists them)",
                hours,
            )
        return split

    def shards(self, key: CellKey) -> list[Shard]:
        """The cell's shards; [] for a cell one job holds."""
        return self.split.get(key, [])

    def shard(self, key: CellKey, name: str) -> Shard:
        """The shard of the cell named `name` (its zero-padded index); NoSuchShardError naming
        the cell's shards otherwise."""
        shards = self.shards(key)
        index = int(name)
        if index < len(shards):
            return shards[index]
        raise NoSuchShardError(
            f"no shard {name} of {cell_name(key)}: the cell is "
            + (f"split into {len(shards)} (0000-{len(shards) - 1:04d})" if shards else "not split")
            + "; name the files of its current shards (results/shards/.../layout.json)"
        )

    def cell_resources(self, cell: Cell, attempt: int) -> dict[str, int]:
        """A whole cell's job's `runtime` (min) and `mem_mb` (MB) from its estimate, its own
        rows included: a model not in the paper's logs is sized once an earlier run prepared it
        or preflight gave its download size; until then its job asks for the cap."""
        estimate = self.estimate(cell, own_rows=True)
        seconds = None if estimate.gpu_hours is None else estimate.gpu_hours * 3600
        return job_resources(seconds, estimate.host_memory_gb, self.settings, attempt)

    def shard_resources(self, cell: Cell, name: str, attempt: int) -> dict[str, int]:
        """A shard's job's `runtime` and `mem_mb`: its estimated duration and its cell's
        memory, as `split` planned them; the cap where the cell has no estimate now (a
        recorded layout outlives the estimate it was made from)."""
        estimate = self.estimate(cell, own_rows=False)
        shard = self.shard(cell_key(cell), name)
        seconds = (
            None
            if estimate.load_s is None or estimate.query_s_per_inference is None
            else shard.seconds(
                estimate.load_s,
                estimate.query_s_per_inference,
                self.study.protocol.warmup_inferences,
                self.settings.startup_s,
            )
        )
        return job_resources(seconds, estimate.host_memory_gb, self.settings, attempt)

    def record_layouts(self) -> None:
        """Record each split cell's shards (layout.json) before its jobs run."""
        for cell in self.study.cells:
            shards = self.shards(cell_key(cell))
            if shards and read_layout(layout_path(cell)) != shards:
                write_layout(layout_path(cell), shards)
