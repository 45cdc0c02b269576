# Jiao et al. supplement §2, Fig. 2(b), on NYUDv2-4c: the cascaded network "Casc. S/D" (Table 1):
# the depth network reads the semantic network's class logits as its input
# (model.tasks.depth.input), both losses train the whole chain.
_base_ = ['./_nyud2_4c.py']
model = dict(tasks=dict(depth=dict(input='seg')))
