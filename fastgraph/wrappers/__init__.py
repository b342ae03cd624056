"""Keras 2's wrappers: fastgraph models as estimators of other libraries
(`scikit_learn`: `KerasClassifier`, `KerasRegressor`)."""
from . import scikit_learn

__all__ = ["scikit_learn"]
