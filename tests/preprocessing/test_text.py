"""Tokenizer and the word helpers: outputs equal to tf-keras's."""
import json

import numpy as np
import pytest

from fastgraph.preprocessing import text

from .reference import ARRAYS, LISTS, inputs

TOKENIZERS = {"plain": {}, "num_words": {"num_words": 6},
              "oov": {"num_words": 6, "oov_token": "<unk>"},
              "char": {"char_level": True, "lower": False}}


def test_text_to_word_sequence_and_md5_hashing_match_keras():
    assert [text.text_to_word_sequence(t) for t in inputs.TEXTS] == LISTS["words"]
    assert [text.text_to_word_sequence(t, lower=False, split="a", filters="!")
            for t in inputs.TEXTS] == LISTS["words_nolower_split"]
    assert [text.hashing_trick(t, 17, hash_function="md5")
            for t in inputs.TEXTS] == LISTS["md5"]


def test_one_hot_is_the_hashing_trick_with_python_hash():
    sentence = "one two three two"
    got = text.one_hot(sentence, 11)
    assert got == [hash(w) % 10 + 1 for w in ["one", "two", "three", "two"]]
    assert got[1] == got[3] and all(1 <= i < 11 for i in got)
    assert text.hashing_trick(sentence, 5, hash_function=len) == [4, 4, 2, 4]
    assert text.hashing_trick("a-b c", 9, analyzer=lambda s: s.split("-"),
                              hash_function="md5") == \
        text.hashing_trick("a b c", 9, hash_function="md5")[:1] + \
        [int(__import__("hashlib").md5(b"b c").hexdigest(), 16) % 8 + 1]


@pytest.mark.parametrize("name", list(TOKENIZERS))
def test_tokenizer_matches_keras(name):
    tok = text.Tokenizer(**TOKENIZERS[name])
    tok.fit_on_texts(inputs.TEXTS[:4])
    ref = LISTS[f"tok/{name}"]
    assert tok.word_index == ref["word_index"]
    assert dict(tok.word_counts) == ref["word_counts"]
    assert dict(tok.word_docs) == ref["word_docs"]
    assert {str(k): v for k, v in tok.index_docs.items()} == ref["index_docs"]
    assert tok.document_count == ref["document_count"]
    sequences = tok.texts_to_sequences(inputs.TEXTS)
    assert sequences == ref["sequences"]
    assert tok.sequences_to_texts(sequences) == ref["texts"]
    for mode in ("binary", "count", "freq", "tfidf"):
        got = tok.texts_to_matrix(inputs.TEXTS, mode=mode)
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got, ARRAYS[f"tok/{name}/{mode}"])
    assert _decoded(tok.to_json()) == _decoded(ref["json"])


def _decoded(tokenizer_json):
    """A Tokenizer JSON with its JSON-string tables parsed (their key order
    follows set iteration, which varies between runs)."""
    outer = json.loads(tokenizer_json)
    config = outer["config"]
    for key in ("word_counts", "word_docs", "index_docs", "index_word", "word_index"):
        config[key] = json.loads(config[key])
    return outer


@pytest.mark.parametrize("name", list(TOKENIZERS))
def test_tokenizer_from_json_of_keras_and_of_fastgraph(name):
    ref = LISTS[f"tok/{name}"]
    for source in (ref["json"], None):
        if source is None:
            tok = text.Tokenizer(**TOKENIZERS[name])
            tok.fit_on_texts(inputs.TEXTS[:4])
            source = tok.to_json()
        restored = text.tokenizer_from_json(source)
        assert restored.texts_to_sequences(inputs.TEXTS) == ref["sequences"]
        np.testing.assert_array_equal(restored.texts_to_matrix(inputs.TEXTS, "tfidf"),
                                      ARRAYS[f"tok/{name}/tfidf"])


def test_fit_on_sequences_tfidf_matches_keras():
    tok = text.Tokenizer(num_words=6)
    tok.fit_on_sequences([[1, 2, 2], [3], [1, 3]])
    np.testing.assert_array_equal(tok.sequences_to_matrix([[1, 2], [3, 3, 5]],
                                                          mode="tfidf"),
                                  ARRAYS["tok/sequences/tfidf"])


def test_tokenizer_errors_and_lists_of_words():
    with pytest.raises(ValueError, match="num_words"):
        text.Tokenizer().sequences_to_matrix([[1]])
    with pytest.raises(ValueError, match="tfidf"):
        text.Tokenizer(num_words=3).sequences_to_matrix([[1]], mode="tfidf")
    with pytest.raises(ValueError, match="vectorization mode"):
        text.Tokenizer(num_words=3).sequences_to_matrix([[1]], mode="bits")
    with pytest.raises(TypeError, match="unrecognized"):
        text.Tokenizer(bad=1)
    with pytest.warns(UserWarning, match="num_words"):
        assert text.Tokenizer(nb_words=3).num_words == 3
    tok = text.Tokenizer()
    tok.fit_on_texts([["Already", "split"], ["split"]])
    assert tok.word_index == {"split": 1, "already": 2}
