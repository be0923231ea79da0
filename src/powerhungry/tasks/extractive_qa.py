"""Extractive question answering: the best-scoring context span, as SQuAD pipelines choose it.

Question and context are encoded as a pair; only the context is truncated. The answer is the
span (start <= end, at most MAX_ANSWER_TOKENS tokens) with the highest start + end logit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from transformers import AutoModelForQuestionAnswering, BatchEncoding

from powerhungry.tasks.base import Prediction, Sample
from powerhungry.tasks.text import TextModelRunner

MAX_ANSWER_TOKENS = 30


class ExtractiveQARunner(TextModelRunner):
    auto_model = AutoModelForQuestionAnswering

    def preprocess(self, samples: Sequence[Sample]) -> BatchEncoding:
        self.contexts = [str(sample["context"]) for sample in samples]
        encoded = self.tokenizer(
            [str(sample["question"]) for sample in samples],
            self.contexts,
            padding=True,
            truncation="only_second",
            max_length=self.max_length,
            return_offsets_mapping=True,
            return_tensors="pt",
        )
        self.offsets = encoded.pop("offset_mapping")
        self.in_context = [
            [sequence == 1 for sequence in encoded.sequence_ids(i)] for i in range(len(samples))
        ]
        return encoded.to(self.device)

    def forward(self, inputs: BatchEncoding) -> Any:
        return self.model(**inputs)

    def postprocess(self, inputs: BatchEncoding, outputs: Any) -> list[Prediction]:
        predictions = []
        for i, length in enumerate(self.input_lengths(inputs)):
            in_context = torch.tensor(self.in_context[i], device=outputs.start_logits.device)
            start = outputs.start_logits[i].float().masked_fill(~in_context, float("-inf"))
            end = outputs.end_logits[i].float().masked_fill(~in_context, float("-inf"))
            scores = start[:, None] + end[None, :]
            allowed = torch.ones_like(scores, dtype=torch.bool).triu()
            allowed &= ~torch.ones_like(allowed).triu(diagonal=MAX_ANSWER_TOKENS)
            scores = scores.masked_fill(~allowed, float("-inf"))
            first, last = divmod(int(scores.argmax()), scores.shape[1])
            begin, finish = int(self.offsets[i][first][0]), int(self.offsets[i][last][1])
            predictions.append(
                Prediction(
                    prediction=self.contexts[i][begin:finish],
                    input_tokens=length,
                    output_tokens=last - first + 1,
                    truncated=self.truncated(length),
                )
            )
        return predictions
