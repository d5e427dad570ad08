"""The zoo models that cannot be imported yet, each with the start of its exact reason
(the importer's message). test_zoo.py makes each an xfail(strict=True): a model that starts
working fails the run until it is taken off this list; one that fails for another reason
fails. /work/notes/zoo-status.md has the same list, grouped by cause."""

from __future__ import annotations

KNOWN: dict[str, str] = {
    "monai BasicUNet": (
        "cannot be mapped: forward at basic_unet.py:164 in upcat_4 (UpCat): tracing stopped with RuntimeError: 'len' is not supported in symbolic tracing by default."
    ),
    "monai BasicUNetPlusPlus": (
        "cannot be mapped: forward at basic_unet.py:164 in upcat_0_1 (UpCat): tracing stopped with RuntimeError: 'len' is not supported in symbolic tracing by default."
    ),
    "monai FlexibleUNet (resnet18)": (
        "cannot be mapped: forward at resnet.py:291 in encoder (ResNetEncoder): tracing stopped with NameError: module is not installed as a submodule."
    ),
    "monai FlexibleUNet (efficientnet-b0)": (
        "cannot be mapped: forward at basic_unet.py:164 in decoder.blocks.0 (UpCat): tracing stopped with RuntimeError: 'len' is not supported in symbolic tracing by default."
    ),
    "monai VNet": (
        "cannot be mapped: Tensor.repeat in in_tr (InputTransition): no spec op states it."
    ),
    "monai UNETR": (
        "cannot be mapped: forward at torch.py:15 in vit.blocks.0.attn.input_rearrange (Rearrange): tracing stopped with KeyError: Proxy(getattr_1)."
    ),
    "monai SwinUNETR": (
        "cannot be mapped: forward at swin_unetr.py:383 in the model itself (SwinUNETR): tracing stopped with ValueError: invalid __array_struct__."
    ),
    "monai SegResNetVAE": (
        "cannot be mapped: the output in the model itself (SegResNetVAE): output 1 is not a tensor of the model."
    ),
    "monai HighResNet": (
        "cannot be mapped: forward at highresnet.py:105 in blocks.1 (HighResBlock): tracing stopped with TypeError: `__cuda_array_interface__` must be a dict."
    ),
    "monai AHNet": (
        "cannot be mapped: forward at ahnet.py:79 in layer1.0 (Bottleneck3x3x1): data-dependent control flow (symbolically traced variables cannot be used as inputs to control flow)."
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
        "cannot be mapped: forward at model.py:46 in the model itself (UnetPlusPlus): data-dependent control flow (symbolically traced variables cannot be used as inputs to control flow)."
    ),
    "smp FPN (resnet34)": (
        "cannot be mapped: forward at model.py:46 in the model itself (FPN): data-dependent control flow (symbolically traced variables cannot be used as inputs to control flow)."
    ),
    "smp Linknet (resnet18)": (
        "cannot be mapped: forward at model.py:46 in the model itself (Linknet): data-dependent control flow (symbolically traced variables cannot be used as inputs to control flow)."
    ),
    "smp PSPNet (resnet18)": (
        "cannot be mapped: forward at model.py:46 in the model itself (PSPNet): data-dependent control flow (symbolically traced variables cannot be used as inputs to control flow)."
    ),
    "smp PAN (resnet18)": (
        "cannot be mapped: forward at model.py:46 in the model itself (PAN): data-dependent control flow (symbolically traced variables cannot be used as inputs to control flow)."
    ),
    "smp MAnet (resnet18)": (
        "cannot be mapped: forward at model.py:46 in the model itself (MAnet): data-dependent control flow (symbolically traced variables cannot be used as inputs to control flow)."
    ),
    "smp DeepLabV3 (resnet18)": (
        "cannot be mapped: forward at model.py:46 in the model itself (DeepLabV3): data-dependent control flow (symbolically traced variables cannot be used as inputs to control flow)."
    ),
    "smp DeepLabV3Plus (resnet18)": (
        "cannot be mapped: forward at model.py:46 in the model itself (DeepLabV3Plus): data-dependent control flow (symbolically traced variables cannot be used as inputs to control flow)."
    ),
    "smp UPerNet (resnet18)": (
        "cannot be mapped: forward at model.py:46 in the model itself (UPerNet): data-dependent control flow (symbolically traced variables cannot be used as inputs to control flow)."
    ),
    "smp Segformer (mit_b0)": (
        "cannot be mapped: forward at model.py:46 in the model itself (Segformer): data-dependent control flow (symbolically traced variables cannot be used as inputs to control flow)."
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
        "cannot be mapped: forward at conv2d_same.py:63 in conv_stem (Conv2dSame): data-dependent control flow (symbolically traced variables cannot be used as inputs to control flow)."
    ),
    "hand-written CropUNet (crop to match)": (
        "cannot be mapped: operator.getitem in up_path.0 (CropUp): indexing that is not an equal crop of every spatial axis (x[..., m:-m])."
    ),
    "hand-written ResizeIfUNet (aladdinpersson)": (
        "cannot be mapped: forward at unets.py:247 in the model itself (ResizeIfUNet): data-dependent control flow (symbolically traced variables cannot be used as inputs to control flow)."
    ),
}
