"""Forward and training-step time of UniFormer-S h14 next to the line-by-line reference and
Swin-T at the two shapes of issue #18 (1 x 800x1216, 16 x 256x192), with the FLOP floor.

    python benchmarks/train_step.py [--device cpu|cuda] [--repeats N] [--breakdown] [--compile]

Prints a markdown table (benchmarks/RESULTS.md keeps the measured ones). The three models
run interleaved, round after round, in one process, after a warm-up call each
(``uniformer_dense.analysis.interleaved_rounds``), so load that comes and goes on a shared
machine touches them alike; the table gives the fastest and the median of the rounds.
Swin-T is MMDetection's where mmdet imports, else timm's ``swin_tiny_patch4_window7_224``
(said in the table). On CUDA each dtype runs fp32 and bf16 autocast, and the floor uses
the matrix-multiply rate measured in that dtype (fp32 without TF32, PyTorch's default).
The training floor is 3 x the forward FLOPs (backward: two matrix products per forward one).
FLOPs here are true FLOPs, two per multiply-accumulate: the GFLOPs column is twice the
GMACs of benchmarks/run.py's tables.

``--breakdown`` (CPU) adds where each model's forward and training step go: one profiled
run, each operator's own time put in one class (matrix products, convolutions forward and
backward, fused attention forward and backward, and the rest: normalisation, activations,
copies, element-wise sums, allocation), scaled to the fastest unprofiled time. Each compute class
also gets its rate (its forward FLOPs, x 3 for training, over its time), and the time it would
take if the rest cost nothing: a lower bound for any change that keeps these kernels. Each
model's floor there is its own FLOPs (the reference's include stage-3 window padding that
the package skips at 16x256x192; its explicit attention products count as matmul).
``--compile`` adds ``torch.compile`` of the package's backbone (default Inductor).
"""
import argparse
import sys
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
from uniformer_dense.analysis import flop_counter, interleaved_rounds, matmul_rate  # noqa: E402

SHAPES = ((1, 800, 1216), (16, 256, 192))
KERNEL_CLASSES = ('matmul', 'convolution', 'attention', 'rest')
MATMUL_OPS = ('mm', 'addmm', 'bmm', 'baddbmm')


def kernel_class(op_name: str) -> str:
    """The class of an ATen operator, by its profiler (``aten::mm``) or FLOP-counter
    (``aten.mm``) name: one of :data:`KERNEL_CLASSES`."""
    base = op_name.replace('::', '.').split('.')[-1]
    if base in MATMUL_OPS:
        return 'matmul'
    if 'conv' in base:  # mkldnn_convolution, convolution_backward, slow_conv*...
        return 'convolution'
    if 'attention' in base:  # the fused kernels of F.scaled_dot_product_attention
        return 'attention'
    return 'rest'


def forward_flops_by_class(model, x):
    """Forward FLOPs (true FLOPs, two per multiply-accumulate) of ``model(x)`` per kernel
    class (the matmul-type ones only)."""
    model.eval()
    with torch.no_grad(), flop_counter() as counter:
        model(x)
    flops = dict.fromkeys(KERNEL_CLASSES, 0)
    for op, count in counter.get_flop_counts()['Global'].items():
        flops[kernel_class(str(op))] += count
    return flops


def time_by_class(run):
    """Share of each kernel class in the operators' own CPU time of one call of ``run``."""
    from torch.profiler import ProfilerActivity, profile
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        run()
    own = dict.fromkeys(KERNEL_CLASSES, 0.)
    for event in prof.key_averages():
        own[kernel_class(event.key)] += event.self_cpu_time_total
    total = sum(own.values())
    return {k: v / total for k, v in own.items()}


def breakdown_rows(label, total_ms, shares, flops, rate, passes=3):
    """Markdown cells: each class's time (and rate for the compute classes), the total's
    multiple of its floor, and that multiple with the rest taken as free. ``passes``: the
    work as a multiple of the forward FLOPs (3 for a training step, 1 for a forward)."""
    floor_ms = 1000 * passes * sum(flops.values()) / rate
    cells = []
    for cls in KERNEL_CLASSES:
        ms = total_ms * shares[cls]
        cell = f'{ms:.0f}'
        if cls != 'rest' and flops[cls] and ms:
            cell += f' ({passes * flops[cls] / ms / 1e6:.0f})'
        cells.append(cell)
    compute_ms = total_ms * (1 - shares['rest'])
    return (f'| {label} | {total_ms:.0f} | ' + ' | '.join(cells) +
            f' | {total_ms / floor_ms:.2f} | {compute_ms / floor_ms:.2f} |')


def swin_t(h, w):
    try:
        from mmdet.models.backbones import SwinTransformer
        return 'swin_t (mmdet)', SwinTransformer(embed_dims=96, depths=(2, 2, 6, 2),
                                                 num_heads=(3, 6, 12, 24), window_size=7,
                                                 out_indices=(0, 1, 2, 3))
    except ImportError:
        import timm
        return 'swin_t (timm)', timm.create_model('swin_tiny_patch4_window7_224',
                                                  features_only=True, img_size=(h, w),
                                                  strict_img_size=False)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--breakdown', action='store_true',
                        help='where each forward and training step go, by kernel class (CPU only)')
    parser.add_argument('--compile', action='store_true',
                        help='also time torch.compile of the package backbone')
    args = parser.parse_args(argv)
    if args.breakdown and args.device != 'cpu':
        parser.error('--breakdown reads CPU operator times; run it with --device cpu')
    from reference_uniformer import ReferenceUniFormer

    from uniformer_dense.models import create_backbone
    device = args.device
    dtypes = ('fp32', 'bf16') if device == 'cuda' else ('fp32',)
    rates = {d: matmul_rate(device, torch.float32 if d == 'fp32' else torch.bfloat16, n=4096,
                            repeats=12) for d in dtypes}
    from run import processor, versions
    cpu, simd = processor()
    print(f'{device}; {cpu}; vector extensions {simd}; {torch.get_num_threads()} threads; '
          f'{versions()}; matmul ' + ', '.join(f'{d} {r / 1e9:.0f} GFLOP/s'
                                              for d, r in rates.items())
          + f'. A warm-up call each, then {args.repeats} interleaved rounds; the fastest '
            'and the median.\n')
    print('| input | backbone | GFLOPs | dtype | forward ms fastest | median | x floor '
          '| train step ms fastest | median | x floor |')
    print('|---|---|---|---|---|---|---|---|---|---|')

    def step(model, x, train, dtype):
        with torch.autocast(device, dtype=torch.bfloat16, enabled=dtype == 'bf16'):
            if train:
                model.train()
                outs = model(x)
                sum(o.float().mean() for o in outs).backward()
                model.zero_grad(set_to_none=True)
            else:
                model.eval()
                with torch.no_grad():
                    model(x)

    breakdowns = {}
    for b, h, w in SHAPES:
        torch.manual_seed(0)
        ours = create_backbone('uniformer_s_h14').to(device)
        ours.init_weights()
        swin_name, swin = swin_t(h, w)
        models = {'uniformer_s_h14': ours, 'reference_s_h14': ReferenceUniFormer(ours),
                  swin_name: swin.to(device)}
        if args.compile:
            models['uniformer_s_h14 (torch.compile)'] = torch.compile(ours)
        x = torch.randn(b, 3, h, w, device=device)
        class_flops = {name: forward_flops_by_class(model, x)
                       for name, model in models.items() if 'compile' not in name}
        flops = {name: sum(class_flops.get(name, class_flops['uniformer_s_h14']).values())
                 for name in models}
        # The table's floor of the reference is the package's: the same numbers. (At
        # 16x256x192 the reference also projects the padding of stage-3 windows, which the
        # package skips; the breakdown counts each model's own FLOPs.)
        flops['reference_s_h14'] = flops['uniformer_s_h14']
        for dtype in dtypes:
            best, median = {}, {}
            for train in (False, True):  # a warm-up (and the compile), then the rounds
                timed = interleaved_rounds(
                    {name: (lambda model=model: step(model, x, train, dtype))
                     for name, model in models.items()}, args.repeats, device=device)
                for name in models:
                    best[name, train] = timed[name]['fastest_ms']
                    median[name, train] = timed[name]['median_ms']
            for name in models:
                floor = 1000 * flops[name] / rates[dtype]
                fwd, train = best[name, False], best[name, True]
                print(f'| {b}x{h}x{w} | {name} | {flops[name] / 1e9:.0f} | {dtype} | '
                      f'{fwd:.1f} | {median[name, False]:.1f} | {fwd / floor:.2f} | '
                      f'{train:.1f} | {median[name, True]:.1f} | {train / (3 * floor):.2f} |',
                      flush=True)
            ref, our = 'reference_s_h14', 'uniformer_s_h14'
            print(f'| | speed-up vs reference ({dtype}) | | | '
                  f'{best[ref, False] / best[our, False]:.2f}x | '
                  f'{median[ref, False] / median[our, False]:.2f}x | | '
                  f'{best[ref, True] / best[our, True]:.2f}x | '
                  f'{median[ref, True] / median[our, True]:.2f}x | |', flush=True)
            if args.breakdown:
                for train in (False, True):
                    breakdowns[b, h, w, train] = {name: (best[name, train], time_by_class(
                        lambda model=model: step(model, x, train, dtype)), class_flops[name])
                        for name, model in models.items() if 'compile' not in name}
    if args.breakdown:
        print_breakdown(breakdowns, rates['fp32'])


def print_breakdown(breakdowns, rate):
    print('\nForward and training step by kernel class: ms (GFLOP/s: FLOPs over the time, '
          'x 3 for training); x floor, and x floor if the rest took no time\n')
    print('| input | backbone | pass | ms | ' + ' | '.join(KERNEL_CLASSES) +
          ' | x floor | x floor, rest free |')
    print('|---|---|---|---|---|---|---|---|---|---|')
    for (b, h, w, train), models in breakdowns.items():
        mode = 'train step' if train else 'forward'
        for name, (ms, shares, flops) in models.items():
            print(breakdown_rows(f'{b}x{h}x{w} | {name} | {mode}', ms, shares, flops, rate,
                                 passes=3 if train else 1))
        ours_ms, ours_shares, _ = models['uniformer_s_h14']
        print(f'| | reference / package with the rest free | {mode} | '
              f'{models["reference_s_h14"][0] / (ours_ms * (1 - ours_shares["rest"])):.2f}x '
              f'| | | | | | |', flush=True)


if __name__ == '__main__':
    main()
