"""The backtest screen's form: which config and bot, which data, which range.

The bot list follows the config: the running config's bots at first, a typed config file's
bots once Enter is pressed in the Config field. `request()` reads the form into what the
runner needs, or raises the error to show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select

from traderagent.backtest.inputs import parse_moment
from traderagent.config import AppConfig, ConfigError, load_config

ALL_BOTS = "*"
"""The bot choice that runs every bot of the config together, on one account."""


@dataclass(frozen=True, slots=True)
class BacktestRequest:
    """A filled-in form: the config, the bot (None: all), the data override and the range."""

    config: AppConfig
    bot: str | None
    start: datetime | None
    end: datetime | None
    path: Path | None = None
    """The config file the form named (None: the built-in default)."""


class BacktestForm(Vertical):
    """Config path, bot, data, from and to, and the Run button."""

    DEFAULT_CSS = """
    BacktestForm {
        height: auto;
    }
    #bt-bot {
        width: 1fr;
        max-width: 36;
    }
    #bt-data {
        width: 1fr;
    }
    """

    def __init__(self, config_path: Path | None, start: str = "", end: str = "") -> None:
        super().__init__(id="bt-form")
        self._config_path = config_path
        self._start, self._end = start, end

    def compose(self) -> ComposeResult:
        with Horizontal(classes="bt-row"):
            yield Label("Config", classes="bt-label")
            yield Input(
                str(self._config_path or ""), placeholder="built-in default", id="bt-config"
            )
            yield Label("Bot", classes="bt-label")
            yield Select[str]([], allow_blank=True, prompt="(load a config)", id="bt-bot")
        with Horizontal(classes="bt-row"):
            yield Label("Data", classes="bt-label")
            yield Input(placeholder="(config)", id="bt-data")
            yield Label("From", classes="bt-label")
            yield Input(self._start, placeholder="data start", id="bt-start")
            yield Label("To", classes="bt-label")
            yield Input(self._end, placeholder="data end", id="bt-end")
            yield Button("Run", variant="primary", id="bt-run")

    def on_mount(self) -> None:
        try:
            self.load_bots()
        except ConfigError:
            return  # the field shows the path; Run explains what is wrong with it

    def load_config(self) -> AppConfig:
        """The config the Config field names (the built-in default when empty)."""
        text = self.query_one("#bt-config", Input).value.strip()
        return load_config(Path(text).expanduser() if text else None)

    def load_bots(self) -> AppConfig:
        """Fill the bot list from the config; keep the chosen bot if the config still has it."""
        config = self.load_config()
        select: Select[str] = self.query_one("#bt-bot", Select)
        chosen = select.value
        options = [(f"{b.name} ({b.kind})", b.name) for b in config.bots]
        if len(config.bots) > 1:
            options.insert(0, ("all bots, one account", ALL_BOTS))
        select.set_options(options)
        names = {value for _, value in options}
        select.value = chosen if isinstance(chosen, str) and chosen in names else options[0][1]
        return config

    def request(self) -> BacktestRequest:
        """The form as a run request; ConfigError or BacktestError says what to fix."""
        config = self.load_bots()
        data = self.query_one("#bt-data", Input).value.strip()
        if data:
            replay = config.replay.model_copy(update={"data": data})
            config = config.model_copy(update={"replay": replay})
        chosen = self.query_one("#bt-bot", Select).value
        bot = chosen if isinstance(chosen, str) and chosen != ALL_BOTS else None
        text = self.query_one("#bt-config", Input).value.strip()
        return BacktestRequest(
            path=Path(text).expanduser() if text else None,
            config=config,
            bot=bot,
            start=parse_moment(self.query_one("#bt-start", Input).value, "From"),
            end=parse_moment(self.query_one("#bt-end", Input).value, "To"),
        )
