"""Numeric arguments checked alike everywhere: integers (fit's batch_size,
the data queue's workers, a layer's input_dim) are integers (NumPy integers
too, never a bool or a float) of at least a smallest value, durations are
finite numbers of seconds > 0; else a ValueError names the function or
class and the argument."""
import math
import numbers


def check_integer(where, name, value, minimum=0, expected=None):
    """`value` as an int; a ValueError naming `where` and `name`, saying what
    was `expected` (default: 'an integer >= minimum'), unless it is an
    integer of at least `minimum`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) \
            or value < minimum:
        raise ValueError(f"{where}: {name} must be "
                         f"{expected or f'an integer >= {minimum}'}, got {value!r}")
    return int(value)


def check_seconds(where, name, value):
    """`value` as a float number of seconds, finite and > 0; a ValueError
    naming `where` and `name` otherwise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) \
            or not 0 < value < math.inf:
        raise ValueError(f"{where}: {name} must be a number of seconds > 0, "
                         f"got {value!r}")
    return float(value)
