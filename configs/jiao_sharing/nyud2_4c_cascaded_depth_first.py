# Jiao et al. supplement §2, Fig. 2(b), on NYUDv2-4c: the cascaded network "Casc. D/S" (Table 1):
# the semantic network reads the depth network's prediction as its input (model.tasks.seg.input),
# both losses train the whole chain, so the semantic loss also reaches the depth network.
_base_ = ['./_nyud2_4c.py']
model = dict(tasks=dict(seg=dict(input='depth')))
