"""The config plumbing shared by initializers and regularizers."""


class Configurable:
    """Base class of objects rebuilt from their constructor arguments."""

    def get_config(self):
        """The constructor arguments."""
        return {}

    @classmethod
    def from_config(cls, config):
        """An instance from `get_config()` output."""
        return cls(**config)

    def __repr__(self):
        return f"{type(self).__name__}({self.get_config()})"
