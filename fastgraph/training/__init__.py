"""Training: compile, fit, evaluate and predict for models."""
from .trainer import Trainer

__all__ = ["Trainer"]
