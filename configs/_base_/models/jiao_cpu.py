# Jiao et al.'s synergy network (ECCV 2018) sized for a CPU, as the SynthRooms configs train it:
# ResNet-18 from scratch, decoder widths 128-64-32-16-16, the SUC's convolutions before its
# up-sampling; everything else as in jiao_resnet50.py.
_base_ = ['./jiao_resnet50.py']

plain_decoder = dict(type='UpConvDecoder', channels=(128, 64, 32, 16, 16))
decoder = dict(type='SemiDenseUpSkipDecoder', decoder=plain_decoder,
               suc=dict(type='SemiDenseUpSkip', mode='sum', kernel_size=3, conv_first=True))

model = dict(
    backbone=dict(model_name='resnet18', pretrained=False),
    tasks=dict(depth=dict(branch=decoder), seg=dict(branch=decoder)))
