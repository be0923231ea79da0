import pandas as pd
import pytest
from helpers import REPO

from powerhungry.data.file_columns import LoadingScriptFolderError, local_columns


def test_columns_of_each_local_format(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"text": "x", "label": 1}\n')
    (tmp_path / "b.csv").write_text("sentence,label\nx,1\n")
    pd.DataFrame({"document": ["x"], "summary": ["y"]}).to_parquet(tmp_path / "c.parquet")
    assert local_columns(str(tmp_path / "a.jsonl")) == {"text", "label"}
    assert local_columns(str(tmp_path / "b.csv")) == {"sentence", "label"}
    assert local_columns(str(tmp_path / "c.parquet")) == {"document", "summary"}
    assert local_columns(str(tmp_path / "missing.jsonl")) is None


def test_image_folder_columns_are_the_image_and_its_metadata():
    columns = local_columns(str(REPO / "resources" / "demo" / "shapes"))
    assert {"image", "file_name", "label", "caption"} <= columns


def test_a_folder_with_only_a_loading_script_is_named_as_such(tmp_path):
    (tmp_path / "reviews.py").write_text("import datasets\n")
    (tmp_path / "README.md").write_text("a dataset\n")
    with pytest.raises(LoadingScriptFolderError, match=r"loading script \(reviews.py\) and no im"):
        local_columns(str(tmp_path))
    (tmp_path / "cats").mkdir()
    (tmp_path / "cats" / "1.png").write_bytes(b"")  # with images beside it: an image folder
    assert local_columns(str(tmp_path)) == {"image"}
