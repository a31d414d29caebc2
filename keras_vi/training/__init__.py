"""Training helpers shared by the zoo: a subset of a model's variables, and one loop for alternating steps."""

from keras_vi.training.alternating import check_fit_arguments, fit_alternating
from keras_vi.training.subset_trainer import SubsetTrainer

__all__ = ["SubsetTrainer", "check_fit_arguments", "fit_alternating"]
