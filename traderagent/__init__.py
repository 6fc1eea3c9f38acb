"""TraderAgent: a terminal-first console for autonomous, multi-strategy crypto trading."""

__version__ = "0.1.0"
