"""Forward and training-step time of UniFormer-S h14 next to the line-by-line reference and
Swin-T at the two shapes of issue #18 (1 x 800x1216, 16 x 256x192), with the FLOP floor.

    python benchmarks/train_step.py [--device cpu|cuda] [--repeats N]

Prints a markdown table (benchmarks/RESULTS.md keeps the measured ones). The three models
run interleaved, repeat after repeat, in one process, and each cell is the fastest repeat,
so load that comes and goes on a shared machine touches them alike. Swin-T is MMDetection's
where mmdet imports, else timm's ``swin_tiny_patch4_window7_224`` (said in the table). On
CUDA each dtype runs fp32 and bf16 autocast, and the floor uses the matrix-multiply rate
measured in that dtype (fp32 without TF32, PyTorch's default). The training floor is 3 x the
forward FLOPs (backward: two matrix products per forward one).
"""
import argparse
import sys
import time
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
SHAPES = ((1, 800, 1216), (16, 256, 192))


def matmul_rate(device, dtype, n=4096, repeats=10):
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn_like(a)
    best = float('inf')
    for _ in range(repeats + 2):
        if device == 'cuda':
            torch.cuda.synchronize()
        start = time.perf_counter()
        a @ b
        if device == 'cuda':
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - start)
    return 2 * n ** 3 / best


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
    args = parser.parse_args(argv)
    from reference_uniformer import ReferenceUniFormer

    from uniformer_dense.analysis import flop_counter
    from uniformer_dense.models import create_backbone
    device = args.device
    dtypes = ('fp32', 'bf16') if device == 'cuda' else ('fp32',)
    rates = {d: matmul_rate(device, torch.float32 if d == 'fp32' else torch.bfloat16)
             for d in dtypes}
    print(f'{device}, {torch.get_num_threads()} threads, torch {torch.__version__}; matmul '
          + ', '.join(f'{d} {r / 1e9:.0f} GFLOP/s' for d, r in rates.items()) + '\n')
    print('| input | backbone | GFLOPs | dtype | forward ms | x floor | train step ms | x floor |')
    print('|---|---|---|---|---|---|---|---|')

    def sync():
        if device == 'cuda':
            torch.cuda.synchronize()

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

    for b, h, w in SHAPES:
        torch.manual_seed(0)
        ours = create_backbone('uniformer_s_h14').to(device)
        ours.init_weights()
        swin_name, swin = swin_t(h, w)
        models = {'uniformer_s_h14': ours, 'reference_s_h14': ReferenceUniFormer(ours),
                  swin_name: swin.to(device)}
        x = torch.randn(b, 3, h, w, device=device)
        flops = {}
        for name, model in models.items():
            model.eval()
            with torch.no_grad(), flop_counter() as counter:
                model(x)
            flops[name] = counter.get_total_flops()
        flops['reference_s_h14'] = flops['uniformer_s_h14']  # the same computation
        for dtype in dtypes:
            best = {}
            for train in (False, True):
                for model in models.values():
                    step(model, x, train, dtype)  # warm-up
                for _ in range(args.repeats):
                    for name, model in models.items():
                        sync()
                        start = time.perf_counter()
                        step(model, x, train, dtype)
                        sync()
                        ms = 1000 * (time.perf_counter() - start)
                        best[name, train] = min(best.get((name, train), ms), ms)
            for name in models:
                floor = 1000 * flops[name] / rates[dtype]
                fwd, train = best[name, False], best[name, True]
                print(f'| {b}x{h}x{w} | {name} | {flops[name] / 1e9:.0f} | {dtype} | '
                      f'{fwd:.1f} | {fwd / floor:.2f} | {train:.1f} | {train / (3 * floor):.2f} |',
                      flush=True)
            ref, our = 'reference_s_h14', 'uniformer_s_h14'
            print(f'| | speed-up vs reference ({dtype}) | | | '
                  f'{best[ref, False] / best[our, False]:.2f}x | | '
                  f'{best[ref, True] / best[our, True]:.2f}x | |', flush=True)


if __name__ == '__main__':
    main()
