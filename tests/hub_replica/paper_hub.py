"""The paper's datasets on the replica, generated from paper_datasets.yaml (a declarative
description: repo ids, old names, layouts, configs, splits and feature types)."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path
from typing import Any

import yaml
from datasets import ClassLabel, Features, Image, Sequence, Value
from PIL import Image as PILImage

from .builders import GITATTRIBUTES, dataset_info, parquet, readme
from .replica import HubReplica

DESCRIPTION = Path(__file__).with_name("paper_datasets.yaml")
EXPORT = "refs/convert/parquet"
COLORS = ["red", "green", "blue", "white", "black"]


def description() -> dict[str, Any]:
    return yaml.safe_load(DESCRIPTION.read_text())


def feature(kind: Any) -> Any:
    """The `datasets` feature of a description's type (see paper_datasets.yaml)."""
    if kind in ("string", "url"):
        return Value("string")
    if kind == "int":
        return Value("int64")
    if kind == "image":
        return Image()
    if kind == "answers":
        return {"text": Sequence(Value("string")), "answer_start": Sequence(Value("int32"))}
    if "class_label" in kind:
        return ClassLabel(names=[str(name) for name in kind["class_label"]])
    return Sequence(feature(kind["sequence"]))


def png(index: int) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (12, 9), COLORS[index % len(COLORS)]).save(buffer, format="PNG")
    return buffer.getvalue()


def value(kind: Any, column: str, index: int, labelled: bool, urls: list[str]) -> Any:
    """Row `index`'s value of a column of type `kind`."""
    if kind == "string":
        return f"{column} {index}: the energy of inference, measured one model at a time"
    if kind == "int":
        return index
    if kind == "image":
        return {"bytes": png(index), "path": None}
    if kind == "url":
        return urls[index % len(urls)]
    if kind == "answers":
        return {"text": [f"answer {index}"], "answer_start": [0]}
    if "class_label" in kind:
        return index % len(kind["class_label"]) if labelled else -1
    inner = kind["sequence"]
    return [value(inner, column, index + offset, labelled, urls) for offset in range(4)]


def split_columns(
    features: dict[str, Any], rows: int, labelled: bool, urls: list[str]
) -> dict[str, list]:
    return {
        column: [value(kind, column, i, labelled, urls) for i in range(rows)]
        for column, kind in features.items()
    }


def repo_files(
    repo_id: str, entry: dict[str, Any], rows: int, urls: list[str]
) -> dict[str, dict[str, bytes]]:
    """{branch: {path: content}} of one dataset repo as its layout has it."""
    layout = entry["layout"]
    main: dict[str, bytes] = {".gitattributes": GITATTRIBUTES}
    export: dict[str, bytes] = {".gitattributes": GITATTRIBUTES}
    cards, infos = [], []
    for config, spec in entry["configs"].items():
        features = Features({c: feature(k) for c, k in spec["features"].items()})
        infos.append(dataset_info(config, features))
        data_files = []
        for split in spec["splits"]:
            labelled = split not in entry.get("unlabelled", [])
            columns = split_columns(spec["features"], rows, labelled, urls)
            if layout == "jsonl_gz":
                path = f"{config}/c4-{split}.00000-of-00001.json.gz"
                lines = [
                    json.dumps(dict(zip(columns, row, strict=True)))
                    for row in zip(*columns.values(), strict=True)
                ]
                main[path] = gzip.compress(("\n".join(lines) + "\n").encode())
                data_files.append({"split": split, "path": f"{config}/c4-{split}.*.json.gz"})
            elif layout == "data":
                main[f"{config}/{split}-00000-of-00001.parquet"] = parquet(columns, features)
                data_files.append({"split": split, "path": f"{config}/{split}-*"})
            else:
                folder = f"partial-{split}" if entry.get("partial") else split
                export[f"{config}/{folder}/0000.parquet"] = parquet(columns, features)
        cards.append({"config_name": config, "data_files": data_files})
    if layout == "script":
        name = repo_id.split("/")[1]
        main[f"{name}.py"] = f'"""{name}: a loading script, as datasets < 4 ran."""\n'.encode()
        main["README.md"] = readme({"dataset_info": infos})
        return {"main": main, **({EXPORT: export} if entry.get("export") else {})}
    main["README.md"] = readme({"configs": cards, "dataset_info": infos})
    return {"main": main}


def publish_paper_datasets(replica: HubReplica) -> dict[str, str]:
    """Every repo of paper_datasets.yaml on `replica`; the commit of each repo's main branch.
    Image URLs (red_caps) point at PNGs the repo itself holds, the first at one it lacks (a
    dead link, as RedCaps has many)."""
    described = description()
    commits = {}
    for repo_id, entry in described["datasets"].items():
        base = f"{replica.endpoint}/datasets/{repo_id}/resolve/main/images"
        urls = [f"{base}/gone.png"] + [f"{base}/{i}.png" for i in range(described["rows"])]
        branches = repo_files(repo_id, entry, described["rows"], urls)
        if any(kind == "url" for c in entry["configs"].values() for kind in c["features"].values()):
            branches["main"].update({f"images/{i}.png": png(i) for i in range(described["rows"])})
        for branch, files in branches.items():
            sha = replica.add_dataset(
                repo_id,
                files,
                branch,
                gated=bool(entry.get("gated")),
                old_names=entry.get("old_names", []),
            )
            if branch == "main":
                commits[repo_id] = sha
    return commits
