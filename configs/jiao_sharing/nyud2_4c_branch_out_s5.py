# Jiao et al. supplement §2, Table 2 "S1-5" on NYUDv2-4c: the branch-out network with layers 1..5
# shared by both tasks (nyud2_4c_branch_out_s1.py explains the structure).
_base_ = ['./_nyud2_4c.py']
model = dict(shared_stages=dict(trunk=dict(tasks=('depth', 'seg'), stop=5)))
