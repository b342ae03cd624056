"""Keras's training API for Model: compile, fit, evaluate, predict and the
*_on_batch methods.

The trainer drives the model's forward pass, the losses and the optimizer;
it never touches a kernel.  Data are validated once per call
(data_adapter), then every step runs: forward on the tape, weighted losses,
`gradients`, one in-place optimizer update.
"""
import itertools
import math
import numbers
import warnings

import numpy as np

from .. import callbacks as callbacks_mod
from .. import optimizers as optimizers_mod
from .._threads import sync_thread
from ..autodiff import Tensor, as_array, floatx, gradients, no_grad
from ..ops import elementwise as E
from ..ops import reduce as R
from ..ops.random import get_rng
from ..utils.sequence import Sequence
from . import compile_utils, data_adapter as da
from .generator_loops import GeneratorLoops, is_generator_like

_IGNORED_COMPILE_ARGS = {"run_eagerly", "steps_per_execution", "jit_compile",
                         "target_tensors", "pss_evaluation_shards"}


class _Means:
    """Running means of the logged values over the batches of an epoch:
    losses weighted by batch size, metrics by their number of values."""

    def __init__(self, names):
        self.names = names
        self.sums = np.zeros(len(names))
        self.counts = np.zeros(len(names))

    def add(self, values, counts):
        self.sums += values
        self.counts += counts

    def result(self):
        means = self.sums / np.where(self.counts > 0, self.counts, 1.0)
        return {n: float(v) for n, v in zip(self.names, means)}


def _scalar_or_list(values):
    return values[0] if len(values) == 1 else list(values)


class Trainer(GeneratorLoops):
    """Mixin that gives a functional Model Keras's training API."""

    optimizer = None
    stop_training = False
    history = None
    _specs = None
    _compile_config = None
    _batch_totals = None    # running sums of *_on_batch with reset_metrics=False
    _masked_outputs = None  # whether some output carries a mask (found once)

    # ------------------------------------------------------------ compile
    def compile(self, optimizer="rmsprop", loss=None, metrics=None,
                loss_weights=None, sample_weight_mode=None,
                weighted_metrics=None, **kwargs):
        """Configure the model for training (tf-keras arguments)."""
        unknown = set(kwargs) - _IGNORED_COMPILE_ARGS
        if unknown:
            raise TypeError(f"compile() got unexpected argument(s) {sorted(unknown)}")
        self.optimizer = optimizers_mod.get(optimizer)
        self._compile_config = dict(loss=loss, metrics=metrics,
                                    loss_weights=loss_weights,
                                    sample_weight_mode=sample_weight_mode,
                                    weighted_metrics=weighted_metrics)
        self._specs = None
        if self.built:
            self._resolve_compile()

    def _resolve_compile(self):
        cfg = self._compile_config
        self._specs = compile_utils.resolve(
            self.output_names, [tuple(t.shape) for t in self.outputs],
            cfg["loss"], cfg["loss_weights"], cfg["metrics"],
            cfg["sample_weight_mode"], cfg["weighted_metrics"])
        self.metrics_names = compile_utils.metrics_names(self._specs)
        self._batch_totals = None

    def _require_compiled(self, what):
        if self._compile_config is None:
            raise RuntimeError(f"{what}: the model must be compiled first "
                               f"(call model.compile(optimizer, loss))")
        if self._specs is None:
            self._resolve_compile()

    @property
    def metrics_names(self):
        """Names of what evaluate/train_on_batch return, in order: 'loss',
        the per-output losses (several outputs), then the metrics."""
        return getattr(self, "_metrics_names", [])

    @metrics_names.setter
    def metrics_names(self, names):
        self._metrics_names = names

    # --------------------------------------------------------- data checks
    def _input_arrays(self, x):
        self._build_from_data(x)
        xs = da.to_arrays(x, self.input_names, "input")
        return da.check_inputs(xs, self.input_names,
                               [tuple(t.shape) for t in self.inputs],
                               [t.dtype for t in self.inputs])

    def _build_from_data(self, x):
        """A deferred Sequential learns its input shape from the first data."""
        if not self.built:
            if isinstance(x, dict) and len(x) == 1:
                first = np.asarray(next(iter(x.values())))
            else:
                first = da.to_arrays(x, ["input"], "input")[0]
            self.build((None,) + first.shape[1:])

    def _standardize(self, x, y, sample_weight=None, class_weight=None):
        """Checked input, target and sample-weight arrays (class weights
        folded into the sample weights), before any computation."""
        xs = self._input_arrays(x)
        self._require_compiled("fit/evaluate")
        ys = da.to_arrays(y, self.output_names, "target")
        ys = da.check_targets(ys, self._specs,
                              [tuple(t.shape) for t in self.outputs], floatx())
        da.check_counts([("input", self.input_names, xs),
                         ("target", self.output_names, ys)])
        sws = da.sample_weights(sample_weight, ys, self._specs)
        da.check_finite(xs, self.input_names, "input")
        da.check_finite(ys, self.output_names, "target")
        return xs, ys, da.apply_class_weight(class_weight, ys, sws, self._specs)

    # ---------------------------------------------------------- one step
    def _forward(self, xs, training):
        """Output Tensors, and output masks (None where an output has none:
        Embedding(mask_zero=True) upstream gives sequence outputs one)."""
        inputs = [Tensor(x) for x in xs]
        inputs = inputs[0] if len(inputs) == 1 else inputs
        if self._masked_outputs is None:
            self._masked_outputs = any(getattr(t, "_keras_mask", None) is not None
                                       for t in self.outputs)
        if self._masked_outputs:
            outs, masks = self.call_with_masks(inputs, training=training)
            return outs, [None if m is None else as_array(m) for m in masks]
        out = self.call(inputs, training=training)
        out = list(out) if isinstance(out, (list, tuple)) else [out]
        return out, [None] * len(out)

    def _losses(self, ys, outs, sws, masks):
        """Total loss Tensor and each output's (unweighted-by-loss_weight) loss.

        Each output's loss is the mean of its per-sample (per-step) values
        times the sample weights.  Masked steps get weight 0 and the others
        are scaled so the mean runs over valid steps only, as in tf-keras.
        """
        total, per_output = None, []
        for spec, y, out, sw, mask in zip(self._specs, ys, outs, sws, masks):
            values = spec.loss(Tensor(y), out)
            w = _expand(sw, values.ndim)
            if mask is not None and mask.shape == values.shape:
                m = mask.astype(values.dtype)
                valid = m.sum()
                m *= m.size / valid if valid else 0.0
                w = m if w is None else w * m
            if w is not None:
                values = E.multiply(values, w)
            loss = R.mean(values)
            per_output.append(loss)
            term = loss if spec.weight == 1.0 else E.multiply(loss, spec.weight)
            total = term if total is None else E.add(total, term)
        for reg in self.losses:
            total = E.add(total, reg)
        return total, per_output

    def _metric_values(self, ys, outs, sws, masks):
        """(sum, count) of every metric: plain metrics average over the
        (unmasked) values, weighted metrics weight them by sample weight."""
        values, counts = [], []
        for spec, y, out, sw, mask in zip(self._specs, ys, outs, sws, masks):
            pred = as_array(out)
            for _, fn, weighted in spec.metrics:
                r = np.asarray(as_array(fn(y, pred)), dtype=np.float64)
                w = _expand(sw, r.ndim) if weighted else None
                if mask is not None and mask.shape == r.shape:
                    w = mask if w is None else w * mask
                if w is None:
                    values.append(float(r.sum()))
                    counts.append(float(max(r.size, 1)))
                else:
                    w = np.broadcast_to(w, r.shape)
                    values.append(float((r * w).sum()))
                    counts.append(float(w.sum()))
        return values, counts

    def _step(self, xs, ys, sws, train):
        """One batch: (sums, counts) in metrics_names order, whose ratios are
        the batch's values (losses count once per sample)."""
        sync_thread()      # a server's or loader's thread adopts the count
        n = xs[0].shape[0]
        if train:
            outs, masks = self._forward(xs, training=True)
            total, per_output = self._losses(ys, outs, sws, masks)
            variables = self.trainable_weights
            if variables:       # a frozen model still runs in training mode
                self.optimizer.apply(gradients(total, variables), variables)
        else:
            with no_grad():
                outs, masks = self._forward(xs, training=False)
                total, per_output = self._losses(ys, outs, sws, masks)
        losses = [float(total.data) * n]
        if len(self._specs) > 1:
            losses += [float(t.data) * n for t in per_output]
        mvals, mcounts = self._metric_values(ys, outs, sws, masks)
        return losses + mvals, [n] * len(losses) + mcounts

    # ---------------------------------------------------------- on_batch
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       reset_metrics=True, return_dict=False):
        """One gradient update on one batch; returns the loss (and metrics):
        a scalar, or a list in `metrics_names` order."""
        xs, ys, sws = self._standardize(x, y, sample_weight, class_weight)
        values, counts = self._step(xs, ys, sws, train=True)
        return self._batch_result(values, counts, reset_metrics, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, reset_metrics=True,
                      return_dict=False):
        """Loss (and metrics) of one batch, without updating weights."""
        xs, ys, sws = self._standardize(x, y, sample_weight)
        values, counts = self._step(xs, ys, sws, train=False)
        return self._batch_result(values, counts, reset_metrics, return_dict)

    def predict_on_batch(self, x):
        """Predictions for one batch: an array, or a list per output."""
        sync_thread()
        xs = self._checked_inputs(x)        # None unless x needs no checks
        if xs is None:
            xs = self._input_arrays(x)
        return _scalar_or_list(self._predict_arrays(xs))

    def reset_metrics(self):
        """Forget the running values `*_on_batch(reset_metrics=False)` keep."""
        self._batch_totals = None

    def _batch_result(self, values, counts, reset, return_dict):
        """The batch's values; with reset=False, running means over the
        batches since the last reset, as tf-keras's stateful metrics give."""
        if self._batch_totals is not None:
            values = [a + b for a, b in zip(values, self._batch_totals[0])]
            counts = [a + b for a, b in zip(counts, self._batch_totals[1])]
        self._batch_totals = None if reset else (values, counts)
        means = [v / c if c > 0 else 0.0 for v, c in zip(values, counts)]
        if return_dict:
            return dict(zip(self.metrics_names, means))
        return _scalar_or_list(means)

    # --------------------------------------------------------------- fit
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose=1,
            callbacks=None, validation_split=0.0, validation_data=None,
            shuffle=True, class_weight=None, sample_weight=None,
            initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1,
            max_queue_size=10, workers=1, use_multiprocessing=False, **kwargs):
        """Train for `epochs` epochs; returns the History callback.

        The data are checked once.  `validation_split` holds out the last
        samples before any shuffling; class weights apply to the training
        samples only.  With `steps_per_epoch`, each epoch takes that many
        batches from one stream that runs on through the data.
        """
        epochs = _epochs_alias(epochs, kwargs, "fit")
        if is_generator_like(x):
            if y is not None:
                raise ValueError("fit: `y` must be None when `x` is a "
                                 "generator or Sequence (it yields targets)")
            for name, value in (("validation_split", validation_split),
                                ("sample_weight", sample_weight)):
                if value:
                    raise ValueError(f"fit: `{name}` is not supported when `x` "
                                     f"is a generator or Sequence; pass "
                                     f"validation_data / yield sample weights")
            return self.fit_generator(
                x, steps_per_epoch, epochs=epochs, verbose=verbose,
                callbacks=callbacks, validation_data=validation_data,
                validation_steps=validation_steps, class_weight=class_weight,
                max_queue_size=max_queue_size, workers=workers,
                use_multiprocessing=use_multiprocessing,
                initial_epoch=initial_epoch, shuffle=shuffle)
        _check_count(epochs, "fit", "epochs", 0)
        _check_count(initial_epoch, "fit", "initial_epoch", 0)
        if steps_per_epoch is not None:
            _check_count(steps_per_epoch, "fit", "steps_per_epoch", 1)
        xs, ys, sws = self._standardize(x, y, sample_weight)
        (xs, ys, sws), val = self._held_out((xs, ys, sws), validation_data,
                                            validation_split, validation_steps)
        sws = da.apply_class_weight(class_weight, ys, sws, self._specs)
        n = xs[0].shape[0]
        if n == 0:
            raise ValueError("fit: the training data holds no samples")
        if batch_size is None:
            batch_size = -(-n // steps_per_epoch) if steps_per_epoch else 32
        batch_size = da.check_batch_size(batch_size, "fit")
        cbks = self._callbacks(callbacks, verbose, epochs,
                               steps_per_epoch or da.batches_per_pass(n, batch_size))
        order = shuffle if shuffle == "batch" else bool(shuffle)
        rng = get_rng()
        stream = None
        if steps_per_epoch is not None:
            stream = da.batches(n, batch_size, order, rng, steps=math.inf)

        def epoch_batches(epoch):
            indices = (da.batches(n, batch_size, order, rng) if stream is None
                       else itertools.islice(stream, steps_per_epoch))
            for index in indices:
                yield da.take(xs, index), da.take(ys, index), da.take(sws, index)

        if val is not None:
            vbs = da.check_batch_size(validation_batch_size or batch_size, "fit")

            def validate():
                return self._evaluate_batches(
                    _array_batches(*val, vbs, validation_steps), callbacks=cbks)
        elif validation_data is not None:
            def validate():
                return self.evaluate_generator(
                    validation_data, validation_steps, return_dict=True,
                    callbacks=cbks, max_queue_size=max_queue_size,
                    workers=workers, use_multiprocessing=use_multiprocessing)
        else:
            validate = None
        return self._fit_loop(epoch_batches, cbks, epochs, initial_epoch,
                              validate, validation_freq)

    def _held_out(self, arrays, validation_data, validation_split, validation_steps):
        """(training arrays, validation arrays or None): validation_data
        checked as given, or the last `validation_split` of the arrays."""
        if is_generator_like(validation_data):
            if validation_steps is None and not isinstance(validation_data, Sequence):
                raise ValueError("fit: validation_steps is required when "
                                 "validation_data is a plain generator")
            return arrays, None
        if validation_data is not None:
            return arrays, self._validation_arrays(validation_data)
        if not validation_split:
            return arrays, None
        xs, ys, sws = arrays
        n_in, n_out = len(xs), len(ys)
        train, held = da.split_validation(xs + ys + sws, validation_split)
        return ((train[:n_in], train[n_in:n_in + n_out], train[n_in + n_out:]),
                (held[:n_in], held[n_in:n_in + n_out], held[n_in + n_out:]))

    def _validation_arrays(self, data):
        if not isinstance(data, (list, tuple)) or len(data) not in (2, 3):
            raise ValueError("validation_data must be a tuple (x, y) or "
                             "(x, y, sample_weight), a generator or a Sequence")
        return self._standardize(*data)

    def _callbacks(self, callbacks, verbose, epochs, steps):
        cbks = callbacks_mod.CallbackList(
            callbacks, add_history=True, add_progbar=verbose > 0, model=self,
            epochs=epochs, steps=steps, verbose=verbose,
            metrics=list(self.metrics_names))
        self.history = cbks.history
        return cbks

    def _fit_loop(self, epoch_batches, cbks, epochs, initial_epoch, validate,
                  validation_freq=1):
        """The epoch/batch loop shared by fit and fit_generator."""
        self.stop_training = False
        self._batch_totals = None
        cbks.on_train_begin()
        names = self.metrics_names
        logs = None
        for epoch in range(initial_epoch, epochs):
            means = _Means(names)
            cbks.on_epoch_begin(epoch)
            batch_hooks = cbks.needs_batch_hooks("train")
            for step, (bx, by, bsw) in enumerate(epoch_batches(epoch)):
                if batch_hooks:
                    cbks.on_train_batch_begin(step, {"batch": step,
                                                     "size": bx[0].shape[0]})
                values, counts = self._step(bx, by, bsw, train=True)
                means.add(values, counts)
                if batch_hooks:
                    cbks.on_train_batch_end(step, means.result())
                if self.stop_training:
                    break
            logs = means.result()
            if validate is not None and _due(epoch, validation_freq):
                logs.update({"val_" + k: v for k, v in validate().items()})
            cbks.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        cbks.on_train_end(logs)
        return self.history

    # ---------------------------------------------------------- evaluate
    def evaluate(self, x=None, y=None, batch_size=None, verbose=1,
                 sample_weight=None, steps=None, callbacks=None,
                 max_queue_size=10, workers=1, use_multiprocessing=False,
                 return_dict=False, **kwargs):
        """Loss and metrics on the data: a scalar, or a list in
        `metrics_names` order (a dict with return_dict=True)."""
        if kwargs:
            raise TypeError(f"evaluate() got unexpected argument(s) {sorted(kwargs)}")
        if is_generator_like(x):
            return self.evaluate_generator(
                x, steps, max_queue_size=max_queue_size, workers=workers,
                use_multiprocessing=use_multiprocessing, verbose=verbose,
                return_dict=return_dict, callbacks=callbacks)
        xs, ys, sws = self._standardize(x, y, sample_weight)
        n = xs[0].shape[0]
        if n == 0:
            raise ValueError("evaluate: the data holds no samples")
        if steps is not None:
            _check_count(steps, "evaluate", "steps", 1)
        if batch_size is None:
            batch_size = -(-n // steps) if steps else 32
        batch_size = da.check_batch_size(batch_size, "evaluate")
        steps = steps or da.batches_per_pass(n, batch_size)
        cbks = callbacks_mod.CallbackList(callbacks, model=self, verbose=verbose,
                                          epochs=1, steps=steps)
        logs = self._evaluate_batches(_array_batches(xs, ys, sws, batch_size, steps),
                                      verbose=verbose, callbacks=cbks, steps=steps)
        if return_dict:
            return logs
        return _scalar_or_list([logs[k] for k in self.metrics_names])

    def _evaluate_batches(self, batch_iter, verbose=0, callbacks=None,
                          steps=None):
        """Mean loss and metrics over the batches (inference mode); dispatches
        the on_test_* hooks to `callbacks` (a CallbackList or a list)."""
        self._require_compiled("evaluate")
        self._batch_totals = None
        means = _Means(self.metrics_names)
        cbks = callbacks
        if not isinstance(cbks, callbacks_mod.CallbackList):
            cbks = callbacks_mod.CallbackList(list(callbacks or []), model=self)
        cbks.on_test_begin()
        hooks = cbks.needs_batch_hooks("test")
        bar = _progbar(steps, verbose)
        for step, (bx, by, bsw) in enumerate(batch_iter):
            if hooks:
                cbks.on_test_batch_begin(step)
            values, counts = self._step(bx, by, bsw, train=False)
            means.add(values, counts)
            if hooks or bar is not None:
                logs = means.result()
                if hooks:
                    cbks.on_test_batch_end(step, logs)
                if bar is not None:
                    bar.update(step + 1, list(logs.items()))
        logs = means.result()
        cbks.on_test_end(logs)
        return logs

    # ----------------------------------------------------------- predict
    def predict(self, x, batch_size=None, verbose=0, steps=None,
                callbacks=None, max_queue_size=10, workers=1,
                use_multiprocessing=False):
        """Predictions: an array, or a list of arrays per output."""
        if is_generator_like(x):
            return self.predict_generator(
                x, steps, max_queue_size=max_queue_size, workers=workers,
                use_multiprocessing=use_multiprocessing, verbose=verbose,
                callbacks=callbacks)
        xs = self._checked_inputs(x)
        if xs is not None and steps is None and not callbacks and not verbose \
                and 0 < xs[0].shape[0] <= (batch_size or 32):
            # one batch, nothing to report: the plan's fresh outputs as they are
            # (copied where a layer passed an input through)
            sync_thread()
            return _scalar_or_list([o.copy() if any(np.may_share_memory(o, a) for a in xs)
                                    else o for o in self._predict_arrays(xs)])
        xs = self._input_arrays(x)
        n = da.check_counts([("input", self.input_names, xs)])
        if steps is not None:
            _check_count(steps, "predict", "steps", 1)
        if batch_size is None:
            batch_size = -(-n // steps) if steps and n else 32
        batch_size = da.check_batch_size(batch_size, "predict")
        batches = ((da.take(xs, idx),)
                   for idx in da.batches(n, batch_size, steps=steps))
        # Wrapping `steps` past the data yields more rows than samples.
        return self._predict_batches(
            batches, n if steps is None else None, verbose, callbacks,
            steps=steps or da.batches_per_pass(n, batch_size))

    def _predict_batches(self, batch_iter, n=None, verbose=0, callbacks=None,
                         steps=None):
        sync_thread()
        cbks = callbacks_mod.CallbackList(list(callbacks or []))
        cbks.set_model(self)
        cbks.on_predict_begin()
        bar = _progbar(steps, verbose)
        results, chunks, filled = None, None, 0
        for step, (bx, *_) in enumerate(batch_iter):
            cbks.on_predict_batch_begin(step)
            outs = self._predict_arrays(bx)
            m = outs[0].shape[0]
            if n is not None:
                if results is None:
                    results = [np.empty((n,) + o.shape[1:], o.dtype)
                               for o in outs]
                for r, o in zip(results, outs):
                    r[filled:filled + m] = o
            else:
                chunks = chunks or [[] for _ in outs]
                for c, o in zip(chunks, outs):
                    c.append(o)
            filled += m
            cbks.on_predict_batch_end(step, {"outputs": outs})
            if bar is not None:
                bar.update(step + 1)
        cbks.on_predict_end()
        if n is None:
            if chunks is None:
                raise ValueError("predict: the data produced no batches")
            return _scalar_or_list([np.concatenate(c) for c in chunks])
        if results is None:     # zero samples
            results = [np.empty((0,) + tuple(d or 0 for d in t.shape[1:]),
                                np.dtype(floatx())) for t in self.outputs]
        return _scalar_or_list([r[:filled] for r in results])


def _expand(weights, ndim):
    """Per-sample (or per-step) weights with trailing axes to broadcast
    against values of rank `ndim`."""
    if weights is None:
        return None
    return weights.reshape(weights.shape + (1,) * (ndim - weights.ndim))


def _array_batches(xs, ys, sws, batch_size, steps=None):
    n = xs[0].shape[0]
    for index in da.batches(n, batch_size, steps=steps):
        yield da.take(xs, index), da.take(ys, index), da.take(sws, index)


def _progbar(steps, verbose):
    if not verbose:
        return None
    from ..utils.progbar import Progbar
    return Progbar(steps, verbose=verbose)


def _due(epoch, freq):
    if isinstance(freq, int):
        return (epoch + 1) % freq == 0
    return (epoch + 1) in freq


def _check_count(value, where, what, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) \
            or value < minimum:
        raise ValueError(f"{where}: {what} must be an integer >= {minimum}, "
                         f"got {value!r}")


def _epochs_alias(epochs, kwargs, where):
    if "nb_epoch" in kwargs:
        warnings.warn(f"{where}: `nb_epoch` is deprecated, use `epochs`",
                      DeprecationWarning, stacklevel=3)
        epochs = kwargs.pop("nb_epoch")
    if kwargs:
        raise TypeError(f"{where}() got unexpected argument(s) {sorted(kwargs)}")
    return epochs
