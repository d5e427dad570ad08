"""The zoo models that cannot be imported yet, each with the start of its exact reason
(the importer's message). test_zoo.py makes each an xfail(strict=True): a model that starts
working fails the run until it is taken off this list; one that fails for another reason
fails. /work/notes/zoo-status.md has the same list."""

from __future__ import annotations

KNOWN: dict[str, str] = {
    "monai FlexibleUNet (resnet18)": (
        "cannot be mapped: forward at resnet.py:291 in encoder (ResNetEncoder): tracing stopped with NameError: module is not installed as a submodule."
    ),
    "monai BasicUNetPlusPlus": (
        "cannot be mapped: upcat_1_2 (F.pad) starts from a value another branch computes"
    ),
    "monai UNETR": (
        "cannot be mapped: forward at torch.py:15 in vit.blocks.0.attn.input_rearrange (Rearrange): tracing stopped with KeyError: Proxy(getattr_1)."
    ),
    "monai SwinUNETR": (
        "cannot be mapped: forward at swin_unetr.py:1268 in swinViT (SwinTransformer): tracing stopped with RuntimeError: Tensor type unknown to einops <class 'skipcheck.torch.importer.symbolic._SymProxy'>."
    ),
    "smp Unet (tu-convnext_atto)": (
        "cannot be mapped: F.interpolate in decoder.blocks.3 (UnetDecoderBlock): a size computed at run time that is not another tensor's spatial size."
    ),
    "smp UnetPlusPlus (resnet18)": (
        "cannot be mapped: decoder (torch.cat) starts from a value another branch computes"
    ),
    "smp FPN (resnet34)": (
        "cannot be mapped: decoder.seg_blocks.2.block.0 (F.interpolate) starts from a value another branch computes"
    ),
    "smp PAN (resnet18)": (
        "cannot be mapped: F.interpolate in decoder.fpa (FPABlock): a size computed at run time that is not another tensor's spatial size."
    ),
    "smp MAnet (resnet18)": (
        "cannot be mapped: Tensor.transpose in decoder.center (PABBlock): a token layout (ViT's patches, Swin's windows): a spec describes feature maps [N, C, *spatial], and no spec op states a token sequence's shape rule yet."
    ),
    "smp Segformer (mit_b0)": (
        "cannot be mapped: Tensor.view in encoder.patch_embed1.norm (LayerNorm): a token layout (ViT's patches, Swin's windows): a spec describes feature maps [N, C, *spatial], and no spec op states a token sequence's shape rule yet."
    ),
}
