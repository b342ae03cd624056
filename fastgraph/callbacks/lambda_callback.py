"""LambdaCallback: a callback built from plain functions."""
from .base import Callback


class LambdaCallback(Callback):
    """Calls the given functions at the matching hooks.

    `on_epoch_begin(epoch, logs)`, `on_epoch_end(epoch, logs)`,
    `on_batch_begin(batch, logs)`, `on_batch_end(batch, logs)`,
    `on_train_begin(logs)`, `on_train_end(logs)`; any other hook
    (`on_test_end=...`, `on_predict_batch_end=...`) may be given by keyword.
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None,
                 on_batch_begin=None, on_batch_end=None, on_train_begin=None,
                 on_train_end=None, **kwargs):
        super().__init__()
        hooks = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_batch_begin=on_batch_begin, on_batch_end=on_batch_end,
                     on_train_begin=on_train_begin, on_train_end=on_train_end)
        for name, fn in kwargs.items():
            if not (name.startswith("on_") and callable(getattr(Callback, name, None))):
                raise TypeError(f"LambdaCallback: unknown hook {name!r}")
            hooks[name] = fn
        for name, fn in hooks.items():
            if fn is None:
                continue
            if not callable(fn):
                raise TypeError(f"LambdaCallback: {name} must be callable, "
                                f"got {type(fn).__name__}")
            setattr(self, name, fn)
