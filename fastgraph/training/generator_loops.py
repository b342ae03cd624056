"""fit_generator, evaluate_generator and predict_generator: Keras 2's
training from Python generators and Sequences, over the trainer's loops."""
import contextlib
import inspect

from ..utils.sequence import Sequence


def is_generator_like(x):
    """True for generators, iterators and Sequences (not arrays or lists)."""
    return isinstance(x, Sequence) or inspect.isgenerator(x) or (
        hasattr(x, "__next__") and hasattr(x, "__iter__"))


def _unpack(batch, where):
    if not isinstance(batch, tuple) or len(batch) not in (2, 3):
        raise ValueError(f"{where}: a generator must yield tuples (inputs, "
                         f"targets) or (inputs, targets, sample_weights), got "
                         f"{type(batch).__name__}"
                         + (f" of length {len(batch)}"
                            if isinstance(batch, tuple) else ""))
    return batch if len(batch) == 3 else (batch[0], batch[1], None)


def _source(data, steps, where):
    if steps is None:
        if isinstance(data, Sequence):
            return len(data)
        raise ValueError(f"{where}: `steps` is required when the data is a "
                         f"plain generator (it has no length); pass "
                         f"steps=... or use a fastgraph.utils.Sequence")
    return steps


class GeneratorLoops:
    """Mixin: the *_generator methods, feeding the trainer's loops."""

    def fit_generator(self, generator, steps_per_epoch=None, epochs=1,
                      verbose=1, callbacks=None, validation_data=None,
                      validation_steps=None, class_weight=None,
                      max_q_size=10, workers=1, pickle_safe=False,
                      initial_epoch=0, shuffle=True, max_queue_size=None,
                      use_multiprocessing=None, **kwargs):
        """Train on batches yielded by a generator or Sequence."""
        from .trainer import _epochs_alias
        epochs = _epochs_alias(epochs, kwargs, "fit_generator")
        steps = _source(generator, steps_per_epoch, "fit_generator")
        self._require_compiled("fit_generator")
        with contextlib.ExitStack() as stack:
            queue = stack.enter_context(self._queue(
                generator, max_q_size, max_queue_size, workers, pickle_safe,
                use_multiprocessing, shuffle))
            validate = None
            if validation_data is not None:
                validate = self._generator_validation(
                    validation_data, validation_steps, stack, max_q_size,
                    max_queue_size, workers, pickle_safe, use_multiprocessing)
            cbks = self._callbacks(callbacks, verbose, epochs, steps)

            def epoch_batches(epoch):
                for batch in queue.batches(steps, epoch):
                    x, y, sw = _unpack(batch, "fit_generator")
                    yield self._standardize(x, y, sw, class_weight)

            return self._fit_loop(epoch_batches, cbks, epochs, initial_epoch,
                                  validate)

    def _generator_validation(self, data, steps, stack, max_q_size,
                              max_queue_size, workers, pickle_safe,
                              use_multiprocessing):
        if not is_generator_like(data):
            vx, vy, vsw = self._validation_arrays(data)
            from .trainer import _array_batches
            return lambda: self._evaluate_batches(
                _array_batches(vx, vy, vsw, 32, steps))
        vsteps = _source(data, steps, "fit_generator validation_data")
        # One queue for the whole fit: a generator continues from epoch to
        # epoch, and worker processes start once.
        queue = stack.enter_context(self._queue(
            data, max_q_size, max_queue_size, workers, pickle_safe,
            use_multiprocessing, False))
        return lambda: self._evaluate_batches(
            self._standardized(queue.batches(vsteps), "validation"))

    def _standardized(self, batches, where):
        for batch in batches:
            x, y, sw = _unpack(batch, where)
            yield self._standardize(x, y, sw)

    def evaluate_generator(self, generator, steps=None, max_q_size=10,
                           workers=1, pickle_safe=False, verbose=0,
                           max_queue_size=None, use_multiprocessing=None,
                           return_dict=False, callbacks=None):
        """Loss and metrics over `steps` batches of a generator."""
        self._require_compiled("evaluate_generator")
        steps = _source(generator, steps, "evaluate_generator")
        queue = self._queue(generator, max_q_size, max_queue_size, workers,
                            pickle_safe, use_multiprocessing, False)
        with queue:
            logs = self._evaluate_batches(
                self._standardized(queue.batches(steps, 0), "evaluate_generator"),
                verbose=verbose, callbacks=callbacks, steps=steps)
        if return_dict:
            return logs
        values = [logs[n] for n in self.metrics_names]
        return values[0] if len(values) == 1 else values

    def predict_generator(self, generator, steps=None, max_q_size=10,
                          workers=1, pickle_safe=False, verbose=0,
                          max_queue_size=None, use_multiprocessing=None,
                          callbacks=None):
        """Predictions over `steps` batches of a generator, in order."""
        steps = _source(generator, steps, "predict_generator")
        queue = self._queue(generator, max_q_size, max_queue_size, workers,
                            pickle_safe, use_multiprocessing, False)

        def inputs():
            for batch in queue.batches(steps, 0):
                x = batch[0] if isinstance(batch, tuple) and len(batch) in (2, 3) \
                    else batch
                yield (self._input_arrays(x),)
        with queue:
            return self._predict_batches(inputs(), None, verbose, callbacks,
                                         steps=steps)

    def _queue(self, data, max_q_size, max_queue_size, workers, pickle_safe,
               use_multiprocessing, shuffle):
        from ..data.enqueuer import BatchQueue
        size = max_q_size if max_queue_size is None else max_queue_size
        procs = pickle_safe if use_multiprocessing is None else use_multiprocessing
        return BatchQueue(data, workers=workers, use_multiprocessing=procs,
                          max_queue_size=size, shuffle=shuffle)
