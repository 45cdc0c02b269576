# Jiao et al. supplement §2, Fig. 2(d), on SynthRooms (4 classes): the branch-out network (Table 1 "Branch",
# Table 2 "S1"): layer 1 is shared by both tasks, then two parallel branches. The split point is
# the one value model.shared_stages.trunk.stop (Table 2's S1-k shares layers 1..k): the other
# branch_out configs change only it, e.g. --cfg-options model.shared_stages.trunk.stop=4.
_base_ = ['./_synthrooms.py']
model = dict(shared_stages=dict(trunk=dict(tasks=('depth', 'seg'), stop=1)))
