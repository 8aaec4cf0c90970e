"""Cached parts of templates (grader.fragments): the same output as the part rendered each time,
one render per distinct value, and a part whose output could depend on more than the names it
lists is refused when its template is compiled."""
from __future__ import annotations

import jinja2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from grader.fragments import CachedFragments, frozen

PART = "{% for t in tally %}<li>{{ t.word }} {{ t.count }}</li>{% endfor %}{% if score.full %} full{% endif %}"


def _env() -> jinja2.Environment:
    return jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, extensions=[CachedFragments],
                              trim_blocks=True, lstrip_blocks=True)


def _renders(env: jinja2.Environment) -> int:
    return len(env.extensions[CachedFragments.identifier].rendered)


values = st.one_of(st.text(max_size=5), st.integers(-2, 2), st.booleans(), st.none(),
                   st.builds(Markup, st.sampled_from(["<b>x</b>", "&amp;", "x"])))
tallies = st.lists(st.fixed_dictionaries({"word": values, "count": values}), max_size=3)
scores = st.fixed_dictionaries({"full": values})


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(tallies, scores), min_size=1, max_size=6))
def test_a_cached_part_renders_as_the_part_itself(views):
    env = _env()
    cached = env.from_string("<ul>\n{% cached tally, score %}\n" + PART + "\n{% endcached %}\n</ul>")
    plain = env.from_string("<ul>\n" + PART + "\n</ul>")
    for tally, score in views + views:  # each view twice: the second time from the cache
        assert cached.render(tally=tally, score=score) == plain.render(tally=tally, score=score)


def test_two_templates_with_a_part_on_the_same_line_keep_apart():
    env = _env()
    one = env.from_string("{% cached a %}one {{ a }}{% endcached %}")
    two = env.from_string("{% cached a %}two {{ a }}{% endcached %}")
    assert (one.render(a=1), two.render(a=1), one.render(a=1)) == ("one 1", "two 1", "one 1")


def test_each_distinct_value_is_rendered_once():
    env = _env()
    template = env.from_string("{% cached tally, score %}" + PART + "{% endcached %}")
    for _ in range(3):
        template.render(tally=[{"word": "correct", "count": 3}], score={"full": True})
        template.render(tally=[{"word": "correct", "count": 2}], score={"full": False})
    assert _renders(env) == 2


@pytest.mark.parametrize("a,b", [
    (1, True), (1, 1.0), ("<b>", Markup("<b>")), ([1], (1,)), ({"a": 1}, [("a", 1)]), (0, False),
])
def test_equal_values_that_print_differently_are_different_keys(a, b):
    assert frozen(a) != frozen(b)


@pytest.mark.parametrize("source,match", [
    ("{% cached a %}{{ a }}{{ b }}{% endcached %}", "uses b"),
    ("{% cached a %}{% include 'x.j2' %}{% endcached %}", "cannot use 'include'"),
    ("{% cached a %}{{ report_row(a) }}{% endcached %}", "uses report_row"),
    ("{% cached a %}{% block b %}{% endblock %}{% endcached %}", "cannot use 'block'"),
    ("{% for x in xs %}{% cached a %}{{ loop.index }}{% endcached %}{% endfor %}", "uses loop"),
])
def test_a_part_that_could_depend_on_more_than_it_lists_is_refused(source, match):
    env = _env()
    env.globals["report_row"] = lambda row: row
    with pytest.raises(jinja2.TemplateSyntaxError, match=match):
        env.from_string(source)


def test_names_a_part_sets_itself_are_its_own():
    env = _env()
    template = env.from_string("{% cached rows %}{% for r in rows %}{% set x = r * 2 %}{{ loop.index }}:{{ x }} "
                               "{% endfor %}{% endcached %}")
    assert template.render(rows=[1, 2]) == "1:2 2:4 "


def test_a_value_that_cannot_be_a_key_is_rendered_each_time():
    env = _env()
    template = env.from_string("{% cached a %}{{ a|length }}{% endcached %}")
    assert template.render(a=[{1, 2}]) == "1" and template.render(a=[{1, 2, 3}]) == "1"
    assert _renders(env) == 0
