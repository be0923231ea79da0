"""Quality metrics (Table 7) on small inputs whose scores were computed by hand."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from powerhungry.quality import score
from powerhungry.quality.entities import to_iob2
from powerhungry.quality.sentiment import label_polarity, text_polarity
from powerhungry.quality.squad import best_f1, exact_match, normalize_answer, token_f1
from powerhungry.quality.text import normalize_word, rouge


def frames(column, references, predictions):
    """Samples 0..n-1 with `references`; predictions for the non-None entries of `predictions`."""
    samples = pd.DataFrame({"sample_index": range(len(references)), column: references})
    rows = [(i, p) for i, p in enumerate(predictions) if p is not None]
    return samples, pd.DataFrame(rows, columns=["sample_index", "prediction"])


# --- SQuAD -------------------------------------------------------------------------------


def test_squad_normalisation():
    assert normalize_answer("The  Cat's, an apple!") == "cats apple"


def test_squad_articles_and_case_are_ignored():
    assert exact_match("the Eiffel tower", "Eiffel Tower") == 1.0
    assert token_f1("the Eiffel tower", "Eiffel Tower") == 1.0


def test_squad_partial_overlap():
    # prediction eiffel tower in paris (4 tokens), reference eiffel tower (2): 2 common,
    # precision 2/4, recall 2/2, F1 = 2 * 0.5 * 1 / 1.5 = 2/3.
    assert exact_match("Eiffel Tower in Paris", "the Eiffel Tower") == 0.0
    assert token_f1("Eiffel Tower in Paris", "the Eiffel Tower") == pytest.approx(2 / 3)
    assert token_f1("Louvre", "Eiffel Tower") == 0.0


def test_squad_best_over_references():
    # "France" shares nothing; "Paris, France": precision 1/1, recall 1/2 -> 2/3.
    assert best_f1("Paris", ["France", "Paris, France"]) == pytest.approx(2 / 3)


def test_extractive_qa_score():
    samples, predictions = frames(
        "answers",
        [["Eiffel Tower"], np.array(["France", "Paris, France"]), [], {"text": ["1889"]}],
        ["the Eiffel tower", "Paris", "anything", None],
    )
    result = score("extractive_qa", "task_specific", samples, predictions)
    # Scored: 0 (EM 1, F1 1), 1 (EM 0, F1 2/3), 3 (no prediction: 0, 0); 2 has no answer.
    assert result == pytest.approx(
        {"exact_match": 1 / 3, "f1": (1 + 2 / 3) / 3, "n_scored": 3, "n_samples": 4}
    )


def test_zero_shot_qa_uses_the_same_rules():
    samples, predictions = frames("answers", [["Denver Broncos"]], ["The Denver Broncos."])
    result = score("extractive_qa", "multi_purpose", samples, predictions)
    assert result["exact_match"] == 1.0
    assert result["f1"] == 1.0


# --- ROUGE -------------------------------------------------------------------------------


def test_rouge_by_hand():
    # reference: the cat sat on the mat / prediction: the cat lay on a mat (6 tokens each).
    # ROUGE-1: clipped common unigrams the, cat, on, mat = 4 -> P = R = F = 4/6.
    # ROUGE-2: common bigram "the cat" only, 1 of 5 -> 0.2. ROUGE-L: LCS the cat on mat -> 4/6.
    scores = rouge(["the cat sat on the mat"], ["the cat lay on a mat"])
    assert scores == pytest.approx({"rouge1": 2 / 3, "rouge2": 0.2, "rougeL": 2 / 3})


def test_rouge_stems():
    # Porter stemmer: cats -> cat, running/runs -> run.
    assert rouge(["cats running"], ["cat runs"])["rouge1"] == 1.0


def test_summarization_score_means_over_samples_with_a_reference():
    samples, predictions = frames(
        "summary",
        ["the cat sat on the mat", "a dog barked", None, "  "],
        ["the cat lay on a mat", "a dog barked", "x", "y"],
    )
    result = score("summarization", "task_specific", samples, predictions)
    assert result == pytest.approx(
        {
            "rouge1": (2 / 3 + 1) / 2,
            "rouge2": (0.2 + 1) / 2,
            "rougeL": (2 / 3 + 1) / 2,
            "n_scored": 2,
            "n_samples": 4,
        }
    )


# --- Entities ----------------------------------------------------------------------------


def ner(references, predictions):
    samples, preds = frames(
        "tags", references, [None if p is None else json.dumps(p) for p in predictions]
    )
    return score("token_classification", "task_specific", samples, preds)


def test_one_of_two_entities_found():
    # 1 predicted entity, right: precision 1, recall 1/2 -> F1 2/3.
    result = ner([["B-PER", "I-PER", "O", "B-LOC"]], [["B-PER", "I-PER", "O", "O"]])
    assert result["entity_f1"] == pytest.approx(2 / 3)


def test_one_of_two_entities_right_one_wrong():
    # B-ORG is a wrong entity: precision 1/2, recall 1/2 -> 1/2.
    result = ner([["B-PER", "I-PER", "O", "B-LOC"]], [["B-PER", "I-PER", "O", "B-ORG"]])
    assert result["entity_f1"] == pytest.approx(0.5)


def test_partial_span_is_wrong():
    # strict matching: B-PER alone is not the entity B-PER I-PER.
    result = ner([["B-PER", "I-PER"]], [["B-PER", "O"]])
    assert result["entity_f1"] == 0.0


def test_entity_f1_is_micro_over_the_dataset():
    # entities: 3 expected, 2 predicted, 2 right -> P 1, R 2/3, F1 0.8. A missing prediction is
    # all O; an empty reference is not scored.
    result = ner(
        [np.array(["B-PER", "O", "B-LOC"]), ["O", "B-ORG"], [], ["O"]],
        [["B-PER", "O", "B-LOC"], None, ["B-PER"], ["O"]],
    )
    assert result == pytest.approx({"entity_f1": 0.8, "n_scored": 3, "n_samples": 4})


def test_iob1_predictions_and_lengths_are_repaired():
    assert to_iob2(["I-PER", "I-PER", "O", "I-LOC", "B-LOC", "S-ORG", "MISC"]) == [
        "B-PER",
        "I-PER",
        "O",
        "B-LOC",
        "B-LOC",
        "B-ORG",
        "B-MISC",
    ]
    assert ner([["B-PER", "I-PER", "O", "B-LOC"]], [["I-PER", "I-PER", "O", "I-LOC"]])[
        "entity_f1"
    ] == pytest.approx(1.0)
    # Shorter prediction is padded with O: P 1, R 1/2 -> 2/3; longer one truncated.
    assert ner([["B-PER", "O", "B-LOC"]], [["B-PER"]])["entity_f1"] == pytest.approx(2 / 3)
    assert ner([["B-PER"]], [["B-PER", "B-LOC"]])["entity_f1"] == pytest.approx(1.0)


def test_unparsable_prediction_is_all_o():
    samples, preds = frames("tags", [["B-PER"]], ["not json"])
    assert score("token_classification", "task_specific", samples, preds)["entity_f1"] == 0.0


# --- Sentiment ---------------------------------------------------------------------------

BINARY_TABLE = [
    ("neg", "negative"),
    ("pos", "positive"),
    ("NEGATIVE", "negative"),
    ("POSITIVE", "positive"),
    ("Neutral", "neutral"),
    ("1 star", "negative"),
    ("2 stars", "negative"),
    ("3 stars", "neutral"),
    ("4 stars", "positive"),
    ("5 stars", "positive"),
    ("LABEL_0", "negative"),
    ("LABEL_1", "positive"),
    ("LABEL_2", None),
    (0, "negative"),
    (1, "positive"),
    (np.int64(1), "positive"),
    (1.0, "positive"),
    ("1", "positive"),
    (-1, None),
    ("-1", None),
    (None, None),
    (float("nan"), None),
    (True, None),
    ("sports", None),
    ("negative or positive", None),
]


@pytest.mark.parametrize(("label", "polarity"), BINARY_TABLE)
def test_binary_label_polarity(label, polarity):
    assert label_polarity(label, three_classes=False) == polarity


@pytest.mark.parametrize(
    ("label", "polarity"),
    [("LABEL_0", "negative"), ("LABEL_1", "neutral"), ("LABEL_2", "positive"), (3, None)],
)
def test_three_class_label_polarity(label, polarity):
    assert label_polarity(label, three_classes=True) == polarity


@pytest.mark.parametrize(
    ("text", "polarity"),
    [
        ("positive", "positive"),
        ("It is positive.", "positive"),
        ("Negative", "negative"),
        ("neutral", "neutral"),
        ("a great movie", "positive"),
        ("bad", "negative"),
        ("terrible, not good", "negative"),  # the first lexicon word decides
        ("yes", None),
        ("no", None),
        ("positively", None),  # whole words only
        ("", None),
        (None, None),
    ],
)
def test_generated_text_polarity(text, polarity):
    assert text_polarity(text) == polarity


def test_text_classification_unlabeled_not_scored_none_wrong():
    # SST-2 style ints; -1 is unlabeled. Scored 0, 1, 2, 4: right, right, wrong, wrong (the
    # prediction "other" has no polarity).
    samples, predictions = frames(
        "label", [0, 1, 1, -1, 0], ["LABEL_0", "LABEL_1", "LABEL_0", "LABEL_1", "other"]
    )
    result = score("text_classification", "task_specific", samples, predictions)
    assert result == {"accuracy": 0.5, "n_scored": 4, "n_samples": 5}


def test_text_classification_three_class_labels():
    # LABEL_2 occurs among the predictions, so LABEL_1 is neutral.
    samples, predictions = frames(
        "label", ["negative", "neutral", "positive"], ["LABEL_0", "LABEL_1", "LABEL_2"]
    )
    assert score("text_classification", "task_specific", samples, predictions)["accuracy"] == 1.0
    # Three-class integer references (0/1/2), binary model: LABEL_1 is positive.
    samples, predictions = frames("label", [0, 1, 2], ["LABEL_0", "LABEL_1", "LABEL_1"])
    assert score("text_classification", "task_specific", samples, predictions)[
        "accuracy"
    ] == pytest.approx(2 / 3)


def test_text_classification_star_ratings():
    samples, predictions = frames(
        "label", ["neg", "pos", "pos", "neg"], ["1 star", "5 stars", "3 stars", "2 stars"]
    )
    result = score("text_classification", "task_specific", samples, predictions)
    assert result["accuracy"] == 0.75


def test_zero_shot_text_classification():
    # Right, right, wrong ("yes" has no polarity), wrong (no prediction at all).
    samples, predictions = frames(
        "label", ["pos", "neg", "pos", "neg"], ["It is positive.", "negative", "yes", None]
    )
    result = score("text_classification", "multi_purpose", samples, predictions)
    assert result == {"accuracy": 0.5, "n_scored": 4, "n_samples": 4}


def test_nothing_scored_gives_nan():
    samples, predictions = frames("label", [-1, -1], ["LABEL_0", "LABEL_1"])
    result = score("text_classification", "task_specific", samples, predictions)
    assert math.isnan(result["accuracy"])
    assert result["n_scored"] == 0
    assert result["n_samples"] == 2


# --- Masked words, image classes ---------------------------------------------------------


def test_normalize_word_markers():
    assert normalize_word("##Paris") == "paris"
    assert normalize_word("▁Paris") == "paris"
    assert normalize_word(" Ġparis ") == "paris"


def test_masked_language_modeling():
    samples, predictions = frames(
        "target",
        ["Paris", "paris", "capital", "city", None],
        ["▁Paris", "Ġparis", "##city", "city.", "x"],
    )
    result = score("masked_language_modeling", "task_specific", samples, predictions)
    assert result == {"accuracy_at_1": 0.5, "n_scored": 4, "n_samples": 5}
    # Generated text: surrounding punctuation is stripped too.
    result = score("masked_language_modeling", "multi_purpose", samples, predictions)
    assert result["accuracy_at_1"] == 0.75


def test_image_classification():
    samples, predictions = frames(
        "label", ["tabby cat", "Golden Retriever", None], [" Tabby Cat", "labrador", "tabby cat"]
    )
    result = score("image_classification", "task_specific", samples, predictions)
    assert result == {"accuracy": 0.5, "n_scored": 2, "n_samples": 3}


def test_image_label_sets_that_do_not_match_score_zero():
    samples, predictions = frames("label", ["cat", "dog"], ["tabby, tabby cat", "golden retriever"])
    assert score("image_classification", "task_specific", samples, predictions)["accuracy"] == 0.0


# --- Dispatch ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "task", ["text_generation", "image_generation", "object_detection", "image_captioning"]
)
def test_tasks_without_references_score_nothing(task):
    samples, predictions = frames("label", ["x"], ["x"])
    assert score(task, "task_specific", samples, predictions) == {}


def test_samples_without_reference_column_score_nothing():
    samples = pd.DataFrame({"sample_index": [0, 1], "text": ["a", "b"]})
    predictions = pd.DataFrame({"sample_index": [0, 1], "prediction": ["pos", "neg"]})
    assert score("text_classification", "task_specific", samples, predictions) == {}


def test_predictions_join_on_sample_index_not_position():
    samples = pd.DataFrame({"sample_index": [10, 20, 30], "label": ["pos", "neg", "pos"]})
    predictions = pd.DataFrame(
        {"sample_index": [99, 30, 20, 10], "prediction": ["neg", "positive", "negative", "neg"]}
    )
    result = score("text_classification", "task_specific", samples, predictions)
    assert result == pytest.approx({"accuracy": 2 / 3, "n_scored": 3, "n_samples": 3})


def test_unknown_task_and_duplicate_predictions_are_errors():
    samples, predictions = frames("label", ["pos"], ["pos"])
    with pytest.raises(ValueError, match="unknown task"):
        score("speech_recognition", "task_specific", samples, predictions)
    doubled = pd.concat([predictions, predictions])
    with pytest.raises(ValueError, match="several predictions"):
        score("text_classification", "task_specific", samples, doubled)
