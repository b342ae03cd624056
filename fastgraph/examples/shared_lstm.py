"""Seed program 4: one LSTM shared by two inputs, two tweets compared.

The guide encodes two tweets with the same LSTM (one set of weights),
concatenates the two codes and answers a question about the pair with one
sigmoid unit.  Shrunk: tweets of 20 steps of 16 features with an LSTM(32)
(the guide: 140 steps of 256 characters, LSTM(64)).  Synthetic data and
question: every step of a tweet carries a noisy "mood" on its first
feature, and the label says whether tweet a is in a better mood than tweet
b, which the guide's head can answer by comparing the two codes.  (The
guide's own question, "same author?", needs a comparison of codes that a
single Dense unit on their concatenation cannot make.)

    python -m fastgraph.examples.shared_lstm --epochs 5
"""
import numpy as np

import fastgraph
from fastgraph.examples import parse_args, report
from fastgraph.layers import LSTM, Dense, Input
from fastgraph.models import Model

STEPS, FEATURES = 20, 16


def build_model():
    """The guide's shared-LSTM model (shrunk sizes), compiled."""
    tweet_a = Input(shape=(STEPS, FEATURES))
    tweet_b = Input(shape=(STEPS, FEATURES))
    # This layer can take as input a matrix and will return a vector of size 32.
    shared_lstm = LSTM(32)
    # Reusing the same layer instance reuses its weights.
    encoded_a = shared_lstm(tweet_a)
    encoded_b = shared_lstm(tweet_b)
    merged_vector = fastgraph.layers.concatenate([encoded_a, encoded_b], axis=-1)
    predictions = Dense(1, activation='sigmoid')(merged_vector)

    model = Model(inputs=[tweet_a, tweet_b], outputs=predictions)
    model.compile(optimizer='rmsprop', loss='binary_crossentropy',
                  metrics=['accuracy'])
    return model, shared_lstm


def make_pairs(rng, n=256):
    """(data_a, data_b, labels): label 1 when tweet a's mood is the higher."""
    def tweets():
        mood = rng.uniform(-1, 1, (n, 1)).astype(np.float32)
        data = rng.standard_normal((n, STEPS, FEATURES)).astype(np.float32)
        data[:, :, 0] += 2.0 * mood
        return data, mood[:, 0]
    (data_a, mood_a), (data_b, mood_b) = tweets(), tweets()
    return data_a, data_b, (mood_a > mood_b).astype(np.float32)[:, None]


def main(argv=None):
    """Train the shared-LSTM model on synthetic tweet pairs."""
    args, rng = parse_args(argv, __file__, __doc__, epochs=3)
    data_a, data_b, labels = make_pairs(rng)
    model, shared_lstm = build_model()
    history = model.fit([data_a, data_b], labels, epochs=args.epochs,
                        batch_size=args.batch_size, verbose=args.verbose)
    # One LSTM called twice: two nodes, one set of weights.
    report("shared LSTM", nodes=len(shared_lstm.inbound_nodes),
           lstm_params=shared_lstm.count_params(), params=model.count_params(),
           first_loss=history.history['loss'][0], last_loss=history.history['loss'][-1],
           last_accuracy=history.history['accuracy'][-1])
    return {"model": model, "shared_lstm": shared_lstm, "history": history}


if __name__ == "__main__":
    main()
