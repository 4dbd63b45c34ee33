"""Metrics computed in the test, independently of the toolboxes' evaluators, on the
predictions a tool run saved: pycocotools' COCOeval straight on the original annotation file,
plain numpy for IoU and top-k accuracy. A test compares the evaluator's number with these."""
import contextlib
import io
import json
import pickle

import numpy as np

# COCOeval.stats, in order, under MMDetection's / MMPose's metric names.
DET_STATS = ('mAP', 'mAP_50', 'mAP_75', 'mAP_s', 'mAP_m', 'mAP_l')
POSE_STATS = ('AP', 'AP .5', 'AP .75', 'AP (M)', 'AP (L)', 'AR', 'AR .5', 'AR .75', 'AR (M)',
              'AR (L)')


def coco_stats(ann_file, results_file, iou_type, max_dets=None):
    """pycocotools' COCOeval of a results JSON against ``ann_file`` (the categories and
    images the file lists, COCO's default thresholds): the ``stats`` vector."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    results = json.loads(open(results_file).read())
    if iou_type == 'segm':
        # a COCO segm result is a mask and a score: without the box, the instance's area
        # (small / medium / large) is the mask's, as in COCO's own segm evaluation
        results = [{k: v for k, v in r.items() if k != 'bbox'} for r in results]
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(str(ann_file))
        coco_eval = COCOeval(gt, gt.loadRes(results), iou_type)
        if max_dets:
            coco_eval.params.maxDets = list(max_dets)
        coco_eval.evaluate()
        coco_eval.accumulate()
        coco_eval.summarize()
    return coco_eval.stats


def confusion(pred, gt, num_classes, ignore_index=255):
    """``num_classes`` x ``num_classes`` pixel counts (row: ground truth, column: prediction)
    over the pixels whose label is not ``ignore_index``."""
    keep = gt != ignore_index
    index = gt[keep].astype(np.int64) * num_classes + pred[keep].astype(np.int64)
    return np.bincount(index, minlength=num_classes ** 2).reshape(num_classes, num_classes)


def seg_metrics(conf):
    """mIoU, mAcc, aAcc in percent from a confusion matrix, over the classes that occur in
    the ground truth or the prediction (IoU) / in the ground truth (Acc), as MMSeg defines
    them (a class absent from both is left out of the mean, not counted as 0)."""
    inter = np.diag(conf).astype(float)
    union = conf.sum(0) + conf.sum(1) - inter
    label = conf.sum(1)
    return dict(mIoU=100 * np.mean(inter[union > 0] / union[union > 0]),
                mAcc=100 * np.mean(inter[label > 0] / label[label > 0]),
                aAcc=100 * inter.sum() / conf.sum())


def topk_accuracy(scores, labels, k):
    """Share of samples whose label is among their ``k`` highest scores (ties: the lower
    class index first, as ``np.argsort`` with ``kind='stable'`` on the negated scores)."""
    scores = np.asarray(scores, dtype=np.float64)
    top = np.argsort(-scores, axis=1, kind='stable')[:, :k]
    return float(np.mean([label in row for label, row in zip(labels, top)]))


def config_dumping_predictions(config, path, pkl):
    """Write ``path``: ``config`` whose test evaluator also saves every sample's prediction
    and label to ``pkl`` (MMEngine's DumpResults; the config's own metric unchanged)."""
    path.write_text(f"_base_ = '{config}'\n"
                    f"test_evaluator = [{{{{_base_.test_evaluator}}}}, "
                    f"dict(type='DumpResults', out_file_path='{pkl}')]\n")
    return path


def dumped_scores(pkl):
    """The (samples x classes) scores and the labels DumpResults saved."""
    with open(pkl, 'rb') as f:
        samples = pickle.load(f)
    scores = np.stack([np.asarray(s['pred_score'], dtype=np.float64) for s in samples])
    labels = [int(np.asarray(s['gt_label']).reshape(-1)[0]) for s in samples]
    return scores, labels
