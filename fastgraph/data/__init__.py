"""Feeding models from generators and Sequences: `BatchQueue` runs them on
background threads or processes ahead of training."""
from ..utils.sequence import Sequence
from .enqueuer import BatchQueue, default_start_method
from .workers import WorkerTraceback

__all__ = ["BatchQueue", "Sequence", "WorkerTraceback", "default_start_method"]
