"""The headless daemon's REST + WebSocket API, its token, and the client the TUI attaches with.

Nothing is imported here: the TUI and `traderagent api-token` load only the modules they use
(`token`, `marker`, `client`), never FastAPI.
"""
