"""Token classification (NER, POS, ...): one tag per word, from the word's first sub-token.

The text is split on whitespace into words (the paper joined dataset tokens with spaces). Words
cut off by truncation get the tag "O" and the prediction is flagged truncated.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import torch
from transformers import AutoModelForTokenClassification, BatchEncoding

from powerhungry.tasks.base import Prediction, Sample
from powerhungry.tasks.text import TextModelRunner

OUTSIDE = "O"


class TokenClassificationRunner(TextModelRunner):
    auto_model = AutoModelForTokenClassification

    def preprocess(self, samples: Sequence[Sample]) -> BatchEncoding:
        words = [str(sample["text"]).split() or [""] for sample in samples]
        inputs = self.tokenize(words, is_split_into_words=True)
        self.batch_words = words
        self.batch_word_ids = [inputs.word_ids(i) for i in range(len(words))]
        return inputs.to(self.device)

    def forward(self, inputs: BatchEncoding) -> torch.Tensor:
        return self.model(**inputs).logits

    def postprocess(self, inputs: BatchEncoding, outputs: torch.Tensor) -> list[Prediction]:
        labels = self.model.config.id2label
        predictions = []
        for words, word_ids, token_labels, length in zip(
            self.batch_words,
            self.batch_word_ids,
            outputs.argmax(dim=-1).tolist(),
            self.input_lengths(inputs),
            strict=True,
        ):
            tags = [OUTSIDE] * len(words)
            seen: set[int] = set()
            for word_id, label in zip(word_ids, token_labels, strict=False):
                if word_id is not None and word_id not in seen:
                    seen.add(word_id)
                    tags[word_id] = labels[int(label)]
            predictions.append(
                Prediction(
                    prediction=json.dumps(tags),
                    input_tokens=length,
                    output_tokens=len(words),
                    truncated=len(seen) < len(words),
                )
            )
        return predictions
