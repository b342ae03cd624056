"""What `compile` resolves: one loss, weight, metrics list and weighting mode
per model output, checked against the output names once, up front."""
import numpy as np

from .. import losses as losses_mod
from .. import metrics as metrics_mod
from ..metrics.base import fresh_names


def per_output(value, output_names, what, default=None):
    """Spread a compile argument over the outputs: a single value applies to
    every output, a list must have one entry per output, a dict is keyed by
    output name (unknown keys are errors; missing ones take `default`)."""
    n = len(output_names)
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(output_names))
        if unknown:
            raise ValueError(
                f"compile: unknown output name(s) {unknown} in `{what}`; the "
                f"model's outputs are {list(output_names)}")
        return [value.get(name, default) for name in output_names]
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(
                f"compile: `{what}` has {len(value)} entries but the model has "
                f"{n} output(s) {list(output_names)}")
        return list(value)
    return [value] * n


class OutputSpec:
    """Loss, loss weight, metrics and sample weighting of one output."""

    __slots__ = ("name", "loss", "loss_name", "weight", "temporal", "metrics")

    def __init__(self, name, loss, loss_name, weight, temporal, metrics):
        self.name = name
        self.loss = loss
        self.loss_name = loss_name
        self.weight = weight
        self.temporal = temporal
        self.metrics = metrics  # (name in the logs, Metric, weighted) tuples


def _name_of(identifier):
    """A loss or metric's name in the logs: the string, the function's
    name, or an object's `name` (its class name failing that)."""
    if isinstance(identifier, str):
        return identifier
    name = getattr(identifier, "__name__", None) or getattr(identifier, "name", None)
    return name if isinstance(name, str) else type(identifier).__name__


def _metric(identifier, loss, output_shape, used):
    """(name in the logs, Metric object): a function (or a name of one)
    wrapped in a MeanMetricWrapper, a class name made into an object, a
    Metric as it is (a copy when another output already uses it)."""
    if identifier in ("accuracy", "acc"):
        fn = metrics_mod.resolve_accuracy(loss, output_shape)
        return identifier, metrics_mod.MeanMetricWrapper(fn, name=identifier)
    try:
        metric = metrics_mod.get(identifier)
    except (ValueError, TypeError) as err:
        raise ValueError(f"compile: unknown metric {identifier!r} ({err})") from None
    if not isinstance(metric, metrics_mod.Metric):
        name = _name_of(identifier)
        return name, metrics_mod.MeanMetricWrapper(metric, name=name)
    if id(metric) in used:
        metric = type(metric).from_config(metric.get_config())
    used.add(id(metric))
    return metric.name, metric


def _metric_lists(metrics, output_names, what):
    """compile's `metrics`/`weighted_metrics` as one list per output."""
    n = len(output_names)
    if metrics is None:
        return [[] for _ in range(n)]
    if isinstance(metrics, dict):
        lists = per_output(metrics, output_names, what, default=[])
        return [list(m) if isinstance(m, (list, tuple)) else [m] for m in lists]
    if isinstance(metrics, (list, tuple)):
        # a list of lists is per output; a flat list applies to every output
        if metrics and all(isinstance(m, (list, tuple)) for m in metrics):
            return [list(m) for m in per_output(list(metrics), output_names, what)]
        return [list(metrics) for _ in range(n)]
    return [[metrics] for _ in range(n)]


def adds_losses(model):
    """True when the model may add losses of its own: symbolic ones
    (model.add_loss), regularizers, callables, or layers whose code may
    call add_loss (user layers, Lambda)."""
    for layer in model._flatten_layers():
        cls = type(layer)
        if layer._regularized or layer._loss_fns or layer.activity_regularizer \
                or any(name is None for _, name in getattr(layer, "_terms", ())) \
                or not cls.__module__.startswith("fastgraph.") or cls.__name__ == "Lambda":
            return True
    return False


def resolve(output_names, output_shapes, loss, loss_weights=None,
            metrics=None, sample_weight_mode=None, weighted_metrics=None,
            adds_losses=False):
    """Build one OutputSpec per output from compile's arguments (metric
    objects made from names are named afresh, 'auc' rather than 'auc_2',
    as tf-keras names them in the graph of its train function).  With no
    loss, a model that adds its own (`adds_losses`) gets no output specs:
    it trains on its added losses and needs no targets."""
    if loss is None and adds_losses:
        if metrics or weighted_metrics:
            raise ValueError("compile: metrics of the outputs need a `loss` and "
                             "targets; without them report values with "
                             "model.add_metric")
        return []
    with fresh_names():
        return _resolve(output_names, output_shapes, loss, loss_weights, metrics,
                        sample_weight_mode, weighted_metrics)


def _resolve(output_names, output_shapes, loss, loss_weights, metrics,
             sample_weight_mode, weighted_metrics):
    if loss is None:
        raise ValueError("compile: `loss` is required to train or evaluate "
                         "(a name such as 'mse', a callable, a list or a dict "
                         "by output name), unless the model adds its losses "
                         "with add_loss (this one adds none)")
    losses = per_output(loss, output_names, "loss")
    weights = per_output(1.0 if loss_weights is None else loss_weights,
                         output_names, "loss_weights", default=1.0)
    modes = per_output(sample_weight_mode, output_names, "sample_weight_mode")
    plain = _metric_lists(metrics, output_names, "metrics")
    weighted = _metric_lists(weighted_metrics, output_names, "weighted_metrics")
    specs, used = [], set()
    for name, shape, lo, w, mode, mets in zip(
            output_names, output_shapes, losses, weights, modes, plain):
        if lo is None:
            raise ValueError(f"compile: no loss given for output {name!r}")
        if mode not in (None, "temporal"):
            raise ValueError(f"compile: sample_weight_mode for output {name!r} "
                             f"must be None or 'temporal', got {mode!r}")
        try:
            fn = losses_mod.per_sample(lo)
        except (ValueError, TypeError) as err:
            raise ValueError(f"compile: unknown loss {lo!r} for output "
                             f"{name!r} ({err})") from None
        if isinstance(w, bool) or not isinstance(w, (int, float, np.number)):
            raise ValueError(f"compile: loss weight for output {name!r} must "
                             f"be a number, got {w!r}")
        entries = [_metric(m, lo, shape, used) + (False,) for m in mets]
        specs.append(OutputSpec(name, fn, _name_of(lo), float(w),
                                mode == "temporal", entries))
    # tf-keras makes every output's metrics, then the weighted ones ('auc',
    # 'auc_1', then 'auc_2', ... for AUC on two outputs)
    for spec, shape, lo, wmets in zip(specs, output_shapes, losses, weighted):
        spec.metrics += [_metric(m, lo, shape, used) + (True,) for m in wmets]
    _name_metrics(specs)
    return specs


def _name_metrics(specs):
    """Final metric names, as tf-keras sets them: prefixed by the output
    name when there are several outputs; a weighted metric whose name is
    taken gets 'weighted_' before its own name; duplicates are errors."""
    multi = len(specs) > 1
    taken = set()
    for spec in specs:
        named = []
        for name, fn, weighted in spec.metrics:
            prefix = spec.name + "_" if multi else ""
            full = prefix + name
            if weighted and full in taken:
                full = prefix + "weighted_" + name
            if full in taken or full == "loss" or (
                    multi and full in {s.name + "_loss" for s in specs}):
                raise ValueError(f"compile: two metrics are named {full!r}; "
                                 f"every metric needs a unique name")
            taken.add(full)
            named.append((full, fn, weighted))
        spec.metrics = named


def metrics_names(specs, added=()):
    """tf-keras's names: 'loss', then '<out>_loss' per output when there are
    several, then the metrics of each output in turn, then the metrics the
    model adds (`added`, add_metric)."""
    names = ["loss"]
    if len(specs) > 1:
        names += [s.name + "_loss" for s in specs]
    for s in specs:
        names += [entry[0] for entry in s.metrics]
    return names + [name for name in added if name not in names]
