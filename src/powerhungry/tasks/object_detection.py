"""Object detection: boxes above the score threshold, in the original image's pixels, as JSON.

Each image's boxes are scaled by its own size, not the batch's. Images of one size (a dataset
with `image_size`, paper: 640x480) get in a batch what they get alone. Images of different sizes
are padded to the batch's largest: DETR-family models mask the padding in their transformer
(`pixel_mask`) but not in their convolutional backbone, where it reaches a smaller image's
features near its right and bottom edges (as in DETR's own batched training and evaluation), so
their scores differ slightly from those found alone (about 1e-3 on the tiny demo model)."""

from __future__ import annotations

import json
from typing import Any

import torch
from transformers import AutoModelForObjectDetection, BatchFeature

from powerhungry.tasks.base import Prediction
from powerhungry.tasks.vision import ImageModelRunner


class ObjectDetectionRunner(ImageModelRunner):
    auto_model = AutoModelForObjectDetection

    def forward(self, inputs: BatchFeature) -> Any:
        return self.model(**inputs)

    def postprocess(self, inputs: BatchFeature, outputs: Any) -> list[Prediction]:
        sizes = torch.tensor([(image.height, image.width) for image in self.images])
        detections = self.image_processor.post_process_object_detection(
            outputs, threshold=self.settings["threshold"], target_sizes=sizes
        )
        labels = self.model.config.id2label
        predictions = []
        for found in detections:
            boxes = [
                {
                    "label": labels[int(label)],
                    "score": round(float(score), 4),
                    "box": [round(float(v), 1) for v in box],
                }
                for score, label, box in zip(
                    found["scores"], found["labels"], found["boxes"], strict=True
                )
            ]
            predictions.append(Prediction(prediction=json.dumps(boxes), output_tokens=len(boxes)))
        return predictions
