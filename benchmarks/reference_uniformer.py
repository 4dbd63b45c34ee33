"""A straightforward UniFormer (S/B) forward, written to follow the authors' code step by step.

It exists only as the baseline of ``benchmarks/run.py``: the same parameters (it takes its
modules from a :class:`uniformer_dense.models.UniFormer`), but the computation the authors'
release performs: attention as explicit ``softmax(q k^T) v`` matrices, every attention block
converting NCHW -> tokens -> NCHW, windows built with ``permute(...).contiguous()`` copies,
``.contiguous()`` after every output norm. ``tests/test_benchmarks.py`` checks it gives the
same numbers as the package's backbone.
"""
import torch
import torch.nn.functional as F


def _attention(attn_module, x):
    B, N, C = x.shape
    heads = attn_module.num_heads
    qkv = attn_module.qkv(x).reshape(B, N, 3, heads, C // heads).permute(2, 0, 3, 1, 4)
    q, k, v = qkv[0], qkv[1], qkv[2]
    scores = (q @ k.transpose(-2, -1)) * (C // heads) ** -0.5
    scores = scores.softmax(dim=-1)
    x = (scores @ v).transpose(1, 2).reshape(B, N, C)
    return attn_module.proj(x)


def _mlp(mlp, x):
    return mlp.fc2(F.gelu(mlp.fc1(x)))


def _local_block(blk, x):
    x = x + blk.pos_embed(x)
    x = x + blk.conv2(blk.attn(blk.conv1(blk.norm1(x))))
    x = x + _mlp(blk.mlp, blk.norm2(x))
    return x


def _global_block(blk, x):
    x = x + blk.pos_embed(x)
    B, C, H, W = x.shape
    x = x.flatten(2).transpose(1, 2)
    x = x + _attention(blk.attn, blk.norm1(x))
    x = x + _mlp(blk.mlp, blk.norm2(x))
    return x.transpose(1, 2).reshape(B, C, H, W)


def _window_block(blk, x):
    ws = blk.window_size
    x = x + blk.pos_embed(x)
    x = x.permute(0, 2, 3, 1)
    B, H, W, C = x.shape
    shortcut = x
    x = blk.norm1(x)
    pad_r = (ws - W % ws) % ws
    pad_b = (ws - H % ws) % ws
    x = F.pad(x, (0, 0, 0, pad_r, 0, pad_b))
    _, Hp, Wp, _ = x.shape
    windows = x.view(B, Hp // ws, ws, Wp // ws, ws, C).permute(0, 1, 3, 2, 4, 5).contiguous()
    windows = windows.view(-1, ws * ws, C)
    windows = _attention(blk.attn, windows).view(-1, ws, ws, C)
    x = windows.view(B, Hp // ws, Wp // ws, ws, ws, C).permute(0, 1, 3, 2, 4, 5).contiguous()
    x = x.view(B, Hp, Wp, C)
    if pad_r or pad_b:
        x = x[:, :H, :W, :].contiguous()
    x = shortcut + x
    x = x + _mlp(blk.mlp, blk.norm2(x))
    return x.permute(0, 3, 1, 2).reshape(B, C, H, W)


def _patch_embed(pe, x):
    x = pe.proj(x)
    B, C, H, W = x.shape
    x = pe.norm(x.flatten(2).transpose(1, 2))
    return x.reshape(B, H, W, -1).permute(0, 3, 1, 2).contiguous()


class ReferenceUniFormer(torch.nn.Module):
    """Eval/no-drop-path forward of ``backbone`` (a non-light UniFormer) the authors' way."""

    def __init__(self, backbone):
        super().__init__()
        if backbone.light:
            raise ValueError('the reference covers the S/B variants only')
        self.m = backbone

    def forward(self, x):
        m, outs = self.m, []
        for stage in range(4):
            x = _patch_embed(getattr(m, f'patch_embed{stage + 1}'), x)
            for blk in getattr(m, f'blocks{stage + 1}'):
                if stage < 2:
                    x = _local_block(blk, x)
                elif blk.window_size is None:
                    x = _global_block(blk, x)
                else:
                    x = _window_block(blk, x)
            norm = getattr(m, f'norm{stage + 1}')
            outs.append(norm(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2).contiguous())
        return tuple(outs)
