"""Per-cell tables from a cell's files: lengths.csv counts what was measured as it was."""

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from helpers import DEGENERATE_TEXTS

from powerhungry.analysis.cell_tables import CellFiles, is_blank, length_table
from powerhungry.measure.cell_files import PREDICTIONS_SCHEMA


def cell_files(tmp_path, task, samples, predictions):
    pq.write_table(pa.Table.from_pylist(samples), tmp_path / f"{task}.samples.parquet")
    table = pa.Table.from_pylist(predictions, schema=PREDICTIONS_SCHEMA)
    pq.write_table(table, tmp_path / f"{task}.predictions.parquet")
    return CellFiles(
        task=task,
        model="org/model",
        model_kind="task_specific",
        dataset="rows",
        samples=str(tmp_path / f"{task}.samples.parquet"),
        predictions=str(tmp_path / f"{task}.predictions.parquet"),
    )


def test_blank_text_is_whitespace_and_invisible_characters_only():
    blank = [text for text in DEGENERATE_TEXTS if is_blank(text)]
    assert blank == ["", "   ", "\u200b\u200b", "\n\t"]
    assert not is_blank("\u200bword") and not is_blank("🙂")


def test_lengths_count_blank_inputs_per_cell_and_leave_images_empty(tmp_path):
    texts = [
        {"sample_index": i, "text": text} for i, text in enumerate([*DEGENERATE_TEXTS, "fine"])
    ]
    answers = [{"sample_index": i, "prediction": "x", "input_tokens": 2} for i in range(7)]
    qa = [  # extractive QA reads two roles: a sample is blank only if both are
        {"sample_index": 0, "question": " ", "context": "\u200b"},
        {"sample_index": 1, "question": "", "context": "a context"},
        {"sample_index": 2, "question": None, "context": ""},  # samples sampled before as_text
    ]
    images = [{"sample_index": 0, "image": {"bytes": b"png", "path": None}}]
    cells = [
        cell_files(tmp_path, "text_classification", texts, answers),
        cell_files(tmp_path, "extractive_qa", qa, answers[:3]),
        cell_files(tmp_path, "image_classification", images, answers[:1]),
    ]
    table = length_table(cells).set_index("task")
    assert table.loc["text_classification", "n_blank_inputs"] == 4
    assert table.loc["extractive_qa", "n_blank_inputs"] == 2
    assert pd.isna(table.loc["image_classification", "n_blank_inputs"])  # no text: not counted
