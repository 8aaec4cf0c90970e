"""``{% cached a, b %}...{% endcached %}``: a part of a template rendered once per distinct value of
the names it lists, then reused (a Jinja extension of the report templates).

Most of a report is the same for every student of a class (the legend, the exercise, the
table's head) or takes few values (the tally and the score): rendering such a part once per
value instead of once per report saves a third of a class's rendering. A cached part may
use only the names it lists (and names it sets itself, such as loop variables); anything
else, an include or a call into the template's context would make its output depend on more
than its key, so the template is refused when it is compiled. A global function that reads
the context says which names it reads (its ``context_names``): a part that lists them all may
call it.
"""
from __future__ import annotations

import itertools
from fractions import Fraction
from typing import Any, Callable

from jinja2 import Environment, nodes
from jinja2.exceptions import TemplateSyntaxError
from jinja2.ext import Extension
from jinja2.meta import find_undeclared_variables
from markupsafe import Markup

MAX_CACHED = 4096
#: statements that reach outside a cached part (other templates, blocks, the whole context)
_REACHING_OUT = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends, nodes.Block,
                 nodes.ContextReference, nodes.DerivedContextReference)


class CachedFragments(Extension):
    tags = {"cached"}

    def __init__(self, environment: Any):
        super().__init__(environment)
        self.rendered: dict[tuple, str] = {}  # per environment, so per set of templates
        self.parsed = itertools.count()  # each part parsed gets its own key (templates from strings have no name)

    def parse(self, parser: Any) -> nodes.Node:
        token = next(parser.stream)
        names = [nodes.Name(parser.stream.expect("name").value, "load", lineno=token.lineno)]
        while parser.stream.skip_if("comma"):
            names.append(nodes.Name(parser.stream.expect("name").value, "load", lineno=token.lineno))
        body = parser.parse_statements(("name:endcached",), drop_needle=True)
        _check(body, {name.name for name in names}, self.environment.globals, token.lineno, parser.name,
               parser.filename)
        fragment = nodes.Const(f"{parser.name}:{token.lineno}:{next(self.parsed)}")
        call = self.call_method("_render", [fragment, nodes.Tuple(names, "load")], lineno=token.lineno)
        return nodes.CallBlock(call, [], [], body, lineno=token.lineno)

    def _render(self, fragment: str, values: tuple, caller: Callable[[], str]) -> str:
        try:
            key = (fragment, frozen(values))
            text = self.rendered.get(key)
        except TypeError:  # a value that cannot be a key: rendered each time
            return caller()
        if text is None:
            if len(self.rendered) >= MAX_CACHED:
                self.rendered.clear()
            text = self.rendered[key] = caller()
        return text


def _check(body: list[nodes.Node], listed: set[str], globals_: dict[str, Any], lineno: int, name: str | None,
           filename: str | None) -> None:
    """Refuse a cached part whose output could depend on more than the names it lists."""
    for node in body:
        for reaching in [node, *node.find_all(_REACHING_OUT)]:
            if not isinstance(reaching, _REACHING_OUT):
                continue
            raise TemplateSyntaxError(f"a cached part cannot use '{type(reaching).__name__.lower()}': "
                                      "its output may depend only on the names it lists",
                                      reaching.lineno or lineno, name, filename)
    template = nodes.Template(body, lineno=lineno)
    # looked at in a bare environment: the names of the report's globals (report_row, which
    # sees the whole context) count as names the part uses
    template.set_environment(Environment())
    unlisted = {name for name in find_undeclared_variables(template) - listed
                if not set(getattr(globals_.get(name), "context_names", ("",))) <= listed}
    if unlisted:
        raise TemplateSyntaxError(f"a cached part uses {', '.join(sorted(unlisted))}, which its "
                                  f"'cached' line does not list", lineno, name, filename)


def frozen(value: Any) -> Any:
    """A view value as a key: dicts and lists as tuples, other values with their type (``1``,
    ``True`` and ``1.0`` are equal keys but print differently; so are a str and a Markup).
    Strings and atoms are taken inline: a call per value would cost more than the rest."""
    kind = type(value)
    if kind is str:
        return value
    if kind in _ATOMS:
        return (kind, value)
    if kind is dict:  # its keys, then its values: no pair per item
        return (dict, tuple(value), tuple([v if (k := type(v)) is str else (k, v) if k in _ATOMS else frozen(v)
                                           for v in value.values()]))
    if kind is list or kind is tuple:
        if not value:
            return (kind, ())
        return (kind, tuple([v if (k := type(v)) is str else (k, v) if k in _ATOMS else frozen(v) for v in value]))
    hash(value)  # TypeError for what cannot be a key
    return (kind, value)


#: immutable values that print differently from values equal to them
_ATOMS = frozenset({bool, int, float, type(None), Markup, Fraction})
