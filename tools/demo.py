"""Run one image through any model and save the drawn result.

    python tools/demo.py IMAGE --model NAME_OR_CONFIG [--checkpoint C] [--out out.png]
                         [--det-model NAME_OR_CONFIG [--det-checkpoint C]] [--device cpu|cuda]
                         [--score-thr 0.3] [--cfg-options k=v ...]

Detection draws boxes and masks, segmentation an overlay, pose the keypoints of the whole
image as one person, or of the detector's person boxes when --det-model is given.
"""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mmengine.config import DictAction  # noqa: E402

from uniformer_dense import apis  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('image')
    parser.add_argument('--model', required=True, help='model-zoo name or config file')
    parser.add_argument('--checkpoint', help='weights (default: the zoo entry\'s)')
    parser.add_argument('--det-model', help='person detector for pose (zoo name or config)')
    parser.add_argument('--det-checkpoint')
    parser.add_argument('--out', default='demo_out.png')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--score-thr', type=float, default=0.3)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)
    model = apis.init_model(args.model, args.checkpoint, args.device, args.cfg_options)
    det_model = (apis.init_model(args.det_model, args.det_checkpoint, args.device)
                 if args.det_model else None)
    result = apis.inference(model, args.image, det_model=det_model, det_score_thr=args.score_thr)
    apis.draw(model, args.image, result, out_file=args.out, score_thr=args.score_thr)
    print(f'{model.task} result drawn to {args.out}')


if __name__ == '__main__':
    main()
