"""The safety model: sentence embeddings under the crisis check and the warning suggester.

`model.py` loads the embedding model once per process and says, in plain words, whether it could;
`units.py` cuts a post into the pieces that are embedded; `heads.py` holds the small trained
classifiers that read those embeddings; `train.py` rebuilds them from the labelled corpora
(`forum safety train`). Rules stay in charge of what rules do well; the heads catch meaning.
"""
