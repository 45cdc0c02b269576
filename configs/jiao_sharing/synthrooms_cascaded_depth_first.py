# Jiao et al. supplement §2, Fig. 2(b), on SynthRooms (4 classes): the cascaded network "Casc. D/S" (Table 1):
# the semantic network reads the depth network's prediction as its input (model.tasks.seg.input),
# both losses train the whole chain, so the semantic loss also reaches the depth network.
_base_ = ['./_synthrooms.py']
model = dict(tasks=dict(seg=dict(input='depth')))
