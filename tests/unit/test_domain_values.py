"""`quick_init`: the cheaper constructor of the frozen value types behaves as the dataclass's."""

import copy
import dataclasses
import inspect
import pickle
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from strategies.base import StrategyContext
from traderagent.domain import (
    ZERO,
    Balance,
    CancelAll,
    CancelOrder,
    Candle,
    Fill,
    Instrument,
    Liquidity,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    PlaceOrder,
    Position,
    RegimeReading,
    Side,
)
from traderagent.domain import events as ev
from traderagent.domain.values import quick_init

QUICK = [
    OrderRequest,
    Order,
    Fill,
    Balance,
    Position,
    PlaceOrder,
    CancelOrder,
    CancelAll,
    Candle,
    Instrument,
    RegimeReading,
    StrategyContext,
    *(
        kind
        for kind in vars(ev).values()
        if isinstance(kind, type) and issubclass(kind, ev.Event) and kind.__module__ == ev.__name__
    ),
]


@dataclass(frozen=True, slots=True)
class Plain:
    """The reference: what `dataclass` itself generates."""

    name: str
    qty: Decimal
    price: Decimal | None = None
    tag: str = ""


@quick_init
@dataclass(frozen=True, slots=True)
class Quick:
    name: str
    qty: Decimal
    price: Decimal | None = None
    tag: str = ""


def _same(a: object, b: object) -> bool:
    return repr(a).split("(", 1)[1] == repr(b).split("(", 1)[1]


def test_the_domain_types_use_it_and_keep_their_signature() -> None:
    for kind in QUICK:
        assert kind.__init__.__module__ == kind.__module__, kind
        assert kind.__init__.__qualname__ == f"{kind.__qualname__}.__init__"
        names = [p.name for p in inspect.signature(kind).parameters.values()]
        assert names == [f.name for f in dataclasses.fields(kind)], kind
        defaults = [p.default for p in inspect.signature(kind).parameters.values()]
        assert defaults == [
            inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default
            for f in dataclasses.fields(kind)
        ], kind


def test_it_builds_what_the_dataclass_init_builds() -> None:
    args = ("a", Decimal("1.5"))
    cases = [
        (args, {}),
        (args, {"tag": "b3"}),
        ((*args, Decimal("2")), {}),
        ((), {"name": "a", "qty": Decimal("1"), "price": None, "tag": "x"}),
    ]
    for positional, keywords in cases:
        assert _same(Quick(*positional, **keywords), Plain(*positional, **keywords))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'qty'"):
        Quick("a")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        Quick("a", Decimal(1), colour="red")  # type: ignore[call-arg]


def test_the_value_stays_frozen_comparable_and_copyable() -> None:
    order = Order(
        "b-1",
        "BTCUSDT",
        Side.BUY,
        OrderType.LIMIT,
        Decimal("0.01"),
        None,
        OrderStatus.NEW,
        1,
        2,
        tag="b3",
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        order.tag = "s3"  # type: ignore[misc]
    twin = Order(
        "b-1",
        "BTCUSDT",
        Side.BUY,
        OrderType.LIMIT,
        Decimal("0.01"),
        None,
        OrderStatus.NEW,
        1,
        2,
        ZERO,
        None,
        "",
        "",
        "",
        "b3",
    )
    assert order == twin and hash(order) == hash(twin)
    assert order.filled_qty is ZERO  # the default is the field's own object
    assert dataclasses.replace(order, tag="s3").tag == "s3"
    assert pickle.loads(pickle.dumps(order)) == order  # noqa: S301 - our own bytes
    assert copy.deepcopy(order) == order
    fill = Fill(
        "f",
        "b-1",
        "BTCUSDT",
        Side.SELL,
        Decimal(1),
        Decimal(2),
        Decimal("0.1"),
        "USDT",
        Liquidity.MAKER,
        5,
    )
    assert (fill.bot, fill.tag, fill.notional) == ("", "", Decimal(2))
    assert ev.OrderFilled(5, fill).fill is fill and ev.CandleClosed.coalesce


def test_a_subclass_declared_without_it_keeps_the_dataclass_init() -> None:
    @dataclass(frozen=True, slots=True)
    class Linear(Fill):
        closed: Decimal = ZERO

    fill = Linear(
        "f",
        "b-1",
        "X",
        Side.BUY,
        Decimal(1),
        Decimal(1),
        ZERO,
        "USDT",
        Liquidity.TAKER,
        1,
        closed=Decimal(3),
    )
    assert fill.closed == Decimal(3) and fill.fill_id == "f"


def test_it_refuses_what_it_cannot_build_the_same_way() -> None:
    @dataclass(slots=True)
    class Mutable:
        x: int

    @dataclass(frozen=True)
    class NoSlots:
        x: int

    @dataclass(frozen=True, slots=True)
    class Factory:
        xs: list[int] = field(default_factory=list)

    @dataclass(frozen=True, slots=True)
    class KeywordOnly:
        x: int = field(kw_only=True)

    @dataclass(frozen=True, slots=True)
    class Checked:
        x: int

        def __post_init__(self) -> None:
            if self.x < 0:
                raise ValueError("negative")

    for kind in (Mutable, NoSlots, Factory, KeywordOnly, Checked):
        with pytest.raises(TypeError):
            quick_init(kind)
