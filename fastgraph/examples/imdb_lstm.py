"""Keras 2's examples/imdb_lstm.py: an LSTM tells good IMDB reviews from bad.

The program is Keras 2's, line for line, with `keras` replaced by
`fastgraph`: `imdb.load_data(num_words=20000)`, `pad_sequences` to 80
words, Embedding(20000, 128) + LSTM(128, dropout=0.2,
recurrent_dropout=0.2) + one sigmoid unit, adam, binary crossentropy.
What the command line changes: `--epochs` (Keras: 15), `--batch-size`
(32), `--samples N` (the first N reviews of each part; Keras: all 25,000),
and `--synthetic`, which is also what runs when `imdb.npz` is not in the
Keras cache (there is no download here): reviews in the data set's form
(object arrays of word-index lists starting with start_char 1, frequent
words first, indices past num_words as oov_char 2, IMDB-like lengths,
int64 0/1 labels) whose sentiment a few hundred "positive" and "negative"
words carry.

    python -m fastgraph.examples.imdb_lstm --epochs 15
    python -m fastgraph.examples.imdb_lstm --synthetic --samples 2000
"""
import numpy as np

from fastgraph.datasets import imdb
from fastgraph.examples import cached_dataset, data_options, parse_args
from fastgraph.layers import LSTM
from fastgraph.layers import Dense, Embedding
from fastgraph.models import Sequential
from fastgraph.preprocessing import sequence

max_features = 20000
# cut texts after this number of words (among top max_features most common words)
maxlen = 80
batch_size = 32

SYNTHETIC_SAMPLES = 1024    # reviews per part when --synthetic has no --samples
SENTIMENT_WORDS = 50        # "positive" and "negative" words of the synthetic reviews


def synthetic_reviews(rng, samples, num_words=max_features, start_char=1,
                      oov_char=2, index_from=3):
    """(x_train, y_train), (x_test, y_test) as `imdb.load_data` returns them,
    `samples` reviews per part: word ranks drawn from a Zipf law, one word
    in eight a sentiment word (nine in ten of them of the review's label)."""
    ranks = rng.permutation(np.arange(50, 50 + 2 * SENTIMENT_WORDS))
    polar = (ranks[:SENTIMENT_WORDS], ranks[SENTIMENT_WORDS:])     # negative, positive

    def part():
        labels = rng.integers(0, 2, samples).astype(np.int64)
        lengths = np.clip(rng.lognormal(5.2, 0.6, samples), 10, 1000).astype(int)
        reviews = []
        for label, length in zip(labels, lengths):
            words = rng.zipf(1.3, length)
            sentiment = rng.random(length) < 0.125
            side = np.where(rng.random(length) < 0.9, label, 1 - label)
            picks = rng.integers(0, SENTIMENT_WORDS, length)
            words = np.where(sentiment, np.choose(side, [polar[0][picks], polar[1][picks]]),
                             words) + index_from
            words[words >= num_words] = oov_char
            reviews.append([start_char] + words.tolist())
        x = np.empty(samples, dtype="object")
        x[:] = reviews
        return x, labels

    return part(), part()


def load(args, rng):
    """The data: IMDB from the Keras cache, or synthetic reviews."""
    if args.synthetic or not cached_dataset("imdb.npz"):
        print('(synthetic reviews in the form of imdb.load_data)')
        return synthetic_reviews(rng, args.samples or SYNTHETIC_SAMPLES), True
    (x_train, y_train), (x_test, y_test) = imdb.load_data(num_words=max_features)
    n = args.samples
    return ((x_train[:n], y_train[:n]), (x_test[:n], y_test[:n])), False


def main(argv=None):
    """Keras 2's imdb_lstm.py: load, pad, build, train, evaluate."""
    args, rng = parse_args(argv, __file__, __doc__, epochs=2, batch_size=batch_size,
                           options=data_options("reviews of each part (default all "
                                                f"25,000; {SYNTHETIC_SAMPLES} synthetic)"))
    print('Loading data...')
    ((x_train, y_train), (x_test, y_test)), synthetic = load(args, rng)
    print(len(x_train), 'train sequences')
    print(len(x_test), 'test sequences')

    print('Pad sequences (samples x time)')
    x_train = sequence.pad_sequences(x_train, maxlen=maxlen)
    x_test = sequence.pad_sequences(x_test, maxlen=maxlen)
    print('x_train shape:', x_train.shape)
    print('x_test shape:', x_test.shape)

    print('Build model...')
    model = Sequential()
    model.add(Embedding(max_features, 128))
    model.add(LSTM(128, dropout=0.2, recurrent_dropout=0.2))
    model.add(Dense(1, activation='sigmoid'))

    # try using different optimizers and different optimizer configs
    model.compile(loss='binary_crossentropy',
                  optimizer='adam',
                  metrics=['accuracy'])

    print('Train...')
    history = model.fit(x_train, y_train,
                        batch_size=args.batch_size,
                        epochs=args.epochs,
                        validation_data=(x_test, y_test),
                        verbose=args.verbose)
    score, acc = model.evaluate(x_test, y_test,
                                batch_size=args.batch_size,
                                verbose=args.verbose)
    print('Test score:', score)
    print('Test accuracy:', acc)
    return {"model": model, "history": history, "test_loss": float(score),
            "test_accuracy": float(acc), "synthetic": synthetic,
            "x_train_shape": x_train.shape}


if __name__ == "__main__":
    main()
