"""Helpers on built models: a tensor's source Inputs, and an embedding
matrix carried over to a new vocabulary."""
import numpy as np

from .. import registry


def get_source_inputs(tensor, layer=None, node_index=None):
    """The Input tensors `tensor` was computed from, in graph order.

    A value that is not a symbolic tensor is returned as is, as in tf-keras.
    """
    if getattr(tensor, "_keras_history", None) is None:
        return tensor
    if layer is None or node_index:
        layer, node_index, _ = tensor._keras_history
    if not layer._inbound_nodes:
        return [tensor]
    node = layer._inbound_nodes[node_index]
    if node.is_input:
        return list(node.output_tensors)
    sources = []
    for parent in node.input_tensors:
        parent_layer, parent_index, _ = parent._keras_history
        for x in get_source_inputs(parent, parent_layer, parent_index):
            if all(x is not t for t in sources):
                sources.append(x)
    return sources


def _vocabulary_list(vocab, name):
    if isinstance(vocab, (np.ndarray, tuple, list)):
        return [v.decode() if isinstance(v, bytes) else v for v in list(vocab)]
    if isinstance(vocab, str):
        try:
            with open(vocab, encoding="utf-8") as f:
                return f.read().splitlines()
        except FileNotFoundError:
            raise ValueError(f"warmstart_embedding_matrix: vocabulary file "
                             f"{vocab} does not exist.") from None
    raise ValueError(f"warmstart_embedding_matrix: {name} must be a list, "
                     f"tuple, array or a vocabulary file path, got "
                     f"{type(vocab).__name__}")


def warmstart_embedding_matrix(base_vocabulary, new_vocabulary, base_embeddings,
                               new_embeddings_initializer="uniform"):
    """An embedding matrix for `new_vocabulary` that keeps the rows of
    `base_embeddings` for the terms both vocabularies share.

    Rows of new terms come from `new_embeddings_initializer` (an
    initializer or its name; 'uniform' as in tf-keras).  Vocabularies are
    lists, arrays or paths to files with one term a line.
    """
    base_vocabulary = _vocabulary_list(base_vocabulary, "base_vocabulary")
    new_vocabulary = _vocabulary_list(new_vocabulary, "new_vocabulary")
    base_embeddings = np.asarray(base_embeddings)
    initializer = registry.get("initializer", new_embeddings_initializer)
    new_embedding = np.array(initializer(
        shape=(len(new_vocabulary), base_embeddings.shape[1]),
        dtype=str(base_embeddings.dtype)))
    base_index = {term: i for i, term in enumerate(base_vocabulary)}
    rows_new, rows_base = [], []
    for i, term in enumerate(new_vocabulary):
        if term in base_index:
            rows_new.append(i)
            rows_base.append(base_index[term])
    if rows_new:
        new_embedding[rows_new] = base_embeddings[rows_base]
    return new_embedding
