"""Write tests/reference/metrics_reference.npz: what tf-keras 2.21 computes for
the metric objects, the focal losses and compile's metric names (run once
with the reference venv, never imported by tests):

    /work/venv-tf/bin/python tests/reference/metrics_make_reference.py

`metrics` (JSON): key -> [class name, constructor kwargs, data kind];
"<key>__result1" is the result after `update_state` on "<kind>__true1",
"<kind>__pred1", "<key>__result2" after a second update on "<kind>__true2",
"<kind>__pred2" with sample_weight "<kind>__weight2" (or "<key>__weight2"
where there is one); "<key>__config" the
JSON of `get_config()` (the metric made right after `clear_session`).
`focal` (JSON): key -> [function, kwargs, data kind]; "<key>__values" the
per-sample values, "<key>__reduced" the class form's mean, and with sample
weights "<key>__weighted".
`fit`: a Dense(1, sigmoid) model with the weights "fit__kernel",
"fit__bias", trained with SGD(0) (so predictions stay fixed) on "fit__x",
"fit__y" in batches of 32 with validation data "fit__vx", "fit__vy";
"fit__history__<key>" its History, `fit_names` its metrics_names and
`multi_names` those of a two-output model compiled with metrics=['AUC'].
"""
import json
import os

import numpy as np
import tf_keras as keras

OUT = {}
rng = np.random.default_rng(77)
N = 12


def probs(n, k):
    p = rng.random((n, k))
    return (p / p.sum(axis=1, keepdims=True)).astype(np.float32)


def data():
    kinds = {}
    for b in (1, 2):
        kinds.setdefault("binary", {})[b] = (
            (rng.random((N, 3)) > 0.5).astype(np.float32),
            rng.random((N, 3)).astype(np.float32))
        kinds.setdefault("logits", {})[b] = (
            (rng.random((N, 3)) > 0.5).astype(np.float32),
            rng.normal(size=(N, 3)).astype(np.float32) * 2)
        labels = rng.integers(0, 4, N)
        kinds.setdefault("onehot", {})[b] = (np.eye(4, dtype=np.float32)[labels],
                                             probs(N, 4))
        kinds.setdefault("sparse", {})[b] = (labels.astype(np.float32), probs(N, 4))
        kinds.setdefault("regression", {})[b] = (
            rng.normal(size=(N, 3)).astype(np.float32),
            rng.normal(size=(N, 3)).astype(np.float32))
        kinds.setdefault("positive", {})[b] = (
            rng.random((N, 3)).astype(np.float32) + 0.1,
            rng.random((N, 3)).astype(np.float32) + 0.1)
        kinds.setdefault("segment", {})[b] = (
            rng.integers(0, 3, (N, 2)).astype(np.float32),
            rng.integers(0, 3, (N, 2)).astype(np.float32))
        kinds.setdefault("values", {})[b] = (None, rng.normal(size=(N, 3)).astype(np.float32))
    for kind, batches in kinds.items():
        for b, (t, p) in batches.items():
            if t is not None:
                OUT[f"{kind}__true{b}"] = t
            OUT[f"{kind}__pred{b}"] = p
        shape = (N, 2) if kind == "segment" else (N,)   # IoU does not broadcast
        OUT[f"{kind}__weight2"] = rng.random(shape).astype(np.float32)
    return kinds


METRICS = {
    "auc": ["AUC", {}, "binary"],
    "auc_pr": ["AUC", {"curve": "PR"}, "binary"],
    "auc_minoring": ["AUC", {"summation_method": "minoring"}, "binary"],
    "auc_pr_majoring": ["AUC", {"curve": "PR", "summation_method": "majoring"}, "binary"],
    "auc_7": ["AUC", {"num_thresholds": 7}, "binary"],
    "auc_thresholds": ["AUC", {"thresholds": [0.2, 0.5, 0.9]}, "binary"],
    "auc_multi": ["AUC", {"multi_label": True}, "binary"],
    "auc_multi_weights": ["AUC", {"multi_label": True, "label_weights": [0.2, 0.3, 0.5]},
                          "binary"],
    "auc_label_weights": ["AUC", {"label_weights": [0.2, 0.3, 0.5]}, "binary"],
    "auc_logits": ["AUC", {"from_logits": True}, "logits"],
    "precision": ["Precision", {}, "binary"],
    "precision_thresholds": ["Precision", {"thresholds": [0.3, 0.6]}, "binary"],
    "precision_top_k": ["Precision", {"top_k": 2}, "onehot"],
    "precision_class_id": ["Precision", {"class_id": 1}, "binary"],
    "recall": ["Recall", {}, "binary"],
    "recall_thresholds": ["Recall", {"thresholds": [0.3, 0.6]}, "binary"],
    "recall_top_k": ["Recall", {"top_k": 2, "class_id": 2}, "onehot"],
    "true_positives": ["TruePositives", {}, "binary"],
    "true_positives_even": ["TruePositives", {"thresholds": [0.0, 0.5, 1.0]}, "binary"],
    "false_positives": ["FalsePositives", {"thresholds": [0.2, 0.5]}, "binary"],
    "true_negatives": ["TrueNegatives", {}, "binary"],
    "false_negatives": ["FalseNegatives", {"thresholds": [0.7]}, "binary"],
    "sens_at_spec": ["SensitivityAtSpecificity", {"specificity": 0.5}, "binary"],
    "spec_at_sens": ["SpecificityAtSensitivity", {"sensitivity": 0.5, "class_id": 0},
                     "binary"],
    "prec_at_recall": ["PrecisionAtRecall", {"recall": 0.6, "num_thresholds": 50}, "binary"],
    "recall_at_prec": ["RecallAtPrecision", {"precision": 0.7}, "binary"],
    "recall_at_prec_1": ["RecallAtPrecision", {"precision": 0.3, "num_thresholds": 1},
                         "binary"],
    "iou": ["IoU", {"num_classes": 3, "target_class_ids": [0, 2]}, "segment"],
    "mean_iou": ["MeanIoU", {"num_classes": 3}, "segment"],
    "mean_iou_ignore": ["MeanIoU", {"num_classes": 3, "ignore_class": 0}, "segment"],
    "binary_iou": ["BinaryIoU", {}, "binary"],
    "binary_iou_1": ["BinaryIoU", {"target_class_ids": [1], "threshold": 0.3}, "binary"],
    "one_hot_iou": ["OneHotIoU", {"num_classes": 4, "target_class_ids": [1, 3]}, "onehot"],
    "one_hot_mean_iou": ["OneHotMeanIoU", {"num_classes": 4}, "onehot"],
    "f1": ["F1Score", {}, "onehot"],
    "f1_micro": ["F1Score", {"average": "micro", "threshold": 0.3}, "onehot"],
    "f1_macro": ["F1Score", {"average": "macro"}, "binary"],
    "f1_weighted": ["F1Score", {"average": "weighted", "threshold": 0.5}, "binary"],
    "fbeta": ["FBetaScore", {"beta": 2.0, "average": "macro", "threshold": 0.4}, "binary"],
    "r2": ["R2Score", {}, "regression"],
    "r2_raw": ["R2Score", {"class_aggregation": None}, "regression"],
    "r2_variance": ["R2Score", {"class_aggregation": "variance_weighted_average"},
                    "regression"],
    "r2_adjusted": ["R2Score", {"num_regressors": 2}, "regression"],
    "mean": ["Mean", {}, "values"],
    "sum": ["Sum", {}, "values"],
    "accuracy": ["Accuracy", {}, "segment"],
    "binary_accuracy": ["BinaryAccuracy", {"threshold": 0.7}, "binary"],
    "categorical_accuracy": ["CategoricalAccuracy", {}, "onehot"],
    "sparse_categorical_accuracy": ["SparseCategoricalAccuracy", {}, "sparse"],
    "top_k": ["TopKCategoricalAccuracy", {"k": 2}, "onehot"],
    "sparse_top_k": ["SparseTopKCategoricalAccuracy", {"k": 2}, "sparse"],
    "binary_crossentropy": ["BinaryCrossentropy", {"from_logits": True,
                                                   "label_smoothing": 0.1}, "logits"],
    "categorical_crossentropy": ["CategoricalCrossentropy", {"label_smoothing": 0.1},
                                 "onehot"],
    "sparse_categorical_crossentropy": ["SparseCategoricalCrossentropy", {}, "sparse"],
    "hinge": ["Hinge", {}, "binary"],
    "squared_hinge": ["SquaredHinge", {}, "binary"],
    "categorical_hinge": ["CategoricalHinge", {}, "onehot"],
    "kl_divergence": ["KLDivergence", {}, "onehot"],
    "poisson": ["Poisson", {}, "positive"],
    "mse": ["MeanSquaredError", {}, "regression"],
    "mae": ["MeanAbsoluteError", {}, "regression"],
    "mape": ["MeanAbsolutePercentageError", {}, "regression"],
    "msle": ["MeanSquaredLogarithmicError", {}, "positive"],
    "logcosh": ["LogCoshError", {}, "regression"],
    "cosine": ["CosineSimilarity", {}, "regression"],
    "rmse": ["RootMeanSquaredError", {}, "regression"],
    "relative": ["MeanRelativeError", {"normalizer": [1.0, 2.0, 0.5]}, "positive"],
}

FOCAL = {
    "bfce": ["binary_focal_crossentropy", {}, "binary"],
    "bfce_balanced": ["binary_focal_crossentropy", {"apply_class_balancing": True,
                                                    "alpha": 0.4, "gamma": 1.5}, "binary"],
    "bfce_logits": ["binary_focal_crossentropy", {"from_logits": True,
                                                  "label_smoothing": 0.2}, "logits"],
    "cfce": ["categorical_focal_crossentropy", {}, "onehot"],
    "cfce_options": ["categorical_focal_crossentropy", {"alpha": 0.5, "gamma": 3.0,
                                                        "label_smoothing": 0.1}, "onehot"],
    "cfce_logits": ["categorical_focal_crossentropy", {"from_logits": True}, "logits"],
}
CLASSES = {"binary_focal_crossentropy": "BinaryFocalCrossentropy",
           "categorical_focal_crossentropy": "CategoricalFocalCrossentropy"}


def result(metric):
    return np.asarray(metric.result().numpy(), dtype=np.float64)


kinds = data()
for key, (cls, kwargs, kind) in METRICS.items():
    keras.backend.clear_session()
    metric = getattr(keras.metrics, cls)(**kwargs)
    OUT[f"{key}__config"] = np.array(json.dumps(
        metric.get_config(), default=lambda a: np.asarray(a).tolist()))
    (t1, p1), (t2, p2) = kinds[kind][1], kinds[kind][2]
    w2 = OUT[f"{kind}__weight2"]
    if "IoU" in cls and kind == "binary":    # IoU does not broadcast weights
        w2 = OUT[f"{key}__weight2"] = np.repeat(w2[:, None], 3, axis=1)
    if kind == "values":
        metric.update_state(p1)
        OUT[f"{key}__result1"] = result(metric)
        metric.update_state(p2, sample_weight=w2)
    else:
        metric.update_state(t1, p1)
        OUT[f"{key}__result1"] = result(metric)
        metric.update_state(t2, p2, sample_weight=w2)
    OUT[f"{key}__result2"] = result(metric)

for key, (fn, kwargs, kind) in FOCAL.items():
    t, p = kinds[kind][1]
    OUT[f"{key}__values"] = getattr(keras.losses, fn)(t, p, **kwargs).numpy()
    loss = getattr(keras.losses, CLASSES[fn])(**kwargs)
    OUT[f"{key}__reduced"] = loss(t, p).numpy()
    OUT[f"{key}__weighted"] = loss(t, p, sample_weight=OUT[f"{kind}__weight2"]).numpy()

# fit with fixed predictions: every value is over the whole epoch
keras.backend.clear_session()
x = rng.normal(size=(200, 5)).astype(np.float32)
y = (x[:, :1] + rng.normal(size=(200, 1)) > 0).astype(np.float32)
vx = rng.normal(size=(70, 5)).astype(np.float32)
vy = (vx[:, :1] + rng.normal(size=(70, 1)) > 0).astype(np.float32)
inp = keras.Input((5,), name="x")
model = keras.Model(inp, keras.layers.Dense(1, activation="sigmoid", name="out")(inp))
kernel = rng.normal(size=(5, 1)).astype(np.float32)
bias = np.array([0.1], np.float32)
model.set_weights([kernel, bias])
model.compile(keras.optimizers.legacy.SGD(0.0), "binary_crossentropy",
              metrics=["AUC", "Precision", "Recall", "accuracy", "mse",
                       keras.metrics.AUC(num_thresholds=1000, name="auc_fine"),
                       keras.metrics.AUC(curve="PR", name="pr_auc"),
                       "BinaryAccuracy", keras.metrics.TruePositives(name="tp"),
                       keras.metrics.F1Score(threshold=0.5, name="f1")])
history = model.fit(x, y, batch_size=32, epochs=2, verbose=0, shuffle=False,
                    validation_data=(vx, vy))
OUT.update({"fit__x": x, "fit__y": y, "fit__vx": vx, "fit__vy": vy,
            "fit__kernel": kernel, "fit__bias": bias})
for key, values in history.history.items():
    OUT[f"fit__history__{key}"] = np.asarray(values, dtype=np.float64)
OUT["fit_names"] = np.array(json.dumps(model.metrics_names))

keras.backend.clear_session()
inp = keras.Input((5,), name="x")
outs = [keras.layers.Dense(1, activation="sigmoid", name=n)(inp) for n in ("a", "b")]
multi = keras.Model(inp, outs)
multi.compile("sgd", "binary_crossentropy", metrics=["AUC"], weighted_metrics=["AUC"])
multi.fit(x, [y, y], verbose=0, epochs=1)
OUT["multi_names"] = np.array(json.dumps(multi.metrics_names))

OUT["metrics"] = np.array(json.dumps(METRICS))
OUT["focal"] = np.array(json.dumps(FOCAL))
np.savez_compressed(os.path.join(os.path.dirname(__file__), "metrics_reference.npz"),
                    **OUT)
