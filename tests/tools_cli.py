"""Run the project's command-line tools as a user would: a real subprocess."""
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_tool(tool: str, *args, cwd=None, timeout=900, check=True):
    env = dict(os.environ, PYTHONWARNINGS='ignore')
    proc = subprocess.run([sys.executable, str(REPO / 'tools' / tool), *map(str, args)],
                          cwd=cwd or REPO, env=env, capture_output=True, text=True,
                          timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f'{tool} {args} failed ({proc.returncode}):\n'
                             f'{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}')
    return proc


def read_json(path):
    return json.loads(Path(path).read_text())


def untrained_checkpoint(config, path):
    """The model exactly as training starts (same seed), saved without any ``meta``."""
    import torch
    from mmengine.runner import set_random_seed

    from uniformer_dense.analysis import build_model
    from uniformer_dense.harness import load_config
    cfg = load_config(str(config))
    set_random_seed(cfg.get('randomness', {}).get('seed', 0))
    model = build_model(cfg)
    torch.save({'state_dict': model.state_dict()}, path)
    return path
