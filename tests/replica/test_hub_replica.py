"""The unmodified Hugging Face clients against the Hub replica (tests/hub_replica), over real
HTTP on 127.0.0.1: what they need of today's Hub, and what they do with gated, renamed, missing
repos. Client code runs in child processes pointed at the replica by HF_ENDPOINT."""

from __future__ import annotations

import os
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import SECRET_TOKEN
from hub_replica import HubReplica, run_client
from hub_replica.builders import (
    parquet_dataset,
    script_dataset,
    tiny_diffusion_pipeline,
    tiny_model,
)
from hub_replica.store import RepoStore

pytestmark = pytest.mark.replica

IMDB = "stanfordnlp/imdb"
CONLL = "eriktks/conll2003"
SUPER_GLUE = "aps/super_glue"
MODEL = "distilbert/tiny-sst2"
PIPELINE = "stable-diffusion-v1-5/tiny-sd"
GATED_MODEL = "meta-llama/tiny-gated"
GATED_DATASET = "ILSVRC/tiny-gated"
PARQUET_EXPORT = "refs/convert/parquet"
IMDB_TEST_FILE = "plain_text/test-00000-of-00001.parquet"
# What a v5 client needs of the tiny model repo; the repo also has pytorch_model.bin,
# flax_model.msgpack, tf_model.h5 and model.onnx.
MODEL_FILES = ["config.json", "model.safetensors", "tokenizer_config.json", "vocab.txt"]


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes | Path]:
    """The files of the tiny model repo."""
    return tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes | Path]:
    """The files of the tiny Stable Diffusion repo."""
    return tiny_diffusion_pipeline(tmp_path_factory.mktemp("tiny-sd"))


@pytest.fixture(scope="module")
def shas(
    hub_replica: HubReplica, model: dict[str, bytes | Path], pipeline: dict[str, bytes | Path]
) -> dict[str, str]:
    """The repos of this module, published once; their commit shas by repo (and export)."""
    conll, conll_export = script_dataset("conll2003", config="conll2003")
    super_glue, boolq_export = script_dataset("super_glue", config="boolq")
    _, record_export = script_dataset("super_glue", config="record")
    return {
        IMDB: hub_replica.add_dataset(IMDB, parquet_dataset(), old_names=["imdb", "old-org/imdb"]),
        CONLL: hub_replica.add_dataset(CONLL, conll),
        f"{CONLL}@export": hub_replica.add_dataset(CONLL, conll_export, PARQUET_EXPORT),
        SUPER_GLUE: hub_replica.add_dataset(SUPER_GLUE, super_glue),
        f"{SUPER_GLUE}@export": hub_replica.add_dataset(
            SUPER_GLUE, {**boolq_export, **record_export}, PARQUET_EXPORT
        ),
        MODEL: hub_replica.add_model(MODEL, model, old_names=["tiny-sst2", "old-org/tiny-sst2"]),
        GATED_MODEL: hub_replica.add_model(GATED_MODEL, model, gated=True),
        PIPELINE: hub_replica.add_model(PIPELINE, pipeline),
        GATED_DATASET: hub_replica.add_dataset(GATED_DATASET, parquet_dataset(), gated=True),
    }


@pytest.fixture
def replica(hub_replica: HubReplica, shas: dict[str, str]) -> Iterator[HubReplica]:
    """The replica with this module's repos and an empty log; the test fails if a client asked
    for something the replica does not serve."""
    hub_replica.clear_log()
    yield hub_replica
    assert hub_replica.problems() == []


@pytest.fixture
def env(replica: HubReplica, tmp_path: Path) -> dict[str, str]:
    """The replica's client environment with an empty cache: every file is downloaded anew."""
    return {**replica.env, "HF_HOME": str(tmp_path / "hf-home")}


def test_parquet_dataset_loads_streaming_and_in_full(replica: HubReplica, env: dict) -> None:
    result = run_client(
        f"""
        import json, datasets
        streamed = datasets.load_dataset("{IMDB}", "plain_text", split="test", streaming=True)
        rows = list(streamed.take(2))
        loaded = datasets.load_dataset("{IMDB}", "plain_text", split="test")
        print(json.dumps([rows, loaded[:], loaded.features["label"].names]))
        """,
        env,
    )
    assert result == [
        [{"text": "great movie", "label": 1}, {"text": "terrible film", "label": 0}],
        {"text": ["great movie", "terrible film", "not bad"], "label": [1, 0, 1]},
        ["neg", "pos"],
    ]
    # Streaming reads parquet by byte ranges (HfFileSystem), which the replica answers 206.
    ranged = [r for r in replica.requests if r.status == 206]
    assert {r.file for r in ranged} == {IMDB_TEST_FILE}


def test_script_dataset_loads_only_from_its_parquet_export(
    replica: HubReplica, env: dict, shas: dict[str, str]
) -> None:
    result = run_client(
        f"""
        import json, datasets
        def load(**kwargs):
            try:
                return datasets.load_dataset(split="test", **kwargs).num_rows
            except Exception as e:
                return str(e)
        export = "{PARQUET_EXPORT}"
        main = load(path="{CONLL}")
        conll = datasets.load_dataset("{CONLL}", split="test", revision=export)
        print(json.dumps({{
            "main": main,
            "configs": datasets.get_dataset_config_names("{CONLL}", revision=export),
            "rows": conll[:]["label"],
            "labels": conll.features["label"].names,
            "script config": load(path="{CONLL}", name="conll2003", revision=export),
            "main once cached": load(path="{CONLL}"),
            "merged rows": load(path="{SUPER_GLUE}", revision=export),
            "data_dir rows": load(path="{SUPER_GLUE}", data_dir="record", revision=export),
        }}))
        """,
        env,
    )
    assert result["main"] == "Dataset scripts are no longer supported, but found conll2003.py"
    # The export has no README: one config, "default", whatever the script called it.
    assert result["configs"] == ["default"]
    assert result["script config"] == "BuilderConfig 'conll2003' not found. Available: ['default']"
    assert result["rows"] == [1, 0, 1]
    assert result["labels"] == ["neg", "pos"]  # ClassLabel from the parquet schema metadata
    # Once the export is in the cache, datasets answers the script error on main with the
    # cached module (load.py:1170): main "loads", silently from the export.
    assert result["main once cached"] == 3
    # Two configs in the export: "default" holds both configs' rows; data_dir picks one.
    assert result["merged rows"] == 6
    assert result["data_dir rows"] == 3
    export_sha = shas[f"{CONLL}@export"]
    assert f"/datasets/{CONLL}/resolve/{export_sha}/conll2003/test/0000.parquet" in {
        r.path for r in replica.requests if r.method == "GET"
    }


def test_repo_info_reports_commit_sha_and_files(
    replica: HubReplica, env: dict, shas: dict[str, str], model: dict[str, bytes | Path]
) -> None:
    result = run_client(
        f"""
        import json
        from huggingface_hub import HfApi, HfFileSystem
        api = HfApi()
        info = api.model_info("{MODEL}", files_metadata=True)
        paths = api.get_paths_info(
            "{IMDB}", ["README.md", "plain_text", "missing.txt"], repo_type="dataset"
        )
        parquet = HfFileSystem().info("datasets/{IMDB}/{IMDB_TEST_FILE}", refresh=True)
        print(json.dumps({{
            "model": info.sha,
            "model@main": api.model_info("{MODEL}", revision="main").sha,
            "model@sha": api.model_info("{MODEL}", revision=info.sha).sha,
            "dataset": api.dataset_info("{CONLL}").sha,
            "dataset@export": api.dataset_info("{CONLL}", revision="{PARQUET_EXPORT}").sha,
            "card": api.dataset_info("{IMDB}").card_data["configs"][0]["config_name"],
            "files": {{s.rfilename: [s.size, s.lfs is not None] for s in info.siblings}},
            "paths": [[type(p).__name__, p.path] for p in paths],
            "parquet": [parquet["type"], parquet["size"]],
        }}))
        """,
        env,
    )
    assert result["model"] == result["model@main"] == result["model@sha"] == shas[MODEL]
    assert result["dataset"] == shas[CONLL]
    assert result["dataset@export"] == shas[f"{CONLL}@export"] != shas[CONLL]
    assert result["card"] == "plain_text"
    weights_size = Path(model["model.safetensors"]).stat().st_size
    assert result["files"]["model.safetensors"] == [weights_size, True]
    assert result["files"]["config.json"][1] is False
    assert result["paths"] == [["RepoFile", "README.md"], ["RepoFolder", "plain_text"]]
    assert result["parquet"] == ["file", len(parquet_dataset()[IMDB_TEST_FILE])]
    assert {r.path for r in replica.requests} >= {
        f"/api/models/{MODEL}",
        f"/api/datasets/{CONLL}/revision/{PARQUET_EXPORT}",
        f"/api/datasets/{IMDB}/paths-info/main",
    }


def test_snapshot_download_fetches_only_allowed_files(replica: HubReplica, env: dict) -> None:
    result = run_client(
        f"""
        import json, os
        from huggingface_hub import snapshot_download
        folder = snapshot_download("{MODEL}", allow_patterns=["*.json", "*.safetensors", "*.txt"])
        print(json.dumps(sorted(os.listdir(folder))))
        """,
        env,
    )
    assert result == MODEL_FILES
    assert sorted(replica.downloaded(MODEL)) == MODEL_FILES


def test_transformers_loads_model_and_tokenizer(replica: HubReplica, env: dict) -> None:
    result = run_client(
        f"""
        import json
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
        model = AutoModelForSequenceClassification.from_pretrained("{MODEL}")
        tokenizer = AutoTokenizer.from_pretrained("{MODEL}")
        logits = model(**tokenizer("a great film", return_tensors="pt")).logits
        print(json.dumps([type(model).__name__, list(logits.shape), model.config.id2label]))
        """,
        env,
    )
    assert result == [
        "DistilBertForSequenceClassification",
        [1, 2],
        {"0": "NEGATIVE", "1": "POSITIVE"},
    ]
    assert sorted(replica.downloaded(MODEL)) == MODEL_FILES


def test_diffusers_loads_pipeline(
    replica: HubReplica, env: dict, pipeline: dict[str, bytes | Path]
) -> None:
    result = run_client(
        f"""
        import json
        from diffusers import DiffusionPipeline
        pipeline = DiffusionPipeline.from_pretrained("{PIPELINE}")
        loaded = sorted(name for name, part in pipeline.components.items() if part is not None)
        print(json.dumps([type(pipeline).__name__, loaded]))
        """,
        env,
    )
    assert result == [
        "StableDiffusionPipeline",
        [
            "feature_extractor",
            "safety_checker",
            "scheduler",
            "text_encoder",
            "tokenizer",
            "unet",
            "vae",
        ],
    ]
    assert sorted(replica.downloaded(PIPELINE)) == sorted(pipeline)


GATED_CLIENT = f"""
    import json, os, datasets
    from huggingface_hub import hf_hub_download, snapshot_download
    def model(download):
        try:
            return download()
        except Exception as e:
            return [type(e).__name__, e.response.status_code]
    def dataset():
        try:
            return datasets.load_dataset("{GATED_DATASET}", "plain_text", split="test").num_rows
        except Exception as e:
            return [type(e).__name__, str(e)]
    print(json.dumps([
        model(lambda: open(hf_hub_download("{GATED_MODEL}", "config.json")).read()[:1]),
        model(lambda: os.listdir(snapshot_download("{GATED_MODEL}", allow_patterns="config.json"))),
        dataset(),
    ]))
    """
GATED_DATASET_ERROR = f"Dataset '{GATED_DATASET}' is a gated dataset on the Hub."
NOT_AUTHENTICATED = f"{GATED_DATASET_ERROR} You must be authenticated to access it."
NOT_AUTHORIZED = (
    f"{GATED_DATASET_ERROR} Visit the dataset page at "
    f"https://huggingface.co/datasets/{GATED_DATASET} to ask for access."
)


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        (None, [*[["GatedRepoError", 401]] * 2, ["DatasetNotFoundError", NOT_AUTHENTICATED]]),
        (
            "hf_notAccepted",
            [*[["GatedRepoError", 403]] * 2, ["DatasetNotFoundError", NOT_AUTHORIZED]],
        ),
        (SECRET_TOKEN, ["{", ["config.json"], 3]),
    ],
    ids=["no-token", "token-not-accepted", "accepted-token"],
)
def test_gated_repo_is_served_only_with_an_accepted_token(
    replica: HubReplica, env: dict, token: str | None, expected: list
) -> None:
    # datasets turns the client's GatedRepoError (401 or 403) into a DatasetNotFoundError.
    assert run_client(GATED_CLIENT, {**env, "HF_TOKEN": token} if token else env) == expected


def test_renamed_repo_redirects_to_its_new_name(replica: HubReplica, env: dict) -> None:
    result = run_client(
        """
        import json, datasets
        from huggingface_hub import HfApi, hf_hub_download
        bare_dataset = None
        try:
            datasets.load_dataset("imdb", "plain_text", split="test")
        except Exception as e:
            bare_dataset = [type(e).__name__, str(e)]
        print(json.dumps({
            "model id": HfApi().model_info("old-org/tiny-sst2").id,
            "bare model file": open(hf_hub_download("tiny-sst2", "config.json")).read()[:1],
            "dataset rows": datasets.load_dataset("old-org/imdb", "plain_text")["test"].num_rows,
            "bare dataset": bare_dataset,
        }))
        """,
        env,
    )
    assert result["model id"] == MODEL
    assert result["bare model file"] == "{"
    assert result["dataset rows"] == 3
    # datasets 5.2 builds hf:// paths from the id as given; huggingface_hub 2.4 refuses a bare
    # one before asking the Hub, so the redirect of a legacy dataset name is never reached.
    assert result["bare dataset"][0] == "HfUriError"
    assert "Repository id must be 'namespace/name', got 'imdb'" in result["bare dataset"][1]
    redirected = [r for r in replica.requests if r.status == 307]
    assert {r.path.split("/resolve/")[0] for r in redirected} >= {
        "/api/models/old-org/tiny-sst2",
        "/tiny-sst2",
        "/datasets/old-org/imdb",
        "/datasets/imdb",
    }


def test_missing_revision_repo_and_file_raise_the_hub_errors(env: dict) -> None:
    result = run_client(
        f"""
        import json
        from huggingface_hub import HfApi, hf_hub_download
        def error(load):
            try:
                load()
            except Exception as e:
                return [type(e).__name__, e.response.status_code]
        api = HfApi()
        print(json.dumps([
            error(lambda: api.model_info("{MODEL}", revision="v9")),
            error(lambda: hf_hub_download("{MODEL}", "config.json", revision="v9")),
            error(lambda: api.model_info("distilbert/missing")),
            error(lambda: api.dataset_info("{IMDB}-missing")),
            error(lambda: hf_hub_download("distilbert/missing", "config.json")),
            error(lambda: hf_hub_download("{MODEL}", "missing.json")),
        ]))
        """,
        env,
    )
    assert result == [
        ["RevisionNotFoundError", 404],
        ["RevisionNotFoundError", 404],
        # Without a token the Hub answers 401 for a repo it cannot show, as for a private one.
        ["RepositoryNotFoundError", 401],
        ["RepositoryNotFoundError", 401],
        ["RepositoryNotFoundError", 401],
        ["RemoteEntryNotFoundError", 404],
    ]


def test_file_answers_carry_hub_headers_and_byte_ranges(
    replica: HubReplica, shas: dict[str, str], model: dict[str, bytes | Path]
) -> None:
    url = f"{replica.endpoint}/{MODEL}/resolve/main/model.safetensors"
    with urllib.request.urlopen(urllib.request.Request(url, method="HEAD")) as answer:
        headers = answer.headers
    size = Path(model["model.safetensors"]).stat().st_size
    assert headers["X-Repo-Commit"] == shas[MODEL]
    assert headers["X-Linked-Size"] == headers["Content-Length"] == str(size)
    assert headers["ETag"] == headers["X-Linked-Etag"] and len(headers["ETag"]) == 66
    assert headers["Accept-Ranges"] == "bytes"
    content = urllib.request.urlopen(url).read()
    spans = {"2-5": content[2:6], f"{size - 4}-": content[-4:], "-3": content[-3:]}
    for span, expected in spans.items():
        request = urllib.request.Request(url, headers={"Range": f"bytes={span}"})
        with urllib.request.urlopen(request) as answer:
            assert (answer.status, answer.read()) == (206, expected)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(urllib.request.Request(url, headers={"Range": f"bytes={size}-"}))
    assert refused.value.code == 416


def test_unserved_endpoint_is_a_loud_404(hub_replica: HubReplica, shas: dict[str, str]) -> None:
    hub_replica.clear_log()
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{hub_replica.endpoint}/api/models/{MODEL}/refs")
    assert refused.value.code == 404
    assert f"does not implement GET /api/models/{MODEL}/refs" in refused.value.read().decode()
    assert [r.problem for r in hub_replica.problems()] == ["not implemented"]
    hub_replica.clear_log()


def test_commit_sha_depends_only_on_content(tmp_path: Path) -> None:
    store = RepoStore(tmp_path)
    files = {"a.txt": b"a", "data/b.parquet": b"b"}
    first = store.write("dataset", "org/one", files)
    assert store.write("dataset", "org/two", dict(reversed(files.items()))) == first
    assert store.write("dataset", "org/one", {**files, "a.txt": b"A"}) != first
    assert len(first) == 40 and set(first) <= set("0123456789abcdef")


def test_sampling_names_the_dataset_when_the_hub_cannot_be_reached(tmp_path):
    # No server on that port: the transport's own error (not an OSError) becomes the dataset's.
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    message = run_client(
        """
        import json
        from powerhungry.data.sampling import DatasetSourceError, resolve_commit
        from powerhungry.study import DatasetSpec
        spec = DatasetSpec(id="imdb", task="text_classification", split="test", samples=1,
                           fields={"text": "text"}, hub="stanfordnlp/imdb")
        try:
            resolve_commit(spec)
        except DatasetSourceError as error:
            print(json.dumps(str(error)))
        """,
        {
            **os.environ,
            "HF_ENDPOINT": f"http://127.0.0.1:{port}",
            "HF_HUB_OFFLINE": "0",
            "HF_HOME": str(tmp_path),
        },
    )
    assert message.startswith("dataset 'imdb': cannot resolve the default branch of")
    assert "ConnectError" in message
