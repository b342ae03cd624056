"""The count arguments of fit/evaluate/predict (batch_size, steps, epochs,
...), checked alike by every entry point, and Keras 2's spellings of the
others (nb_epoch, max_q_size, pickle_safe)."""
import numbers
import warnings

# argument name: (smallest value, what the error says it must be)
_COUNTS = {
    "batch_size": (1, "a positive integer"),
    "validation_batch_size": (1, "a positive integer"),
    "steps": (1, "an integer >= 1"),
    "steps_per_epoch": (1, "an integer >= 1"),
    "validation_steps": (1, "an integer >= 1"),
    "epochs": (0, "an integer >= 0"),
    "initial_epoch": (0, "an integer >= 0"),
}


def check_counts(where, **counts):
    """Every count given (None means: not given) is an integer of at least
    its smallest value, or a ValueError names `where` and the argument."""
    for name, value in counts.items():
        if value is None:
            continue
        minimum, expected = _COUNTS[name]
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) \
                or value < minimum:
            raise ValueError(f"{where}: {name} must be {expected}, got {value!r}")


def epochs_alias(epochs, kwargs, where):
    """`epochs`, or Keras 1's `nb_epoch` from `kwargs` (deprecated); any
    other keyword left in `kwargs` is a TypeError."""
    if "nb_epoch" in kwargs:
        warnings.warn(f"{where}: `nb_epoch` is deprecated, use `epochs`",
                      DeprecationWarning, stacklevel=3)
        epochs = kwargs.pop("nb_epoch")
    if kwargs:
        raise TypeError(f"{where}() got unexpected argument(s) {sorted(kwargs)}")
    return epochs


def queue_options(workers, max_q_size, max_queue_size, pickle_safe,
                  use_multiprocessing):
    """The data queue's options from Keras 2's names (`max_q_size`,
    `pickle_safe`), which the Keras 3 names override when given."""
    return {"workers": workers,
            "max_queue_size": max_q_size if max_queue_size is None else max_queue_size,
            "use_multiprocessing": pickle_safe if use_multiprocessing is None
            else use_multiprocessing}
