"""Video: the toy config learns motion through tools/train.py and tools/test.py.

The toy videos (uniformer_dense.toy_data.make_toy_videos) carry their class only in the
order of their frames, so the trained model must beat chance on the val set and fall back
towards chance on the same videos with their frames shuffled.
"""
import pytest

from tools_cli import REPO, read_json, run_tool, untrained_checkpoint

TOY_CONFIG = REPO / 'configs' / 'toy' / 'uniformer_video_s_toy.py'


@pytest.mark.slow
def test_toy_video_training_learns_motion(tmp_path):
    from uniformer_dense.toy_data import VIDEO_CLASSES, make_toy_videos
    make_toy_videos(tmp_path / 'data' / 'toy' / 'video')
    chance = 1 / len(VIDEO_CLASSES)

    def evaluate(ckpt, name, *options):
        run_tool('test.py', TOY_CONFIG, ckpt, '--work-dir', tmp_path / f'test_{name}',
                 '--out', tmp_path / f'{name}.json',
                 *(['--cfg-options', *options] if options else []), cwd=tmp_path)
        return read_json(tmp_path / f'{name}.json')['headline']

    before = evaluate(untrained_checkpoint(TOY_CONFIG, tmp_path / 'untrained.pth'),
                      'untrained')
    work = tmp_path / 'work'
    run_tool('train.py', TOY_CONFIG, '--work-dir', work, cwd=tmp_path)
    ckpt = work / 'epoch_6.pth'
    assert ckpt.exists()
    after = evaluate(ckpt, 'trained')
    shuffled = evaluate(ckpt, 'shuffled', 'test_dataloader.dataset.ann_file=val_shuffled_list.txt')
    print(f'toy video top-1: untrained {before["top1"]:.3f}, trained {after["top1"]:.3f}, '
          f'trained on frame-shuffled clips {shuffled["top1"]:.3f} (chance {chance:.2f})')
    assert set(after) == {'top1', 'top5', 'mean_class_acc'}
    assert before['top1'] <= chance + 0.2, before
    assert after['top1'] >= 0.8, after
    # the same frames in another order: the class is gone, and so is the accuracy
    assert shuffled['top1'] <= 0.55, shuffled
    assert after['top1'] - shuffled['top1'] >= 0.35, (after, shuffled)
