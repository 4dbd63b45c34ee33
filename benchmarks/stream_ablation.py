"""Does each STAN stream earn its cost? Static-only, temporal-only and two-stream STAN on
three generated long-video toys, each built so that one stream cannot see its class.

    python benchmarks/stream_ablation.py [--seeds 3] [--quick] [--out README.md]

The toys (``uniformer_dense.toy_data.make_toy_stream_videos``; 96 s, 4 fps, 32 px; 64
training and 32 validation videos, balanced):

- **motion**: a square glides left or right through the whole video at a random speed,
  wrapping around: no frame, and no set of frames seconds apart, tells the direction; the
  frames of one clip do. Built against the static stream.
- **appearance**: a red or a blue square visible for 2 s at a random moment. The static
  frames (one every 1.5 s) always catch it; the clips (1 s in every 12 s) overlap it in
  about a quarter of the videos. Built against the temporal stream, and against the old
  in-clip static frames, which sit inside those same clips.
- **order**: a red and a blue square, 12 s each, one in each half; the class is their
  order (the toy of configs/toy/stan_uniformer_toy.py). Both streams can see it.

The model is ``configs/toy/stan_streams_toy.py``: random frozen backbones (one block per
stage), 8 clips of 4 frames and 64 static frames, a 2-layer 64-wide transformer; the three
variants differ only in ``model.fusion.streams``. Features are extracted once per toy with
``uniformer_dense.long_video.extract_features`` (the code of tools/extract_features.py; 4
augmented views per training video: random positions inside the segments), then every
variant trains its transformer and head on them with the same budget, the config's: AdamW
(lr 2e-3, weight decay 0.01; transformer dropout 0.1, stream dropout 0.5), batch 8, 100
epochs (linear warm-up over 4, cosine to 0), one view
per video per epoch as ``FeatureViewSampler`` picks it, through ``STAN.loss``; top-1 on the
validation videos (test-mode sampling), mean and range over ``--seeds`` training seeds.
On the appearance toy the two-stream model also runs with the old sampling (the image
backbone on 2 frames inside each clip, ``static_frames=0``).

The table replaces (or is appended as) the section ``### What each stream sees`` of
``--out``. ``--quick``: fewer videos and epochs, one seed, nothing written.
"""
import argparse
import copy
import datetime
import math
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Optional

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

CONFIG = HERE.parent / 'configs' / 'toy' / 'stan_streams_toy.py'
SECTION = '### What each stream sees'
TOYS = ('motion', 'appearance', 'order')
VARIANTS = {'static only': ('static',), 'temporal only': ('temporal',),
            'two-stream': ('static', 'temporal')}
#: the toy each single stream cannot see
BUILT_AGAINST = {'static only': 'motion', 'temporal only': 'appearance'}
OLD_SAMPLER = 'two-stream, in-clip static frames (old sampler)'


def toy_config(toy_dir: Path, static_frames=None):
    """The stream-ablation config reading ``toy_dir``'s lists (``static_frames``: override
    the sampler's; 0 is the old in-clip sampling)."""
    from mmengine.config import Config
    cfg = Config.fromfile(str(CONFIG))
    for split in ('train', 'val', 'test'):
        ds = cfg[f'{split}_dataloader'].dataset
        ds.ann_file = str(toy_dir / f'{split if split == "train" else "val"}_list.txt')
        ds.data_prefix = dict(video=str(toy_dir))
        for t in ds.pipeline:
            if t['type'] == 'SampleLongVideo' and static_frames is not None:
                t['static_frames'] = static_frames
    # what extract_features' augmented views and the apis read
    cfg.train_pipeline = cfg.train_dataloader.dataset.pipeline
    cfg.test_pipeline = cfg.test_dataloader.dataset.pipeline
    return cfg


def cached_features(cfg, work: Path, views: int):
    """Extract (train: ``views`` augmented views, val: test sampling) with the config's
    initial weights; -> {split: (features dict of stacked tensors, labels)}."""
    import torch

    from uniformer_dense.analysis import save_initial_checkpoint
    from uniformer_dense.long_video import extract_features, feature_file
    work.mkdir(parents=True, exist_ok=True)
    config = work / 'config.py'
    cfg.dump(str(config))
    init = save_initial_checkpoint(config, work / 'init.pth')
    extract_features(str(config), str(init), str(work / 'features'), splits=('train', 'val'),
                     progress=False, views=views)
    out = {}
    for split in ('train', 'val'):
        ds = cfg[f'{split}_dataloader'].dataset
        rows = [line.split() for line in Path(ds.ann_file).read_text().splitlines()
                if line.strip()]
        files = [torch.load(feature_file(str(work / 'features'), path), weights_only=True)
                 for path, _ in rows]
        keys = [k for k in files[0] if k != 'views']
        feats = {k: torch.stack([f[k] for f in files]) for k in keys}
        out[split] = (feats, torch.tensor([int(label) for _, label in rows]))
    return out


def train_and_score(cfg, streams, data, seed: int, views: int,
                    epochs: Optional[int] = None) -> float:
    """Train the fusion + head of ``streams`` on the cached features (the config's
    optimizer, batch size, epochs and warm-up epochs; ``epochs`` overrides its epochs);
    -> validation top-1."""
    import torch
    from mmaction.structures import ActionDataSample
    from mmengine.runner import set_random_seed

    from uniformer_dense.analysis import build_model
    from uniformer_dense.long_video import pick_view
    cfg = copy.deepcopy(cfg)
    cfg.model.fusion.streams = tuple(streams)
    set_random_seed(seed)
    model = build_model(cfg, init=False)
    model.fusion.reset_parameters()
    model.cls_head.init_weights()
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    optim = cfg.optim_wrapper.optimizer
    opt = torch.optim.AdamW(params, lr=optim.lr, weight_decay=optim.weight_decay,
                            foreach=True)
    (x, y), batch = data['train'], cfg.train_dataloader.batch_size
    steps_per_epoch = -(-len(y) // batch)
    epochs = epochs or cfg.train_cfg.max_epochs
    total, warmup = epochs * steps_per_epoch, cfg.warmup_epochs * steps_per_epoch
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: (
        0.1 + 0.9 * s / warmup if s < warmup else
        0.5 * (1 + math.cos(math.pi * (s - warmup) / max(1, total - warmup)))))
    for epoch in range(epochs):
        order = torch.randperm(len(y))
        picked = torch.tensor([pick_view(views, (epoch, seed, int(i))) for i in range(len(y))])
        for idx in order.split(batch):
            inputs = {k: v[idx, picked[idx]] for k, v in x.items()}
            samples = [ActionDataSample().set_gt_label(int(label)) for label in y[idx]]
            loss = sum(v for k, v in model.loss(inputs, samples).items() if 'loss' in k)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    model.eval()
    (x, y) = data['val']
    with torch.no_grad():
        scores = model.cls_head(model.fuse(x))
    return (scores.argmax(1) == y).float().mean().item()


def run(work: Path, seeds=(0,), epochs: Optional[int] = None, n_train: int = 64, n_val: int = 32,
        seconds: float = 96., views: int = 4, log=print) -> dict:
    """{toy: {variant: [top-1 per seed]}} (and the old sampler on the appearance toy). Runs
    on one thread (restored after): every tensor here is tiny, so more threads only add
    overhead, and a lot of it on a busy machine."""
    import torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _run(work, seeds, epochs, n_train, n_val, seconds, views, log)
    finally:
        torch.set_num_threads(threads)


def _run(work, seeds, epochs, n_train, n_val, seconds, views, log):
    from uniformer_dense.toy_data import make_toy_stream_videos
    results = {}
    for toy in TOYS:
        toy_dir = make_toy_stream_videos(work / toy / 'data', toy, n_train=n_train,
                                         n_val=n_val, seconds=seconds)
        samplings = {None: VARIANTS}
        if toy == 'appearance':
            samplings[0] = {OLD_SAMPLER: VARIANTS['two-stream']}
        results[toy] = {}
        for static_frames, variants in samplings.items():
            cfg = toy_config(toy_dir, static_frames)
            data = cached_features(cfg, work / toy / f'static{static_frames}', views)
            for name, streams in variants.items():
                results[toy][name] = [train_and_score(cfg, streams, data, seed, views, epochs)
                                      for seed in seeds]
                log(f'{toy:10s} {name:48s} top-1 {results[toy][name]}')
    return results


def section_lines(results, seeds, epochs) -> list:
    import torch
    from run import processor
    lines = [SECTION, '',
             f'`python benchmarks/stream_ablation.py` ({datetime.date.today()}, torch '
             f'{torch.__version__}; {processor()[0]}, one thread): validation top-1 of 32 '
             f'videos (chance 0.50), mean over '
             f'{len(seeds)} training seed(s) [lowest, highest], {epochs} epochs on '
             f'cached features; the toys and the budget are in the script\'s docstring.', '',
             '| variant | ' + ' | '.join(TOYS) + ' |', '|---|' + '---|' * len(TOYS)]
    for name in list(VARIANTS) + [OLD_SAMPLER]:
        cells = []
        for toy in TOYS:
            accs = results[toy].get(name)
            cells.append('' if accs is None else
                         f'{statistics.mean(accs):.2f} [{min(accs):.2f}, {max(accs):.2f}]')
        lines.append(f'| {name} | ' + ' | '.join(cells) + ' |')
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--seeds', type=int, default=3)
    parser.add_argument('--quick', action='store_true',
                        help='24+16 videos, 20 epochs, one seed; nothing written')
    parser.add_argument('--out', default=str(HERE.parent / 'docs' / 'long_video.md'))
    args = parser.parse_args(argv)
    seeds = (0,) if args.quick else tuple(range(args.seeds))
    size = dict(n_train=24, n_val=16, epochs=20) if args.quick else dict(epochs=None)
    with tempfile.TemporaryDirectory() as tmp:
        results = run(Path(tmp), seeds=seeds, **size)
    from mmengine.config import Config
    epochs = size['epochs'] or Config.fromfile(str(CONFIG)).train_cfg.max_epochs
    lines = section_lines(results, seeds, epochs)
    print('\n'.join(lines))
    if not args.quick:
        from run import replace_section
        out = Path(args.out)
        out.write_text(replace_section(out.read_text() if out.is_file() else '', SECTION,
                                       lines))
        print(f'written to {out}')


if __name__ == '__main__':
    main()
