"""Turn what users pass to fit/evaluate/predict into checked lists of arrays.

Everything is validated once per call, before any computation, so that a
mistake is reported with the input or output it concerns rather than as a
shape error deep inside an op.
"""
import numpy as np

from ..autodiff import Tensor
from ..engine.dtypes import STRING, as_strings


def to_arrays(data, names, kind, allow_none=False):
    """`data` (array, list/tuple of arrays, or dict by name) as a list of
    arrays in the order of `names`; `kind` is 'input', 'target', ...  With
    `allow_none`, None entries of a list stay None."""
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
    elif isinstance(data, (list, tuple)) and not (
            len(names) == 1 and _is_nested_numbers(data)):
        if len(data) != len(names):
            raise ValueError(f"expected {len(names)} {kind} array(s) for "
                             f"{list(names)}, got a list of {len(data)}")
        arrays = list(data)
    else:
        if len(names) != 1:
            raise ValueError(f"the model has {len(names)} {kind}s "
                             f"{list(names)} but got a single {kind} array; "
                             f"pass a list or a dict of arrays")
        arrays = [data]
    out = []
    for a, name in zip(arrays, names):
        if a is None and not allow_none:
            raise ValueError(f"no {kind} data given for {name!r}")
        out.append(a if a is None else a.data if isinstance(a, Tensor)
                   else np.asarray(a))
    return out


def _is_nested_numbers(data):
    """True for a (nested) list of plain numbers: one array, as Keras reads
    `y=[0, 1, 1]`, not a list of per-output arrays."""
    first = data[0] if len(data) else None
    while isinstance(first, (list, tuple)) and first:
        first = first[0]
    return isinstance(first, (int, float, bool, np.number))


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
    """`a` as `dtype` without copying when it already is; rejects strings.
    Integers are never wrapped: data that does not fit an integer `dtype`
    stays in a wider integer type, so that a layer reports the value it
    cannot take (an Embedding, the id out of its range).  A 'string' Input
    takes str/bytes arrays, held as object arrays of str."""
    if dtype == STRING:
        return as_strings(a, what)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{what}: expected numeric data, got dtype {a.dtype}")
    dtype = np.dtype(dtype)
    if dtype.kind in "iu" and a.dtype.kind == "f":
        if not np.array_equal(a, np.round(a)):
            raise TypeError(f"{what}: expects integer data ({dtype}), got "
                            f"non-integer floats")
    if dtype.kind in "iu" and a.size and not np.can_cast(a.dtype, dtype):
        dtype = _integer_type_holding(a, dtype, what)
    if a.dtype != dtype or not a.flags.c_contiguous:
        a = np.ascontiguousarray(a, dtype=dtype)
    return a


def _integer_type_holding(a, dtype, what):
    """`dtype`, else int64, else `a`'s own integer type: the first that
    holds every value of `a` (whole numbers, checked by the caller)."""
    low, high = a.min(), a.max()
    for candidate in (dtype, np.dtype(np.int64)):
        info = np.iinfo(candidate)
        if a.dtype.kind == "f":
            if info.min <= low and high < float(info.max):
                return candidate
        elif info.min <= low and high <= info.max:
            return candidate
    if a.dtype.kind in "iu":
        return a.dtype
    value = low if low < np.iinfo(np.int64).min else high
    raise ValueError(f"{what}: value {value} is too large for integer data "
                     f"({dtype})")


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
        what = f"target {spec.name!r}"
        if "sparse" in spec.loss_name.lower():
            out.append(_sparse_targets(a, pshape, what))
            continue
        if pshape is not None:
            if a.ndim == len(pshape) - 1 and pshape[-1] == 1:
                a = a.reshape(a.shape + (1,))
            if not _shape_matches(pshape, a.shape):
                hint = ""
                if pshape[-1] and pshape[-1] > 1 and (
                        a.ndim == len(pshape) - 1 or a.shape[-1] == 1):
                    hint = (" (for integer class labels use "
                            "'sparse_categorical_crossentropy', or one-hot "
                            "encode them with fastgraph.utils.to_categorical)")
                raise ValueError(f"{what}: expected arrays of shape "
                                 f"{tuple(pshape)} (None = any) to match the "
                                 f"output, got {a.shape}{hint}")
        out.append(convert(a, floatx, what))
    return out


def _sparse_targets(a, pshape, what):
    """Integer class ids of shape output[:-1] (or with a trailing 1), each
    checked to lie in [0, classes)."""
    if pshape is not None:
        want = tuple(pshape[:-1])
        shape = a.shape[:-1] if a.ndim == len(pshape) and a.shape[-1:] == (1,) \
            else a.shape
        if not _shape_matches(want, shape):
            raise ValueError(f"{what}: expected integer class labels of shape "
                             f"{want} or {want + (1,)} (None = any) for a "
                             f"sparse loss, got {a.shape}")
    a = convert(a, a.dtype if a.dtype.kind in "iu" else np.int64, what)
    classes = None if pshape is None else pshape[-1]
    if a.size and (a.min() < 0 or (classes is not None and a.max() >= classes)):
        raise IndexError(f"{what}: class labels must be in [0, {classes}), got "
                         f"values in [{a.min()}, {a.max()}]")
    return a


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


def sample_weights(sample_weight, targets, specs):
    """One float weight array (or None) per output from `sample_weight` (an
    array for every output, or a list/dict by output); temporal outputs take
    (samples, timesteps) weights."""
    names = [s.name for s in specs]
    if sample_weight is None:
        return [None] * len(specs)
    if isinstance(sample_weight, (dict, list, tuple)):
        sws = [None if w is None else convert(w, np.float32, f"sample_weight {n!r}")
               for w, n in zip(to_arrays(sample_weight, names, "sample_weight",
                                         allow_none=True), names)]
    else:
        sws = [convert(np.asarray(sample_weight), np.float32,
                       "sample_weight")] * len(specs)
    for sw, spec, y in zip(sws, specs, targets):
        if sw is None:
            continue
        want = 2 if spec.temporal else 1
        what = f"sample_weight for output {spec.name!r}"
        if sw.ndim != want:
            raise ValueError(
                f"{what}: expected a {want}D array" +
                (" (samples, timesteps) because of sample_weight_mode="
                 "'temporal'" if spec.temporal else
                 " (samples,); give 2D weights per time step with "
                 "compile(sample_weight_mode='temporal')") +
                f", got shape {sw.shape}")
        if sw.shape != y.shape[:want]:
            raise ValueError(f"{what}: shape {sw.shape} does not match the "
                             f"target's {y.shape[:want]}")
        if not np.isfinite(sw).all():
            raise ValueError(f"{what} contains NaN or inf values")
    return sws


def apply_class_weight(class_weight, targets, sws, specs, output_shapes):
    """`sws` multiplied by each sample's class weight: `class_weight` maps
    class index to weight (for every output), or output name to such a map.
    A key must be a class of its output (of the `output_shapes`): one of
    its k units' indices, or 0 and 1 for an output of one unit."""
    if not class_weight:
        return sws
    if not isinstance(class_weight, dict):
        raise TypeError(f"class_weight must be a dict {{class index: weight}} "
                        f"(or {{output name: dict}}), got "
                        f"{type(class_weight).__name__}")
    names = [s.name for s in specs]
    if all(isinstance(k, str) for k in class_weight):
        unknown = sorted(set(class_weight) - set(names))
        if unknown:
            raise ValueError(f"class_weight: unknown output name(s) "
                             f"{unknown}; the outputs are {names}")
        cws = [class_weight.get(n) for n in names]
    else:
        cws = [class_weight] * len(specs)
    sws = list(sws)
    for i, (cw, y, spec, shape) in enumerate(zip(cws, targets, specs, output_shapes)):
        if not cw:
            continue
        w = _class_weights(cw, y, spec, shape[-1] if shape else None)
        if sws[i] is None:
            sws[i] = w
        else:
            sw = sws[i]
            sws[i] = sw * w.reshape(w.shape + (1,) * (sw.ndim - w.ndim))
    return sws


def _class_weights(class_weight, y, spec, units):
    """Per-sample (per time step for temporal outputs) weights looked up
    from the class of each target: its argmax when one-hot, else its value.
    `units` (the output's last dimension, None if unknown) gives the classes."""
    what = f"class_weight for output {spec.name!r}"
    classes = None if units is None else max(int(units), 2)
    for k, v in class_weight.items():
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
            raise ValueError(f"{what}: keys must be class indices >= 0, got {k!r}")
        if classes is not None and k >= classes:
            raise ValueError(f"{what}: key {k!r} is not a class of the output, "
                             f"which has {classes} classes (0 to {classes - 1})")
        if not np.isfinite(v):
            raise ValueError(f"{what}: weight of class {k} must be finite, got {v!r}")
    if "sparse" in spec.loss_name.lower() or y.ndim == 1 or y.shape[-1] == 1:
        classes = np.round(y).astype(np.int64)
        if y.ndim > 1 and y.shape[-1] == 1:
            classes = classes[..., 0]
    else:
        classes = np.argmax(y, axis=-1)
    if not spec.temporal and classes.ndim > 1:
        raise ValueError(f"{what}: targets of shape {y.shape} give one class per "
                         f"time step; compile with sample_weight_mode='temporal' "
                         f"to weight them")
    if classes.size and classes.min() < 0:
        raise ValueError(f"{what}: the targets hold negative class {classes.min()}")
    table = np.ones(max(max(class_weight), int(classes.max(initial=0))) + 1,
                    dtype=np.float32)
    for k, v in class_weight.items():
        table[k] = v
    return table[classes]


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
