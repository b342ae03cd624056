"""What `compile` resolves: one loss, weight, metrics list and weighting mode
per model output, checked against the output names once, up front."""
from .. import losses as losses_mod
from .. import metrics as metrics_mod


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
        self.metrics = metrics  # (display name, fn[, weighted]) tuples


def _name_of(identifier):
    if isinstance(identifier, str):
        return identifier
    return getattr(identifier, "__name__", None) or type(identifier).__name__


def _metric(identifier, loss, output_shape):
    if identifier in ("accuracy", "acc"):
        return identifier, metrics_mod.resolve_accuracy(loss, output_shape)
    name = _name_of(identifier)
    try:
        return name, metrics_mod.get(identifier)
    except (ValueError, TypeError) as err:
        raise ValueError(f"compile: unknown metric {identifier!r} ({err})") from None


def resolve(output_names, output_shapes, loss, loss_weights=None,
            metrics=None, sample_weight_mode=None):
    """Build one OutputSpec per output from compile's arguments."""
    if loss is None:
        raise ValueError("compile: `loss` is required to train or evaluate "
                         "(a name such as 'mse', a callable, a list or a dict "
                         "by output name)")
    n = len(output_names)
    losses = per_output(loss, output_names, "loss")
    weights = per_output(1.0 if loss_weights is None else loss_weights,
                         output_names, "loss_weights", default=1.0)
    modes = per_output(sample_weight_mode, output_names, "sample_weight_mode")
    if metrics is None:
        metric_lists = [[] for _ in range(n)]
    elif isinstance(metrics, dict):
        metric_lists = per_output(metrics, output_names, "metrics", default=[])
        metric_lists = [m if isinstance(m, (list, tuple)) else [m]
                        for m in metric_lists]
    elif isinstance(metrics, (list, tuple)):
        # a list of lists is per output; a flat list applies to every output
        if metrics and all(isinstance(m, (list, tuple)) for m in metrics):
            metric_lists = per_output(list(metrics), output_names, "metrics")
        else:
            metric_lists = [list(metrics)] * n
    else:
        metric_lists = [[metrics]] * n
    specs = []
    for name, shape, lo, w, mode, mets in zip(output_names, output_shapes,
                                               losses, weights, modes,
                                               metric_lists):
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
        try:
            w = float(w)
        except (TypeError, ValueError):
            raise ValueError(f"compile: loss weight for output {name!r} must "
                             f"be a number, got {w!r}") from None
        loss_name = _name_of(lo)
        specs.append(OutputSpec(name, fn, loss_name, w, mode == "temporal",
                                [_metric(m, lo, shape) for m in mets]))
    return specs


def metrics_names(specs):
    """tf-keras's names: 'loss', then '<out>_loss' per output when there are
    several, then the metrics, prefixed by the output name when several."""
    names = ["loss"]
    multi = len(specs) > 1
    if multi:
        names += [s.name + "_loss" for s in specs]
    for s in specs:
        for entry in s.metrics:
            names.append(f"{s.name}_{entry[0]}" if multi else entry[0])
    return names
