"""Shared fixtures: a schema-validated demo config, tiny models, the demo run, the Hub replica.
Everything else tests share is in helpers.py (and, for the replica, in hub_replica/)."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

if "PYTEST_XDIST_WORKER" in os.environ:
    # Each `make test` worker its own temp folder, for itself and the processes it starts, set
    # before anything imports powerhungry: the machine-wide CPU measurement lease
    # (powerhungry.measure.gpus.LEASES) lives there, and would otherwise make one worker's
    # workflow runs queue for the other's measurement windows, as two runs on one real machine
    # must. Within a worker, runs share the lease as they would on a machine of their own.
    os.environ["TMPDIR"] = tempfile.mkdtemp(
        prefix=f"powerhungry-{os.environ['PYTEST_XDIST_WORKER']}-"
    )
    atexit.register(shutil.rmtree, os.environ["TMPDIR"], ignore_errors=True)
    tempfile.tempdir = None  # gettempdir() reads TMPDIR again

from helpers import REPO, SECRET_TOKEN, copy_workflow, run_snakemake, validated
from hub_replica import HubReplica

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")


# `make test` runs every tier on two pytest-xdist workers (`-n 2`, xdist's default `--dist load`,
# which pytest_xdist_make_scheduler below replaces): one module at a time on each, so that
# module-scoped fixtures are built once, the longest modules first. The modules that read the demo
# run (demo_run, a session-scoped minute of work; paths from the repository root) go to one worker
# together, so it runs once. Other `--dist` modes are xdist's own and run the demo once per worker.
DEMO_RUN_READERS = frozenset(
    {
        "tests/workflow/test_archive.py",
        "tests/workflow/test_concurrent_aggregation.py",
        "tests/workflow/test_demo_workflow.py",
    }
)
# The tiers by how long their modules take, longest first: the SLURM module waits on its cluster
# for minutes, so it starts at once beside the rest.
LONGEST_FIRST = ("slurm", "workflow", "replica", "browser", "slow")


def module_of(nodeid: str, rootpath: Path) -> str:
    """A test's module, from its node id (relative to `rootpath`, pytest's rootdir), as a path
    from the repository root: tests/unit/test_x.py::test_y -> tests/unit/test_x.py."""
    return (rootpath / nodeid.split("::", 1)[0]).resolve().relative_to(REPO).as_posix()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test that reads demo_run fails, before the demo runs, unless its module is one of
    DEMO_RUN_READERS (else `-n` would run the demo on each worker); a failure, not a usage
    error, so that xdist reports it."""
    if "demo_run" not in item.fixturenames:
        return
    module = module_of(item.nodeid, item.config.rootpath)
    if module not in DEMO_RUN_READERS:
        pytest.fail(f"{module} reads demo_run: add {module!r} to conftest.DEMO_RUN_READERS")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Modules in LONGEST_FIRST order of their slowest tier; each module's tests stay in order."""

    def rank(item: pytest.Item) -> int:
        tiers = [
            LONGEST_FIRST.index(mark.name)
            for mark in item.iter_markers()
            if mark.name in LONGEST_FIRST
        ]
        return min(tiers, default=len(LONGEST_FIRST))

    module = {item.nodeid: module_of(item.nodeid, config.rootpath) for item in items}
    ranks: dict[str, int] = {}
    for item in items:
        ranks[module[item.nodeid]] = min(
            ranks.get(module[item.nodeid], len(LONGEST_FIRST)), rank(item)
        )
    items.sort(key=lambda item: ranks[module[item.nodeid]])


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook: absent under `-p no:xdist`
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """`pytest -n N` (xdist's default `--dist load`) schedules by module here, in collection
    order (pytest_collection_modifyitems's), the readers of demo_run as one module; another
    `--dist` is left to xdist. Uses xdist's LoadScopeScheduling (pinned in
    requirements-dev.txt), its `_split_scope` and `loadscopereorder` option."""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ByModule(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = module_of(nodeid, config.rootpath)
            return "demo_run" if module in DEMO_RUN_READERS else module

    config.option.loadscopereorder = False  # read by LoadScopeScheduling.schedule
    return ByModule(config, log)


@pytest.fixture
def demo_config() -> dict:
    """config/demo.yaml with the schema's defaults filled in, as the workflow sees it."""
    return validated(yaml.safe_load((REPO / "config" / "demo.yaml").read_text()))


TINY_LABELS = {
    "bert_token_classification": ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"],
    "vit_image_classification": ["circle", "square"],
    "detr_object_detection": ["circle", "square"],
}


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every tiny architecture, built once per test session, by architecture name."""
    from powerhungry.models.tiny import BUILDERS, build_tiny_model

    root = tmp_path_factory.mktemp("tiny-models")
    built = {}
    for architecture in BUILDERS:
        settings = {
            "architecture": architecture,
            "hidden_size": 32,
            "num_layers": 2,
            "labels": TINY_LABELS.get(architecture, ["NEGATIVE", "POSITIVE"]),
            "seed": 0,
        }
        build_tiny_model(settings, root / architecture)
        built[architecture] = root / architecture
    return built


@pytest.fixture
def config_only(tiny_models: dict[str, Path], tmp_path: Path):
    """A copy of a tiny model's directory with configs and tokenizer but no weights, as
    architecture-only mode downloads it: `config_only(architecture)` -> the directory."""

    def strip(architecture: str) -> Path:
        target = tmp_path / architecture
        shutil.copytree(tiny_models[architecture], target)
        for weights in target.rglob("*.safetensors"):  # diffusers: one folder per component
            weights.unlink()
        return target

    return strip


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo study run once, for real, in a fresh copy of the workflow."""
    workdir = copy_workflow(tmp_path_factory.mktemp("demo") / "workflow")
    result = run_snakemake(workdir, "--profile", "profiles/demo", env={"HF_TOKEN": SECRET_TOKEN})
    assert result.returncode == 0, result.stderr[-5000:]
    return workdir


@pytest.fixture(scope="session")
def hub_replica(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubReplica]:
    """A Hugging Face Hub replica on 127.0.0.1 (tests/hub_replica), empty until tests add repos
    (`add_model`, `add_dataset`); its gated repos are served to SECRET_TOKEN. Client code runs in
    child processes started with `hub_replica.env`."""
    with HubReplica(tmp_path_factory.mktemp("hub-replica"), [SECRET_TOKEN]) as replica:
        yield replica


@pytest.fixture(scope="session")
def standin_gpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The stand-in NVML library and nvidia-smi (tests/standin_nvml), built once per session:
    pass `standin_nvml.environment(standin_gpus, ...)` to a process that should see GPUs."""
    import standin_nvml

    return standin_nvml.build(tmp_path_factory.mktemp("standin-nvml"))
