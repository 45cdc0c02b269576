"""mtl: modular multi-task learning for dense scene understanding from a single image."""
__version__ = '0.1.0'
