"""The zoo models that cannot be imported yet, each with the start of its exact reason
(the importer's message). test_zoo.py makes each an xfail(strict=True): a model that starts
working fails the run until it is taken off this list; one that fails for another reason
fails. /work/notes/zoo-status.md has the same list."""

from __future__ import annotations

KNOWN: dict[str, str] = {
    "monai UNETR": (
        "cannot be mapped: einops 'b h (qkv l d) -> qkv b l h d' in vit.blocks.0.attn.input_rearrange (Rearrange): a token layout (ViT's patches, Swin's windows)"
    ),
    "monai SwinUNETR": (
        # its channels-last LayerNorms (einops 'n c h w -> n h w c') import now; the trace
        # stops where the shifted windows' attention mask is written into a tensor
        "cannot be mapped: forward at swin_unetr.py:1061 in swinViT.layers1.0 (BasicLayer): tracing stopped with TypeError: '_SymProxy' object does not support item assignment"
    ),
    "smp Unet (tu-convnext_atto)": (
        "cannot be mapped: F.interpolate in decoder.blocks.3 (UnetDecoderBlock): a size computed at run time ("  # then the expression, in the trace's symbols
    ),
    "smp MAnet (resnet18)": (
        "cannot be mapped: Tensor.transpose in decoder.center (PABBlock): a token layout (ViT's patches, Swin's windows): a spec describes feature maps [N, C, *spatial], and no spec op states a token sequence's shape rule yet."
    ),
    "smp Segformer (mit_b0)": (
        "cannot be mapped: Tensor.view in encoder.patch_embed1.norm (LayerNorm): a token layout (ViT's patches, Swin's windows): a spec describes feature maps [N, C, *spatial], and no spec op states a token sequence's shape rule yet."
    ),
}
