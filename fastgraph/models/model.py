"""Model: a functional graph (fastgraph.engine) with Keras's training API
(fastgraph.training) and saving (fastgraph.saving); the top of the stack."""
from .. import registry, saving
from ..engine.functional import Functional
from ..engine.trainer import Trainer


class Model(Trainer, Functional):
    """A functional model (Keras `Model(inputs, outputs, name=None)`).

    The graph engine is Functional's, the training API (compile, fit, ...)
    Trainer's; Model adds saving.  Configs name it 'Functional', as tf-keras
    2.x does ('Model' loads too).
    """

    _config_class_name = "Functional"

    def save(self, filepath, overwrite=True, include_optimizer=True,
             save_format=None, **kwargs):
        """Save architecture, weights, compile settings and optimizer state
        to one fastgraph file, whatever its name (see fastgraph.saving)."""
        saving.save_model(self, filepath, overwrite, include_optimizer, save_format,
                          **kwargs)

    def save_weights(self, filepath, overwrite=True, save_format=None, options=None):
        """Save the weights only, to a fastgraph file."""
        saving.save_weights(self, filepath, overwrite, save_format, options)

    def load_weights(self, filepath, by_name=False, skip_mismatch=False, options=None):
        """Set the weights from a fastgraph file, by layer order or name."""
        saving.load_weights(self, filepath, by_name, skip_mismatch, options)

    def to_json(self, **kwargs):
        """The architecture as JSON text (`kwargs` go to json.dumps)."""
        return saving.to_json(self, **kwargs)


registry.register_builtin("layer", Model, "Model")
