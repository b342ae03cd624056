"""Record tf-keras 2.21 CTC outputs (run once with /work/venv-tf/bin/python
tests/reference/backend_ctc_make_reference.py): ctc_batch_cost and its
gradient with respect to y_pred, ctc_decode greedy and beam search."""
import os
import pathlib

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HERE = pathlib.Path(__file__).resolve().parent


def softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return (e / e.sum(-1, keepdims=True)).astype(np.float32)


def inputs():
    """The arrays of every case (also rebuilt by the tests)."""
    r = np.random.RandomState(3)
    return {
        "y": softmax(r.randn(4, 9, 5) * 2),
        "labels": np.array([[0, 1, 1, 3], [2, 0, 0, 0], [3, 2, 1, 0], [1, 1, 1, 1]],
                           np.int32),
        "label_length": np.array([[4], [1], [3], [2]], np.int32),
        "input_length": np.array([[9], [5], [7], [8]], np.int32),
        "y_dec": softmax(r.randn(5, 12, 4) * 1.5),
        "dec_length": np.array([12, 7, 1, 3, 10], np.int32),
    }


DECODES = {"greedy": dict(greedy=True), "beam2": dict(greedy=False, beam_width=2),
           "beam8x3": dict(greedy=False, beam_width=8, top_paths=3),
           "beam100x4": dict(greedy=False, beam_width=100, top_paths=4)}


def main():
    import tensorflow as tf
    import tf_keras.backend as K
    a = inputs()
    y = tf.Variable(a["y"])
    with tf.GradientTape() as tape:
        loss = K.ctc_batch_cost(tf.constant(a["labels"]), y, tf.constant(a["input_length"]),
                                tf.constant(a["label_length"]))
        total = tf.reduce_sum(loss * tf.constant([[1.0], [-0.5], [2.0], [0.3]]))
    out = {"loss": loss.numpy(), "grad": tape.gradient(total, y).numpy()}
    for name, kwargs in DECODES.items():
        decoded, log_prob = K.ctc_decode(tf.constant(a["y_dec"]),
                                         tf.constant(a["dec_length"]), **kwargs)
        for i, d in enumerate(decoded):
            out[f"{name}/path{i}"] = d.numpy()
        out[f"{name}/log_prob"] = log_prob.numpy()
    decoded, log_prob = K.ctc_decode(tf.constant(a["y_dec"]), tf.constant([3, 0, 5, 1, 2]))
    out["greedy_short/path0"], out["greedy_short/log_prob"] = decoded[0].numpy(), log_prob.numpy()
    np.savez_compressed(HERE / "backend_ctc_reference.npz", **out)


if __name__ == "__main__":
    main()
