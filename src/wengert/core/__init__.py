"""The core: primitives, traces and the reverse-mode tape."""
