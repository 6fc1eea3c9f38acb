"""Sub-commands of `traderagent`, one module each (see traderagent.cli)."""
