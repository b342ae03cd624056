"""Sequence: a dataset indexed by batch, the safe way to feed worker threads
or processes (every batch exactly once per epoch, in order)."""
import abc


class Sequence(abc.ABC):
    """Base class for datasets read batch by batch, as Keras's `Sequence`.

    Subclasses define `__len__` (the number of batches in an epoch) and
    `__getitem__(index)` (batch `index`, as `(inputs, targets)` or
    `(inputs, targets, sample_weights)` for training, or inputs alone for
    `predict`); `on_epoch_end` may reshuffle or regenerate the data.  Unlike
    a plain generator, a Sequence can be read by several worker processes
    without repeating batches: each worker is told which index to build.

    Example::

        class Batches(Sequence):
            def __init__(self, x, y, batch_size):
                self.x, self.y, self.batch_size = x, y, batch_size

            def __len__(self):
                return -(-len(self.x) // self.batch_size)

            def __getitem__(self, index):
                part = slice(index * self.batch_size,
                             (index + 1) * self.batch_size)
                return self.x[part], self.y[part]
    """

    @abc.abstractmethod
    def __getitem__(self, index):
        """Batch number `index` (0 <= index < len(self))."""

    @abc.abstractmethod
    def __len__(self):
        """The number of batches in one epoch."""

    def on_epoch_end(self):
        """Called after every epoch; override to reshuffle or regenerate."""

    def __iter__(self):
        """The batches of one epoch, in index order."""
        for index in range(len(self)):
            yield self[index]
