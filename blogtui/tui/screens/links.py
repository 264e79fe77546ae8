"""LinkPicker: the links and images of the open post; enter follows one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from blogtui.markup.urls import display_url
from blogtui.model import Post
from blogtui.safe import safe, safe_or, visible
from blogtui.tui.rendering import links_of

#: The option id of a post linking here: this prefix, then its path (a link target never
#: starts with a NUL).
INCOMING = "\0from:"


class LinkPicker(ModalScreen[str | None]):
    """Pick a link: a post of the archive opens in the pane, anything else in the system opener;
    the posts linking to this one follow its own links."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_none", "Close", id="links.close"),
        Binding("j", "move(1)", "Down", show=False, id="links.down"),
        Binding("k", "move(-1)", "Up", show=False, id="links.up"),
    ]

    def __init__(self, post: Post, incoming: Sequence[Post] = ()) -> None:
        super().__init__()
        self.links = links_of(post)
        self.incoming = list(incoming)

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            heading = "Links and images, then posts linking here  (enter opens; escape closes)"
            yield Label(heading, id="picker-title", markup=False)
            yield OptionList(*self._options(), id="picker-options")

    def _options(self) -> list[Option]:
        options = self._outgoing()
        for post in self.incoming:
            label = Text("from  ", style="dim")
            label.append(safe_or(post.title, post.path))
            label.append(f"  {visible(post.path)}", style="dim")
            options.append(Option(label, id=INCOMING + post.path))
        return options

    def _outgoing(self) -> list[Option]:
        if not self.links:
            return [Option(Text("This post has no links.", style="dim"), disabled=True)]
        options = []
        for link in self.links:
            label = Text("image " if link.image else "link  ", style="dim")
            words = safe(link.label)
            label.append(words)
            where = visible(display_url(link.target))
            if where != words.strip():  # a bare URL is its own label: once is enough
                label.append(f"  {where}", style="dim")
            options.append(Option(label, id=link.target))
        return options

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        options.action_cursor_down() if step > 0 else options.action_cursor_up()

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
