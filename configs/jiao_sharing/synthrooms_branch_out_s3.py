# Jiao et al. supplement §2, Table 2 "S1-3" on SynthRooms (4 classes): the branch-out network with layers 1..3
# shared by both tasks (synthrooms_branch_out_s1.py explains the structure).
_base_ = ['./_synthrooms.py']
model = dict(shared_stages=dict(trunk=dict(tasks=('depth', 'seg'), stop=3)))
