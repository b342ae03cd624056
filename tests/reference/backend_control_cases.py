"""Cases of K.rnn, K.map_fn, K.foldl and K.foldr, written once against a
backend module `K` (tf_keras.backend or fastgraph.backend), so that
backend_control_make_reference.py and tests/backend/test_k_control.py run
the very same code.  Each case maps (K, arrays) to a list of outputs."""
import numpy as np

R = np.random.RandomState(7)
ARRAYS = {
    "x": R.randn(3, 5, 4).astype(np.float32),
    "x2": R.randn(3, 5, 2).astype(np.float32),
    "w": (R.randn(4, 6) * 0.5).astype(np.float32),
    "w2": (R.randn(2, 6) * 0.5).astype(np.float32),
    "u": (R.randn(6, 6) * 0.5).astype(np.float32),
    "h0": R.randn(3, 6).astype(np.float32),
    "c": R.randn(3, 6).astype(np.float32),
    "mask": np.array([[1, 1, 1, 0, 0], [1, 0, 1, 1, 0], [1, 1, 1, 1, 1]], bool),
    "lengths": np.array([2, 5, 3], np.int32),
    "e": R.randn(4, 3).astype(np.float32),
}


def _cell(K, a):
    def step(x_t, states):
        h = K.tanh(K.dot(x_t, a["w"]) + K.dot(states[0], a["u"]))
        return h * 2.0, [h, states[1] + h]
    return step


def _rnn(K, a, **kwargs):
    last, outs, states = K.rnn(_cell(K, a), a["x"], [a["h0"], a["h0"] * 0.5], **kwargs)
    return [last, outs] + list(states)


def rnn_plain(K, a):
    return _rnn(K, a)


def rnn_backwards(K, a):
    return _rnn(K, a, go_backwards=True)


def rnn_mask(K, a):
    return _rnn(K, a, mask=a["mask"])


def rnn_mask_zero_output(K, a):
    return _rnn(K, a, mask=a["mask"], zero_output_for_mask=True, go_backwards=True)


def rnn_unroll_mask(K, a):
    return _rnn(K, a, mask=a["mask"], unroll=True)


def rnn_input_length(K, a):
    return _rnn(K, a, input_length=K.constant(a["lengths"], dtype="int32"))


def rnn_input_length_backwards(K, a):
    return _rnn(K, a, go_backwards=True,
                input_length=K.constant(a["lengths"], dtype="int32"))


def rnn_time_major(K, a):
    x = K.permute_dimensions(a["x"], (1, 0, 2))
    last, outs, states = K.rnn(_cell(K, a), x, [a["h0"], a["h0"]], time_major=True)
    return [last, outs] + list(states)


def rnn_constants_nested(K, a):
    def step(inputs, states):
        x_t, y_t = inputs
        h = K.tanh(K.dot(x_t, a["w"]) + K.dot(y_t, a["w2"]) + K.dot(states[0], a["u"])
                   + states[1])
        return h, [h]
    last, outs, states = K.rnn(step, (a["x"], a["x2"]), [a["h0"]], constants=[a["c"]])
    return [last, outs] + list(states)


def map_fn_rows(K, a):
    return [K.map_fn(lambda r: K.sum(K.square(r)) * r, a["e"])]


def foldl_sum(K, a):
    return [K.foldl(lambda acc, r: acc * 0.5 + r, a["e"])]


def foldr_init(K, a):
    return [K.foldr(lambda acc, r: acc * r + 1.0, a["e"], initializer=a["e"][0] * 0.0 + 2.0)]


CASES = {name: fn for name, fn in list(globals().items())
         if name.startswith(("rnn_", "map_fn_", "foldl_", "foldr_"))}
# The arrays each case differentiates with respect to.
GRAD_WRT = {name: ["x", "w", "u", "h0"] for name in CASES if name.startswith("rnn_")}
GRAD_WRT["rnn_constants_nested"] = ["x", "x2", "w2", "c", "h0"]
GRAD_WRT.update({"map_fn_rows": ["e"], "foldl_sum": ["e"], "foldr_init": ["e"]})
