"""The GPU kit's wheel list against this environment: complete, pinned, one version each."""

import re
from importlib import metadata
from pathlib import Path

from helpers import REPO
from packaging.requirements import Requirement

KIT = REPO / "benchmarks" / "gpu"


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path) -> dict[str, str]:
    """name -> version of every `name==version` line (comments stripped)."""
    found: dict[str, str] = {}
    for line in path.read_text().splitlines():
        requirement = line.split("#")[0].strip()
        if requirement:
            name, version = requirement.split("==")
            assert normalized(name) not in found, f"{name} listed twice in {path.name}"
            found[normalized(name)] = version
    return found


def not_carried() -> set[str]:
    names = set()
    for line in (KIT / "wheels.txt").read_text().splitlines():
        if line.startswith("# not carried:"):
            listed = line.removeprefix("# not carried:").split("(")[0]
            names |= {normalized(n.strip()) for n in listed.split(",")}
    return names


def runtime_closure() -> set[str]:
    """requirements.txt and everything it needs, as installed here (no extras)."""
    roots = [
        Requirement(line.split("#")[0]).name
        for line in (REPO / "requirements.txt").read_text().splitlines()
        if line.split("#")[0].strip()
    ]
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = normalized(todo.pop())
        if name in seen:
            continue
        seen.add(name)
        for line in metadata.distribution(name).requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return seen


def test_carried_wheels_are_this_projects_versions():
    for name, version in pins(KIT / "wheels.txt").items():
        assert metadata.version(name) == version, f"{name}: wheels.txt {version}, installed here"


def test_every_runtime_dependency_is_on_the_gpu_machine_or_carried():
    on_machine = set(pins(KIT / "gpu-machine.txt"))
    carried = set(pins(KIT / "wheels.txt"))
    uncovered = runtime_closure() - on_machine - carried - not_carried()
    assert not uncovered, f"neither on the GPU machine nor in wheels.txt: {sorted(uncovered)}"


def test_only_pinned_packages_are_carried_over_the_machines_own():
    pinned_over = {
        normalized(line.split("==")[0])
        for line in (KIT / "wheels.txt").read_text().splitlines()
        if "# pin" in line
    }
    both = set(pins(KIT / "wheels.txt")) & set(pins(KIT / "gpu-machine.txt"))
    assert both == pinned_over
