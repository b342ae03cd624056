"""Keras's data sets (`mnist`, `fashion_mnist`, `cifar10`, `cifar100`,
`imdb`, `reuters`, `boston_housing`), downloaded once into the Keras cache
from Keras's own URLs, and the small `digits` set bundled with fastgraph."""
from . import (boston_housing, cifar10, cifar100, digits, fashion_mnist, imdb,
               mnist, reuters)

__all__ = ["boston_housing", "cifar10", "cifar100", "digits", "fashion_mnist",
           "imdb", "mnist", "reuters"]
