"""The shell of Fluxxfon: `fluxx.core` at the bottom of the layers, `fluxx.app` on top."""
