"""Faults tried for real on the disk: a full disk and a read-only cache during downloads, a
full disk and a kill while a checkpoint is written.

Small and read-only filesystems are real tmpfs mounts in a private mount namespace
(tests/namespaces.py); the tests skip where this machine cannot create one.
"""
import hashlib
import json
import os
import signal
import subprocess
import sys
import time

import pytest
import torch

from http_server import FileServer
from namespaces import run_with_tmpfs
from reference import load_layout, synthetic_state_dict
from tools_cli import REPO

# Downloads ``URL`` into ``$CACHE`` the way zoo.resolve does and prints the outcome as JSON.
DOWNLOAD = r'''
import json, os, sys
from pathlib import Path
sys.path.insert(0, os.environ['REPO'])
from uniformer_dense import zoo
dest = Path(os.environ['CACHE']) / 'weights.pth'
part = dest.with_name(dest.name + '.part')
try:
    zoo.download(os.environ['URL'], dest, sha256=os.environ['SHA'], progress=False)
    print(json.dumps(dict(ok=True, sha=zoo.sha256_of(dest), part=part.exists())))
except zoo.ZooError as exc:
    print(json.dumps(dict(ok=False, error=str(exc),
                          part=part.stat().st_size if part.exists() else None,
                          dest=dest.exists())))
'''


@pytest.fixture
def served(tmp_path):
    root = tmp_path / 'served'
    root.mkdir()
    src = root / 'weights.pth'
    torch.save({'model': synthetic_state_dict(load_layout('uniformer_xxs_in1k',
                                                          'imagenet_layout'))}, src)
    with FileServer(root) as server:
        yield server, src, hashlib.sha256(src.read_bytes()).hexdigest()


def _outcomes(proc):
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith('{')]
    assert lines, f'no outcome (rc {proc.returncode}):\n{proc.stdout}\n{proc.stderr}'
    return lines


def test_download_onto_a_full_disk_then_resume_after_making_room(served, tmp_path):
    server, src, sha = served
    cache = tmp_path / 'cache'
    cache.mkdir()
    env = dict(REPO=str(REPO), CACHE=str(cache), URL=server.url + src.name, SHA=sha)
    proc = run_with_tmpfs(cache, '4m', f'''
$PY -c "$DOWNLOAD"
mount -o remount,size=128m {cache}
$PY -c "$DOWNLOAD"
''', env=dict(env, DOWNLOAD=DOWNLOAD))
    full, resumed = _outcomes(proc)
    assert src.stat().st_size > 8 << 20  # the file cannot fit the 4 MB disk
    assert not full['ok'] and not full['dest']
    assert 'the disk (or quota) is full' in full['error']
    assert 'UNIFORMER_DENSE_CACHE' in full['error'] and 'weights.pth.part' in full['error']
    assert 3 << 20 < full['part'] <= 4 << 20  # what fitted is kept for the resume
    assert resumed == dict(ok=True, sha=sha, part=False)
    ranges = [r for name, r in server.requests if name == src.name]
    assert ranges[0] is None and ranges[1] == f'bytes={full["part"]}-'


def test_download_into_a_read_only_cache(served, tmp_path):
    server, src, sha = served
    cache = tmp_path / 'cache'
    cache.mkdir()
    env = dict(REPO=str(REPO), CACHE=str(cache), URL=server.url + src.name, SHA=sha,
               DOWNLOAD=DOWNLOAD)
    proc = run_with_tmpfs(cache, '64m', '$PY -c "$DOWNLOAD"', read_only=True, env=env)
    (out,) = _outcomes(proc)
    assert not out['ok'] and out['part'] is None and not out['dest']
    assert 'the location is not writable (Read-only file system)' in out['error']
    assert 'UNIFORMER_DENSE_CACHE' in out['error'] and '--cache-dir' in out['error']


def test_kill_while_a_checkpoint_is_written_keeps_the_previous_one(tmp_path):
    """SIGKILL a process in the middle of an atomic checkpoint write."""
    target = tmp_path / 'latest.pth'
    torch.save({'state_dict': {'w': torch.ones(3)}}, target)
    before = target.read_bytes()
    code = (f'import sys; sys.path.insert(0, {str(REPO)!r})\n'
            'from uniformer_dense.atomic_io import atomic_write\n'
            f'atomic_write({str(target)!r}, bytes(768 << 20), chunk_size=1 << 20)\n')
    for _ in range(3):  # retry in the unlikely case the write finished before the kill
        proc = subprocess.Popen([sys.executable, '-c', code])
        deadline = time.time() + 120
        partial = None
        while time.time() < deadline and proc.poll() is None:
            tmps = list(tmp_path.glob('.latest.pth.*.tmp'))
            if tmps and 0 < tmps[0].stat().st_size < 768 << 20:
                partial = tmps[0]
                os.kill(proc.pid, signal.SIGKILL)
                break
            time.sleep(0.001)
        proc.wait()
        if partial is not None and proc.returncode == -signal.SIGKILL:
            break
    else:
        pytest.fail('could not kill the writer in the middle of the write')
    assert target.read_bytes() == before  # untouched, still loads
    assert torch.equal(torch.load(target, weights_only=True)['state_dict']['w'], torch.ones(3))
    # The killed writer's temporary is removed by the next write of the same file.
    assert partial.exists()
    from uniformer_dense.atomic_io import atomic_write
    atomic_write(target, b'new')
    assert target.read_bytes() == b'new' and not list(tmp_path.glob('.latest.pth.*.tmp'))


@pytest.mark.slow
def test_disk_full_during_a_training_checkpoint_keeps_the_last_good_one(tmp_path):
    from uniformer_dense.toy_data import make_ade_segmentation
    make_ade_segmentation(tmp_path / 'data' / 'toy' / 'ade', n_train=8, n_val=2)
    work = tmp_path / 'work'
    work.mkdir()
    config = REPO / 'configs' / 'toy' / 'fpn_uniformer_xxs_toy.py'
    # One checkpoint of this model (weights + AdamW state) is ~160 MB: the disk holds one.
    proc = run_with_tmpfs(work, '250m', f'''
cd {tmp_path}
$PY {REPO}/tools/train.py {config} --work-dir {work} --cfg-options \\
    train_cfg.max_iters=8 train_cfg.val_interval=1000 default_hooks.checkpoint.interval=4 \\
    default_hooks.checkpoint.max_keep_ckpts=5
echo "train rc=$?"
echo "files: $(ls -A {work} | grep -v '^2' | tr '\n' ' ')"
echo "last: $(cat {work}/last_checkpoint)"
$PY -c "import sys, torch; sys.path.insert(0, '{REPO}'); import uniformer_dense; \\
c = torch.load(open('{work}/last_checkpoint').read().strip(), weights_only=True); \\
print('loaded iter', c['meta']['iter'])"
''')
    out, err = proc.stdout, proc.stderr
    assert 'train rc=0' not in out, out
    assert 'No space left on device while writing' in err and 'iter_8.pth' in err
    assert 'the previous iter_8.pth (if any) is intact' in err
    files = next(line for line in out.splitlines() if line.startswith('files:')).split()[1:]
    # no partial iter_8.pth, no temporary left behind
    assert [f for f in files if f.endswith(('.pth', '.tmp'))] == ['iter_4.pth']
    assert f'last: {work}/iter_4.pth' in out
    assert out.strip().endswith('loaded iter 4')
