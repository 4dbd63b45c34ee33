"""ImageNet inference throughput of the light UniFormer classifiers next to their peers.

    python benchmarks/throughput.py [--batch 64] [--rounds 5] [--quick]
                                    [--out benchmarks/RESULTS.md] [--plot benchmarks/throughput.png]

One process, random weights, fp32, eval mode under ``torch.inference_mode``, ``--threads``
(2) intra-op threads for PyTorch and ONNX Runtime alike. The rows (:data:`ROWS`): the
UniFormer classifiers of ``uniformer_dense.models.create_classifier`` (XXS at 128 to 224,
XS at 192 and 224, S and B at 224), timm's MobileViT, EfficientNet, PVTv2, DeiT, Swin and
ConvNeXt models at the resolutions their papers report top-1 at, and XXS (128, 224) and
XS (224) exported to ONNX (``uniformer_dense.export.export``, opset 17) and run by an
ONNX Runtime CPU session. Each row carries its published ImageNet-1K top-1 and the paper
it comes from.

Method: every model is built (and exported) first, then each runs once untimed (for the
ONNX rows that run is also the check of ONNX Runtime against PyTorch), then ``--rounds``
interleaved rounds, each running every model once on one batch, in the same order; each
row keeps its fastest and median time. Images/s = batch / time. Load that comes and goes on
a shared machine touches all rows of a round alike, and the fastest of the rounds is the
least disturbed one. Params and MACs (multiply-accumulates, what the papers call FLOPs) are
counted at batch 1 with ``uniformer_dense.analysis.call_macs`` for every model.

The results replace (or are appended as) the section ``## Light models: ImageNet
throughput`` of ``--out`` (every other section is kept), and ``--plot`` draws published
top-1 against images/s. ``--quick`` (batch 4, one round, two rows of each kind) checks the
script, not the machine.
"""
import argparse
import datetime
import shlex
import sys
import warnings
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]
from run import processor, replace_section, versions  # noqa: E402  (benchmarks/run.py)

SECTION = '## Light models: ImageNet throughput'
KINDS = {'uniformer': 'PyTorch', 'timm': 'PyTorch', 'onnx': 'ONNX Runtime'}
#: A peer counts as "similar top-1" to a UniFormer row within this many points.
SIMILAR_TOP1 = 1.0
ONNX_OPSET = 17

UNIFORMER_PAPER = 'UniFormer (Li et al., TPAMI 2023; authors\' README)'
MOBILEVIT = 'MobileViT (Mehta & Rastegari, ICLR 2022)'
EFFICIENTNET = 'EfficientNet (Tan & Le, ICML 2019)'
PVTV2 = 'PVTv2 (Wang et al., CVMJ 2022)'
DEIT = 'DeiT (Touvron et al., ICML 2021)'
SWIN = 'Swin Transformer (Liu et al., ICCV 2021)'
CONVNEXT = 'ConvNeXt (Liu et al., CVPR 2022)'


class Row(NamedTuple):
    label: str  # short name for the table and the plot
    kind: str  # 'uniformer' (create_classifier), 'timm' (timm.create_model), 'onnx'
    name: str  # the builder's model name
    size: int  # input resolution (square)
    top1: float  # published ImageNet-1K top-1 at that resolution
    source: str  # where top-1 is published


#: Every row, in the order each round runs them. UniFormer top-1 as
#: ../shared/reference/paper_tables.md gives the released classifiers (the plain B file,
#: uniformer_base_in1k, is 83.8; 83.9 is B with layer scale).
ROWS = (
    Row('UniFormer-XXS', 'uniformer', 'uniformer_xxs_in1k', 128, 76.8, UNIFORMER_PAPER),
    Row('UniFormer-XXS', 'uniformer', 'uniformer_xxs_in1k', 160, 79.1, UNIFORMER_PAPER),
    Row('UniFormer-XXS', 'uniformer', 'uniformer_xxs_in1k', 192, 79.9, UNIFORMER_PAPER),
    Row('UniFormer-XXS', 'uniformer', 'uniformer_xxs_in1k', 224, 80.6, UNIFORMER_PAPER),
    Row('UniFormer-XS', 'uniformer', 'uniformer_xs_in1k', 192, 81.5, UNIFORMER_PAPER),
    Row('UniFormer-XS', 'uniformer', 'uniformer_xs_in1k', 224, 82.0, UNIFORMER_PAPER),
    Row('UniFormer-S', 'uniformer', 'uniformer_small_in1k', 224, 82.9, UNIFORMER_PAPER),
    Row('UniFormer-B', 'uniformer', 'uniformer_base_in1k', 224, 83.8, UNIFORMER_PAPER),
    Row('MobileViT-XS', 'timm', 'mobilevit_xs', 256, 74.8, MOBILEVIT),
    Row('MobileViT-S', 'timm', 'mobilevit_s', 256, 78.4, MOBILEVIT),
    Row('EfficientNet-B0', 'timm', 'efficientnet_b0', 224, 77.1, EFFICIENTNET),
    Row('EfficientNet-B1', 'timm', 'efficientnet_b1', 240, 79.1, EFFICIENTNET),
    Row('EfficientNet-B2', 'timm', 'efficientnet_b2', 260, 80.1, EFFICIENTNET),
    Row('EfficientNet-B3', 'timm', 'efficientnet_b3', 300, 81.6, EFFICIENTNET),
    Row('PVTv2-B0', 'timm', 'pvt_v2_b0', 224, 70.5, PVTV2),
    Row('PVTv2-B1', 'timm', 'pvt_v2_b1', 224, 78.7, PVTV2),
    Row('DeiT-S', 'timm', 'deit_small_patch16_224', 224, 79.8, DEIT),
    Row('Swin-T', 'timm', 'swin_tiny_patch4_window7_224', 224, 81.3, SWIN),
    Row('ConvNeXt-T', 'timm', 'convnext_tiny', 224, 82.1, CONVNEXT),
    Row('UniFormer-XXS', 'onnx', 'uniformer_xxs_in1k', 128, 76.8, UNIFORMER_PAPER),
    Row('UniFormer-XXS', 'onnx', 'uniformer_xxs_in1k', 224, 80.6, UNIFORMER_PAPER),
    Row('UniFormer-XS', 'onnx', 'uniformer_xs_in1k', 224, 82.0, UNIFORMER_PAPER),
)
#: The UniFormer rows the comparison paragraph is about.
LIGHT = ('uniformer_xxs_in1k', 'uniformer_xs_in1k')


def row_key(row: Row) -> str:
    """A row's unique name: label, resolution and, for ONNX Runtime, the runtime."""
    return f'{row.label} {row.size}' + (' (ORT)' if row.kind == 'onnx' else '')


def quick_rows(rows=None, per_kind: int = 2):
    """The first ``per_kind`` rows of each kind (of :data:`ROWS` by default), in order."""
    rows = ROWS if rows is None else rows
    seen: Dict[str, int] = {}
    out = []
    for row in rows:
        seen[row.kind] = seen.get(row.kind, 0) + 1
        if seen[row.kind] <= per_kind:
            out.append(row)
    return tuple(out)


def build(row: Row, batch: int, threads: int):
    """Build ``row``'s model with random weights. Returns ``(run, params, macs, note)``:
    ``run()`` infers one batch of ``batch`` images; params and MACs at batch 1 (of the
    PyTorch model, for ONNX rows the one exported); ``note`` says what the build checked."""
    import torch

    from uniformer_dense.analysis import call_macs, count_params
    torch.manual_seed(0)
    if row.kind == 'timm':
        import timm
        model = timm.create_model(row.name, pretrained=False)
    else:
        from uniformer_dense.models import create_classifier
        model = create_classifier(row.name)
    model.eval()
    params = count_params(model)
    macs = call_macs(model, torch.randn(1, 3, row.size, row.size))
    x = torch.randn(batch, 3, row.size, row.size)
    if row.kind != 'onnx':
        def run():
            with torch.inference_mode():
                return model(x)
        return run, params, macs, ''
    from uniformer_dense.export import compare, export, session
    with warnings.catch_warnings():  # the tracer's notes on Python branches it froze
        warnings.simplefilter('ignore')
        data = export(model, x, opset=ONNX_OPSET)
    sess = session(data, threads=threads)
    # the session's first run (the warm-up), checked against PyTorch on the same batch
    diff = max(compare(model, sess, x))
    feed = {sess.get_inputs()[0].name: x.numpy()}
    del model
    return (lambda: sess.run(None, feed)), params, macs, f'{diff:.1e}'


def measure(rows, batch: int, rounds: int, threads: int, log=print):
    """Build every row, warm each up once, then ``rounds`` interleaved rounds
    (:func:`uniformer_dense.analysis.interleaved_rounds`). Returns ``{row_key: dict(row,
    params, macs, times (ms), fastest_ms, median_ms, ips, ips_median, note)}``, and a row
    that failed to build or run as ``dict(row, error=...)``."""
    from uniformer_dense.analysis import interleaved_rounds
    results, runs = {}, {}
    for row in rows:
        key = row_key(row)
        try:
            run, params, macs, note = build(row, batch, threads)
        except Exception as e:  # one broken model does not stop the others
            results[key] = dict(row=row, error=f'{type(e).__name__}: {e}'.splitlines()[0])
            log(f'{key}: build failed: {results[key]["error"]}')
            continue
        results[key] = dict(row=row, params=params, macs=macs, note=note)
        runs[key] = run
        log(f'built {key}: {params / 1e6:.2f}M params, {macs / 1e9:.2f} GMACs {note}'.rstrip())
    for key, run in list(runs.items()):  # warm-up (an ONNX row's ran in its check)
        if results[key]['row'].kind == 'onnx':
            continue
        try:
            run()
        except Exception as e:
            results[key] = dict(row=results[key]['row'],
                                error=f'{type(e).__name__}: {e}'.splitlines()[0])
            del runs[key]
            log(f'{key}: warm-up failed: {results[key]["error"]}')
    for key, timed in interleaved_rounds(runs, rounds, warmup=0, log=log).items():
        res = results[key]
        res.update(times=timed['times'], fastest_ms=timed['fastest_ms'],
                   median_ms=timed['median_ms'])
        res['ips'] = batch / res['fastest_ms'] * 1000
        res['ips_median'] = batch / res['median_ms'] * 1000
    return results


def verdict(ratio: float) -> str:
    """How a throughput ratio (UniFormer / peer) stands against "2-4x"."""
    if ratio > 4:
        return 'more than 4x'
    if ratio >= 2:
        return '2-4x holds'
    if ratio >= 1:
        return 'faster, under 2x'
    return 'slower'


def comparison_lines(results, similar: float = SIMILAR_TOP1) -> List[str]:
    """The paragraph under the table, from the numbers: for each light UniFormer row run by
    PyTorch, the PyTorch peers within ``similar`` top-1 points and its throughput ratio to
    each (fastest images/s over fastest images/s), then the pairs where "2-4x throughput at
    similar top-1" holds and where not; then ONNX Runtime against PyTorch per model."""
    ok = {k: r for k, r in results.items() if 'ips' in r}
    ours = [k for k, r in ok.items() if r['row'].kind == 'uniformer' and r['row'].name in LIGHT]
    peers = [k for k, r in ok.items() if r['row'].kind == 'timm']
    lines, holds, fails = [], [], []
    for key in ours:
        row, ips = ok[key]['row'], ok[key]['ips']
        near = sorted((k for k in peers if abs(ok[k]['row'].top1 - row.top1) <= similar + 1e-9),
                      key=lambda k: ok[k]['row'].top1)
        if not near:
            lines.append(f'- {key} ({row.top1:.1f}, {ips:.0f} img/s): no peer within '
                         f'+-{similar:.1f} top-1.')
            continue
        parts = []
        for k in near:
            ratio = ips / ok[k]['ips']
            pair = f'{key} / {k}: {ratio:.2f}x'
            (holds if ratio >= 2 else fails).append(pair)
            parts.append(f'{k} ({ok[k]["row"].top1:.1f}, {ok[k]["ips"]:.0f} img/s) '
                         f'**{ratio:.2f}x** ({verdict(ratio)})')
        lines.append(f'- {key} ({row.top1:.1f}, {ips:.0f} img/s) against ' + '; '.join(parts)
                     + '.')
    pairs = len(holds) + len(fails)
    summary = (f'"2-4x throughput at similar top-1" (ratio >= 2) holds on this CPU for '
               f'{len(holds)} of {pairs} pairs' + (f' ({", ".join(holds)})' if holds else '')
               + f'; not for {len(fails)}' + (f' ({", ".join(fails)})' if fails else '') + '.')
    out = [f'UniFormer light rows (PyTorch) against the PyTorch peers within +-{similar:.1f} '
           f'top-1; ratio = UniFormer images/s / peer images/s (fastest of the rounds):', '']
    out += lines + ['', summary]
    ort = []
    for key, res in ok.items():
        row = res['row']
        if row.kind != 'onnx':
            continue
        eager = [k for k, r in ok.items() if r['row'].kind == 'uniformer'
                 and r['row'].name == row.name and r['row'].size == row.size]
        if eager:
            ort.append(f'{key} {res["ips"] / ok[eager[0]]["ips"]:.2f}x')
    if ort:
        out += ['', 'ONNX Runtime against PyTorch eager, same model and resolution: '
                + ', '.join(ort) + '.']
    return out


def section_lines(results, *, batch: int, rounds: int, threads: int, rate: float,
                  command: str, cpu=None) -> List[str]:
    """The RESULTS.md section: machine header, method, table, comparison paragraph."""
    import torch
    name, simd = cpu or processor()
    extra = []
    for module in ('timm', 'onnxruntime'):
        try:
            extra.append(f'{module} {__import__(module).__version__}')
        except ImportError:
            pass
    lines = [
        SECTION, '',
        f'Machine: {name}; vector extensions: {simd}; {threads} threads '
        f'(`torch.set_num_threads`, ONNX Runtime `intra_op_num_threads`); '
        f'{", ".join([versions()] + extra)}; {datetime.date.today().isoformat()}. '
        f'Measured matrix-multiply rate (fp32, 2048^3): {rate / 1e9:.1f} GFLOP/s. '
        f'Produced by `{command}`.', '',
        f'Method: batch {batch}, fp32, random weights, eval mode under '
        f'`torch.inference_mode`, all in one process. Every model is built first (ONNX rows: '
        f'exported with `uniformer_dense.export.export`, opset {ONNX_OPSET}, static batch, '
        f'then an ONNX Runtime CPU session), each runs one untimed warm-up batch, then '
        f'{rounds} interleaved round(s) run every model once each in the same order; '
        f'images/s = {batch} / the fastest of the {rounds} times ("fastest of {rounds} '
        f'interleaved"), next to {batch} / their median. Params and GMACs '
        f'(multiply-accumulates, the papers\' "FLOPs") at batch 1, counted by '
        f'`uniformer_dense.analysis.call_macs` for every model. Top-1: the published '
        f'ImageNet-1K number at that resolution (not measured here); UniFormer rows from '
        f'../shared/reference/paper_tables.md (the plain UniFormer-B file is 83.8).', '',
        '| model | runtime | resolution | params M | GMACs | published top-1 | top-1 from | '
        'images/s fastest | images/s median |',
        '|---|---|---|---|---|---|---|---|---|']
    for key, res in results.items():
        row = res['row']
        head = (f'| {row.label} (`{row.name}`) | {KINDS[row.kind]} | {row.size} | ')
        if 'error' in res:
            lines.append(head + f'- | - | {row.top1:.1f} | {row.source} | failed: '
                         f'{res["error"]} | - |')
            continue
        lines.append(head + f'{res["params"] / 1e6:.1f} | {res["macs"] / 1e9:.2f} | '
                     f'{row.top1:.1f} | {row.source} | {res["ips"]:.1f} | '
                     f'{res["ips_median"]:.1f} |')
    checks = [f'{k} {r["note"]}' for k, r in results.items() if r.get('note')]
    if checks:
        lines += ['', 'ONNX Runtime against PyTorch on the warm-up batch, max |difference| / '
                  'max |PyTorch logit|: ' + ', '.join(checks) + '.']
    failed = [k for k, r in results.items() if 'error' in r]
    if failed:
        lines += ['', 'Not measured (failed): ' + ', '.join(failed) + '.']
    return lines + [''] + comparison_lines(results)


def plot(results, path):
    """Published top-1 (y) against images/s (x, log scale): UniFormer and peers in two
    colours (ONNX Runtime rows hollow), every point labelled."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(10, 6.5), dpi=120)
    styles = {'uniformer': dict(color='tab:red', marker='o', label='UniFormer (PyTorch)'),
              'onnx': dict(facecolors='none', edgecolors='tab:red', marker='o',
                           label='UniFormer (ONNX Runtime)'),
              'timm': dict(color='tab:blue', marker='s', label='peers (timm, PyTorch)')}
    labels = []
    for kind, style in styles.items():
        points = [r for r in results.values() if 'ips' in r and r['row'].kind == kind]
        if not points:
            continue
        ax.scatter([r['ips'] for r in points], [r['row'].top1 for r in points], s=36,
                   zorder=3, **style)
        for r in points:
            text = f'{r["row"].label} {r["row"].size}' + (' ORT' if kind == 'onnx' else '')
            labels.append(ax.annotate(text, (r['ips'], r['row'].top1),
                                      textcoords='offset points', xytext=(5, 4), fontsize=7,
                                      color='tab:blue' if kind == 'timm' else 'tab:red'))
    ax.set_xscale('log')
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
    ax.xaxis.set_major_locator(LogLocator(subs=(1, 2, 5)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f'{v:g}'))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.margins(x=0.12, y=0.06)
    ax.set_xlabel('images/s (log scale), measured on this CPU')
    ax.set_ylabel('published ImageNet-1K top-1 (%)')
    ax.set_title('Published top-1 against measured CPU throughput')
    ax.grid(True, which='both', alpha=0.3)
    ax.legend(loc='best', fontsize=8)
    fig.tight_layout()
    _place_labels(fig, ax, labels)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def _place_labels(fig, ax, labels):
    """Move each point label to the first of four spots around its point (above right,
    below right, above left, below left) that overlaps no marker and no label placed
    before it."""
    from matplotlib.transforms import Bbox
    renderer = fig.canvas.get_renderer()
    spots = (((5, 4), 'left'), ((5, -10), 'left'), ((-5, 4), 'right'), ((-5, -10), 'right'))
    r = 4 * fig.dpi / 72  # the markers' radius in pixels
    markers = [Bbox.from_extents(x - r, y - r, x + r, y + r)
               for x, y in (ax.transData.transform(label.xy) for label in labels)]
    placed = []
    for i, label in enumerate(labels):
        others = placed + markers[:i] + markers[i + 1:]  # its own marker is beside it
        for offset, align in spots:
            label.set_position(offset)
            label.set_horizontalalignment(align)
            box = label.get_window_extent(renderer)
            if not any(box.overlaps(other) for other in others):
                break
        else:  # crowded everywhere: the first spot
            label.set_position(spots[0][0])
            label.set_horizontalalignment(spots[0][1])
            box = label.get_window_extent(renderer)
        placed.append(box)


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--batch', type=int, help='images per batch (64; --quick: 4)')
    parser.add_argument('--rounds', type=int, help='interleaved timed rounds (5; --quick: 1)')
    parser.add_argument('--threads', type=int, default=2, help='intra-op threads (2)')
    parser.add_argument('--quick', action='store_true',
                        help='batch 4, one round, two rows of each kind: checks the script')
    parser.add_argument('--out', default=str(HERE / 'RESULTS.md'))
    parser.add_argument('--plot', default=str(HERE / 'throughput.png'))
    args = parser.parse_args(argv)
    batch = args.batch or (4 if args.quick else 64)
    rounds = args.rounds or (1 if args.quick else 5)
    import torch

    from uniformer_dense.analysis import matmul_rate
    torch.set_num_threads(args.threads)
    rows = quick_rows() if args.quick else ROWS
    rate = matmul_rate('cpu')
    results = measure(rows, batch, rounds, args.threads)
    command = shlex.join(['python', 'benchmarks/throughput.py'] + argv)
    lines = section_lines(results, batch=batch, rounds=rounds, threads=args.threads,
                          rate=rate, command=command)
    out = Path(args.out)
    out.write_text(replace_section(out.read_text() if out.exists() else '', SECTION, lines))
    plot(results, args.plot)
    print('\n'.join(lines))
    return results


if __name__ == '__main__':
    main()
