"""Task runners on tiny random-weight models built locally (real transformers code paths)."""

import torch

from powerhungry.tasks import make_runner

CPU, FP32 = torch.device("cpu"), torch.float32
TEXTS = [{"text": "this movie was great"}, {"text": "the plot made no sense and was awful"}]


def test_text_classification_predicts_a_label_per_sample(tiny_models):
    runner = make_runner("text_classification", {})
    runner.load(tiny_models["bert_sequence_classification"], CPU, FP32)
    predictions = runner.infer(TEXTS)
    assert [p.prediction in {"NEGATIVE", "POSITIVE"} for p in predictions] == [True, True]
    # Token counts are per sample, not the padded batch width.
    assert predictions[0].input_tokens < predictions[1].input_tokens
    assert all(p.output_tokens == 0 for p in predictions)


def test_text_generation_continues_each_prompt_up_to_max_new_tokens(tiny_models):
    runner = make_runner("text_generation", {"max_new_tokens": 6})
    runner.load(tiny_models["gpt2_causal_lm"], CPU, FP32)
    batched = runner.infer(TEXTS)
    one_by_one = [runner.infer([sample])[0] for sample in TEXTS]
    assert all(1 <= p.output_tokens <= 6 for p in batched)
    # Left padding: batched greedy generation equals unbatched generation.
    assert [p.prediction for p in batched] == [p.prediction for p in one_by_one]
    assert [p.input_tokens for p in batched] == [p.input_tokens for p in one_by_one]


def test_unload_drops_the_model(tiny_models):
    runner = make_runner("text_classification", {})
    runner.load(tiny_models["bert_sequence_classification"], CPU, FP32)
    runner.unload()
    assert not hasattr(runner, "model")
    assert runner.settings == {}
