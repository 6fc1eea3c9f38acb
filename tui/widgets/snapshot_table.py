"""A DataTable whose rows follow a snapshot, changing cells in place rather than rebuilding."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from tui.render import TableRow


def _same(a: Text, b: Text) -> bool:
    # rich's Text.__eq__ ignores the base style, which carries most of our colours.
    return a.plain == b.plain and a.style == b.style and a.spans == b.spans


class SnapshotTable(DataTable[Text]):
    """Rows keyed by id. Unchanged rows are left alone, changed cells are updated in place, and
    the table is only rebuilt when rows appear, disappear or change order (the cursor keeps its
    row across a rebuild)."""

    COLUMNS: ClassVar[tuple[tuple[str, str, bool], ...]] = ()
    """(column key, header, right-aligned)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(zebra_stripes=True, **kwargs)
        self._cells: dict[str, tuple[Text, ...]] = {}
        self._keys: list[str] = []
        for key, label, right in self.COLUMNS:
            self.add_column(Text(label, justify="right" if right else "left"), key=key)

    @property
    def row_keys(self) -> list[str]:
        return list(self._keys)

    @property
    def selected_key(self) -> str | None:
        """The key of the row under the cursor, if any."""
        if not self._keys or self.cursor_type == "none":
            return None
        return self._keys[min(max(self.cursor_row, 0), len(self._keys) - 1)]

    def show_rows(self, rows: Sequence[TableRow]) -> None:
        keys = [key for key, _ in rows]
        if keys != self._keys:
            self._rebuild(rows)
            return
        columns = [key for key, _, _ in self.COLUMNS]
        for key, cells in rows:
            before = self._cells[key]
            for column, old, new in zip(columns, before, cells, strict=True):
                if not _same(old, new):
                    # re-measure a column (which re-lays the table) only when this cell may
                    # set its width: it outgrows it, or it was the widest and shrinks
                    width = self.columns[ColumnKey(column)].content_width
                    remeasure = new.cell_len > width or old.cell_len == width != new.cell_len
                    self.update_cell(key, column, new, update_width=remeasure)
            self._cells[key] = cells

    def _rebuild(self, rows: Sequence[TableRow]) -> None:
        selected = self.selected_key
        old_row = self.cursor_row
        self.clear()
        # widths follow the rows on screen now: a wide cell that is gone must not leave its
        # column wide (DataTable.clear keeps the widths the old rows needed)
        for column in self.columns.values():
            column.content_width = column.label.cell_len
        self._keys = [key for key, _ in rows]
        self._cells = dict(rows)
        for key, cells in rows:
            self.add_row(*cells, key=key)
        if self._keys and self.cursor_type != "none":
            row = self._keys.index(selected) if selected in self._keys else old_row
            self.move_cursor(row=min(max(row, 0), len(self._keys) - 1), animate=False)
