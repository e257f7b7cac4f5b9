"""The portfolio report (`govrules report`): where every AI project stands, who must act, what pays off.

`summary.portfolio(engine, paths, as_of)` computes one plain dict over every manifest found; `render_json`,
`render_markdown` and `render_html` (with its style, script, tables and charts in `html_parts`) print it;
`command` is the command-line shell (`configure`, `run`).

    $ govrules report examples/ --as-of 2026-11-28 --format html --output portfolio.html
"""
