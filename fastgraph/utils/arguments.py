"""Integer-valued arguments checked alike everywhere (fit's batch_size, the
data queue's workers, a layer's input_dim): an integer (NumPy integers too,
never a bool or a float) of at least a smallest value, else a ValueError
naming the function or class and the argument."""
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
