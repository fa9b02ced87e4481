"""inftool_jax: closed-loop tool-use training in JAX.

Importing the package is cheap: heavy dependencies (jax, transformers) are
imported by the stage modules that need them, never here.
"""

__version__ = "0.1.0"
