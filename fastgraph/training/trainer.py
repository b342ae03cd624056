"""Keras's training API for Model: compile, fit, evaluate, predict, the
*_on_batch methods, and Keras 2's *_generator names for fit/evaluate/predict.

Arrays are checked once per call (data_adapter); an EpochIterator then
serves every kind of data (arrays, Sequences, generators) to the one loop
of fit, evaluate and predict, and every batch runs one `_step`: forward on
the tape, weighted losses, `gradients`, one in-place optimizer update.  The
trainer never touches a kernel.  The current Strategy (strategy.py) says
which part of the data this process reads and how results of several
processes combine; the default is all of it, here.
"""
from __future__ import annotations

import contextlib
import functools
from typing import Any, Optional, Sequence, Union

import numpy as np

from .. import callbacks as callbacks_mod
from .. import optimizers as optimizers_mod
from .._threads import sync_thread
from ..autodiff import floatx, no_grad
from ..utils.progbar import Progbar
from . import compile_utils, data_adapter as da
from .custom_steps import StepAPI, in_order
from .arguments import (check_counts, check_queue, check_validation_freq,
                        check_verbose, due, epochs_alias, no_array_arguments,
                        queue_options)
from .epoch_iterator import (DEFAULT_BATCH_SIZE, EpochIterator, is_generator_like,
                             require_generator)
from .step import Trackers, apply_gradients, forward, weighted_losses
from .strategy import get_strategy

_IGNORED_COMPILE_ARGS = {"run_eagerly", "steps_per_execution", "jit_compile",
                         "target_tensors", "pss_evaluation_shards"}


def _scalar_or_list(values):
    return values[0] if len(values) == 1 else list(values)


class Trainer(StepAPI):
    """Mixin that gives a Model Keras's training API."""

    optimizer = None
    loss = None
    stop_training = False
    history = None
    _specs = None
    _compile_config = None
    _trackers = None        # the loss means and metric objects (step.Trackers)
    _keep_batch_state = False   # the last *_on_batch had reset_metrics=False
    _masked_outputs = None  # whether some output carries a mask (found once)

    # ------------------------------------------------------------ compile
    def compile(self, optimizer: Any = "rmsprop", loss: Any = None, metrics: Any = None,
                loss_weights: Union[Sequence[float], dict, None] = None,
                sample_weight_mode: Optional[str] = None,
                weighted_metrics: Any = None, **kwargs: Any) -> None:
        """Configure the model for training (tf-keras arguments)."""
        unknown = set(kwargs) - _IGNORED_COMPILE_ARGS
        if unknown:
            raise TypeError(f"compile() got unexpected argument(s) {sorted(unknown)}")
        self.optimizer = optimizers_mod.get(optimizer)
        self.loss = loss     # as given, as Keras 2 keeps it (the wrappers read it)
        self._compile_config = dict(loss=loss, metrics=metrics,
                                    loss_weights=loss_weights,
                                    sample_weight_mode=sample_weight_mode,
                                    weighted_metrics=weighted_metrics)
        self._specs = None
        if self.built:
            self._resolve_compile()

    def _resolve_compile(self):
        cfg = self._compile_config
        if cfg["loss"] is None and self._custom_steps():
            self._specs = []        # the overridden steps compute the loss
        else:
            self._specs = compile_utils.resolve(
                self.output_names, [tuple(t.shape) for t in self.outputs],
                cfg["loss"], cfg["loss_weights"], cfg["metrics"],
                cfg["sample_weight_mode"], cfg["weighted_metrics"],
                cfg["loss"] is None and compile_utils.adds_losses(self))
        self.metrics_names = compile_utils.metrics_names(
            self._specs, [name for _, name in getattr(self, "_terms", ()) if name])
        self._trackers = Trackers(self._specs, self.metrics_names)
        self._keep_batch_state = False

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
        if (y is None or not self._specs) and self._custom_steps():
            return self._unchecked_data(xs, y, sample_weight, class_weight)
        ys = da.to_arrays(y, self.output_names, "target") if self._specs else []
        ys = da.check_targets(ys, self._specs,
                              [tuple(t.shape) for t in self.outputs], floatx())
        da.check_counts([("input", self.input_names, xs),
                         ("target", self.output_names, ys)])
        sws = da.sample_weights(sample_weight, ys, self._specs)
        da.check_finite(xs, self.input_names, "input")
        da.check_finite(ys, self.output_names, "target")
        return xs, ys, da.apply_class_weight(class_weight, ys, sws, self._specs,
                                             [t.shape for t in self.outputs])

    def _predict_inputs(self, x):
        return (self._input_arrays(x),)

    # ---------------------------------------------------------- one step
    def _step(self, xs, ys, sws, train):
        """One batch, added to the trackers of the losses and metrics."""
        sync_thread()      # a server's or loader's thread adopts the count
        if self._overrides("train_step" if train else "test_step"):
            return self._run_step(xs, ys, sws, train)
        self._step_logs = None
        n = xs[0].shape[0]
        if train:
            outs, masks = forward(self, xs, training=True)
            total, per_output = weighted_losses(self, ys, outs, sws, masks)
            variables = self.trainable_weights
            if variables:       # a frozen model still runs in training mode
                apply_gradients(self.optimizer, total, variables, n)
        else:
            with no_grad():
                outs, masks = forward(self, xs, training=False)
                total, per_output = weighted_losses(self, ys, outs, sws, masks)
        losses = [float(total.data)]
        if len(self._specs) > 1:
            losses += [float(t.data) for t in per_output]
        self._trackers.update(self._specs, losses, n, ys, outs, sws, masks,
                              self.added_metrics)

    # ---------------------------------------------------------- on_batch
    def train_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None,
                       class_weight: Optional[dict] = None, reset_metrics: bool = True,
                       return_dict: bool = False) -> Union[float, list, dict]:
        """One gradient update on one batch; returns the loss (and metrics):
        a scalar, or a list in `metrics_names` order."""
        xs, ys, sws = self._standardize(x, y, sample_weight, class_weight)
        self._begin_batch_call()
        self._step(xs, ys, sws, train=True)
        return self._batch_result(reset_metrics, return_dict)

    def test_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None,
                      reset_metrics: bool = True,
                      return_dict: bool = False) -> Union[float, list, dict]:
        """Loss (and metrics) of one batch, without updating weights."""
        xs, ys, sws = self._standardize(x, y, sample_weight)
        self._begin_batch_call()
        self._step(xs, ys, sws, train=False)
        return self._batch_result(reset_metrics, return_dict)

    def predict_on_batch(self, x: Any) -> Union[np.ndarray, list]:
        """Predictions for one batch: an array, or a list per output."""
        sync_thread()
        xs = self._checked_inputs(x)        # None unless x needs no checks
        if xs is None:
            xs = self._input_arrays(x)
        return _scalar_or_list(self._predict_arrays(xs))

    def reset_metrics(self):
        """Forget the state of every metric in `metrics` (fit does at each
        epoch, so do *_on_batch unless reset_metrics=False)."""
        if self._trackers is not None:
            self._trackers.reset()
        for metric in self.metrics:
            metric.reset_state()
        self._keep_batch_state = False

    def _begin_batch_call(self):
        if not self._keep_batch_state:
            self.reset_metrics()

    def _batch_result(self, reset, return_dict):
        """The batch's values; with reset=False, values over the batches
        since the last reset, as tf-keras's stateful metrics give."""
        logs = self._logs()
        self._keep_batch_state = not reset
        if return_dict:
            return logs
        return in_order(logs, self.metrics_names)

    # --------------------------------------------------------------- fit
    def fit(self, x: Any = None, y: Any = None, batch_size: Optional[int] = None,
            epochs: int = 1, verbose: Union[int, str] = 1, callbacks: Optional[list] = None,
            validation_split: float = 0.0, validation_data: Any = None,
            shuffle: Union[bool, str] = True, class_weight: Optional[dict] = None,
            sample_weight: Any = None, initial_epoch: int = 0,
            steps_per_epoch: Optional[int] = None, validation_steps: Optional[int] = None,
            validation_batch_size: Optional[int] = None,
            validation_freq: Union[int, Sequence[int]] = 1, max_queue_size: int = 10,
            workers: int = 1, use_multiprocessing: bool = False,
            data_timeout: Optional[float] = None, **kwargs: Any) -> Any:
        """Train for `epochs` epochs on arrays, a Sequence or a generator;
        returns the History callback.

        Arrays are checked once.  `validation_split` holds out their last
        samples before any shuffling; class weights apply to the training
        samples only.  With `steps_per_epoch`, each epoch takes that many
        batches from one stream that runs on through the data.
        `data_timeout` (seconds; default FASTGRAPH_DATA_TIMEOUT, else none)
        ends a wait for a batch from a Sequence's or generator's workers
        with a TimeoutError naming the worker and the batch.
        """
        epochs = epochs_alias(epochs, kwargs, "fit")
        return self._fit(
            "fit", x, y, sample_weight, batch_size=batch_size, epochs=epochs,
            verbose=verbose, callbacks=callbacks,
            validation_split=validation_split, validation_data=validation_data,
            shuffle=shuffle, class_weight=class_weight,
            initial_epoch=initial_epoch, steps_per_epoch=steps_per_epoch,
            validation_steps=validation_steps,
            validation_batch_size=validation_batch_size,
            validation_freq=validation_freq,
            queue=dict(workers=workers, use_multiprocessing=use_multiprocessing,
                       max_queue_size=max_queue_size, data_timeout=data_timeout))

    def _fit(self, where, x, y, sample_weight, *, batch_size, epochs, verbose,
             callbacks, validation_split, validation_data, shuffle,
             class_weight, initial_epoch, steps_per_epoch, validation_steps,
             validation_batch_size, validation_freq, queue):
        """fit's one path for every kind of data; `where` names the method
        the user called in errors."""
        check_counts(where, batch_size=batch_size, epochs=epochs,
                     initial_epoch=initial_epoch, steps_per_epoch=steps_per_epoch,
                     validation_steps=validation_steps,
                     validation_batch_size=validation_batch_size)
        check_queue(where, queue)
        validation_freq = check_validation_freq(where, validation_freq)
        verbose = check_verbose(where, verbose)
        strategy = get_strategy()
        verbose = verbose if strategy.is_chief else 0
        with contextlib.ExitStack() as stack:
            if is_generator_like(x):
                no_array_arguments(where, y, sample_weight, validation_split)
                train = EpochIterator(
                    x, functools.partial(self._standardize, class_weight=class_weight),
                    steps_per_epoch=steps_per_epoch, shuffle=shuffle, where=where,
                    steps_arg="steps_per_epoch", shard=strategy.shard(True), **queue)
                held = None
                self._require_compiled(where)
            else:
                arrays, held = self._standardize(x, y, sample_weight), None
                if validation_split and validation_data is None:
                    arrays, held = _split_off(arrays, validation_split)
                xs, ys, sws = arrays
                if not xs[0].shape[0]:
                    raise ValueError(f"{where}: the training data holds no samples")
                sws = da.apply_class_weight(class_weight, ys, sws, self._specs,
                                            [t.shape for t in self.outputs])
                train = EpochIterator((xs, ys, sws), batch_size=batch_size,
                                      steps_per_epoch=steps_per_epoch,
                                      shuffle=shuffle, resume=True,
                                      shard=strategy.shard(True))
            stack.enter_context(train)
            val = None
            if validation_data is not None or held is not None:
                val = stack.enter_context(self._validation_iterator(
                    where, validation_data, held, validation_steps,
                    validation_batch_size or train.batch_size, queue))
            cbks = self._callbacks(callbacks, verbose, epochs, train.steps_per_epoch)
            return self._fit_loop(train, val, cbks, epochs, initial_epoch,
                                  validation_freq)

    def _validation_iterator(self, where, data, held, steps, batch_size, queue):
        """The validation data's iterator: `held` arrays (already checked),
        a Sequence or generator (read through its own queue for the whole
        fit), or a tuple (x, y[, sample_weight]) checked here."""
        batch_size = batch_size or DEFAULT_BATCH_SIZE
        shard = get_strategy().shard(False)
        if held is not None:
            return EpochIterator(held, batch_size=batch_size, steps_per_epoch=steps,
                                 shard=shard)
        if is_generator_like(data):
            return EpochIterator(data, self._standardize, steps_per_epoch=steps,
                                 where=f"{where} validation_data",
                                 steps_arg="validation_steps", shard=shard, **queue)
        if not isinstance(data, (list, tuple)) or len(data) not in (2, 3):
            raise ValueError("validation_data must be a tuple (x, y) or "
                             "(x, y, sample_weight), a generator or a Sequence")
        return EpochIterator(self._standardize(*data), batch_size=batch_size,
                             steps_per_epoch=steps, shard=shard)

    def _callbacks(self, callbacks, verbose, epochs, steps):
        cbks = callbacks_mod.CallbackList(
            callbacks, add_history=True, add_progbar=verbose > 0, model=self,
            chief=get_strategy().is_chief,
            epochs=epochs, steps=steps, verbose=verbose,
            metrics=list(self.metrics_names))
        self.history = cbks.history
        return cbks

    def _fit_loop(self, train, val, cbks, epochs, initial_epoch, validation_freq):
        """The epoch/batch loop: `train` serves the batches, `val` (or None)
        is evaluated at the end of the epochs `validation_freq` names."""
        self.stop_training = False
        cbks.on_train_begin()
        state = getattr(self, "_training_state", None)   # set by BackupAndRestore
        if state is not None:
            initial_epoch = state.initial_epoch(initial_epoch)
        logs = None
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            cbks.on_epoch_begin(epoch)
            batch_hooks = cbks.needs_batch_hooks("train")
            for step, (bx, by, bsw) in enumerate(train.epoch(epoch)):
                if batch_hooks:
                    cbks.on_train_batch_begin(step, {"batch": step,
                                                     "size": bx[0].shape[0]})
                self._step(bx, by, bsw, train=True)
                if batch_hooks:
                    cbks.on_train_batch_end(step, self._logs())
                if self.stop_training:
                    break
            logs = self._logs()
            if val is not None and due(epoch, validation_freq):
                logs.update({"val_" + k: v
                             for k, v in self._test_loop(val, cbks).items()})
            cbks.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        cbks.on_train_end(logs)
        return self.history

    # ---------------------------------------------------------- evaluate
    def evaluate(self, x: Any = None, y: Any = None, batch_size: Optional[int] = None,
                 verbose: Union[int, str] = 1, sample_weight: Any = None,
                 steps: Optional[int] = None, callbacks: Optional[list] = None,
                 max_queue_size: int = 10, workers: int = 1,
                 use_multiprocessing: bool = False, return_dict: bool = False,
                 data_timeout: Optional[float] = None,
                 **kwargs: Any) -> Union[float, list, dict]:
        """Loss and metrics on arrays, a Sequence or a generator: a scalar,
        or a list in `metrics_names` order (a dict with return_dict=True)."""
        if kwargs:
            raise TypeError(f"evaluate() got unexpected argument(s) {sorted(kwargs)}")
        return self._evaluate(
            "evaluate", x, y, sample_weight, batch_size=batch_size,
            verbose=verbose, steps=steps, callbacks=callbacks,
            return_dict=return_dict,
            queue=dict(workers=workers, use_multiprocessing=use_multiprocessing,
                       max_queue_size=max_queue_size, data_timeout=data_timeout))

    def _evaluate(self, where, x, y, sample_weight, *, batch_size, verbose,
                  steps, callbacks, return_dict, queue):
        """evaluate's one path for every kind of data."""
        check_counts(where, batch_size=batch_size, steps=steps)
        check_queue(where, queue)
        verbose = check_verbose(where, verbose)
        strategy = get_strategy()
        verbose = verbose if strategy.is_chief else 0
        shard = strategy.shard(False)
        if is_generator_like(x):
            self._require_compiled(where)
            no_array_arguments(where, y, sample_weight)
            data = EpochIterator(x, self._standardize, steps_per_epoch=steps,
                                 where=where, shard=shard, **queue)
        else:
            arrays = self._standardize(x, y, sample_weight)
            if not arrays[0][0].shape[0]:
                raise ValueError(f"{where}: the data holds no samples")
            data = EpochIterator(arrays, batch_size=batch_size,
                                 steps_per_epoch=steps, shard=shard)
        with data:
            cbks = callbacks_mod.CallbackList(callbacks, model=self,
                                              chief=strategy.is_chief,
                                              verbose=verbose, epochs=1,
                                              steps=data.steps_per_epoch)
            logs = self._test_loop(data, cbks, verbose)
        if return_dict:
            return logs
        return in_order(logs, self.metrics_names)

    def _test_loop(self, data, cbks, verbose=0):
        """Mean loss and metrics over one epoch of `data` (inference mode),
        dispatching the on_test_* hooks to `cbks`."""
        self.reset_metrics()
        trackers = self._trackers
        cbks.on_test_begin()
        hooks = cbks.needs_batch_hooks("test")
        # The logs are running means already: the bar shows them as they are,
        # and its last line shows the values evaluate returns.
        bar = Progbar(data.steps_per_epoch, verbose=verbose,
                      stateful_metrics=self.metrics_names) if verbose else None
        steps = 0
        for steps, (bx, by, bsw) in enumerate(data.epoch(), 1):
            if hooks:
                cbks.on_test_batch_begin(steps - 1)
            self._step(bx, by, bsw, train=False)
            if hooks or bar is not None:
                logs = self._logs()
                if hooks:
                    cbks.on_test_batch_end(steps - 1, logs)
                if bar is not None:
                    bar.update(steps, list(logs.items()), finalize=False)
        if data.sharded:
            state = trackers.state()
            get_strategy().reduce_sums(state, np.zeros(0))
            trackers.set_state(state)
        logs = self._logs()
        if bar is not None:
            bar.update(steps, list(logs.items()), finalize=True)
        cbks.on_test_end(logs)
        return logs

    # ----------------------------------------------------------- predict
    def predict(self, x: Any, batch_size: Optional[int] = None,
                verbose: Union[int, str] = 0, steps: Optional[int] = None,
                callbacks: Optional[list] = None, max_queue_size: int = 10,
                workers: int = 1, use_multiprocessing: bool = False,
                data_timeout: Optional[float] = None) -> Union[np.ndarray, list]:
        """Predictions on arrays, a Sequence or a generator: an array, or a
        list of arrays per output."""
        check_counts("predict", batch_size=batch_size, steps=steps)
        check_queue("predict", dict(workers=workers, max_queue_size=max_queue_size,
                                    data_timeout=data_timeout))
        verbose = check_verbose("predict", verbose)
        xs = self._checked_inputs(x)
        if xs is not None and steps is None and not callbacks and not verbose \
                and 0 < xs[0].shape[0] <= (batch_size or DEFAULT_BATCH_SIZE):
            # one batch, nothing to report: the plan's fresh outputs as they are
            # (copied where a layer passed an input through)
            sync_thread()
            return _scalar_or_list([o.copy() if any(np.may_share_memory(o, a) for a in xs)
                                    else o for o in self._predict_arrays(xs)])
        return self._predict(
            "predict", x, batch_size=batch_size, verbose=verbose, steps=steps,
            callbacks=callbacks,
            queue=dict(workers=workers, use_multiprocessing=use_multiprocessing,
                       max_queue_size=max_queue_size, data_timeout=data_timeout))

    def _predict(self, where, x, *, batch_size, verbose, steps, callbacks, queue):
        """predict's one path for every kind of data (the caller checked
        batch_size and steps); with the data shared among processes, each
        predicts its part and gets everyone's outputs in order."""
        strategy = get_strategy()
        verbose = verbose if strategy.is_chief else 0
        shard = strategy.shard(False)
        if is_generator_like(x):
            data = EpochIterator(x, self._predict_inputs, steps_per_epoch=steps,
                                 inputs_only=True, where=where, shard=shard, **queue)
        else:
            xs = self._input_arrays(x)
            da.check_counts([("input", self.input_names, xs)])
            data = EpochIterator((xs,), batch_size=batch_size, steps_per_epoch=steps,
                                 shard=shard)
        with data:
            outs = self._predict_loop(data, verbose, callbacks, where)
        if not data.sharded:
            return outs
        return _scalar_or_list(strategy.gather(outs if isinstance(outs, list) else [outs]))

    def _predict_loop(self, data, verbose, callbacks, where):
        """Every output of one epoch of `data`, in order: filled into arrays
        made once when the number of samples is known, else concatenated."""
        sync_thread()
        cbks = callbacks_mod.CallbackList(callbacks, model=self,
                                          chief=get_strategy().is_chief)
        cbks.on_predict_begin()
        bar = Progbar(data.steps_per_epoch, verbose=verbose) if verbose else None
        n = data.num_samples
        results, chunks, filled = None, None, 0
        for step, (bx,) in enumerate(data.epoch()):
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
        if chunks is not None:
            return _scalar_or_list([np.concatenate(c) for c in chunks])
        if n is None and not data.sharded:      # a shard may hold no batch
            raise ValueError(f"{where}: the data produced no batches")
        if results is None:     # zero samples
            results = [np.empty((0,) + tuple(d or 0 for d in t.shape[1:]),
                                np.dtype(floatx())) for t in self.outputs]
        return _scalar_or_list([r[:filled] for r in results])

    # ------------------------------------------- Keras 2's generator names
    def fit_generator(self, generator, steps_per_epoch=None, epochs=1,
                      verbose=1, callbacks=None, validation_data=None,
                      validation_steps=None, class_weight=None,
                      max_q_size=10, workers=1, pickle_safe=False,
                      initial_epoch=0, shuffle=True, max_queue_size=None,
                      use_multiprocessing=None, data_timeout=None, **kwargs):
        """`fit` on batches a generator or Sequence yields, under Keras 2's
        argument names."""
        epochs = epochs_alias(epochs, kwargs, "fit_generator")
        require_generator(generator, "fit_generator")
        return self._fit(
            "fit_generator", generator, None, None, batch_size=None,
            epochs=epochs, verbose=verbose, callbacks=callbacks,
            validation_split=0.0, validation_data=validation_data,
            shuffle=shuffle, class_weight=class_weight,
            initial_epoch=initial_epoch, steps_per_epoch=steps_per_epoch,
            validation_steps=validation_steps, validation_batch_size=None,
            validation_freq=1,
            queue=queue_options(workers, max_q_size, max_queue_size,
                                pickle_safe, use_multiprocessing, data_timeout))

    def evaluate_generator(self, generator, steps=None, max_q_size=10,
                           workers=1, pickle_safe=False, verbose=0,
                           max_queue_size=None, use_multiprocessing=None,
                           return_dict=False, callbacks=None, data_timeout=None):
        """`evaluate` on `steps` batches of a generator or Sequence, under
        Keras 2's argument names."""
        require_generator(generator, "evaluate_generator")
        return self._evaluate(
            "evaluate_generator", generator, None, None, batch_size=None,
            verbose=verbose, steps=steps, callbacks=callbacks,
            return_dict=return_dict,
            queue=queue_options(workers, max_q_size, max_queue_size,
                                pickle_safe, use_multiprocessing, data_timeout))

    def predict_generator(self, generator, steps=None, max_q_size=10,
                          workers=1, pickle_safe=False, verbose=0,
                          max_queue_size=None, use_multiprocessing=None,
                          callbacks=None, data_timeout=None):
        """`predict` on `steps` batches of a generator or Sequence, in
        order, under Keras 2's argument names."""
        require_generator(generator, "predict_generator")
        check_counts("predict_generator", steps=steps)
        queue = queue_options(workers, max_q_size, max_queue_size, pickle_safe,
                              use_multiprocessing, data_timeout)
        check_queue("predict_generator", queue)
        return self._predict(
            "predict_generator", generator, batch_size=None,
            verbose=check_verbose("predict_generator", verbose), steps=steps,
            callbacks=callbacks, queue=queue)


def _split_off(arrays, validation_split):
    """(training arrays, held-out arrays): the last `validation_split` of
    the checked (inputs, targets, sample weights)."""
    xs, ys, sws = arrays
    n_in, n_out = len(xs), len(ys)
    train, held = da.split_validation(xs + ys + sws, validation_split)
    return ((train[:n_in], train[n_in:n_in + n_out], train[n_in + n_out:]),
            (held[:n_in], held[n_in:n_in + n_out], held[n_in + n_out:]))
