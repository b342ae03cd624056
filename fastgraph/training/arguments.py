"""The arguments of fit/evaluate/predict and the *_generator methods, checked
alike by every entry point: the counts (batch_size, steps, epochs, workers,
...) through the one integer check (utils.arguments), `verbose`,
`validation_freq`, and Keras 2's spellings of the others (nb_epoch,
max_q_size, pickle_safe)."""
import numbers
import warnings

from ..utils.arguments import check_integer, check_seconds

# argument name: (smallest value, what the error says it must be)
_COUNTS = {
    "batch_size": (1, "a positive integer"),
    "validation_batch_size": (1, "a positive integer"),
    "steps": (1, "an integer >= 1"),
    "steps_per_epoch": (1, "an integer >= 1"),
    "validation_steps": (1, "an integer >= 1"),
    "epochs": (0, "an integer >= 0"),
    "initial_epoch": (0, "an integer >= 0"),
    "workers": (0, "an integer >= 0"),
    "max_queue_size": (1, "an integer >= 1"),
}
_VERBOSE = {"auto": 1, 0: 0, 1: 1, 2: 2}


def check_counts(where, **counts):
    """Every count given (None means: not given) is an integer of at least
    its smallest value, or a ValueError names `where` and the argument."""
    for name, value in counts.items():
        if value is not None:
            minimum, expected = _COUNTS[name]
            check_integer(where, name, value, minimum, expected)


def check_verbose(where, verbose):
    """`verbose` as 0, 1 or 2 ('auto' is 1, as tf-keras has it outside
    parameter-server training); a ValueError names `where` otherwise."""
    key = verbose if isinstance(verbose, str) else (
        int(verbose) if isinstance(verbose, numbers.Integral) else None)
    if key not in _VERBOSE:
        raise ValueError(f"{where}: verbose must be 'auto', 0, 1 or 2, got {verbose!r}")
    return _VERBOSE[key]


def check_validation_freq(where, freq):
    """`validation_freq`: an integer >= 1 (validate every that many epochs)
    or a collection of epoch numbers >= 1."""
    if isinstance(freq, (list, tuple, set, frozenset, range)):
        for epoch in freq:
            check_integer(where, "validation_freq", epoch, 1,
                          "an integer >= 1 or a list of epoch numbers >= 1")
        return freq
    return check_integer(where, "validation_freq", freq, 1,
                         "an integer >= 1 or a list of epoch numbers >= 1")


def check_queue(where, queue):
    """The data queue's options of `queue`: workers, max_queue_size and
    data_timeout (seconds, or None)."""
    check_counts(where, workers=queue["workers"],
                 max_queue_size=queue["max_queue_size"])
    if queue["data_timeout"] is not None:
        check_seconds(where, "data_timeout", queue["data_timeout"])


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
                  use_multiprocessing, data_timeout=None):
    """The data queue's options from Keras 2's names (`max_q_size`,
    `pickle_safe`), which the Keras 3 names override when given."""
    return {"workers": workers,
            "max_queue_size": max_q_size if max_queue_size is None else max_queue_size,
            "use_multiprocessing": pickle_safe if use_multiprocessing is None
            else use_multiprocessing,
            "data_timeout": data_timeout}


def no_array_arguments(where, y, sample_weight, validation_split=0.0):
    """A generator or Sequence yields its targets and sample weights itself,
    and holds no samples to split off."""
    if y is not None:
        raise ValueError(f"{where}: `y` must be None when `x` is a generator "
                         f"or Sequence (it yields targets)")
    for name, given in (("validation_split", bool(validation_split)),
                        ("sample_weight", sample_weight is not None)):
        if given:
            raise ValueError(f"{where}: `{name}` is not supported when `x` is "
                             f"a generator or Sequence; pass validation_data "
                             f"/ yield sample weights")


def due(epoch, freq):
    """Whether validation runs after `epoch` (0-based) for `validation_freq`."""
    if isinstance(freq, int):
        return (epoch + 1) % freq == 0
    return (epoch + 1) in freq
