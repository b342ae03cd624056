"""Utilities: one-hot encoding, the progress bar, Sequence, model plots."""
from .np_utils import normalize, to_categorical
from .plotting import model_to_dot, plot_history, plot_model
from .progbar import Progbar
from .sequence import Sequence

__all__ = ["normalize", "to_categorical", "Progbar", "Sequence", "model_to_dot",
           "plot_history", "plot_model"]
