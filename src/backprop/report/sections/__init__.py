"""The report's six sections in the handout's order, one module per section (section 4
in two), then an appendix; each is ``section(doc, ctx)``, adding its blocks to ``doc``."""

from __future__ import annotations

from . import discussion, extra, implementation, introduction, questions, results

SECTIONS = (
    introduction.introduction,
    implementation.implementation,
    results.experimental_results,
    discussion.discussion,
    questions.questions,
    extra.extra,
    implementation.appendix,
)
