"""An independent reference simulator of the grid and DCA strategies on the paper venue.

Written from README.md ("How it trades (and how the paper venue fills)") alone: it imports
nothing from `traderagent` or `strategies`. Each fill rule lives in one named place
(`rules.py` for the instrument and fee numbers, `venue.py` for the candle path and matching),
so a change to the README's rules is one change here.
"""
