"""Training helpers shared by the zoo: training a subset of a model's variables."""

from keras_vi.training.subset_trainer import SubsetTrainer

__all__ = ["SubsetTrainer"]
