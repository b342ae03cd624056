"""Keras layers: the functional API's building blocks."""
from ..engine.input_layer import Input, InputLayer
from ..engine.layer import InputSpec, Layer
from ..engine.serialization import deserialize_layer as deserialize
from ..engine.serialization import serialize_layer as serialize
from .core import (Activation, Dense, Dropout, Flatten, Lambda, Permute,
                   RepeatVector, Reshape)
from .convolutional import (Conv1D, Conv2D, Convolution1D, Convolution2D,
                            Cropping1D, Cropping2D, ZeroPadding1D, ZeroPadding2D)
from .embeddings import Embedding
from .normalization import BatchNormalization, LayerNormalization
from .pooling import (AveragePooling1D, AveragePooling2D, AvgPool1D, AvgPool2D,
                      GlobalAveragePooling1D, GlobalAveragePooling2D,
                      GlobalAvgPool1D, GlobalAvgPool2D, GlobalMaxPool1D,
                      GlobalMaxPool2D, GlobalMaxPooling1D, GlobalMaxPooling2D,
                      MaxPool1D, MaxPool2D, MaxPooling1D, MaxPooling2D)
from .recurrent import GRU, LSTM, SimpleRNN
from .recurrent_rnn import RNN
from .recurrent_cell_base import AbstractRNNCell
from .recurrent_cells import GRUCell, LSTMCell, SimpleRNNCell
from .recurrent_stacked import StackedRNNCells
from .recurrent_conv import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D
from .wrappers import Bidirectional, TimeDistributed, Wrapper
from .merge import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply,
                    Subtract, add, average, concatenate, dot, maximum, minimum,
                    multiply, subtract)

__all__ = ["Input", "InputLayer", "InputSpec", "Layer", "serialize", "deserialize",
           "Activation", "Dense", "Dropout", "Flatten", "Lambda", "Permute",
           "RepeatVector", "Reshape", "Add", "Average", "Concatenate", "Dot",
           "Maximum", "Minimum", "Multiply", "Subtract", "add", "average",
           "concatenate", "dot", "maximum", "minimum", "multiply", "subtract",
           "Conv1D", "Conv2D", "Convolution1D", "Convolution2D", "Cropping1D",
           "Cropping2D", "ZeroPadding1D", "ZeroPadding2D", "Embedding",
           "BatchNormalization", "LayerNormalization", "AveragePooling1D",
           "AveragePooling2D", "AvgPool1D", "AvgPool2D", "GlobalAveragePooling1D",
           "GlobalAveragePooling2D", "GlobalAvgPool1D", "GlobalAvgPool2D",
           "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPooling1D",
           "GlobalMaxPooling2D", "MaxPool1D", "MaxPool2D", "MaxPooling1D",
           "MaxPooling2D", "GRU", "LSTM", "SimpleRNN", "Bidirectional",
           "TimeDistributed", "Wrapper",
           "RNN", "AbstractRNNCell", "GRUCell", "LSTMCell", "SimpleRNNCell",
           "StackedRNNCells", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]
