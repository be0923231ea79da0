"""Sentiment polarity of a label or of generated text: negative, neutral, positive or None.

Both a classifier's label and the dataset's reference are mapped to a polarity; a prediction is
correct when the two polarities are equal. A prediction with polarity None is incorrect; a
reference with polarity None (e.g. SST-2's unlabeled test split, label -1) is not scored.

Labels (task-specific models, and every reference), first rule that applies:

1. A class index: a plain int ``k`` (or an int-valued float / digit string) or ``"LABEL_k"``.
   Binary unless index 2 occurs in the same column (the predictions, or the references):
   binary ``0 -> negative, 1 -> positive``; three-class ``0 -> negative, 1 -> neutral,
   2 -> positive``. Any other index (e.g. -1, or 3) -> None. The model's label count cannot be
   known from its outputs alone, so "LABEL_2 was emitted at least once" is the rule.
2. Star ratings: ``"1 star"``/``"2 stars"`` -> negative, ``"3 stars"`` -> neutral,
   ``"4 stars"``/``"5 stars"`` -> positive.
3. Names: containing ``"neg"`` -> negative, ``"pos"`` -> positive, ``"neu"`` -> neutral
   (case-insensitive: "NEGATIVE", "pos", "Neutral"); a name matching more than one -> None.
4. Anything else -> None.

Generated text (zero-shot, multi-purpose models): the first word of the text, lowercased, that is
in the lexicon decides: positive/pos/good/great -> positive, negative/neg/bad/terrible ->
negative, neutral -> neutral ("It is positive." -> positive). No such word -> None. "yes" and
"no" are deliberately *not* mapped: whether "yes" means positive depends on the prompt's
question, which this module does not see; prompts should ask for the label word itself.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Iterable
from typing import Literal, TypeAlias

from powerhungry.quality.common import is_missing

Polarity: TypeAlias = Literal["negative", "neutral", "positive"]

BINARY: tuple[Polarity, ...] = ("negative", "positive")
THREE_CLASS: tuple[Polarity, ...] = ("negative", "neutral", "positive")
STARS: dict[int, Polarity] = {
    1: "negative",
    2: "negative",
    3: "neutral",
    4: "positive",
    5: "positive",
}
NAME_STEMS: dict[str, Polarity] = {"neg": "negative", "pos": "positive", "neu": "neutral"}
LEXICON: dict[str, Polarity] = {
    "positive": "positive",
    "pos": "positive",
    "good": "positive",
    "great": "positive",
    "negative": "negative",
    "neg": "negative",
    "bad": "negative",
    "terrible": "negative",
    "neutral": "neutral",
}

_LABEL_K = re.compile(r"label_([+-]?\d+)")
_INTEGER = re.compile(r"[+-]?\d+")
_STARS = re.compile(r"([1-5])\s*stars?")
_WORD = re.compile(r"[a-z]+")


def class_index(value: object) -> int | None:
    """The class index of an int, an int-valued float, a digit string or "LABEL_k"; else None."""
    if isinstance(value, bool) or is_missing(value):
        return None
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        return int(number) if number.is_integer() else None
    if isinstance(value, str):
        text = value.strip().lower()
        match = _LABEL_K.fullmatch(text) or _INTEGER.fullmatch(text)
        if match:
            return int(match.group(1) if match.re is _LABEL_K else match.group(0))
    return None


def uses_three_classes(values: Iterable[object]) -> bool:
    """Whether class index 2 ("LABEL_2", or the int 2) occurs among `values`."""
    return any(class_index(value) == 2 for value in values)


def label_polarity(value: object, *, three_classes: bool) -> Polarity | None:
    """The polarity of a class label or reference (rules 1-4 of the module docstring)."""
    index = class_index(value)
    if index is not None:
        classes = THREE_CLASS if three_classes else BINARY
        return classes[index] if 0 <= index < len(classes) else None
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    stars = _STARS.fullmatch(text)
    if stars:
        return STARS[int(stars.group(1))]
    found = {polarity for stem, polarity in NAME_STEMS.items() if stem in text}
    return found.pop() if len(found) == 1 else None


def text_polarity(text: object) -> Polarity | None:
    """The polarity of generated text: its first lexicon word's, or None."""
    if is_missing(text):
        return None
    for word in _WORD.findall(str(text).lower()):
        if word in LEXICON:
            return LEXICON[word]
    return None
