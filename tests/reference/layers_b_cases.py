"""The cases of layers_b_reference.npz, shared by the script that recorded
them with tf-keras (layers_b_make_reference.py) and the tests that replay
them on fastgraph (tests/layers/test_layers_b_reference.py).

Each function takes the top-level module (`tf_keras` or `fastgraph`),
whose `layers`, `models`, `constraints` and `regularizers` have the same
names, and builds the same layer or model in either library.

LAYERS: name -> (make(K) -> layer, input specs, call kwargs, options).
  An input spec is (shape, kind): kind 'float' (uniform [-1, 1)), 'steps'
  (float with the last steps of sample 0 and the first of sample 1 all
  zero, or all equal to v for 'steps:v', for Masking), 'int' (token ids with zeros as padding).
  options: 'call' how the inputs are passed: 'one' layer(x), 'list'
  layer([a, b, ...]), 'mha' layer(q, v[, key=k]); 'masks' (shapes of the
  boolean masks passed as mask=, a list for list calls); 'attention_mask'
  (its shape); 'scores' (the call returns (output, scores)); 'train'
  (called with training=True).
MODELS: name -> (build(K) -> model, input specs, target shape, loss).
"""

LAYERS = {
    "leaky_relu": (lambda K: K.layers.LeakyReLU(), [((3, 7), "float")], {}, {}),
    "leaky_relu_alpha": (lambda K: K.layers.LeakyReLU(alpha=0.1), [((3, 7), "float")],
                         {}, {}),
    "prelu": (lambda K: K.layers.PReLU(), [((2, 3, 4), "float")], {}, {}),
    "prelu_shared": (lambda K: K.layers.PReLU(shared_axes=[1, 2]),
                     [((2, 3, 4, 5), "float")], {}, {}),
    "elu": (lambda K: K.layers.ELU(alpha=0.7), [((3, 7), "float")], {}, {}),
    "thresholded_relu": (lambda K: K.layers.ThresholdedReLU(theta=0.3),
                         [((3, 7), "float")], {}, {}),
    "relu": (lambda K: K.layers.ReLU(), [((3, 7), "float")], {}, {}),
    "relu_all": (lambda K: K.layers.ReLU(max_value=0.6, negative_slope=0.2,
                                         threshold=0.1), [((3, 7), "float")], {}, {}),
    "relu6": (lambda K: K.layers.ReLU(max_value=6.0), [((3, 7), "float")], {}, {}),
    "softmax": (lambda K: K.layers.Softmax(), [((2, 3, 5), "float")], {}, {}),
    "softmax_masked": (lambda K: K.layers.Softmax(), [((2, 3, 5), "float")], {},
                       {"masks": (2, 3, 5)}),
    "softmax_axis1_masked": (lambda K: K.layers.Softmax(axis=1), [((2, 3, 5), "float")],
                             {}, {"masks": (2, 3, 1)}),
    "softmax_two_axes": (lambda K: K.layers.Softmax(axis=[1, 2]),
                         [((2, 3, 5), "float")], {}, {}),
    "masking": (lambda K: K.layers.Masking(), [((2, 5, 3), "steps")], {}, {}),
    "masking_value": (lambda K: K.layers.Masking(mask_value=0.5),
                      [((2, 5, 3), "steps:0.5")], {}, {}),
    "identity": (lambda K: K.layers.Identity(), [((2, 4), "float")], {}, {}),
    "group_norm": (lambda K: K.layers.GroupNormalization(groups=2),
                   [((2, 5, 4), "float")], {}, {}),
    "group_norm_channels_first": (
        lambda K: K.layers.GroupNormalization(groups=-1, axis=1, epsilon=0.01),
        [((2, 3, 4, 2), "float")], {}, {}),
    "group_norm_masked": (lambda K: K.layers.GroupNormalization(groups=3),
                          [((2, 4, 6), "float")], {}, {"masks": (2, 4, 6)}),
    "unit_norm": (lambda K: K.layers.UnitNormalization(), [((3, 5), "float")], {}, {}),
    "unit_norm_two_axes": (lambda K: K.layers.UnitNormalization(axis=[1, 2]),
                           [((2, 3, 4), "float")], {}, {}),
    "einsum_dense_matmul": (
        lambda K: K.layers.EinsumDense("ab,bc->ac", 4, bias_axes="c", activation="relu"),
        [((3, 5), "float")], {}, {}),
    "einsum_dense_seq": (lambda K: K.layers.EinsumDense("abc,cd->abd", (None, 4),
                                                        bias_axes="d"),
                         [((2, 3, 5), "float")], {}, {}),
    "einsum_dense_heads": (lambda K: K.layers.EinsumDense("abc,cde->abde", (None, 2, 3),
                                                          bias_axes="de"),
                           [((2, 3, 5), "float")], {}, {}),
    "einsum_dense_left_ellipsis": (lambda K: K.layers.EinsumDense("...b,bc->...c", 4),
                                   [((2, 3, 5), "float")], {}, {}),
    "einsum_dense_right_ellipsis": (
        lambda K: K.layers.EinsumDense("ab...,bc->ac...", (4, 3), bias_axes="c"),
        [((2, 5, 3), "float")], {}, {}),
    "einsum_dense_transposed": (lambda K: K.layers.EinsumDense("abc,cd->adb", (4, None)),
                                [((2, 3, 5), "float")], {}, {}),
    "attention": (lambda K: K.layers.Attention(), [((2, 3, 4), "float"),
                                                   ((2, 5, 4), "float")], {},
                  {"call": "list"}),
    "attention_masked_scaled": (
        lambda K: K.layers.Attention(use_scale=True),
        [((2, 3, 4), "float"), ((2, 5, 4), "float"), ((2, 5, 4), "float")],
        {"return_attention_scores": True},
        {"call": "list", "masks": [(2, 3), (2, 5)], "scores": True}),
    "attention_causal": (lambda K: K.layers.Attention(),
                         [((2, 4, 3), "float"), ((2, 4, 3), "float")],
                         {"use_causal_mask": True}, {"call": "list"}),
    "attention_concat": (lambda K: K.layers.Attention(use_scale=True, score_mode="concat"),
                         [((2, 3, 4), "float"), ((2, 5, 4), "float")], {},
                         {"call": "list", "masks": [None, (2, 5)]}),
    "additive_attention": (lambda K: K.layers.AdditiveAttention(),
                           [((2, 3, 4), "float"), ((2, 5, 4), "float"),
                            ((2, 5, 4), "float")],
                           {"return_attention_scores": True},
                           {"call": "list", "masks": [(2, 3), (2, 5)], "scores": True}),
    "additive_attention_no_scale": (lambda K: K.layers.AdditiveAttention(use_scale=False),
                                    [((2, 3, 4), "float"), ((2, 5, 4), "float")],
                                    {"use_causal_mask": True}, {"call": "list"}),
    "mha": (lambda K: K.layers.MultiHeadAttention(2, 3),
            [((2, 4, 5), "float"), ((2, 6, 5), "float")], {}, {"call": "mha"}),
    "mha_key_mask_scores": (
        lambda K: K.layers.MultiHeadAttention(3, 2, value_dim=4, output_shape=6),
        [((2, 4, 5), "float"), ((2, 6, 5), "float"), ((2, 6, 3), "float")],
        {"return_attention_scores": True},
        {"call": "mha", "attention_mask": (2, 4, 6), "scores": True}),
    "mha_causal_no_bias": (lambda K: K.layers.MultiHeadAttention(2, 3, use_bias=False),
                           [((2, 5, 4), "float"), ((2, 5, 4), "float")],
                           {"use_causal_mask": True}, {"call": "mha"}),
    "mha_causal_and_mask": (lambda K: K.layers.MultiHeadAttention(2, 3),
                            [((2, 5, 4), "float"), ((2, 5, 4), "float")],
                            {"use_causal_mask": True},
                            {"call": "mha", "attention_mask": (2, 5, 5)}),
    "mha_2d_attention": (lambda K: K.layers.MultiHeadAttention(2, 3, output_shape=(2, 3)),
                         [((2, 3, 2, 4), "float"), ((2, 2, 3, 4), "float")],
                         {"return_attention_scores": True}, {"call": "mha", "scores": True}),
    "mha_attention_axis2": (lambda K: K.layers.MultiHeadAttention(2, 3, attention_axes=2),
                            [((2, 3, 4, 5), "float"), ((2, 3, 2, 5), "float")],
                            {"return_attention_scores": True},
                            {"call": "mha", "attention_mask": (2, 3, 4, 2),
                             "scores": True}),
    "spectral_norm_dense": (lambda K: K.layers.SpectralNormalization(K.layers.Dense(3)),
                            [((4, 5), "float")], {}, {"train": True}),
    "spectral_norm_conv": (
        lambda K: K.layers.SpectralNormalization(K.layers.Conv2D(2, 3),
                                                 power_iterations=3),
        [((2, 5, 5, 3), "float")], {}, {"train": True}),
}


def _masking_lstm(K):
    L = K.layers
    x = L.Input((6, 3))
    h = L.LSTM(4, return_sequences=True)(L.Masking()(x))
    return K.models.Model(x, L.Dense(2)(h))


def _masking_bidirectional_gru(K):
    L = K.layers
    x = L.Input((6, 3))
    h = L.Bidirectional(L.GRU(3))(L.Masking()(x))
    return K.models.Model(x, L.Dense(2)(h))


def _masking_rnn_pooling(K):
    L = K.layers
    x = L.Input((6, 3))
    h = L.SimpleRNN(3, return_sequences=True)(L.Masking()(x))
    return K.models.Model(x, L.Dense(2)(L.GlobalAveragePooling1D()(h)))


def _masking_merges(K):
    L = K.layers
    a, b = L.Input((6, 3)), L.Input((6, 3))
    ma, mb = L.Masking()(a), L.Masking()(b)
    added = L.LSTM(3)(L.Add()([ma, mb]))
    joined = L.GRU(2, return_sequences=True)(L.Concatenate()([ma, mb]))
    pooled = L.GlobalAveragePooling1D()(joined)
    return K.models.Model([a, b], L.Dense(2)(L.Concatenate()([added, pooled])))


def _embedding_attention(K):
    L = K.layers
    x = L.Input((6,), dtype="int32")
    e = L.Embedding(10, 4, mask_zero=True)(x)
    a = L.Attention(use_scale=True)([e, e])
    m = L.MultiHeadAttention(2, 3)(e, e)
    h = L.Concatenate()([a, m, L.AdditiveAttention()([e, e])])
    return K.models.Model(x, L.Dense(2)(L.LSTM(3)(h)))


def _transformer_block(K):
    L = K.layers
    x = L.Input((6,), dtype="int32")
    e = L.Embedding(10, 8, mask_zero=True)(x)
    att = L.MultiHeadAttention(2, 4, dropout=0.0)(e, e, use_causal_mask=True)
    h = L.LayerNormalization()(L.Add()([e, att]))
    f = L.Dense(8)(L.Dense(16, activation="gelu")(h))
    h = L.LayerNormalization()(L.Add()([h, f]))
    return K.models.Model(x, L.Dense(2)(L.GlobalAveragePooling1D()(h)))


def _constraints_dense(K):
    L, C = K.layers, K.constraints
    x = L.Input((4,))
    h = L.Dense(3, kernel_constraint=C.MaxNorm(0.5), bias_constraint=C.NonNeg())(x)
    h = L.Dense(3, kernel_constraint=C.UnitNorm(axis=1),
                bias_constraint=C.MinMaxNorm(0.1, 0.3, rate=0.7),
                kernel_regularizer=K.regularizers.OrthogonalRegularizer(0.1))(h)
    return K.models.Model(x, L.Dense(2, kernel_constraint="non_neg")(h))


def _constraints_conv(K):
    L, C = K.layers, K.constraints
    x = L.Input((5, 5, 2))
    h = L.Conv2D(3, 3, padding="same", kernel_constraint=C.RadialConstraint())(x)
    h = L.PReLU(shared_axes=[1, 2], alpha_constraint=C.NonNeg(),
                alpha_initializer="ones")(h)
    h = L.GroupNormalization(groups=3, gamma_constraint=C.MaxNorm(1.0))(h)
    return K.models.Model(x, L.Dense(2)(L.GlobalAveragePooling2D()(h)))


def _activations(K):
    L = K.layers
    x = L.Input((5,))
    h = L.Dense(6, activation="gelu")(x)
    h = L.Dense(6, activation="mish")(h)
    h = L.ELU(0.5)(L.LeakyReLU(0.2)(h))
    h = L.ThresholdedReLU(0.05)(L.ReLU(max_value=1.5, negative_slope=0.1)(h))
    h = L.UnitNormalization()(h)
    h = L.EinsumDense("ab,bc->ac", 4, bias_axes="c", activation="tanh")(h)
    return K.models.Model(x, L.Softmax()(h))


MODELS = {
    "masking_lstm": (_masking_lstm, [((4, 6, 3), "steps")], (4, 6, 2), "mse"),
    "masking_bidirectional_gru": (_masking_bidirectional_gru, [((4, 6, 3), "steps")],
                                  (4, 2), "mse"),
    "masking_rnn_pooling": (_masking_rnn_pooling, [((4, 6, 3), "steps")], (4, 2), "mse"),
    "masking_merges": (_masking_merges, [((4, 6, 3), "steps"), ((4, 6, 3), "steps")],
                       (4, 2), "mse"),
    "embedding_attention": (_embedding_attention, [((4, 6), "int")], (4, 2), "mse"),
    "transformer_block": (_transformer_block, [((4, 6), "int")], (4, 2), "mse"),
    "constraints_dense": (_constraints_dense, [((6, 4), "float")], (6, 2), "mse"),
    "constraints_conv": (_constraints_conv, [((3, 5, 5, 2), "float")], (3, 2), "mse"),
    "activations": (_activations, [((6, 5), "float")], (6, 4), "mse"),
}
