"""`make demo` (tools/demo_pipeline.py): the README's table is what a new user sees, and the
terminal stays readable. The whole demo takes ~7 minutes; its segmentation part (~2) runs
here and must give the README's segmentation rows to the printed digit."""
import json
import re

import pytest

from tools_cli import REPO, run_tool

ROW = re.compile(r'^\| (\w+) \| (\w+) \| (\w+) \| ([\d.]+) \| ([\d.]+) \| \d+ \|$')


def readme_rows(task):
    rows = {}
    for line in (REPO / 'README.md').read_text().splitlines():
        match = ROW.match(line.strip())
        if match and match.group(1) == task:
            rows[match.group(3)] = (match.group(2), match.group(4), match.group(5))
    return rows


@pytest.mark.slow
def test_demo_reproduces_the_readme_table_and_keeps_the_terminal_short(tmp_path):
    expected = readme_rows('seg')
    assert 'miou' in expected, 'README.md has no seg rows in the demo table'
    out = tmp_path / 'demo'
    proc = run_tool('demo_pipeline.py', '--tasks', 'seg', '--out', out, cwd=tmp_path)

    # the same numbers as the README's table, as printed (3 decimals)
    results = json.loads((out / 'results.json').read_text())
    got = {r['metric']: (r['config'], f"{r['untrained']:.3f}", f"{r['trained']:.3f}")
           for r in results}
    assert got == expected
    printed = [line for line in proc.stdout.splitlines() if ROW.match(line)]
    assert len(printed) == len(expected)

    # the terminal: where data and logs are, the table, the figures; no per-run log lines
    terminal = proc.stdout + proc.stderr
    assert 'Initialized by' not in terminal and 'mmengine - INFO' not in terminal
    assert 'Warning' not in terminal
    assert len(proc.stdout.splitlines()) < 20, proc.stdout
    assert str(out / 'figures') in proc.stdout and 'seg_loss.png' in proc.stdout
    # ... and the logs hold them
    assert 'Initialized by' in (out / 'demo.log').read_text()  # the untrained model's init
    train_log = (out / 'seg_train.log').read_text()
    assert "'deterministic': True" in train_log or 'deterministic: True' in train_log
    assert 'Iter(train) [60/60]' in train_log
    assert (out / 'figures' / 'seg_loss.png').stat().st_size > 0
