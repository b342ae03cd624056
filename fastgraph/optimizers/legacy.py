"""`keras.optimizers.legacy`: the tf-keras 2.x optimizers with the `decay`
argument, which are fastgraph's optimizers of the same names."""
from .adagrad import Adadelta, Adagrad
from .adam import Adam, Adamax, Nadam
from .base import Optimizer
from .ftrl import Ftrl
from .gradient_descent import SGD
from .rmsprop import RMSprop

__all__ = ["Optimizer", "SGD", "RMSprop", "Adagrad", "Adadelta", "Adam",
           "Adamax", "Nadam", "Ftrl"]
