"""The composition root: where a config becomes a running engine.

`runtime` builds the engine a command runs (venue, storage, lease, bots); `venues` makes the
paper, Bybit or ccxt venue; `assembly` puts the engine and its bots together (and is the bot
factory a reload builds through); `launch` turns start-up failures into exit codes;
`paper_store` keeps the paper venue's book in the database; `credentials` opens the key store;
`fleet_bots` and `fleet_runner` run a share of the bots in a fleet of daemons. Nothing below
this package imports it: commands, the daemon, the TUI and the backtests do.
"""
