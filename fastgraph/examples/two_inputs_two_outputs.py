"""Seed program 3: two inputs, two outputs, loss weights as a list and a dict.

The guide's headline model: the headline's words go through an Embedding
and an LSTM, whose output feeds an auxiliary sigmoid output and, joined
with auxiliary input features, three Dense layers and the main sigmoid
output.  It is compiled twice, with `loss_weights` as a list and then as a
dict keyed by output name, and trained with data given as lists and as
dicts.  Shrunk: headlines of 20 words from a 1,000-word vocabulary embedded
in 32 dimensions (the guide: 100 words, 10,000, 512).  Synthetic data: a
headline is "popular" when most of its words are in the lower half of the
vocabulary, and the auxiliary features carry a noisy hint of the label.

    python -m fastgraph.examples.two_inputs_two_outputs --epochs 5
"""
import numpy as np

import fastgraph
from fastgraph.examples import parse_args, report
from fastgraph.layers import LSTM, Dense, Embedding, Input
from fastgraph.models import Model

WORDS, VOCABULARY, EMBEDDING = 20, 1000, 32


def build_model():
    """The guide's two-input, two-output model (shrunk sizes), not compiled."""
    main_input = Input(shape=(WORDS,), dtype='int32', name='main_input')
    x = Embedding(output_dim=EMBEDDING, input_dim=VOCABULARY, input_length=WORDS)(main_input)
    lstm_out = LSTM(32)(x)
    auxiliary_output = Dense(1, activation='sigmoid', name='aux_output')(lstm_out)

    auxiliary_input = Input(shape=(5,), name='aux_input')
    x = fastgraph.layers.concatenate([lstm_out, auxiliary_input])
    x = Dense(64, activation='relu')(x)
    x = Dense(64, activation='relu')(x)
    x = Dense(64, activation='relu')(x)
    main_output = Dense(1, activation='sigmoid', name='main_output')(x)

    return Model(inputs=[main_input, auxiliary_input],
                 outputs=[main_output, auxiliary_output])


def make_data(rng, n=256):
    """(headline_data int32 (n, WORDS), additional_data (n, 5), labels (n, 1))."""
    headline_data = rng.integers(0, VOCABULARY, (n, WORDS)).astype(np.int32)
    labels = ((headline_data < VOCABULARY // 2).mean(axis=1) > 0.5).astype(np.float32)[:, None]
    additional_data = rng.standard_normal((n, 5)).astype(np.float32)
    additional_data[:, 0] += 2.0 * labels[:, 0] - 1.0
    return headline_data, additional_data, labels


def main(argv=None):
    """Train with list loss weights, then with dict loss weights."""
    args, rng = parse_args(argv, __file__, __doc__, epochs=3)
    headline_data, additional_data, labels = make_data(rng)
    model = build_model()

    model.compile(optimizer='rmsprop', loss='binary_crossentropy',
                  loss_weights=[1., 0.2])
    first = model.fit([headline_data, additional_data], [labels, labels],
                      epochs=args.epochs, batch_size=args.batch_size,
                      verbose=args.verbose)

    model.compile(optimizer='rmsprop',
                  loss={'main_output': 'binary_crossentropy',
                        'aux_output': 'binary_crossentropy'},
                  loss_weights={'main_output': 1., 'aux_output': 0.2})
    second = model.fit({'main_input': headline_data, 'aux_input': additional_data},
                       {'main_output': labels, 'aux_output': labels},
                       epochs=args.epochs, batch_size=args.batch_size,
                       verbose=args.verbose)
    losses = first.history['loss'] + second.history['loss']
    report("weighted loss per epoch (list weights, then dict weights)",
           first=losses[0], last=losses[-1])
    return {"model": model, "histories": [first, second], "losses": losses}


if __name__ == "__main__":
    main()
