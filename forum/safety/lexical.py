"""Word and word-pair features beside the embeddings (TF-IDF, as scikit-learn computes it).

Sentence embeddings carry topic and tone well but blur the small words that change a verdict:
"ago", "used to", "tonight", "lol", "hosepipe". A second block of features, one per word or pair
of words seen in at least two training texts, gives the heads those cues. The transform here is
scikit-learn's TfidfVectorizer(sublinear_tf=True, norm="l2") re-done in a few lines, so the
forum reads the vocabulary from the heads file without unpickling anything.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

_TOKEN = re.compile(r"(?u)\b\w\w+\b|[\U0001F300-\U0001FAFF]")


def terms(text: str) -> list[str]:
    """Lower-cased words (two letters or more, and emoji) and the pairs of neighbouring words."""
    words = _TOKEN.findall(text.lower().replace("’", "'").replace("'", ""))
    return words + [f"{a} {b}" for a, b in pairwise(words)]


@dataclass(frozen=True)
class Lexicon:
    vocabulary: dict[str, int]
    idf: np.ndarray

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised row per text: (1 + log count) × idf for each known term."""
        out = np.zeros((len(texts), len(self.vocabulary)), dtype=np.float32)
        for row, text in enumerate(texts):
            for term, count in Counter(terms(text)).items():
                if (index := self.vocabulary.get(term)) is not None:
                    out[row, index] = (1.0 + math.log(count)) * self.idf[index]
            norm = float(np.linalg.norm(out[row]))
            if norm:
                out[row] /= norm
        return out

    @classmethod
    def fit(cls, texts: Sequence[str], min_df: int = 2) -> Lexicon:
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(analyzer=terms, min_df=min_df, sublinear_tf=True, norm="l2")
        vectorizer.fit(texts)
        vocabulary = {term: int(i) for term, i in vectorizer.vocabulary_.items()}
        return cls(vocabulary, vectorizer.idf_.astype(np.float32))
