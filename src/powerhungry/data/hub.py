"""How datasets are named and versioned on today's Hugging Face Hub.

The Hub moved its canonical datasets (bare ids such as `imdb`) under organisations, and the pinned
libraries no longer follow the old names: datasets 5.2 builds `hf://datasets/imdb@<sha>/...` from
the id as given and huggingface_hub 2.4 rejects it ("Repository id must be 'namespace/name'")
before the Hub's redirect is asked (shared/notes/hub-audit-2026-11.md, F1). A study names
today's repository; its `id` keeps the paper's name for the tables.

Datasets whose main branch holds only a loading script (which datasets 4 and later refuse to run)
are read from the parquet export the Hub's dataset viewer keeps on another branch (F2).
"""

from __future__ import annotations

# The paper's bare dataset ids and the repositories they live in today (hub audit 2026-11,
# section 1; the entries the audit could not verify against the live Hub are marked so in
# config/config.yaml, and preflight checks them). The one copy of this table.
RENAMED_DATASETS: dict[str, str] = {
    "imdb": "stanfordnlp/imdb",
    "sst2": "stanfordnlp/sst2",
    "rotten_tomatoes": "cornell-movie-review-data/rotten_tomatoes",
    "conll2003": "eriktks/conll2003",
    "super_glue": "aps/super_glue",
    "wikiann": "unimelb-nlp/wikiann",
    "squad": "rajpurkar/squad",
    "squad_v2": "rajpurkar/squad_v2",
    "sciq": "allenai/sciq",
    "bookcorpus": "bookcorpus/bookcorpus",
    "c4": "allenai/c4",
    "oscar": "oscar-corpus/oscar",
    "wikitext": "Salesforce/wikitext",
    "cnn_dailymail": "abisee/cnn_dailymail",
    "samsum": "Samsung/samsum",
    "xsum": "EdinburghNLP/xsum",
    "cifar10": "uoft-cs/cifar10",
    "cifar100": "uoft-cs/cifar100",
    "imagenet-1k": "ILSVRC/imagenet-1k",
    "cppe-5": "rishitdagli/cppe-5",
    "visual_genome": "ranjaykrishna/visual_genome",
    "red_caps": "kdexd/red_caps",
}

# The branch holding the dataset viewer's parquet export: `{config}/{split}/NNNN.parquet` (a
# large split's first ~5 GB as `partial-{split}`), and nothing else but .gitattributes (the
# viewer's commit deletes the rest: dataset-viewer, job_runners/config/parquet_and_info.py).
# datasets 5.2 reads it like any other branch (load.py, HubDatasetModuleFactory): no README, so
# no `configs:` metadata, so the whole branch is one config named `default` whose files are found
# by datasets' split patterns (`partial-train` counts as train). An original config is therefore
# selected with `data_dir: <config>`; `name=<config>` fails ("BuilderConfig '<config>' not
# found. Available: ['default']"), and without data_dir every config's rows are mixed.
PARQUET_EXPORT = "refs/convert/parquet"


def is_namespaced(hub_id: str) -> bool:
    namespace, _, name = hub_id.partition("/")
    return bool(namespace and name)


def namespaced_id_hint(bare_id: str) -> str:
    """What to write instead of a bare id: its known new home, or where to find it."""
    renamed = RENAMED_DATASETS.get(bare_id)
    if renamed is not None:
        return f"it lives at {renamed!r} today: use hub: {renamed}"
    return "use hub: namespace/name as shown on the dataset's Hub page"
