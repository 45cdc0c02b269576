# Uses the plugin's interaction and loss; trains with the unchanged
# `python tools/train.py plugins/mtl_plugin_example/configs/gated_synthrooms.py` (or `mtl train`).
# No custom_imports: installing the package registers it through its `mtl.plugins` entry
# point. Without installing it (the package only on PYTHONPATH), add
#   custom_imports = dict(imports=['mtl_plugin_example'], allow_failed_imports=False)
_base_ = ['../../../configs/hps_synthrooms.py']

model = dict(
    interactions=dict(gate1=dict(type='CrossTaskGate', after_stage=2, tasks=('depth', 'seg'))),
    losses={'depth.logl1': dict(type='LogL1Loss')},
    combiner=dict(weights={'depth.logl1': 0.5}))
