"""Keras layers: the functional API's building blocks."""
from ..engine.input_layer import Input, InputLayer
from ..engine.layer import InputSpec, Layer
from ..engine.serialization import deserialize_layer as deserialize
from ..engine.serialization import serialize_layer as serialize
from .core import (Activation, Dense, Dropout, Flatten, Lambda, Permute,
                   RepeatVector, Reshape)
from .convolutional import (Conv1D, Conv2D, Conv3D, Convolution1D, Convolution2D,
                            Convolution3D)
from .convolutional_transpose import (Conv1DTranspose, Conv2DTranspose, Conv3DTranspose,
                                      Convolution1DTranspose, Convolution2DTranspose,
                                      Convolution3DTranspose)
from .convolutional_depthwise import (DepthwiseConv1D, DepthwiseConv2D, SeparableConv1D,
                                      SeparableConv2D, SeparableConvolution1D,
                                      SeparableConvolution2D)
from .locally_connected import LocallyConnected1D, LocallyConnected2D
from .reshaping import (Cropping1D, Cropping2D, Cropping3D, UpSampling1D, UpSampling2D,
                        UpSampling3D, ZeroPadding1D, ZeroPadding2D, ZeroPadding3D)
from .embeddings import Embedding
from .normalization import BatchNormalization, LayerNormalization
from .pooling import (AveragePooling1D, AveragePooling2D, AvgPool1D, AvgPool2D,
                      GlobalAveragePooling1D, GlobalAveragePooling2D,
                      GlobalAvgPool1D, GlobalAvgPool2D, GlobalMaxPool1D,
                      GlobalMaxPool2D, GlobalMaxPooling1D, GlobalMaxPooling2D,
                      MaxPool1D, MaxPool2D, MaxPooling1D, MaxPooling2D)
from .pooling import (AveragePooling3D, AvgPool3D, GlobalAveragePooling3D,
                      GlobalAvgPool3D, GlobalMaxPool3D, GlobalMaxPooling3D, MaxPool3D,
                      MaxPooling3D)
from .recurrent import GRU, LSTM, SimpleRNN
from .recurrent_rnn import RNN
from .recurrent_cell_base import AbstractRNNCell
from .recurrent_cells import GRUCell, LSTMCell, SimpleRNNCell
from .recurrent_stacked import StackedRNNCells
from .recurrent_conv import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D
from .wrappers import Bidirectional, TimeDistributed, Wrapper
from .activation import ELU, LeakyReLU, PReLU, ReLU, Softmax, ThresholdedReLU
from .core import Identity, Masking
from .regularization import (ActivityRegularization, AlphaDropout, GaussianDropout,
                             GaussianNoise, SpatialDropout1D, SpatialDropout2D,
                             SpatialDropout3D)
from .attention import AdditiveAttention, Attention
from .einsum_dense import EinsumDense
from .multi_head_attention import MultiHeadAttention
from .normalization import GroupNormalization, UnitNormalization
from .spectral_normalization import SpectralNormalization
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
__all__ += ["ELU", "LeakyReLU", "PReLU", "ReLU", "Softmax", "ThresholdedReLU",
            "Identity", "Masking", "ActivityRegularization", "AlphaDropout",
            "GaussianDropout", "GaussianNoise", "SpatialDropout1D", "SpatialDropout2D",
            "SpatialDropout3D"]
__all__ += ["AdditiveAttention", "Attention", "EinsumDense", "MultiHeadAttention",
            "GroupNormalization", "UnitNormalization", "SpectralNormalization"]
__all__ += ["Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
            "Convolution1DTranspose", "Convolution2DTranspose", "Convolution3DTranspose",
            "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D",
            "SeparableConvolution1D", "SeparableConvolution2D", "LocallyConnected1D",
            "LocallyConnected2D"]
__all__ += ["Conv3D", "Convolution3D", "Cropping3D", "UpSampling1D", "UpSampling2D",
            "UpSampling3D", "ZeroPadding3D", "AveragePooling3D", "AvgPool3D",
            "GlobalAveragePooling3D", "GlobalAvgPool3D", "GlobalMaxPool3D",
            "GlobalMaxPooling3D", "MaxPool3D", "MaxPooling3D"]
from .preprocessing import (CategoryEncoding, CenterCrop, Discretization, HashedCrossing,
                            Hashing, IntegerLookup, Normalization, RandomBrightness,
                            RandomContrast, RandomCrop, RandomFlip, RandomHeight,
                            RandomRotation, RandomTranslation, RandomWidth, RandomZoom,
                            Rescaling, Resizing, StringLookup, TextVectorization)
__all__ += ["CategoryEncoding", "CenterCrop", "Discretization", "HashedCrossing",
            "Hashing", "IntegerLookup", "Normalization", "RandomBrightness",
            "RandomContrast", "RandomCrop", "RandomFlip", "RandomHeight",
            "RandomRotation", "RandomTranslation", "RandomWidth", "RandomZoom",
            "Rescaling", "Resizing", "StringLookup", "TextVectorization"]
