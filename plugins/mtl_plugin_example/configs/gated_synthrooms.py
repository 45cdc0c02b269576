# Uses the plugin's interaction and loss through custom_imports; trains with the
# unchanged `python tools/train.py plugins/mtl_plugin_example/configs/gated_synthrooms.py`.
_base_ = ['../../../configs/hps_synthrooms.py']

custom_imports = dict(imports=['mtl_plugin_example'], allow_failed_imports=False)

model = dict(
    interactions=dict(gate1=dict(type='CrossTaskGate', after_stage=2, tasks=('depth', 'seg'))),
    losses={'depth.logl1': dict(type='LogL1Loss')},
    combiner=dict(weights={'depth.logl1': 0.5}))
