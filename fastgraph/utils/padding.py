"""pad_sequences: a list of variable-length sequences as one 2D array."""
import numpy as np


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre",
                  truncating="pre", value=0.0):
    """Pad (or cut) each sequence to `maxlen` steps, as tf-keras does.

    Returns an array `(len(sequences), maxlen) + sample_shape` of `dtype`
    filled with `value`.  `truncating` 'pre' keeps the last `maxlen` steps
    of a longer sequence, 'post' the first ones; `padding` 'pre' puts the
    steps at the end of the row, 'post' at its start.  `maxlen` defaults to
    the longest sequence.  Strings need `dtype=object` (or a NumPy string
    dtype).
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError("pad_sequences: `sequences` must be iterable.")
    if padding not in ("pre", "post"):
        raise ValueError(f'pad_sequences: padding type "{padding}" not understood '
                         f"(expected 'pre' or 'post')")
    if truncating not in ("pre", "post"):
        raise ValueError(f'pad_sequences: truncating type "{truncating}" not '
                         f"understood (expected 'pre' or 'post')")
    lengths = []
    sample_shape = ()
    found_shape = False
    for x in sequences:
        try:
            lengths.append(len(x))
        except TypeError as e:
            raise ValueError(f"pad_sequences: `sequences` must be a list of "
                             f"iterables. Found non-iterable: {x!r}") from e
        if not found_shape and len(x):
            sample_shape = np.asarray(x).shape[1:]
            found_shape = True
    if maxlen is None:
        if not lengths:
            raise ValueError("pad_sequences: `maxlen` is required when "
                             "`sequences` is empty")
        maxlen = int(np.max(lengths))
    if isinstance(value, str) and np.dtype(dtype) != object \
            and not np.issubdtype(dtype, np.str_):
        raise ValueError(f"pad_sequences: `dtype` {dtype} is not compatible with "
                         f"`value`'s type: {type(value)}. You should set "
                         f"`dtype=object` for variable length strings.")
    out = np.full((len(sequences), maxlen) + sample_shape, value, dtype=dtype)
    for idx, s in enumerate(sequences):
        if not len(s):
            continue
        trunc = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        trunc = np.asarray(trunc, dtype=dtype)
        if trunc.shape[1:] != sample_shape:
            raise ValueError(f"pad_sequences: shape of sample {trunc.shape[1:]} "
                             f"of sequence at position {idx} is different from "
                             f"expected shape {sample_shape}")
        if padding == "post":
            out[idx, :len(trunc)] = trunc
        else:
            out[idx, -len(trunc):] = trunc
    return out
