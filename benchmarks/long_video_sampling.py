"""What STAN's sampler lets it see of a long video, and what that costs.

    python benchmarks/long_video_sampling.py [--rounds 3] [--quick] [--out benchmarks/RESULTS.md]

Two samplings of ``configs/long_video/stan_uniformer_s_frozen.py`` (the LVU configs use the
same): **whole-video** (the shipped lists: 16 clips of 16 frames, one every 4th, and 64
static frames, one in each of 64 equal segments of the video) and **in-clip** (the same
clips; the image backbone sees 2 frames inside each clip, ``static_frames=0``).

Coverage (``uniformer_dense.long_video.sampling_coverage``, test-mode sampling): the share
of the video's frames inside a sampled clip's span, within 1 s of a static frame, and
either, for 30 s, 1, 2 and 5 minute videos at 30 fps.

Cost: one video's forward in GMACs (``uniformer_dense.analysis.meta_macs``; the sample
counts are fixed, so it is the same for every length), and on the benchmark's generated
2-minute 224x224 video (``benchmarks/run.py``): decoding + sampling (the test pipeline) and
inference (``test_step``, frozen backbones) with its peak memory (growth of the process's
peak resident set, one call in a fresh process). Timing by the benchmarks' one method
(``benchmarks/run.py``'s ``stan_measured``): the two samplings' decoding and inference built
in one process, a warm-up call each, then ``--rounds`` interleaved rounds; the table gives
the fastest and the median.

The results replace (or are appended as) the section ``## Long videos: what the sampler
sees`` of ``--out``. ``--quick``: one round, no file written (checks the script).
"""
import argparse
import datetime
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]
from run import (STAN_FROZEN, long_video_path, processor, replace_section,  # noqa: E402
                 stan_in_subprocess, stan_measured, versions)

SECTION = '## Long videos: what the sampler sees'
LENGTHS_S = (30, 60, 120, 300)
FPS = 30.
#: label -> the sampler's static_frames
SAMPLINGS = {'whole-video (shipped: 16 clips + 64 static frames)': 64,
             'in-clip (16 clips, 2 static frames inside each)': 0}


def coverage_rows():
    from mmengine.config import Config

    from uniformer_dense.long_video import SampleLongVideo, sampling_coverage
    cfg = Config.fromfile(str(HERE.parent / STAN_FROZEN))
    sampler = next(t for t in cfg.test_dataloader.dataset.pipeline
                   if t['type'] == 'SampleLongVideo')
    rows = {}
    for label, static in SAMPLINGS.items():
        kwargs = {k: v for k, v in sampler.items() if k != 'type'}
        kwargs.update(static_frames=static, test_mode=True)
        rows[label] = {s: sampling_coverage(
            SampleLongVideo(**kwargs), int(s * FPS), FPS,
            static_frames_per_clip=cfg.model.static_frames_per_clip) for s in LENGTHS_S}
    return rows


def measure(rounds: int, log=print):
    """Per sampling: its MACs and sampling facts, and decoding and inference timed by the one
    method (all four built in this process, a warm-up call each, ``rounds`` interleaved
    rounds), inference's peak memory from a fresh process."""
    video = str(long_video_path())
    base = dict(config=STAN_FROZEN, device='cpu', video=video)
    macs = {label: stan_in_subprocess(**base, mode='macs', static_frames=static)
            for label, static in SAMPLINGS.items()}
    res = stan_measured({(label, mode): dict(base, mode=mode, static_frames=static)
                         for label, static in SAMPLINGS.items()
                         for mode in ('decode', 'infer')}, 'cpu', rounds)
    for label in SAMPLINGS:
        log(f'{label}: decode {res[label, "decode"]["fastest_ms"]:.0f} ms, infer '
            f'{res[label, "infer"]["fastest_ms"]:.0f} ms, peak '
            f'{res[label, "infer"]["peak_mb"]:.0f} MB')
    return macs, res


def section_lines(cover, macs, timings, rounds):
    name, simd = processor()
    import torch
    lines = [SECTION, '',
             f'`python benchmarks/long_video_sampling.py` ({datetime.date.today()}; '
             f'{name}, {simd}; {torch.get_num_threads()} threads; {versions()}). '
             f'`{STAN_FROZEN}`, test-mode sampling; 16 clips of 16 frames, one every 4th (2.1 s '
             f'of a 30 fps video each). Coverage: share of the video\'s frames inside a sampled '
             f'clip\'s span / within 1 s of a static frame / either.', '',
             '| sampling | ' + ' | '.join(f'{s // 60} min' if s >= 60 else f'{s} s'
                                         for s in LENGTHS_S) + ' |',
             '|---|' + '---|' * len(LENGTHS_S)]
    for label in SAMPLINGS:
        cells = [f'{c["clips"]:.0%} / {c["static"]:.0%} / **{c["covered"]:.0%}**'
                 for c in (cover[label][s] for s in LENGTHS_S)]
        lines.append(f'| {label} | ' + ' | '.join(cells) + ' |')
    lines += ['', f'Cost per video (the sample counts are fixed, so GMACs, inference time and '
              f'memory do not depend on the video\'s length; decoding grows with it): measured '
              f'on the benchmark\'s generated 2-minute 224x224 video. Timing: the decoding '
              f'and inference of both samplings built in one process, a warm-up call each, '
              f'then {rounds} interleaved round(s); fastest / median. Peak MB: one inference '
              f'in a fresh process per sampling, growth of its peak resident set (weights '
              f'excluded).', '',
              '| sampling | decoded frames | static frames | GMACs | decode + sample s | '
              'inference s | peak MB |', '|---|---|---|---|---|---|---|']
    for label in SAMPLINGS:
        info, decode, infer = macs[label], timings[label, 'decode'], timings[label, 'infer']
        decoded = info['num_clips'] * info['clip_len'] + (
            info['static_frames'] if info['whole_video_static'] else 0)

        def pair(r):
            return f'{r["fastest_ms"] / 1000:.1f} / {r["median_ms"] / 1000:.1f}'
        lines.append(f'| {label} | {decoded} | {info["static_frames"]} | '
                     f'{info["macs"] / 1e9:.0f} | {pair(decode)} | {pair(infer)} | '
                     f'{infer["peak_mb"]:.0f} |')
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--quick', action='store_true', help='one round, nothing written')
    parser.add_argument('--out', default=str(HERE / 'RESULTS.md'))
    args = parser.parse_args(argv)
    cover = coverage_rows()
    for label, rows in cover.items():
        print(label, {s: round(c['covered'], 3) for s, c in rows.items()}, flush=True)
    rounds = 1 if args.quick else args.rounds
    macs, timings = measure(rounds)
    lines = section_lines(cover, macs, timings, rounds)
    print('\n'.join(lines))
    if not args.quick:
        out = Path(args.out)
        text = out.read_text() if out.is_file() else ''
        out.write_text(replace_section(text, SECTION, lines))
        print(f'written to {out}')


if __name__ == '__main__':
    main()
