# COCO instances (data/coco/, as MMDetection expects), evaluated by CocoMetric matching the
# annotation file's categories to the model's classes by name (uniformer_dense/coco_metric.py):
# a file listing some of the classes (person only, say) is evaluated on those under any tool,
# MMDetection's own tools/test.py included; on a file listing them all it is CocoMetric.
_base_ = 'mmdet::_base_/datasets/coco_instance.py'

val_evaluator = dict(type='CategorySubsetCocoMetric')
test_evaluator = val_evaluator
