"""Assembles README.md from its hand-written parts and the option tables kept in docs/.

The tables live next to the narrative in docs/*.md; the README carries a copy so that every
option is documented in one place. Run after changing either: python3 scripts/docs/build-readme.py
(tests/Aeg.Tests/ReadmeTests.cs checks that every configuration key appears in README.md).
"""
import pathlib
import re

root = pathlib.Path(__file__).resolve().parents[2]
docs = root / "docs"


def section(path, heading, level=None, drop_heading=True):
    """The text under `heading` up to the next heading of the same or a higher level."""
    lines = (docs / path).read_text(encoding="utf-8").splitlines()
    start = next(i for i, l in enumerate(lines) if l.strip() == heading)
    depth = len(heading) - len(heading.lstrip("#"))
    end = len(lines)
    for i in range(start + 1, len(lines)):
        m = re.match(r"^(#+) ", lines[i])
        if m and len(m.group(1)) <= depth:
            end = i
            break
    body = lines[start + (1 if drop_heading else 0):end]
    # Headings inside an included section sit below the README heading that introduces it.
    body = [("##" + l) if re.match(r"^#+ ", l) else l for l in body]
    text = "\n".join(body).strip("\n")
    # Links in docs/ are relative to docs/; in the README they are relative to the root.
    text = re.sub(r"\]\((?!https?://|#|\.\./|docs/)([^)]+\.md)\)", r"](docs/\1)", text)
    text = text.replace("](../", "](")
    return text + "\n"


def part(name):
    return (root / "scripts" / "docs" / name).read_text(encoding="utf-8")


out = []
out.append(part("README.head.md"))
out.append(section("cef-parse.md", "# `aeg cef parse`"))
out.append("\n" + part("README.config.md"))
cfg = "configuration.md"
for heading, title in [("## Top level", "### Top level"), ("## `database`", "### `database`"),
                       ("## `source`", "### `source`"), ("## `poller`", "### `poller`"),
                       ("## `state`", "### `state`"), ("## `logging`", "### `logging`"), ("## `analytics`", "### `analytics`"),
                       ("## `ha`", "### `ha` (active/standby)")]:
    out.append(f"{title}\n\n" + section(cfg, heading) + "\n")
out.append("### `http` (metrics and health endpoint)\n\n" + section(cfg, "## `http`") + "\n")
out.append("### `syslog` (Annotation Events out)\n\n" + section("syslog-output.md", "# Syslog output (`syslog:`)") + "\n")
out.append("### `listen` (CEF in)\n\n" + section("listener.md", "### `listen:`") + "\n")
out.append("#### `listen.listeners[]`\n\n" + section("listener.md", "### `listen.listeners[]`") + "\n")
out.append("### `rules` and `tickets.queue`\n\n" + section("rules.md", "## Configuration") + "\n")
out.append("#### Rule files\n\n" + section("rules.md", "## A rule") + "\n")
out.append("#### Templates\n\n" + section("rules.md", "## Templates") + "\n")
out.append("### `tickets`\n\n" + section("tickets.md", "## Configuration") + "\n")
out.append("#### Field names per ticket system\n\n" + section("tickets.md", "## Field names per system") + "\n")
out.append("## The Annotation Event (cef-mappings.yaml)\n\n" + section("annotations.md", "## Mapping: cef-mappings.yaml") + "\n")
out.append("## Delivery guarantees\n\n" + section("annotations.md", "## Delivery guarantees") + "\n")
out.append(part("README.tail.md"))
(root / "README.md").write_text("\n".join(s.rstrip("\n") + "\n" for s in out), encoding="utf-8")
print("README.md written")
