"""The `x` / `(x, y)` / `(x, y, sample_weight)` convention of a batch."""


def unpack_x_y_sample_weight(data):
    """`(x, y, sample_weight)` from a batch, None for what it lacks.

    A batch is `x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)`; a list
    counts as a tuple, as in tf-keras.
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data[0], data[1], data[2]
    raise ValueError(f"unpack_x_y_sample_weight: data is expected to be in "
                     f"format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, "
                     f"found a tuple of {len(data)} elements: {data!r}")


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """The batch `unpack_x_y_sample_weight` reads back: `x` alone when there
    is no `y` (a tuple `x` is wrapped as `(x,)`), else `(x, y)` or
    `(x, y, sample_weight)`."""
    if y is None:
        return (x,) if isinstance(x, tuple) else x
    if sample_weight is None:
        return x, y
    return x, y, sample_weight
