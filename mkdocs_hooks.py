"""MkDocs hooks for the documentation site, named by ``mkdocs.yml`` (built by ``nox -s docs``).

They keep the Markdown in ``docs/`` plain, so that it reads the same on GitHub as on the site:

- A link from a page to a file of the repository outside ``docs/`` (``../examples/moons.toml``)
  points, on the site, to a copy of that file under ``repository/``. A link to a file that
  does not exist is left alone, and ``mkdocs build --strict`` fails on it.
- The API reference pages are generated here, not written in ``docs/``: the core's public
  names in the groups of ``smolml_core.__all__``, the hooks a plugin implements, and the public
  modules a plugin may import. mkdocstrings renders each from its docstring.
- TeX between dollars (``$x^2$``, GitHub's notation, marked by ``pymdownx.arithmatex``) is
  turned into MathML, which browsers draw with no script and nothing fetched.
- A pipe in code in a table cell is written ``\\|`` for GitHub; the site shows it as ``|``.
- The docstrings are reStructuredText-flavoured (``code``, ``Example::`` blocks, ``:param:``
  fields); ``RestDocstrings``, a griffe extension named in ``mkdocs.yml``, turns those three
  into the Markdown mkdocstrings reads, and moves the fields last, where its parser expects them.
"""

from __future__ import annotations

import html
import posixpath
import re
from pathlib import Path
from typing import Any

import griffe
from latex2mathml.converter import convert
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

REPOSITORY = "repository"  # where the site keeps its copies of files outside docs/
_LINK = re.compile(r"(\]\()(\.\./[^)\s#]+)")
_INLINE_MATH = re.compile(r'<span class="arithmatex">\\\((.*?)\\\)</span>', re.DOTALL)
_BLOCK_MATH = re.compile(r'<div class="arithmatex">\\\[(.*?)\\\]</div>', re.DOTALL)
_TABLE_ROW = re.compile(r"^\|.*\|[ \t]*$", re.MULTILINE)
_CODE_SPAN = re.compile(r"`[^`\n]+`")


def _outside_target(page_uri: str, target: str, docs: Path, root: Path) -> Path | None:
    """The repository file a relative link from ``page_uri`` names, if it lies outside ``docs/``."""
    path = (docs / posixpath.dirname(page_uri) / target).resolve()
    if path.is_relative_to(docs.resolve()) or not path.is_relative_to(root.resolve()) or not path.is_file():
        return None
    return path


def on_files(files: Files, config: Any) -> Files:
    """Add the copies of linked repository files and the generated reference pages."""
    docs, root = Path(config["docs_dir"]), Path(config["config_file_path"]).parent
    for page in [f for f in files if f.src_uri.endswith(".md")]:
        for _, target in _LINK.findall(Path(page.abs_src_path or "").read_text(encoding="utf-8")):
            path = _outside_target(page.src_uri, target, docs, root)
            uri = f"{REPOSITORY}/{path.relative_to(root.resolve()).as_posix()}" if path else None
            if uri and files.get_file_from_path(uri) is None:
                files.append(File.generated(config, uri, abs_src_path=str(path)))
    for uri, content in reference_pages().items():
        files.append(File.generated(config, uri, content=content))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    """Point each link to a repository file outside ``docs/`` at the site's copy of it; unescape pipes in table code."""
    docs, root = Path(config["docs_dir"]), Path(config["config_file_path"]).parent
    page_dir = posixpath.dirname(page.file.src_uri)

    def rewrite(match: re.Match[str]) -> str:
        path = _outside_target(page.file.src_uri, match.group(2), docs, root)
        if path is None:
            return match.group(0)
        copy = f"{REPOSITORY}/{path.relative_to(root.resolve()).as_posix()}"
        return match.group(1) + posixpath.relpath(copy, page_dir or ".")

    markdown = _LINK.sub(rewrite, markdown)
    # GitHub needs `a \| b` for a pipe in code in a table cell; Python-Markdown needs none and would show the \.
    return _TABLE_ROW.sub(lambda row: _CODE_SPAN.sub(lambda c: c.group(0).replace("\\|", "|"), row.group(0)), markdown)


def on_page_content(content: str, page: Any, config: Any, files: Files) -> str:
    """Turn every formula pymdownx.arithmatex marked into MathML."""

    def mathml(match: re.Match[str], display: str) -> str:
        tex = html.unescape(match.group(1)).strip()
        try:
            return convert(tex, display=display)
        except Exception as exc:  # latex2mathml raises several kinds of error for TeX it cannot read
            raise PluginError(f"{page.file.src_uri}: cannot turn the formula ${tex}$ into MathML: {exc}") from exc

    content = _BLOCK_MATH.sub(lambda m: mathml(m, "block"), content)
    return _INLINE_MATH.sub(lambda m: mathml(m, "inline"), content)


# The reference pages: title, introduction, and the mkdocstrings directives.

_HOOKS_PAGE = """# Hooks

`smolml_core.registry.hookspecs`: each hook with its signature and its contract. [The plugin
author's guide](../plugin-authors.md#every-hook-with-an-example) runs an example of each;
[Plugins and the registry](../plugins.md) has the rules.

::: smolml_core.registry.hookspecs
    options:
      show_root_heading: false
      show_root_toc_entry: false
      members_order: source
      filters: ["^smolml_register_", "^Register$"]
"""

_MODULE_PAGE = """# `{module}`

::: {module}
    options:
      show_root_heading: false
      show_root_toc_entry: false
"""

# The documented modules a plugin may import besides smolml_core itself (tests/test_dependency_rule.py).
PUBLIC_MODULES = ["smolml_core.export", "smolml_core.registry", "smolml_core.testing", "smolml_core.validation"]


def _core_groups() -> list[tuple[str, list[str]]]:
    """``smolml_core.__all__`` as it is written: the names under each of its ``# group`` comments."""
    import smolml_core

    source = Path(smolml_core.__file__ or "").read_text(encoding="utf-8")
    block = source[source.index("__all__ = [") : source.index("]", source.index("__all__ = ["))]
    groups: list[tuple[str, list[str]]] = []
    for line in block.splitlines()[1:]:
        line = line.strip()
        if line.startswith("#"):
            groups.append((line.lstrip("# ").capitalize(), []))
        elif line:
            groups[-1][1].append(line.strip('",'))
    listed = [name for _, names in groups for name in names]
    if sorted(listed) != sorted(smolml_core.__all__):
        raise PluginError("mkdocs_hooks: could not read the groups of smolml_core.__all__ from its source")
    return groups


def reference_pages() -> dict[str, str]:
    """The generated pages of the API reference, by their path in the site."""
    lines = [
        "# `smolml_core`",
        "",
        "The core's public names, as `smolml_core.__all__` lists them; `import smolml` gives the same "
        "objects. The standard components are described in [Standard components](../components.md).",
    ]
    for title, names in _core_groups():
        lines += ["", f"## {title}", ""]
        for name in names:
            lines += [f"::: smolml_core.{name}", "    options:", "      heading_level: 3", ""]
    pages = {"reference/smolml_core.md": "\n".join(lines), "reference/hooks.md": _HOOKS_PAGE}
    for module in PUBLIC_MODULES:
        pages[f"reference/{module}.md"] = _MODULE_PAGE.format(module=module)
    return pages


# reStructuredText docstrings as Markdown.

_DOUBLE_BACKTICKS = re.compile(r"``([^`]+)``")
_FIELD = re.compile(r"^:(param|parameter|arg|type|raises?|returns?|rtype|yields?)\b[^:]*:")


def _indented(line: str) -> bool:
    return line.startswith((" ", "\t"))


def rest_to_markdown(text: str) -> str:
    """``code`` as `code`; a ``text::`` literal block as ``text:`` and a fenced block; fields moved last.

    An indented block after a line ending in ``::`` is code (TOML if it starts with a table
    header, Python otherwise); any other indented block is a block quote and loses its indent.
    A field (``:param x: ...``) runs on over the indented lines below it.
    """
    lines, body, fields = text.splitlines(), [], []
    i = 0
    while i < len(lines):
        line = lines[i]
        if _FIELD.match(line):
            fields.append(line)
            while i + 1 < len(lines) and _indented(lines[i + 1]):
                i += 1
                fields.append(lines[i])
        elif _indented(line):
            block = [line]
            while i + 1 < len(lines) and (_indented(lines[i + 1]) or not lines[i + 1].strip()):
                i += 1
                block.append(lines[i])
            while block and not block[-1].strip():
                block.pop()
            code = _dedent(block)
            if body and body[-1] == "" and len(body) > 1 and body[-2].endswith("::"):
                body[-2] = body[-2][:-2].rstrip() + ":" if body[-2].strip() != "::" else ""
                language = "toml" if code[0].startswith("[") else "python"
                body += [f"```{language}", *code, "```", ""]
            else:
                body += [_DOUBLE_BACKTICKS.sub(r"`\1`", c) for c in code] + [""]
        else:
            body.append(_DOUBLE_BACKTICKS.sub(r"`\1`", line))
        i += 1
    fields = [_DOUBLE_BACKTICKS.sub(r"`\1`", f) for f in fields]
    return "\n".join([*body, *([""] if fields else []), *fields]).strip()


def _dedent(block: list[str]) -> list[str]:
    indent = min(len(line) - len(line.lstrip()) for line in block if line.strip())
    return [line[indent:] for line in block]


class RestDocstrings(griffe.Extension):
    """A griffe extension: every docstring through ``rest_to_markdown`` before mkdocstrings parses it."""

    def on_instance(self, *, node: Any, obj: griffe.Object, agent: Any, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = rest_to_markdown(obj.docstring.value)
