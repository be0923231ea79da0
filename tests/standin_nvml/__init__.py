"""A node of stand-in NVIDIA GPUs for tests on machines without them (standin_nvml.c): the real
pynvml and CodeCarbon load it as the driver's NVML and see GPUs that each draw a constant power,
GPU k 100 x (k + 1) W, so which GPUs a measurement counted is read off its energy.

NVML is found by the dynamic loader when a process starts (LD_LIBRARY_PATH), so the GPUs are
seen by processes started with `environment`, never by the test process itself.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

SOURCE = Path(__file__).with_name("standin_nvml.c")


def power_w(index: int) -> float:
    """The power (W) stand-in GPU `index` draws, always (the library's default)."""
    return 100.0 * (index + 1)


def build(folder: Path) -> Path:
    """Compile the library (libnvidia-ml.so.1) into `folder`, beside an `nvidia-smi` that
    answers CodeCarbon's `nvidia-smi --help` probe; return `folder`. Needs a C compiler."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        raise RuntimeError("no C compiler (cc) to build the stand-in NVML: apt-get install gcc")
    folder.mkdir(parents=True, exist_ok=True)
    flags = ["-shared", "-fPIC", "-Wall", "-Werror", "-Wl,-soname,libnvidia-ml.so.1"]
    subprocess.run(
        [compiler, *flags, "-o", str(folder / "libnvidia-ml.so.1"), str(SOURCE)], check=True
    )
    smi = folder / "nvidia-smi"
    smi.write_text("#!/bin/sh\necho 'stand-in NVML node (tests/standin_nvml)'\n")
    smi.chmod(0o755)
    return folder


def environment(folder: Path, gpus: int, cuda_visible_devices: str | None) -> dict[str, str]:
    """This process's environment for a process that sees `gpus` stand-in GPUs (built in
    `folder`) and CUDA_VISIBLE_DEVICES as given (None: unset, as on a node nobody narrowed)."""
    env = {
        **os.environ,
        "LD_LIBRARY_PATH": os.pathsep.join(
            p for p in (str(folder), os.environ.get("LD_LIBRARY_PATH")) if p
        ),
        "PATH": f"{folder}{os.pathsep}{os.environ['PATH']}",
        "STANDIN_NVML_GPUS": str(gpus),
    }
    env.pop("CUDA_VISIBLE_DEVICES", None)
    if cuda_visible_devices is not None:
        env["CUDA_VISIBLE_DEVICES"] = cuda_visible_devices
    return env
