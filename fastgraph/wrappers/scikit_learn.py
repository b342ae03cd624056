"""scikit-learn estimators around fastgraph models, as Keras 2.3 had them.

`KerasClassifier(build_fn=None, **sk_params)` and `KerasRegressor` build a
compiled model with `build_fn` at every `fit`, so scikit-learn's `clone`,
`cross_val_score` and `GridSearchCV` get a fresh model per fold.  `build_fn`
is a function, an object with `__call__`, or None (the subclass's own
`__call__` builds).  Each of `sk_params` goes to whichever of `build_fn`,
`fit`, `predict`/`predict_proba` and `score` (`evaluate`) names it in its
signature; a name none of them takes is refused when the wrapper is made or
`set_params` is called.  Keyword arguments given to `fit`, `predict`, ...
override `sk_params` for that call.

scikit-learn is not imported here: the wrappers are plain objects with
`get_params`/`set_params` (what `clone` needs) and the estimator tags
scikit-learn asks for (`__sklearn_tags__`, read only by scikit-learn itself).
"""
import copy
import inspect

import numpy as np

from ..losses import CategoricalCrossentropy, LossFunctionWrapper, categorical_crossentropy
from ..models import Sequential
from ..utils import to_categorical

_DATA_ARGS = ("self", "x", "y")   # positional data, never an sk_param


def has_arg(fn, name):
    """Whether `fn` takes a keyword argument `name` (a named parameter, not
    only `**kwargs`), as Keras 2's `has_arg(fn, name)`."""
    try:
        param = inspect.signature(fn).parameters.get(name)
    except (TypeError, ValueError):
        return False
    return param is not None and param.kind in (
        inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def is_categorical_crossentropy(loss):
    """Whether a compiled loss is categorical crossentropy (a name, the
    function, or the Loss object), whose targets must be one-hot."""
    return (isinstance(loss, CategoricalCrossentropy)
            or (isinstance(loss, LossFunctionWrapper)
                and getattr(loss, "fn", None) is categorical_crossentropy)
            or getattr(loss, "__name__", None) == "categorical_crossentropy"
            or (isinstance(loss, str) and loss == "categorical_crossentropy"))


class BaseWrapper:
    """What both wrappers share: parameters, building and fitting the model."""

    _estimator_type = None    # scikit-learn < 1.6 reads this

    def __init__(self, build_fn=None, **sk_params):
        self.build_fn = build_fn
        self.sk_params = sk_params
        self.check_params(sk_params)

    # ------------------------------------------------------------ parameters
    def _builder(self):
        """The callable that builds the model: `build_fn`, or the wrapper's
        own `__call__` when `build_fn` is None."""
        if self.build_fn is None:
            builder = getattr(self, "__call__", None)
            if builder is None:
                raise ValueError(f"{type(self).__name__}: build_fn is None and "
                                 f"{type(self).__name__} defines no __call__; pass "
                                 f"build_fn=<a function returning a compiled model>")
            return builder
        if not callable(self.build_fn):
            raise TypeError(f"{type(self).__name__}: build_fn must be a function, "
                            f"an object with __call__ or None, got "
                            f"{type(self.build_fn).__name__}")
        return self.build_fn

    def _legal_fns(self):
        return (self._builder(), Sequential.fit, Sequential.predict,
                Sequential.evaluate)

    def check_params(self, params):
        """Raise ValueError for a parameter no function of the wrapper takes."""
        fns = self._legal_fns()
        for name in params:
            if name == "nb_epoch":          # Keras 1's epochs, kept by Keras 2
                continue
            if name in _DATA_ARGS or not any(has_arg(fn, name) for fn in fns):
                raise ValueError(f"{name} is not a legal parameter of "
                                 f"{type(self).__name__}: it names no argument of "
                                 f"build_fn, fit, predict, predict_proba or score")

    def get_params(self, **params):
        """`build_fn` and the sk_params (the objects themselves, which is what
        scikit-learn's `clone` checks); `deep` is accepted and ignored."""
        res = dict(self.sk_params)
        res["build_fn"] = self.build_fn
        return res

    def set_params(self, **params):
        """Update sk_params (checked as in the constructor); returns self."""
        build_fn = params.pop("build_fn", self.build_fn)
        old = self.build_fn
        self.build_fn = build_fn
        try:
            self.check_params(params)
        except ValueError:
            self.build_fn = old
            raise
        self.sk_params.update(params)
        return self

    def filter_sk_params(self, fn, override=None):
        """The sk_params `fn` takes, updated with `override`."""
        res = {name: value for name, value in self.sk_params.items()
               if has_arg(fn, name)}
        res.update(override or {})
        return res

    # ----------------------------------------------------------------- model
    def fit(self, x, y, **kwargs):
        """Build a new model with `build_fn` and train it on (x, y); returns
        the History.  Integer labels become one-hot when the model's loss
        is categorical crossentropy."""
        builder = self._builder()
        self.model = builder(**self.filter_sk_params(builder))
        y = np.asarray(y)
        if is_categorical_crossentropy(getattr(self.model, "loss", None)) and y.ndim != 2:
            y = to_categorical(y, getattr(self, "n_classes_", None))
        fit_args = copy.deepcopy(self.filter_sk_params(Sequential.fit))
        if "nb_epoch" in self.sk_params and "epochs" not in fit_args:
            fit_args["epochs"] = self.sk_params["nb_epoch"]
        fit_args.update(kwargs)
        return self.model.fit(x, y, **fit_args)

    def _fitted_model(self, what):
        model = getattr(self, "model", None)
        if model is None:
            raise RuntimeError(f"{type(self).__name__}.{what}: the wrapper is not "
                               f"fitted yet; call fit(x, y) first")
        return model

    def _evaluate(self, x, y, kwargs):
        model = self._fitted_model("score")
        kwargs = self.filter_sk_params(Sequential.evaluate, kwargs)
        outputs = model.evaluate(x, y, **kwargs)
        return outputs if isinstance(outputs, list) else [outputs]


class KerasClassifier(BaseWrapper):
    """scikit-learn classifier around a fastgraph model: labels of any
    sortable kind (`classes_` holds them), one-hot labels, or 0/1 labels for
    one sigmoid unit; `score` is the model's accuracy."""

    _estimator_type = "classifier"

    def fit(self, x, y, sample_weight=None, **kwargs):
        """Set `classes_` and `n_classes_` from y, map y to class indices,
        then build and train (see BaseWrapper.fit)."""
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] > 1:
            self.classes_ = np.arange(y.shape[1])
        elif y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1):
            self.classes_ = np.unique(y)
            y = np.searchsorted(self.classes_, y)
        else:
            raise ValueError(f"KerasClassifier.fit: invalid shape for y: {y.shape} "
                             f"(expected (n,), (n, 1) or one-hot (n, classes))")
        self.n_classes_ = len(self.classes_)
        if sample_weight is not None:
            kwargs["sample_weight"] = sample_weight
        return super().fit(x, y, **kwargs)

    def predict_proba(self, x, **kwargs):
        """Class probabilities, shape (n, n_classes): one sigmoid unit p
        gives the two columns (1 - p, p)."""
        model = self._fitted_model("predict_proba")
        kwargs = self.filter_sk_params(Sequential.predict, kwargs)
        probs = np.asarray(model.predict(x, **kwargs))
        if probs.ndim == 2 and probs.shape[1] == 1:
            probs = np.hstack([1 - probs, probs])
        return probs

    def predict(self, x, **kwargs):
        """Class labels (from `classes_`): the argmax of several outputs, or
        `output > 0.5` for one unit."""
        model = self._fitted_model("predict")
        kwargs = self.filter_sk_params(Sequential.predict, kwargs)
        proba = np.asarray(model.predict(x, **kwargs))
        if proba.shape[-1] > 1:
            classes = proba.argmax(axis=-1)
        else:
            classes = (proba > 0.5).astype("int32")
        return self.classes_[classes]

    def score(self, x, y, **kwargs):
        """The model's accuracy on (x, y); the model must be compiled with
        `metrics=['accuracy']` (or 'acc')."""
        model = self._fitted_model("score")
        y = np.asarray(y)
        if y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1):
            y = np.searchsorted(self.classes_, y)
            if is_categorical_crossentropy(getattr(model, "loss", None)):
                y = to_categorical(y, self.n_classes_)
        for name, output in zip(model.metrics_names, self._evaluate(x, y, kwargs)):
            if name in ("accuracy", "acc"):
                return float(output)
        raise ValueError("KerasClassifier.score: the model is not configured to "
                         "compute accuracy. You should pass metrics=['accuracy'] "
                         "to the model.compile() method.")

    def __sklearn_tags__(self):
        """scikit-learn >= 1.6's estimator tags (called by scikit-learn only)."""
        from sklearn.utils import ClassifierTags, Tags, TargetTags
        return Tags(estimator_type="classifier", target_tags=TargetTags(required=True),
                    classifier_tags=ClassifierTags())


class KerasRegressor(BaseWrapper):
    """scikit-learn regressor around a fastgraph model; `score` is minus
    the model's loss (greater is better, as scikit-learn expects)."""

    _estimator_type = "regressor"

    def predict(self, x, **kwargs):
        """The model's predictions with axes of size 1 squeezed out."""
        model = self._fitted_model("predict")
        kwargs = self.filter_sk_params(Sequential.predict, kwargs)
        return np.squeeze(model.predict(x, **kwargs))

    def score(self, x, y, **kwargs):
        """Minus the model's loss on (x, y)."""
        return -float(self._evaluate(x, np.asarray(y), kwargs)[0])

    def __sklearn_tags__(self):
        """scikit-learn >= 1.6's estimator tags (called by scikit-learn only)."""
        from sklearn.utils import RegressorTags, Tags, TargetTags
        return Tags(estimator_type="regressor", target_tags=TargetTags(required=True),
                    regressor_tags=RegressorTags())


__all__ = ["KerasClassifier", "KerasRegressor"]
