"""Run one image or video through any model: images are drawn or classified, videos
classified.

    python tools/demo.py INPUT --model NAME_OR_CONFIG [--checkpoint C] [--device cpu|cuda]
                         [--cfg-options k=v ...]
      images:  [--out out.png] [--score-thr 0.3] [--det-model NAME_OR_CONFIG [--det-checkpoint C]]
      videos:  [--label-file F] [--top-k 5]  (long videos, STAN: [--out timeline.png])

Detection draws boxes and masks, segmentation an overlay, pose the keypoints of the whole
image as one person, or of the detector's person boxes when --det-model is given. A
recogniser (an MMAction2 config) prints the top-k classes of the video with their scores,
named from --label-file (one name per line, in the model's class order, e.g. MMAction2's
label_map_k400.txt) or the checkpoint's meta. A long-video model (STAN, configs/long_video/)
also prints the best class of each segment along the timeline and draws the segments' scores
of the top-k classes to --out (apis.long_video_timeline / draw_timeline). An image
classifier (an MMPretrain config, or a zoo name such as uniformer_small_in1k) prints the
image's top-k classes (ImageNet names).
"""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from uniformer_dense.errors import run_cli  # noqa: E402
from mmengine.config import DictAction  # noqa: E402

from uniformer_dense import apis  # noqa: E402
from uniformer_dense.checkpoint import CheckpointError  # noqa: E402


def print_top_k(model, path, result, k):
    ranked = apis.top_k(model, result, k)
    print(f'top-{len(ranked)} classes of {path}:')
    for label, score in ranked:
        print(f'{score:.4f}  {label if isinstance(label, str) else f"class {label}"}')
    if ranked and isinstance(ranked[0][0], int):
        print('These are class indices: the checkpoint carries no class names. Pass '
              '--label-file with the names in the model\'s class order (Kinetics-400: '
              'MMAction2\'s label_map_k400.txt), or convert the checkpoint with '
              'tools/convert_checkpoint.py --dst-classes FILE to store them in it.',
              file=sys.stderr)


def minutes(seconds):
    return f'{int(seconds // 60)}:{seconds % 60:04.1f}'


def print_timeline(model, timeline):
    names = (getattr(model, 'dataset_meta', None) or {}).get('classes')
    print(f'best class of each of {len(timeline["segments"])} segments:')
    for (start, end), scores in zip(timeline['segments'], timeline['segment_scores']):
        best = int(scores.argmax())
        print(f'{minutes(start)}-{minutes(end)}  {scores[best]:.4f}  '
              f'{names[best] if names else f"class {best}"}')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('input', help='image, or a video for a recogniser')
    parser.add_argument('--model', required=True, help='model-zoo name or config file')
    parser.add_argument('--checkpoint', help='weights (default: the zoo entry\'s)')
    parser.add_argument('--det-model', help='person detector for pose (zoo name or config)')
    parser.add_argument('--det-checkpoint')
    parser.add_argument('--out', default='demo_out.png')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--score-thr', type=float, default=0.3)
    parser.add_argument('--label-file', help='recogniser / classifier: class names, one per line')
    parser.add_argument('--top-k', type=int, default=5,
                        help='recogniser / classifier: classes to print')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)
    if not Path(args.input).is_file():
        parser.error(f'input file {args.input!r} does not exist.')
    try:
        model = apis.init_model(args.model, args.checkpoint, args.device, args.cfg_options,
                                label_file=args.label_file)
    except (CheckpointError, FileNotFoundError, ValueError) as exc:
        parser.exit(1, f'demo.py: error: {exc}\n')
    if type(model).__name__ == 'STAN':
        timeline = apis.long_video_timeline(model, args.input)
        print_top_k(model, args.input, timeline['result'], args.top_k)
        print_timeline(model, timeline)
        apis.draw_timeline(model, timeline, args.out, top=args.top_k)
        print(f'timeline drawn to {args.out}')
        return
    if model.task in ('action', 'cls'):
        print_top_k(model, args.input, apis.inference(model, args.input), args.top_k)
        return
    det_model = (apis.init_model(args.det_model, args.det_checkpoint, args.device)
                 if args.det_model else None)
    result = apis.inference(model, args.input, det_model=det_model, det_score_thr=args.score_thr)
    apis.draw(model, args.input, result, out_file=args.out, score_thr=args.score_thr)
    print(f'{model.task} result drawn to {args.out}')


if __name__ == '__main__':
    run_cli(main)
