"""The zoo models that cannot be imported yet, each with the start of its exact reason
(the importer's message). test_zoo.py makes each an xfail(strict=True): a model that starts
working fails the run until it is taken off this list; one that fails for another reason
fails. /work/notes/zoo-status.md has the same list."""

from __future__ import annotations

KNOWN: dict[str, str] = {
    "monai BasicUNet": (
        "cannot be mapped: in upcat_4 (UpCat) at basic_unet.py:167 in UpCat.forward (`if x_e.shape[-i - 1] != x_0.shape[-i - 1]:`): the model branches on its input size: the trace at 1x1x64x64 took one path, and at 1x1x64x63 the model runs another; a spec describes one path"
    ),
    "monai BasicUNetPlusPlus": (
        "cannot be mapped: in upcat_0_1 (UpCat) at basic_unet.py:167 in UpCat.forward (`if x_e.shape[-i - 1] != x_0.shape[-i - 1]:`): the model branches on its input size: the trace at 1x1x64x64 took one path, and at 1x1x64x65 the model runs another; a spec describes one path"
    ),
    "monai FlexibleUNet (resnet18)": (
        "cannot be mapped: forward at resnet.py:291 in encoder (ResNetEncoder): tracing stopped with NameError: module is not installed as a submodule."
    ),
    "monai FlexibleUNet (efficientnet-b0)": (
        "cannot be mapped: in decoder.blocks.0 (UpCat) at basic_unet.py:167 in UpCat.forward (`if x_e.shape[-i - 1] != x_0.shape[-i - 1]:`): the model branches on its input size: the trace at 1x1x64x64 took one path, and at 1x1x64x63 the model runs another; a spec describes one path"
    ),
    "monai VNet": (
        "cannot be mapped: Tensor.repeat in in_tr (InputTransition): no spec op states it."
    ),
    "monai UNETR": (
        "cannot be mapped: forward at torch.py:15 in vit.blocks.0.attn.input_rearrange (Rearrange): tracing stopped with KeyError: Proxy(getattr_1)."
    ),
    "monai SwinUNETR": (
        "cannot be mapped: forward at swin_unetr.py:1268 in swinViT (SwinTransformer): tracing stopped with RuntimeError: Tensor type unknown to einops <class 'skipcheck.torch.importer.symbolic._SymProxy'>."
    ),
    "monai SegResNetVAE": (
        "cannot be mapped: the output in the model itself (SegResNetVAE): output 1 is not a tensor of the model."
    ),
    "monai HighResNet": (
        "cannot be mapped: forward at highresnet.py:105 in blocks.1 (HighResBlock): tracing stopped with TypeError: `__cuda_array_interface__` must be a dict."
    ),
    "monai AHNet": (
        "the model does not run at the example input [1, 1, 64, 64] (RuntimeError: Given input size: (124x32x32). Calculated output size: (124x0x32). Output size is too small); give an --input where it runs"
    ),
    "smp Unet (resnet18)": (
        "cannot be mapped: decoder.blocks.4 (F.interpolate) interpolates to another tensor's size without merging with it"
    ),
    "smp Unet (mobilenet_v2)": (
        "cannot be mapped: decoder.blocks.4 (F.interpolate) interpolates to another tensor's size without merging with it"
    ),
    "smp Unet (efficientnet-b0)": (
        "cannot be mapped: the tensor encoder._conv_stem.weight in encoder._conv_stem (Conv2dStaticSamePadding): a parameter or buffer used as a value."
    ),
    "smp Unet (vgg11)": (
        "cannot be mapped: decoder.blocks.4 (F.interpolate) interpolates to another tensor's size without merging with it"
    ),
    "smp Unet (densenet121)": (
        "cannot be mapped: decoder.blocks.4 (F.interpolate) interpolates to another tensor's size without merging with it"
    ),
    "smp Unet (tu-convnext_atto)": (
        "cannot be mapped: Tensor.permute in encoder.model.stem_1 (LayerNorm2d): no spec op states it."
    ),
    "smp UnetPlusPlus (resnet18)": (
        "cannot be mapped: decoder (torch.cat) starts from a value another branch computes"
    ),
    "smp FPN (resnet34)": (
        "cannot be mapped: torch.stack in decoder.merge (MergeBlock): no spec op states it."
    ),
    "smp PSPNet (resnet18)": (
        "cannot be mapped: decoder.psp.blocks.0 (F.interpolate) resizes to a size and merges with several tensors"
    ),
    "smp PAN (resnet18)": (
        "the model does not run at the example input [1, 3, 64, 64] (RuntimeError: Given input size: (1x1x1). Calculated output size: (1x0x0). Output size is too small); give an --input where it runs"
    ),
    "smp MAnet (resnet18)": (
        "cannot be mapped: Tensor.transpose in decoder.center (PABBlock): no spec op states it."
    ),
    "smp DeepLabV3 (resnet18)": (
        "cannot be mapped: decoder.aspp.convs.4 (F.interpolate) resizes to a size and merges with several tensors"
    ),
    "smp DeepLabV3Plus (resnet18)": (
        "cannot be mapped: decoder.aspp.0.convs.4 (F.interpolate) resizes to a size and merges with several tensors"
    ),
    "smp UPerNet (resnet18)": (
        "cannot be mapped: Tensor.permute in decoder.feature_norms.0 (LayerNorm2d): no spec op states it."
    ),
    "smp Segformer (mit_b0)": (
        "cannot be mapped: torch.empty in encoder (MixVisionTransformerEncoder): no spec op states it."
    ),
    "torchvision efficientnet_b0": (
        "cannot be mapped: torch.stochastic_depth in features.2.1.stochastic_depth (StochasticDepth): no spec op states it."
    ),
    "torchvision convnext_tiny": (
        "cannot be mapped: Tensor.permute in features.0.1 (LayerNorm2d): no spec op states it."
    ),
    "torchvision shufflenet_v2_x0_5": (
        "cannot be mapped: Tensor.view in stage2.0 (InvertedResidual): a reshape other than flattening all but the batch."
    ),
    "torchvision fcn_resnet50": (
        "cannot be mapped: F.interpolate is an output interpolated to another's size"
    ),
    "torchvision deeplabv3_resnet50": (
        "cannot be mapped: classifier.0.convs.4 (F.interpolate) resizes to a size and merges with several tensors"
    ),
    "torchvision deeplabv3_mobilenet_v3_large": (
        "cannot be mapped: classifier.0.convs.4 (F.interpolate) resizes to a size and merges with several tensors"
    ),
    "torchvision lraspp_mobilenet_v3_large": (
        "cannot be mapped: classifier (F.interpolate) interpolates to another tensor's size without merging with it"
    ),
    "timm efficientnet_b0": (
        "cannot be mapped: the tensor bn1.weight in bn1 (BatchNormAct2d): a parameter or buffer used as a value."
    ),
    "timm convnext_atto": (
        "cannot be mapped: Tensor.permute in stem.1 (LayerNorm2d): no spec op states it."
    ),
    "timm regnetx_002": (
        "cannot be mapped: the tensor stem.bn.weight in stem.bn (BatchNormAct2d): a parameter or buffer used as a value."
    ),
    "timm mobilenetv3_small_050": (
        "cannot be mapped: the tensor bn1.weight in bn1 (BatchNormAct2d): a parameter or buffer used as a value."
    ),
    "timm cspresnet50": (
        "cannot be mapped: the tensor stem.conv1.bn.weight in stem.conv1.bn (BatchNormAct2d): a parameter or buffer used as a value."
    ),
    "timm tf_efficientnet_b0 (same padding)": (
        "cannot be mapped: forward at conv2d_same.py:63 in blocks.1.0.conv_dw (Conv2dSame): data-dependent control flow (symbolically traced variables cannot be used as inputs to control flow)."
    ),
    "hand-written CropUNet (crop to match)": (
        "cannot be mapped: operator.getitem in up_path.0 (CropUp): indexing that is not an equal crop of every spatial axis (x[..., m:-m])."
    ),
}
