"""TerminateOnNaN: stop training cleanly when the loss becomes NaN or infinite."""
import math

from .base import Callback, print_msg


class TerminateOnNaN(Callback):
    """Sets `model.stop_training` when a batch reports a NaN or infinite loss."""

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            print_msg(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True
