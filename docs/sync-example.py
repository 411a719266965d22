"""Rewrites the code block of docs/plugins.md from docs/example_plugin.rs (run after cargo fmt)."""
import pathlib
import re

docs = pathlib.Path(__file__).parent
example = (docs / "example_plugin.rs").read_text()
guide = (docs / "plugins.md").read_text()
start = guide.index("```rust\n//! `greeting`")
end = guide.index("```", start + 7)
(docs / "plugins.md").write_text(guide[: start + len("```rust\n")] + example + guide[end:])
