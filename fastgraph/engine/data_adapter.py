"""Turn what users pass to fit/evaluate/predict into checked lists of arrays.

Everything is validated once per call, before any computation, so that a
mistake is reported with the input or output it concerns rather than as a
shape error deep inside an op.
"""
import numpy as np

from ..autodiff import Tensor


def to_arrays(data, names, kind):
    """`data` (array, list/tuple of arrays, or dict by name) as a list of
    arrays in the order of `names`; `kind` is 'input' or 'target'."""
    if data is None:
        raise ValueError(f"no {kind} data given; the model expects "
                         f"{len(names)} {kind} array(s) {list(names)}")
    if isinstance(data, dict):
        unknown = sorted(set(data) - set(names))
        if unknown:
            raise ValueError(f"unknown {kind} name(s) {unknown}; expected the "
                             f"model's {kind}s {list(names)}")
        missing = [n for n in names if n not in data]
        if missing:
            raise ValueError(f"missing {kind} data for {missing}; expected "
                             f"the model's {kind}s {list(names)}")
        arrays = [data[n] for n in names]
    elif isinstance(data, (list, tuple)):
        if len(data) != len(names):
            raise ValueError(f"expected {len(names)} {kind} array(s) for "
                             f"{list(names)}, got a list of {len(data)}")
        arrays = list(data)
    else:
        if len(names) != 1:
            raise ValueError(f"the model has {len(names)} {kind}s "
                             f"{list(names)}; pass a list or a dict of arrays")
        arrays = [data]
    return [a.data if isinstance(a, Tensor) else np.asarray(a) for a in arrays]


def _shape_matches(expected, got):
    if len(expected) != len(got):
        return False
    return all(e is None or e == g for e, g in zip(expected[1:], got[1:]))


def check_inputs(arrays, names, shapes, dtypes):
    """Check feature shapes and convert dtypes to what each Input declares."""
    out = []
    for a, name, shape, dtype in zip(arrays, names, shapes, dtypes):
        if shape is not None and not _shape_matches(shape, a.shape):
            raise ValueError(
                f"input {name!r}: expected arrays of shape {tuple(shape)} "
                f"(None = any), got {a.shape}")
        out.append(convert(a, dtype, f"input {name!r}"))
    return out


def convert(a, dtype, what):
    """`a` as `dtype` without copying when it already is; rejects strings."""
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{what}: expected numeric data, got dtype {a.dtype}")
    dtype = np.dtype(dtype)
    if dtype.kind in "iu" and a.dtype.kind == "f":
        if not np.array_equal(a, np.round(a)):
            raise TypeError(f"{what}: expects integer data ({dtype}), got "
                            f"non-integer floats")
    if a.dtype != dtype or not a.flags.c_contiguous:
        a = np.ascontiguousarray(a, dtype=dtype)
    return a


def check_finite(arrays, names, kind):
    """NaN or inf in float data is a user error, reported before training."""
    for a, name in zip(arrays, names):
        if a.dtype.kind == "f" and not np.isfinite(a).all():
            raise ValueError(f"{kind} {name!r} contains NaN or inf values")


def check_targets(arrays, specs, pred_shapes, floatx):
    """Targets as float (integer class ids for sparse losses), with the rank
    of the prediction (a missing trailing axis of 1 is added, as Keras does)."""
    out = []
    for a, spec, pshape in zip(arrays, specs, pred_shapes):
        sparse = "sparse" in spec.loss_name.lower()
        what = f"target {spec.name!r}"
        if pshape is not None and not sparse:
            if a.ndim == len(pshape) - 1 and pshape[-1] == 1:
                a = a.reshape(a.shape + (1,))
            if not _shape_matches(pshape, a.shape):
                raise ValueError(f"{what}: expected arrays of shape "
                                 f"{tuple(pshape)} (None = any) to match the "
                                 f"output, got {a.shape}")
        out.append(convert(a, a.dtype if sparse and a.dtype.kind in "iu"
                           else floatx, what))
    return out


def check_counts(groups):
    """All arrays of (kind, names, arrays) groups hold the same sample count."""
    counts = {}
    for kind, names, arrays in groups:
        for name, a in zip(names, arrays):
            if a is None:
                continue
            if a.ndim == 0:
                raise ValueError(f"{kind} {name!r}: expected an array with a "
                                 f"batch axis, got a scalar")
            counts[f"{kind} {name!r}"] = a.shape[0]
    if len(set(counts.values())) > 1:
        detail = ", ".join(f"{k}: {v}" for k, v in counts.items())
        raise ValueError(f"all inputs and targets must have the same number "
                         f"of samples; got {detail}")
    return next(iter(counts.values())) if counts else 0


def sample_weights(sample_weight, class_weight, targets, specs):
    """One weight array (or None) per output, from sample_weight and/or
    class_weight; temporal outputs take (samples, timesteps) weights."""
    names = [s.name for s in specs]
    if sample_weight is None:
        sws = [None] * len(specs)
    elif isinstance(sample_weight, (dict, list, tuple)):
        sws = [None if w is None else np.asarray(w, dtype=np.float32)
               for w in to_arrays(sample_weight, names, "sample_weight")]
    else:
        sws = [np.asarray(sample_weight, dtype=np.float32)] * len(specs)
    for i, (sw, spec, y) in enumerate(zip(sws, specs, targets)):
        if sw is None:
            continue
        want = 2 if spec.temporal else 1
        if sw.ndim != want:
            raise ValueError(
                f"sample_weight for output {spec.name!r}: expected a "
                f"{want}D array" + (" (samples, timesteps) because of "
                                    "sample_weight_mode='temporal'"
                                    if spec.temporal else " (samples,)") +
                f", got shape {sw.shape}")
        if sw.shape != y.shape[:want]:
            raise ValueError(f"sample_weight for output {spec.name!r}: shape "
                             f"{sw.shape} does not match the target's "
                             f"{y.shape[:want]}")
    if class_weight:
        if all(isinstance(k, str) for k in class_weight):
            unknown = sorted(set(class_weight) - set(names))
            if unknown:
                raise ValueError(f"class_weight: unknown output name(s) "
                                 f"{unknown}; the outputs are {names}")
            cws = [class_weight.get(n) for n in names]
        else:
            cws = [class_weight] * len(specs)
        for i, (cw, y) in enumerate(zip(cws, targets)):
            if not cw:
                continue
            w = _class_weights(cw, y, specs[i].name)
            sws[i] = w if sws[i] is None else sws[i] * w.reshape(
                w.shape + (1,) * (sws[i].ndim - 1))
    return sws


def _class_weights(class_weight, y, output_name):
    if y.ndim >= 2 and y.shape[-1] > 1:
        classes = np.argmax(y, axis=-1)
    else:
        classes = np.round(y.reshape(y.shape[0], -1)[:, 0]).astype(np.int64)
    if classes.ndim > 1:
        classes = classes[:, 0] if classes.shape[1] == 1 else classes
    table = np.ones(max(max(class_weight), int(classes.max(initial=0))) + 1,
                    dtype=np.float32)
    for k, v in class_weight.items():
        if not isinstance(k, (int, np.integer)) or k < 0:
            raise ValueError(f"class_weight for output {output_name!r}: keys "
                             f"must be class indices >= 0, got {k!r}")
        table[k] = v
    return table[classes].reshape(classes.shape[0], *classes.shape[1:])


def split_validation(arrays, split):
    """Take the last `split` fraction of every array, before any shuffling,
    as Keras does; returns (train, validation) lists."""
    if not 0.0 < split < 1.0:
        raise ValueError(f"validation_split must be in (0, 1), got {split}")
    n = next(a.shape[0] for a in arrays if a is not None)
    at = int(n * (1.0 - split))
    if at == 0 or at == n:
        raise ValueError(f"validation_split={split} leaves no training or no "
                         f"validation samples out of {n}")
    train = [None if a is None else a[:at] for a in arrays]
    val = [None if a is None else a[at:] for a in arrays]
    return train, val


def batches(n, batch_size, shuffle=False, rng=None, steps=None):
    """Index arrays (or slices) of consecutive batches over `n` samples.

    With `steps`, exactly that many batches are produced, wrapping around
    the data; without, one pass over it.
    """
    if batch_size is None or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size}")
    order = rng.permutation(n) if shuffle else None
    count = steps if steps is not None else -(-n // batch_size)
    start = 0
    for _ in range(count):
        if start >= n:
            start = 0
            if shuffle:
                order = rng.permutation(n)
        stop = min(start + batch_size, n)
        yield slice(start, stop) if order is None else order[start:stop]
        start = stop


def take(arrays, index):
    """The batch `index` (slice or index array) of every array (None kept)."""
    return [None if a is None else a[index] for a in arrays]
