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
        "cannot be mapped: einops 'n c h w -> n h w c' in swinViT (SwinTransformer): a token layout (ViT's patches, Swin's windows)"
    ),
    "monai HighResNet": (
        "cannot be mapped: torch.as_tensor in blocks.1 (HighResBlock): no spec op states it."
    ),
    "smp Unet (tu-convnext_atto)": (
        "cannot be mapped: the tensor encoder.model.stages_0.blocks.0.gamma in encoder.model.stages_0.blocks.0 (ConvNeXtBlock): a parameter or buffer used as a value."
    ),
    "smp MAnet (resnet18)": (
        "cannot be mapped: Tensor.transpose in decoder.center (PABBlock): a token layout (ViT's patches, Swin's windows): a spec describes feature maps [N, C, *spatial], and no spec op states a token sequence's shape rule yet."
    ),
    "smp Segformer (mit_b0)": (
        "cannot be mapped: Tensor.view in encoder.patch_embed1.norm (LayerNorm): a token layout (ViT's patches, Swin's windows): a spec describes feature maps [N, C, *spatial], and no spec op states a token sequence's shape rule yet."
    ),
    "torchvision convnext_tiny": (
        "cannot be mapped: torch.permute in features.1.0.block.1 (Permute): no spec op states it."
    ),
    "torchvision shufflenet_v2_x0_5": (
        "cannot be mapped: Tensor.view in stage2.0 (InvertedResidual): a reshape other than flattening all but the batch."
    ),
    "timm convnext_atto": (
        "cannot be mapped: the tensor stages.0.blocks.0.gamma in stages.0.blocks.0 (ConvNeXtBlock): a parameter or buffer used as a value."
    ),
    "timm mobilenetv3_small_050": (
        "cannot be mapped: the tensor classifier.weight in classifier (Linear): a parameter or buffer used as a value."
    ),
    "timm cspresnet50": (
        "cannot be mapped: the tensor stages.0.blocks.0.conv1.bn.running_mean in stages.0.blocks.0.conv1.bn (BatchNormAct2d): a parameter or buffer used as a value."
    ),
    "timm tf_efficientnet_b0 (same padding)": (
        "cannot be mapped: forward at conv2d_same.py:63 in blocks.1.0.conv_dw (Conv2dSame): data-dependent control flow (symbolically traced variables cannot be used as inputs to control flow)."
    ),
}
