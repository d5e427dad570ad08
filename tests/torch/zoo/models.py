"""The zoo: real networks from public constructors, with no weights, as a new user would try
them — MONAI's segmentation networks, segmentation_models_pytorch architectures with several
encoder families, torchvision's classification and segmentation models, timm's convnets —
and hand-written U-Nets in the styles popular repositories use (``unets.py``).

Each entry builds its model lazily (its library is imported only then) at the example input
it is imported at. ``unet_like``: an encoder-decoder whose skips merge at matching
resolutions, the networks skipcheck is for. Nothing here imports skipcheck.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

LIBRARIES = {
    "monai": "monai",
    "smp": "segmentation_models_pytorch",
    "torchvision": "torchvision",
    "timm": "timm",
    "hand-written": "torch",
}


@dataclass(frozen=True)
class Entry:
    name: str
    library: str  # a key of LIBRARIES
    build: Callable[[], Any]
    shape: tuple[int, ...]  # the example input the import traces at
    unet_like: bool

    def available(self) -> bool:
        return importlib.util.find_spec(LIBRARIES[self.library]) is not None


def _monai(cls: str, **kwargs: Any) -> Callable[[], Any]:
    def build() -> Any:
        import monai.networks.nets as nets

        return getattr(nets, cls)(**kwargs)

    return build


def _smp(arch: str, encoder: str, **kwargs: Any) -> Callable[[], Any]:
    def build() -> Any:
        import segmentation_models_pytorch as smp

        return getattr(smp, arch)(
            encoder_name=encoder, encoder_weights=None, in_channels=3, classes=2, **kwargs
        )

    return build


def _tv(name: str, **kwargs: Any) -> Callable[[], Any]:
    def build() -> Any:
        import torchvision.models as models
        import torchvision.models.segmentation as seg

        factory = getattr(models, name, None) or getattr(seg, name)
        return factory(weights=None, **kwargs)

    return build


def _timm(name: str, **kwargs: Any) -> Callable[[], Any]:
    def build() -> Any:
        import timm

        return timm.create_model(name, pretrained=False, **kwargs)

    return build


def _mine(cls: str, module: str = "unets", **kwargs: Any) -> Callable[[], Any]:
    def build() -> Any:
        if module == "unets":
            from tests.torch.zoo import unets as source
        else:
            from tests.torch import unet_models as source
        return getattr(source, cls)(**kwargs)

    return build


M2 = {"spatial_dims": 2, "in_channels": 1, "out_channels": 2}
RGB = (1, 3, 64, 64)
GRAY = (1, 1, 64, 64)
SEG_TV = {"weights_backbone": None, "num_classes": 2, "aux_loss": False}

ZOO: tuple[Entry, ...] = (
    # MONAI: its segmentation networks in 2D, and two classifiers
    Entry(
        "monai UNet",
        "monai",
        _monai("UNet", **M2, channels=(8, 16, 32, 64), strides=(2, 2, 2)),
        GRAY,
        True,
    ),
    Entry(
        "monai UNet res2",
        "monai",
        _monai("UNet", **M2, channels=(8, 16, 32, 64), strides=(2, 2, 2), num_res_units=2),
        GRAY,
        True,
    ),
    Entry(
        "monai AttentionUnet",
        "monai",
        _monai("AttentionUnet", **M2, channels=(8, 16, 32, 64), strides=(2, 2, 2)),
        GRAY,
        True,
    ),
    Entry("monai SegResNet", "monai", _monai("SegResNet", **M2, init_filters=8), GRAY, True),
    Entry(
        "monai BasicUNet",
        "monai",
        _monai("BasicUNet", **M2, features=(8, 8, 16, 32, 64, 8)),
        GRAY,
        True,
    ),
    Entry(
        "monai BasicUNetPlusPlus",
        "monai",
        _monai("BasicUNetPlusPlus", **M2, features=(8, 8, 16, 32, 64, 8)),
        GRAY,
        True,
    ),
    Entry(
        "monai FlexibleUNet (resnet18)",
        "monai",
        _monai("FlexibleUNet", in_channels=1, out_channels=2, backbone="resnet18"),
        GRAY,
        True,
    ),
    Entry(
        "monai FlexibleUNet (efficientnet-b0)",
        "monai",
        _monai("FlexibleUNet", in_channels=1, out_channels=2, backbone="efficientnet-b0"),
        GRAY,
        True,
    ),
    Entry(
        "monai DynUNet",
        "monai",
        _monai(
            "DynUNet",
            **M2,
            kernel_size=[3, 3, 3, 3],
            strides=[1, 2, 2, 2],
            upsample_kernel_size=[2, 2, 2],
            filters=[8, 16, 32, 64],
        ),
        GRAY,
        True,
    ),
    Entry(
        "monai VNet",
        "monai",
        _monai("VNet", spatial_dims=2, in_channels=1, out_channels=2),
        GRAY,
        True,
    ),
    Entry(
        "monai UNETR",
        "monai",
        _monai(
            "UNETR",
            in_channels=1,
            out_channels=2,
            img_size=(64, 64),
            spatial_dims=2,
            feature_size=8,
            hidden_size=96,
            mlp_dim=192,
            num_heads=4,
        ),
        GRAY,
        True,
    ),
    Entry(
        "monai SwinUNETR",
        "monai",
        _monai("SwinUNETR", in_channels=1, out_channels=2, spatial_dims=2, feature_size=12),
        GRAY,
        True,
    ),
    Entry(
        "monai SegResNetVAE",
        "monai",
        _monai("SegResNetVAE", input_image_size=(64, 64), **M2, init_filters=8),
        GRAY,
        True,
    ),
    Entry("monai HighResNet", "monai", _monai("HighResNet", **M2), GRAY, False),
    Entry(
        "monai AHNet",
        "monai",
        _monai("AHNet", spatial_dims=2, in_channels=1, out_channels=2, layers=(1, 1, 1, 1)),
        (1, 1, 128, 128),  # its PSP pools need 128 and more
        True,
    ),
    Entry(
        "monai DenseNet121",
        "monai",
        _monai("DenseNet121", spatial_dims=2, in_channels=1, out_channels=2),
        GRAY,
        False,
    ),
    Entry(
        "monai ResNet18",
        "monai",
        _monai(
            "ResNet",
            block="basic",
            layers=[2, 2, 2, 2],
            block_inplanes=[64, 128, 256, 512],
            spatial_dims=2,
            n_input_channels=1,
            num_classes=2,
        ),
        GRAY,
        False,
    ),
    Entry(
        "monai RegUNet",  # a mean of stacked maps; even sizes checked again after halving
        "monai",
        _monai(
            "RegUNet", spatial_dims=2, in_channels=1, num_channel_initial=8, depth=3, out_channels=2
        ),
        GRAY,
        True,
    ),
    Entry(
        "monai LocalNet",  # its upsampling sums the two channel halves of the resized map
        "monai",
        _monai(
            "LocalNet",
            spatial_dims=2,
            in_channels=1,
            num_channel_initial=8,
            extract_levels=(0, 1, 2, 3),
            out_channels=2,
        ),
        GRAY,
        True,
    ),
    Entry(
        "monai Classifier",  # its Reshape of the last Linear's (N, K) to (N, K)
        "monai",
        _monai(
            "Classifier", in_shape=(1, 64, 64), classes=3, channels=(4, 8, 16), strides=(2, 2, 2)
        ),
        GRAY,
        False,
    ),
    Entry(
        "monai SEResNet50",  # squeeze-and-excitation on a (N, C) vector: 1x1 convs
        "monai",
        _monai("SEResNet50", spatial_dims=2, in_channels=3, num_classes=10),
        (1, 3, 224, 224),
        False,
    ),
    # segmentation_models_pytorch: its architectures, several encoder families
    Entry("smp Unet (resnet18)", "smp", _smp("Unet", "resnet18"), RGB, True),
    Entry("smp Unet (mobilenet_v2)", "smp", _smp("Unet", "mobilenet_v2"), RGB, True),
    Entry("smp Unet (efficientnet-b0)", "smp", _smp("Unet", "efficientnet-b0"), RGB, True),
    Entry("smp Unet (vgg11)", "smp", _smp("Unet", "vgg11"), RGB, True),
    Entry("smp Unet (densenet121)", "smp", _smp("Unet", "densenet121"), RGB, True),
    Entry("smp Unet (tu-convnext_atto)", "smp", _smp("Unet", "tu-convnext_atto"), RGB, True),
    Entry("smp UnetPlusPlus (resnet18)", "smp", _smp("UnetPlusPlus", "resnet18"), RGB, True),
    Entry("smp FPN (resnet34)", "smp", _smp("FPN", "resnet34"), RGB, True),
    Entry("smp Linknet (resnet18)", "smp", _smp("Linknet", "resnet18"), RGB, True),
    Entry("smp PSPNet (resnet18)", "smp", _smp("PSPNet", "resnet18"), RGB, False),
    # its pyramid attention pools down to 1/32 and then by 2 more: 64 is too small
    Entry("smp PAN (resnet18)", "smp", _smp("PAN", "resnet18"), (1, 3, 128, 128), True),
    Entry("smp MAnet (resnet18)", "smp", _smp("MAnet", "resnet18"), RGB, True),
    Entry("smp DeepLabV3 (resnet18)", "smp", _smp("DeepLabV3", "resnet18"), RGB, False),
    # its encoder runs every block and keeps the features up to depth 3: the blocks past it
    # run, their value dropped (branches nothing reads)
    Entry(
        "smp PSPNet (efficientnet-b0)",
        "smp",
        _smp("PSPNet", "efficientnet-b0"),
        (1, 3, 128, 128),
        False,
    ),
    Entry("smp DeepLabV3Plus (resnet18)", "smp", _smp("DeepLabV3Plus", "resnet18"), RGB, True),
    Entry("smp UPerNet (resnet18)", "smp", _smp("UPerNet", "resnet18"), RGB, True),
    Entry("smp Segformer (mit_b0)", "smp", _smp("Segformer", "mit_b0"), RGB, True),
    # torchvision: classification and segmentation
    Entry("torchvision resnet18", "torchvision", _tv("resnet18"), RGB, False),
    Entry("torchvision resnet50", "torchvision", _tv("resnet50"), RGB, False),
    Entry("torchvision vgg11", "torchvision", _tv("vgg11"), RGB, False),
    Entry("torchvision mobilenet_v2", "torchvision", _tv("mobilenet_v2"), RGB, False),
    Entry("torchvision mobilenet_v3_small", "torchvision", _tv("mobilenet_v3_small"), RGB, False),
    Entry("torchvision efficientnet_b0", "torchvision", _tv("efficientnet_b0"), RGB, False),
    Entry("torchvision densenet121", "torchvision", _tv("densenet121"), RGB, False),
    Entry("torchvision convnext_tiny", "torchvision", _tv("convnext_tiny"), RGB, False),
    Entry("torchvision regnet_x_400mf", "torchvision", _tv("regnet_x_400mf"), RGB, False),
    Entry("torchvision shufflenet_v2_x0_5", "torchvision", _tv("shufflenet_v2_x0_5"), RGB, False),
    Entry("torchvision squeezenet1_1", "torchvision", _tv("squeezenet1_1"), RGB, False),
    Entry("torchvision fcn_resnet50", "torchvision", _tv("fcn_resnet50", **SEG_TV), RGB, True),
    Entry(
        "torchvision deeplabv3_resnet50",
        "torchvision",
        _tv("deeplabv3_resnet50", **SEG_TV),
        RGB,
        False,
    ),
    Entry(
        "torchvision deeplabv3_mobilenet_v3_large",
        "torchvision",
        _tv("deeplabv3_mobilenet_v3_large", **SEG_TV),
        RGB,
        False,
    ),
    Entry(
        "torchvision lraspp_mobilenet_v3_large",
        "torchvision",
        _tv("lraspp_mobilenet_v3_large", weights_backbone=None, num_classes=2),
        RGB,
        True,
    ),
    # timm: convnets
    Entry("timm resnet18", "timm", _timm("resnet18"), RGB, False),
    Entry("timm efficientnet_b0", "timm", _timm("efficientnet_b0"), RGB, False),
    Entry("timm convnext_atto", "timm", _timm("convnext_atto"), RGB, False),
    Entry("timm regnetx_002", "timm", _timm("regnetx_002"), RGB, False),
    Entry("timm mobilenetv3_small_050", "timm", _timm("mobilenetv3_small_050"), RGB, False),
    Entry("timm cspresnet50", "timm", _timm("cspresnet50"), RGB, False),
    Entry("timm ghostnet_050", "timm", _timm("ghostnet_050"), (1, 3, 224, 224), False),
    Entry(
        "timm tf_efficientnet_b0 (same padding)", "timm", _timm("tf_efficientnet_b0"), RGB, False
    ),
    # hand-written U-Nets, in the styles popular repositories use
    Entry("hand-written UNet (transposed conv, cat)", "hand-written", _mine("UNet"), RGB, True),
    Entry("hand-written BilinearUNet (usuyama)", "hand-written", _mine("BilinearUNet"), RGB, True),
    Entry("hand-written PadUNet (pad to match)", "hand-written", _mine("PadUNet"), RGB, True),
    Entry(
        "hand-written CropUNet (crop to match)",
        "hand-written",
        _mine("CropUNet"),
        (1, 1, 188, 188),
        True,
    ),
    Entry("hand-written InterpUNet (interpolate)", "hand-written", _mine("InterpUNet"), RGB, True),
    Entry(
        "hand-written ResizeIfUNet (aladdinpersson)",
        "hand-written",
        _mine("ResizeIfUNet"),
        RGB,
        True,
    ),
    Entry("hand-written AddUNet (add skips)", "hand-written", _mine("AddUNet"), RGB, True),
    Entry(
        "milesial UNet (pad, transposed)",
        "hand-written",
        _mine("UNet", module="milesial", width=8),
        RGB,
        True,
    ),
    Entry(
        "milesial UNet (pad, bilinear)",
        "hand-written",
        _mine("UNet", module="milesial", width=8, bilinear=True),
        RGB,
        True,
    ),
)

BY_NAME = {e.name: e for e in ZOO}


def _monai_args(cls: str, *args: Any, **kwargs: Any) -> Callable[[], Any]:
    def build() -> Any:
        import monai.networks.nets as nets

        return getattr(nets, cls)(*args, **kwargs)

    return build


# Beyond the zoo: public models tried as a new user would, after the zoo was fixed, to measure
# reach on models the importer was not developed against (`bench/bench_zoo.py --beyond`). Not
# run by the tests; the models of this list the importer refused and that were then mapped
# moved into ZOO above (smp PSPNet efficientnet-b0, ghostnet_050, SEResNet50, RegUNet,
# LocalNet, Classifier).
BEYOND: tuple[Entry, ...] = (
    Entry(
        "tv googlenet",
        "torchvision",
        _tv("googlenet", aux_logits=False, init_weights=False),
        (1, 3, 224, 224),
        False,
    ),
    Entry(
        "tv inception_v3",
        "torchvision",
        _tv("inception_v3", aux_logits=False, init_weights=False),
        (1, 3, 299, 299),
        False,
    ),
    Entry("tv mnasnet0_5", "torchvision", _tv("mnasnet0_5"), (1, 3, 224, 224), False),
    Entry("tv efficientnet_v2_s", "torchvision", _tv("efficientnet_v2_s"), (1, 3, 224, 224), False),
    Entry("tv regnet_y_400mf", "torchvision", _tv("regnet_y_400mf"), (1, 3, 224, 224), False),
    Entry("tv resnext50_32x4d", "torchvision", _tv("resnext50_32x4d"), (1, 3, 224, 224), False),
    Entry("tv alexnet", "torchvision", _tv("alexnet"), (1, 3, 224, 224), False),
    Entry("tv vgg16_bn", "torchvision", _tv("vgg16_bn"), (1, 3, 224, 224), False),
    Entry(
        "tv mobilenet_v3_large", "torchvision", _tv("mobilenet_v3_large"), (1, 3, 224, 224), False
    ),
    Entry("tv swin_t", "torchvision", _tv("swin_t"), (1, 3, 224, 224), False),
    Entry("tv vit_b_16", "torchvision", _tv("vit_b_16"), (1, 3, 224, 224), False),
    Entry(
        "tv deeplabv3_resnet50 aux",
        "torchvision",
        _tv("deeplabv3_resnet50", weights_backbone=None, aux_loss=True),
        (1, 3, 128, 128),
        False,
    ),
    Entry(
        "tv fcn_resnet50 aux",
        "torchvision",
        _tv("fcn_resnet50", weights_backbone=None, aux_loss=True),
        (1, 3, 128, 128),
        False,
    ),
    Entry(
        "monai UNet 3d",
        "monai",
        _monai(
            "UNet",
            spatial_dims=3,
            in_channels=1,
            out_channels=2,
            channels=(8, 16, 32, 64),
            strides=(2, 2, 2),
            num_res_units=2,
        ),
        (1, 1, 32, 32, 32),
        True,
    ),
    Entry(
        "monai AttentionUnet 3d",
        "monai",
        _monai(
            "AttentionUnet",
            spatial_dims=3,
            in_channels=1,
            out_channels=2,
            channels=(8, 16, 32),
            strides=(2, 2),
        ),
        (1, 1, 32, 32, 32),
        True,
    ),
    Entry(
        "monai SegResNetDS",
        "monai",
        _monai("SegResNetDS", spatial_dims=2, in_channels=1, out_channels=2, init_filters=8),
        (1, 1, 64, 64),
        True,
    ),
    Entry(
        "monai BasicUNet 3d",
        "monai",
        _monai(
            "BasicUNet",
            spatial_dims=3,
            in_channels=1,
            out_channels=2,
            features=(4, 8, 16, 32, 64, 4),
        ),
        (1, 1, 32, 32, 32),
        True,
    ),
    Entry(
        "monai DynUNet deep sup",
        "monai",
        _monai(
            "DynUNet",
            spatial_dims=2,
            in_channels=1,
            out_channels=2,
            kernel_size=[3, 3, 3, 3],
            strides=[1, 2, 2, 2],
            upsample_kernel_size=[2, 2, 2],
            deep_supervision=False,
            res_block=True,
        ),
        (1, 1, 64, 64),
        True,
    ),
    Entry(
        "monai AutoEncoder",
        "monai",
        _monai(
            "AutoEncoder",
            spatial_dims=2,
            in_channels=1,
            out_channels=1,
            channels=(4, 8, 16),
            strides=(2, 2, 2),
        ),
        (1, 1, 64, 64),
        False,
    ),
    Entry(
        "monai EfficientNetBN b0",
        "monai",
        _monai_args(
            "EfficientNetBN",
            "efficientnet-b0",
            pretrained=False,
            spatial_dims=2,
            in_channels=3,
            num_classes=10,
        ),
        (1, 3, 224, 224),
        False,
    ),
    Entry(
        "monai MedNeXt",
        "monai",
        _monai("MedNeXt", spatial_dims=2, in_channels=1, out_channels=2, init_filters=8),
        (1, 1, 64, 64),
        True,
    ),
    Entry("smp Unet resnet50", "smp", _smp("Unet", "resnet50"), (1, 3, 128, 128), True),
    Entry(
        "smp Unet timm-regnetx_002", "smp", _smp("Unet", "tu-regnetx_002"), (1, 3, 128, 128), True
    ),
    Entry("smp Unet mit_b0", "smp", _smp("Unet", "mit_b0"), (1, 3, 128, 128), True),
    Entry(
        "smp Linknet mobilenet_v2", "smp", _smp("Linknet", "mobilenet_v2"), (1, 3, 128, 128), True
    ),
    Entry("smp FPN mobilenet_v2", "smp", _smp("FPN", "mobilenet_v2"), (1, 3, 128, 128), True),
    Entry(
        "smp DeepLabV3Plus efficientnet-b0",
        "smp",
        _smp("DeepLabV3Plus", "efficientnet-b0"),
        (1, 3, 128, 128),
        True,
    ),
    Entry("smp UnetPlusPlus vgg11", "smp", _smp("UnetPlusPlus", "vgg11"), (1, 3, 128, 128), True),
    Entry("smp Unet resnext50", "smp", _smp("Unet", "resnext50_32x4d"), (1, 3, 128, 128), True),
    Entry(
        "smp Unet tu-resnet18 aux",
        "smp",
        _smp("Unet", "resnet18", aux_params={"classes": 3}),
        (1, 3, 128, 128),
        True,
    ),
    Entry("timm resnet50d", "timm", _timm("resnet50d"), (1, 3, 224, 224), False),
    Entry("timm seresnext26d_32x4d", "timm", _timm("seresnext26d_32x4d"), (1, 3, 224, 224), False),
    Entry("timm regnety_002", "timm", _timm("regnety_002"), (1, 3, 224, 224), False),
    Entry("timm mixnet_s", "timm", _timm("mixnet_s"), (1, 3, 224, 224), False),
    Entry("timm hrnet_w18_small", "timm", _timm("hrnet_w18_small"), (1, 3, 224, 224), False),
    Entry("timm dla34", "timm", _timm("dla34"), (1, 3, 224, 224), False),
    Entry("timm res2net50_14w_8s", "timm", _timm("res2net50_14w_8s"), (1, 3, 224, 224), False),
    Entry("timm densenet121", "timm", _timm("densenet121"), (1, 3, 224, 224), False),
    Entry("timm cspdarknet53", "timm", _timm("cspdarknet53"), (1, 3, 224, 224), False),
    Entry("timm repvgg_a0", "timm", _timm("repvgg_a0"), (1, 3, 224, 224), False),
    Entry("timm rexnet_100", "timm", _timm("rexnet_100"), (1, 3, 224, 224), False),
    Entry("timm dpn68", "timm", _timm("dpn68"), (1, 3, 224, 224), False),
    Entry("timm nf_resnet26", "timm", _timm("nf_resnet26"), (1, 3, 224, 224), False),
    Entry("timm poolformer_s12", "timm", _timm("poolformer_s12"), (1, 3, 224, 224), False),
    Entry("timm mobilevit_xxs", "timm", _timm("mobilevit_xxs"), (1, 3, 256, 256), False),
    Entry("timm efficientvit_b0", "timm", _timm("efficientvit_b0"), (1, 3, 224, 224), False),
    Entry("timm vgg11", "timm", _timm("vgg11"), (1, 3, 224, 224), False),
    Entry("timm inception_v3", "timm", _timm("inception_v3"), (1, 3, 299, 299), False),
    Entry("timm xception41", "timm", _timm("xception41"), (1, 3, 299, 299), False),
)
