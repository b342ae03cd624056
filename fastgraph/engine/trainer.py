"""Keras's training API for Model: compile, fit, evaluate, predict and the
*_on_batch methods.

The trainer drives the model's forward pass, the losses and the optimizer;
it never touches a kernel.  Data are validated once per call
(data_adapter), then every step runs: forward on the tape, weighted losses,
`gradients`, one in-place optimizer update.
"""
import warnings

import numpy as np

from .. import callbacks as callbacks_mod
from .. import optimizers as optimizers_mod
from ..autodiff import Tensor, as_array, floatx, gradients, no_grad
from ..ops import elementwise as E
from ..ops import reduce as R
from ..ops.random import get_rng
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
        means = self.sums / np.maximum(self.counts, 1)
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
        shapes = [tuple(t.shape) for t in self.outputs]
        self._specs = compile_utils.resolve(
            self.output_names, shapes, cfg["loss"], cfg["loss_weights"],
            cfg["metrics"], cfg["sample_weight_mode"])
        weighted = cfg["weighted_metrics"]
        if weighted:
            extra = compile_utils.resolve(self.output_names, shapes,
                                          cfg["loss"], metrics=weighted)
            for spec, more in zip(self._specs, extra):
                spec.metrics += [("weighted_" + n, fn, True)
                                 for n, fn in more.metrics]
        self.metrics_names = compile_utils.metrics_names(self._specs)

    def _require_compiled(self, what):
        if self._compile_config is None:
            raise RuntimeError(f"{what}: the model must be compiled first "
                               f"(call model.compile(optimizer, loss))")
        if self._specs is None:
            self._resolve_compile()

    @property
    def metrics_names(self):
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
            first = x[0] if isinstance(x, (list, tuple)) else x
            if isinstance(first, dict):
                first = next(iter(first.values()))
            self.build((None,) + tuple(np.shape(first)[1:]))

    def _standardize(self, x, y, sample_weight=None, class_weight=None,
                     check_finite=True):
        xs = self._input_arrays(x)
        self._require_compiled("fit/evaluate")
        ys = da.to_arrays(y, self.output_names, "target")
        ys = da.check_targets(ys, self._specs,
                              [tuple(t.shape) for t in self.outputs], floatx())
        sws = da.sample_weights(sample_weight, class_weight, ys, self._specs)
        da.check_counts([("input", self.input_names, xs),
                         ("target", self.output_names, ys),
                         ("sample_weight", self.output_names, sws)])
        if check_finite:
            da.check_finite(xs, self.input_names, "input")
            da.check_finite(ys, self.output_names, "target")
        return xs, ys, sws

    # ---------------------------------------------------------- one step
    def _forward(self, xs, training):
        inputs = [Tensor(x) for x in xs]
        out = self.call(inputs[0] if len(inputs) == 1 else inputs,
                        training=training)
        return list(out) if isinstance(out, (list, tuple)) else [out]

    def _losses(self, ys, outs, sws):
        """Total loss Tensor and each output's (unweighted-by-loss_weight) loss."""
        total, per_output = None, []
        for spec, y, out, sw in zip(self._specs, ys, outs, sws):
            values = spec.loss(Tensor(y), out)
            if sw is not None:
                w = sw.reshape(sw.shape + (1,) * (values.ndim - sw.ndim))
                values = E.multiply(values, w)
            loss = R.mean(values)
            per_output.append(loss)
            term = loss if spec.weight == 1.0 else E.multiply(loss, spec.weight)
            total = term if total is None else E.add(total, term)
        for reg in self.losses:
            total = E.add(total, reg)
        return total, per_output

    def _metric_values(self, ys, outs, sws):
        values, counts = [], []
        for spec, y, out, sw in zip(self._specs, ys, outs, sws):
            pred = as_array(out)
            for entry in spec.metrics:
                r = np.asarray(as_array(entry[1](y, pred)), dtype=np.float64)
                if len(entry) == 3 and sw is not None:    # weighted metric
                    w = sw.reshape(sw.shape + (1,) * (r.ndim - sw.ndim))
                    w = np.broadcast_to(w, r.shape)
                    values.append(float((r * w).sum()))
                    counts.append(float(w.sum()))
                else:
                    values.append(float(r.sum()))
                    counts.append(float(max(r.size, 1)))
        return values, counts

    def _step(self, xs, ys, sws, train):
        """One batch: (sums, counts) in metrics_names order, whose ratios are
        the batch's values (losses count once per sample)."""
        n = xs[0].shape[0]
        if train:
            outs = self._forward(xs, training=True)
            total, per_output = self._losses(ys, outs, sws)
            variables = self.trainable_weights
            grads = gradients(total, variables)
            self.optimizer.apply(grads, variables)
        else:
            with no_grad():
                outs = self._forward(xs, training=False)
                total, per_output = self._losses(ys, outs, sws)
        losses = [float(total.data) * n]
        if len(self._specs) > 1:
            losses += [float(t.data) * n for t in per_output]
        mvals, mcounts = self._metric_values(ys, outs, sws)
        return losses + mvals, [n] * len(losses) + mcounts

    # ---------------------------------------------------------- on_batch
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       reset_metrics=True, return_dict=False):
        """One gradient update on one batch; returns the loss (and metrics)."""
        xs, ys, sws = self._standardize(x, y, sample_weight, class_weight)
        values, counts = self._step(xs, ys, sws, train=True)
        return self._batch_result(values, counts, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, reset_metrics=True,
                      return_dict=False):
        """Loss (and metrics) of one batch, without updating weights."""
        xs, ys, sws = self._standardize(x, y, sample_weight)
        values, counts = self._step(xs, ys, sws, train=False)
        return self._batch_result(values, counts, return_dict)

    def predict_on_batch(self, x):
        """Predictions for one batch: an array, or a list per output."""
        xs = self._input_arrays(x)
        with no_grad():
            outs = self._forward(xs, training=False)
        return _scalar_or_list([as_array(o) for o in outs])

    def _batch_result(self, values, counts, return_dict):
        means = [v / max(c, 1) for v, c in zip(values, counts)]
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
        """Train for `epochs` epochs; returns the History callback."""
        epochs = _epochs_alias(epochs, kwargs, "fit")
        if is_generator_like(x):
            if y is not None:
                raise ValueError("fit: `y` must be None when `x` is a "
                                 "generator or Sequence (it yields targets)")
            return self.fit_generator(
                x, steps_per_epoch, epochs=epochs, verbose=verbose,
                callbacks=callbacks, validation_data=validation_data,
                validation_steps=validation_steps, class_weight=class_weight,
                max_queue_size=max_queue_size, workers=workers,
                use_multiprocessing=use_multiprocessing,
                initial_epoch=initial_epoch, shuffle=shuffle)
        batch_size = 32 if batch_size is None else batch_size
        xs, ys, sws = self._standardize(x, y, sample_weight, class_weight)
        val = None
        if validation_data is not None:
            val = self._validation_arrays(validation_data)
        elif validation_split:
            n_in, n_out = len(xs), len(ys)
            train, held = da.split_validation(xs + ys + sws, validation_split)
            xs, ys, sws = train[:n_in], train[n_in:n_in + n_out], train[n_in + n_out:]
            val = (held[:n_in], held[n_in:n_in + n_out], held[n_in + n_out:])
        n = xs[0].shape[0]
        steps = steps_per_epoch or -(-n // batch_size)
        cbks = self._callbacks(callbacks, verbose, epochs, steps)
        rng = get_rng()

        def epoch_batches(epoch):
            for index in da.batches(n, batch_size, shuffle and shuffle != "batch",
                                    rng, steps_per_epoch):
                yield da.take(xs, index), da.take(ys, index), da.take(sws, index)

        def validate():
            vx, vy, vsw = val
            return self._evaluate_batches(
                _array_batches(vx, vy, vsw, validation_batch_size or batch_size,
                               validation_steps))

        return self._fit_loop(epoch_batches, cbks, epochs, initial_epoch,
                              validate if val is not None else None,
                              validation_freq)

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
        cbks.on_train_begin()
        names = self.metrics_names
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
        cbks.on_train_end()
        return self.history

    # ---------------------------------------------------------- evaluate
    def evaluate(self, x=None, y=None, batch_size=None, verbose=1,
                 sample_weight=None, steps=None, callbacks=None,
                 max_queue_size=10, workers=1, use_multiprocessing=False,
                 return_dict=False, **kwargs):
        """Loss and metrics on the data: a scalar, or a list in
        `metrics_names` order (a dict with return_dict=True)."""
        if is_generator_like(x):
            return self.evaluate_generator(
                x, steps, max_queue_size=max_queue_size, workers=workers,
                use_multiprocessing=use_multiprocessing, verbose=verbose,
                return_dict=return_dict)
        xs, ys, sws = self._standardize(x, y, sample_weight)
        batch_size = 32 if batch_size is None else batch_size
        n = xs[0].shape[0]
        logs = self._evaluate_batches(
            _array_batches(xs, ys, sws, batch_size, steps), verbose=verbose,
            callbacks=callbacks, steps=steps or -(-n // batch_size))
        if return_dict:
            return logs
        return _scalar_or_list([logs[n] for n in self.metrics_names])

    def _evaluate_batches(self, batch_iter, verbose=0, callbacks=None,
                          steps=None):
        self._require_compiled("evaluate")
        means = _Means(self.metrics_names)
        cbks = callbacks_mod.CallbackList(list(callbacks or []))
        cbks.set_model(self)
        cbks.on_test_begin()
        bar = _progbar(steps, verbose)
        for step, (bx, by, bsw) in enumerate(batch_iter):
            cbks.on_test_batch_begin(step)
            values, counts = self._step(bx, by, bsw, train=False)
            means.add(values, counts)
            logs = means.result()
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
                use_multiprocessing=use_multiprocessing, verbose=verbose)
        xs = self._input_arrays(x)
        n = da.check_counts([("input", self.input_names, xs)])
        batch_size = 32 if batch_size is None else batch_size
        return self._predict_batches(
            ((da.take(xs, idx),) for idx in da.batches(n, batch_size, steps=steps)),
            n, verbose, callbacks, steps=steps or -(-n // batch_size))

    def _predict_batches(self, batch_iter, n=None, verbose=0, callbacks=None,
                         steps=None):
        cbks = callbacks_mod.CallbackList(list(callbacks or []))
        cbks.set_model(self)
        cbks.on_predict_begin()
        bar = _progbar(steps, verbose)
        results, chunks, filled = None, None, 0
        with no_grad():
            for step, (bx, *_) in enumerate(batch_iter):
                cbks.on_predict_batch_begin(step)
                outs = [as_array(o) for o in self._forward(bx, training=False)]
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


def _epochs_alias(epochs, kwargs, where):
    if "nb_epoch" in kwargs:
        warnings.warn(f"{where}: `nb_epoch` is deprecated, use `epochs`",
                      DeprecationWarning, stacklevel=3)
        epochs = kwargs.pop("nb_epoch")
    if kwargs:
        raise TypeError(f"{where}() got unexpected argument(s) {sorted(kwargs)}")
    return epochs
